//! Entity resolution for Mosaic: identifier keys, name keys, and the resolver.
//!
//! - [`ident`], [`mrz`], [`name`]: normalisers from what providers wrote to
//!   [`IdentifierKey`]s — the one key type behind search, blocking, deconfliction and
//!   privacy-preserving matching. Invalid values are kept and flagged, never dropped.
//! - [`record`]: what a report contributes to resolution (one record per entity
//!   mention, with the keys of the phones, documents and accounts tied to it).
//! - [`compare`], [`model`]: comparison vectors and the Fellegi–Sunter model learned by
//!   EM, which explains every score feature by feature.
//! - `compact` (private): records interned into flat arrays for comparing pairs fast.
//! - [`cluster`], [`resolver`]: blocking with capped fan-out, clustering that never
//!   breaks an analyst's judgement, the review queue, incremental resolution.
//! - [`export`], [`eval`]: the `source_record_id,entity_id` CSV and pairwise scores.
#![forbid(unsafe_code)]

pub mod cluster;
mod compact;
pub mod compare;
pub mod country3;
pub mod eval;
pub mod export;
pub mod ident;
pub mod key;
pub mod model;
pub mod mrz;
pub mod name;
pub mod record;
pub mod resolver;

pub use key::{IdentifierKey, KeyKind, Normalized};
pub use name::NameForm;
pub use record::{records_of, Context, Record};
pub use resolver::{
    load_records, ClusterView, Corroboration, PairExplanation, ResolveStats, Resolver,
    ResolverConfig, ReviewItem,
};

/// Errors of resolution.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] mosaic_store::StoreError),
    #[error("cannot write {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}
