//! `mosaic resolve` and `mosaic export-resolution`: entity resolution over the whole
//! store (system scope: an administrator's maintenance command), the review queue,
//! explanations, and recording an analyst's judgement.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use mosaic_model::EntityId;
use mosaic_resolve::{Resolver, ResolverConfig};
use mosaic_store::judgements::{JudgementStore, NewJudgement, Verdict};
use mosaic_store::{DynStore, Scope};

/// `mosaic resolve`
#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// Link pairs at or above this match probability.
    #[arg(long, default_value_t = ResolverConfig::default().match_probability)]
    pub threshold: f64,
    /// Print up to N pairs of the review queue (the uncertain band), explained.
    #[arg(long, value_name = "N")]
    pub review: Option<usize>,
    /// Show the resolved entity an entity id belongs to: its members, from which
    /// agencies and reports, and the links (explained) that joined them.
    #[arg(long, value_name = "ENTITY_ID")]
    pub explain: Option<String>,
    /// Record a judgement: two entity ids and a verdict (same, not_same, unsure,
    /// retracted); needs --reason and --author.
    #[arg(long, num_args = 3, value_names = ["LEFT", "RIGHT", "VERDICT"])]
    pub judge: Option<Vec<String>>,
    #[arg(long)]
    pub reason: Option<String>,
    /// Who decides (a user id); recorded with the judgement.
    #[arg(long, env = "MOSAIC_USER")]
    pub author: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `mosaic export-resolution`
#[derive(Args, Debug)]
pub struct ExportResolutionArgs {
    /// Output file (`-` for standard output).
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    #[arg(long, default_value_t = ResolverConfig::default().match_probability)]
    pub threshold: f64,
}

fn entity(s: &str) -> Result<EntityId> {
    EntityId::parse(s).map_err(|e| anyhow::anyhow!("{s:?}: {}", e.message))
}

async fn resolver(
    store: &DynStore,
    judgements: &Arc<dyn JudgementStore>,
    threshold: f64,
    purpose: &str,
) -> Result<Resolver> {
    let cfg = ResolverConfig {
        match_probability: threshold,
        review_probability: ResolverConfig::default().review_probability.min(threshold),
        ..ResolverConfig::default()
    };
    let scope = Scope::system(purpose);
    let (r, _) = Resolver::from_store(&**store, &**judgements, &scope, cfg)
        .await
        .context("resolving")?;
    Ok(r)
}

/// Runs `mosaic resolve`.
pub async fn run(
    store: DynStore,
    judgements: Arc<dyn JudgementStore>,
    a: ResolveArgs,
) -> Result<()> {
    if let Some(j) = &a.judge {
        let (Some(reason), Some(author)) = (&a.reason, &a.author) else {
            bail!("a judgement needs --reason and --author (or MOSAIC_USER)");
        };
        let new = NewJudgement {
            left: entity(&j[0])?,
            right: entity(&j[1])?,
            verdict: Verdict::parse(&j[2])?,
            author: author.clone(),
            reason: reason.clone(),
            at: chrono::Utc::now(),
        };
        let rec = judgements.record_judgement(&new).await?;
        println!(
            "recorded judgement #{}: {} {} {} ({})",
            rec.seq, rec.left, rec.verdict, rec.right, rec.reason
        );
    }
    let r = resolver(&store, &judgements, a.threshold, "mosaic resolve").await?;
    if let Some(id) = &a.explain {
        let id = entity(id)?;
        let Some(view) = r.cluster(&id) else {
            bail!("{id} is not an entity of any current report");
        };
        if a.json {
            println!("{}", serde_json::to_string_pretty(&view)?);
        } else {
            println!("entity {} ({} records)", view.id, view.members.len());
            for m in &view.members {
                let from: Vec<String> = m
                    .mentions
                    .iter()
                    .map(|x| {
                        format!(
                            "{} {}",
                            x.agency,
                            x.source_ref.as_deref().unwrap_or(x.report.as_str())
                        )
                    })
                    .collect();
                println!(
                    "  {} [{}] {} {}",
                    m.entity_id,
                    from.join("; "),
                    m.names.join(" / "),
                    m.keys.join(", ")
                );
            }
            for l in &view.links {
                print!("{l}");
            }
            for j in &view.judgements {
                println!(
                    "  judgement #{}: {} {} {} by {} at {}: {}",
                    j.seq, j.left, j.verdict, j.right, j.author, j.at, j.reason
                );
            }
        }
        return Ok(());
    }
    if let Some(n) = a.review {
        let items = r.review_queue(n);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&items)?);
        } else {
            for it in &items {
                print!("{}", it.explanation);
            }
            println!(
                "{} of {} pairs to review shown",
                items.len(),
                r.stats().review_queue
            );
        }
        return Ok(());
    }
    let s = r.stats();
    if a.json {
        println!("{}", serde_json::to_string_pretty(s)?);
    } else {
        println!(
            "{} records ({} persons) → {} entities; {} records merged; {} pairs to review; \
             {} judgements applied ({} in conflict); {} candidate pairs, {} blocks over the cap",
            s.records,
            s.persons,
            s.clusters,
            s.merged_records,
            s.review_queue,
            s.judgements_applied,
            s.judgement_conflicts,
            s.candidate_pairs,
            s.saturated_blocks
        );
    }
    Ok(())
}

/// Runs `mosaic export-resolution`: CSV `source_record_id,entity_id`.
pub async fn run_export(
    store: DynStore,
    judgements: Arc<dyn JudgementStore>,
    a: ExportResolutionArgs,
) -> Result<()> {
    let r = resolver(&store, &judgements, a.threshold, "mosaic export-resolution").await?;
    let n = if a.out.as_os_str() == "-" {
        mosaic_resolve::export::write_resolution_csv(&r, std::io::stdout().lock())?
    } else {
        let f = std::fs::File::create(&a.out)
            .with_context(|| format!("creating {}", a.out.display()))?;
        let n = mosaic_resolve::export::write_resolution_csv(&r, std::io::BufWriter::new(f))?;
        eprintln!("{n} records written to {}", a.out.display());
        n
    };
    tracing::info!(rows = n, "resolution exported");
    Ok(())
}
