//! `mosaic search QUERY`: names (fuzzy, transliterated), identifiers and narrative text,
//! over an index kept in `<data dir>/search-index` and rebuilt from the store on demand.

use std::path::Path;

use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;

use mosaic_model::{AgencyId, Schema};
use mosaic_search::{DocKind, SearchIndex, SearchRequest};
use mosaic_store::{DynStore, Scope};

/// `mosaic search`
#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Names, identifiers (phone, IBAN, plate, document…) or words.
    pub query: String,
    /// From this date (YYYY-MM-DD or RFC 3339), by observed time.
    #[arg(long)]
    pub from: Option<String>,
    /// Until this date (exclusive).
    #[arg(long)]
    pub until: Option<String>,
    /// min_lon,min_lat,max_lon,max_lat
    #[arg(long, value_delimiter = ',', num_args = 4)]
    pub bbox: Option<Vec<f64>>,
    /// Only these agencies (repeatable).
    #[arg(long)]
    pub agency: Vec<String>,
    /// Only entities of these schemas (Person, Phone, Vehicle…; repeatable).
    #[arg(long)]
    pub schema: Vec<String>,
    /// Only reports or only entities.
    #[arg(long, value_parser = ["report", "entity"])]
    pub kind: Option<String>,
    /// Country for phone numbers written nationally (e.g. fr).
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Rebuild the index from the store first.
    #[arg(long)]
    pub rebuild: bool,
    #[arg(long)]
    pub json: bool,
}

fn time(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    Ok(DateTime::parse_from_rfc3339(s)
        .with_context(|| format!("{s:?} is not a date (YYYY-MM-DD) or RFC 3339 time"))?
        .with_timezone(&Utc))
}

/// Runs `mosaic search`. The index lives in `<data_dir>/search-index`; it is built on
/// first use and with `--rebuild`.
pub async fn run(store: DynStore, data_dir: &Path, a: SearchArgs) -> Result<()> {
    let dir = data_dir.join("search-index");
    let mut idx = SearchIndex::open(&dir).context(
        "opening the search index (a running `mosaic serve` holds it: search through its API)",
    )?;
    // the index records what it reflects: rebuilt when the store changed without it
    if a.rebuild || !idx.is_current(&*store).await? {
        let n = idx.rebuild(&*store).await?;
        eprintln!("indexed {n} reports");
    } else {
        idx.set_agencies(&store.agencies().await?);
    }
    let req = SearchRequest {
        query: a.query.clone(),
        from: a.from.as_deref().map(time).transpose()?,
        until: a.until.as_deref().map(time).transpose()?,
        bbox: a.bbox.as_ref().map(|b| (b[0], b[1], b[2], b[3])),
        agencies: a
            .agency
            .iter()
            .map(|s| AgencyId::parse(s).map_err(|e| anyhow::anyhow!("{}", e.message)))
            .collect::<Result<_>>()?,
        schemas: a
            .schema
            .iter()
            .map(|s| Schema::parse(s).map_err(|e| anyhow::anyhow!("{}", e.message)))
            .collect::<Result<_>>()?,
        kind: a.kind.as_deref().map(|k| {
            if k == "report" {
                DocKind::Report
            } else {
                DocKind::Entity
            }
        }),
        default_country: a.country.clone(),
        limit: a.limit,
        offset: 0,
        // the administrator's maintenance view: everything, as stored
        hide_protected: false,
    };
    let res = idx.search(&Scope::system("mosaic search"), &req)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&res)?);
        return Ok(());
    }
    for h in &res.hits {
        println!(
            "{:>6.2}  {:<8} {:<14} {}  {}",
            h.score,
            h.schema.as_deref().unwrap_or("report"),
            h.agency,
            h.title,
            h.entity_id.as_deref().unwrap_or(h.report_id.as_str())
        );
        if !h.snippet.is_empty() {
            println!("        {}", h.snippet);
        }
    }
    println!("{} of {} matches shown", res.hits.len(), res.total);
    Ok(())
}
