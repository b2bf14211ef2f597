//! Mosaic's domain model: identifiers, vocabularies, entity schemas, reports and the
//! statements they assert, with validation that names the field and the rule broken.
//!
//! No I/O lives here; every other crate depends on this one.
#![forbid(unsafe_code)]

pub mod country;
pub mod error;
pub mod ids;
pub mod jcs;
pub mod org;
pub mod report;
pub mod schema;
pub mod time;
pub mod vocab;

pub use error::{Rule, ValidationError};
pub use ids::{AgencyId, CaseId, CentreId, ContentHash, EntityId, ReportId, UserId};
pub use org::{Agency, Centre, User, UserRole};
pub use report::{EntityMention, Geometry, Place, Report, RoleAssertion, Statement};
pub use schema::Schema;
pub use vocab::{
    AgencyKind, Classification, EventType, Grading, HandlingCode, ImpactLevel, PersonRole,
    ReportType, Tlp,
};

#[cfg(test)]
mod tests;
