//! Shared by the accuracy test and the accuracy example: generate a scenario with the
//! scenario generator, import it into a fresh SQLite store, resolve, and score against
//! the ground truth.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use mosaic_model::{Centre, CentreId, Schema};
use mosaic_resolve::eval::{pairwise, PairMetrics};
use mosaic_resolve::{Resolver, ResolverConfig};
use mosaic_sim::SimConfig;
use mosaic_store::{Scope, Store};
use mosaic_store_sqlite::SqliteStore;

pub struct Run {
    pub resolver: Resolver,
    pub truth: mosaic_sim::truth::Truth,
    pub store: Arc<SqliteStore>,
    pub metrics: BTreeMap<&'static str, PairMetrics>,
    pub unmatched_records: usize,
}

pub const SCHEMAS: &[(Schema, &str)] = &[
    (Schema::Person, "Person"),
    (Schema::Phone, "Phone"),
    (Schema::Vehicle, "Vehicle"),
    (Schema::BankAccount, "BankAccount"),
];

pub async fn scenario_store(cfg: &SimConfig, dir: &Path) -> Arc<SqliteStore> {
    let scen = dir.join("scenario");
    mosaic_sim::generate(cfg, &scen, &mut |_| {}).expect("scenario generates");
    let store = Arc::new(SqliteStore::open(&dir.join("data")).await.unwrap());
    let centre = Centre {
        id: CentreId::parse("fr-ncc").unwrap(),
        name: "test".into(),
        country: "fr".into(),
    };
    store.set_centre(&centre).await.unwrap();
    for a in mosaic_sim::agencies::AGENCIES {
        let agency = mosaic_model::Agency {
            id: mosaic_model::AgencyId::parse(a.id).unwrap(),
            name: a.name.into(),
            kind: mosaic_model::AgencyKind::parse(a.kind).unwrap(),
            country: a.country.into(),
        };
        store.put_agency(&agency).await.unwrap();
    }
    for f in mosaic_sim::data_files(&scen) {
        mosaic_io::import_file(
            &*store,
            &centre.id,
            &f,
            &mosaic_io::ImportOptions::default(),
            &mosaic_io::Quiet,
        )
        .await
        .unwrap_or_else(|e| panic!("import {}: {e}", f.display()));
    }
    store
}

pub async fn run(cfg: &SimConfig, dir: &Path, rcfg: ResolverConfig) -> Run {
    let store = scenario_store(cfg, dir).await;
    let truth = mosaic_sim::truth::load(&dir.join("scenario")).expect("truth loads");
    let (resolver, _) = Resolver::from_store(&*store, &*store, &Scope::system("accuracy"), rcfg)
        .await
        .unwrap();
    let assignments: BTreeMap<_, _> = resolver.assignments().into_iter().collect();
    let mut metrics = BTreeMap::new();
    let mut unmatched = 0;
    for (schema, name) in SCHEMAS {
        let mut items = Vec::new();
        for r in resolver.records().iter().filter(|r| r.schema == *schema) {
            let m = &r.mentions[0];
            let t = truth.entity_of(
                m.agency.as_str(),
                m.source_ref.as_deref().unwrap_or(""),
                &m.key,
            );
            match t {
                Some(t) => items.push((assignments[&r.id].clone(), t.to_owned())),
                None => unmatched += 1,
            }
        }
        metrics.insert(*name, pairwise(items));
    }
    Run {
        resolver,
        truth,
        store,
        metrics,
        unmatched_records: unmatched,
    }
}
