//! Who is who: centres, agencies, users and their roles and clearances.

use serde::{Deserialize, Serialize};

use crate::ids::{AgencyId, CentreId, UserId};
use crate::vocab::{vocabulary, AgencyKind, Classification};

/// One Mosaic installation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Centre {
    pub id: CentreId,
    pub name: String,
    /// ISO 3166-1 alpha-2, lowercase.
    pub country: String,
}

/// An organisation inside a centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub id: AgencyId,
    pub name: String,
    pub kind: AgencyKind,
    pub country: String,
}

vocabulary!(
    /// What a user does in Mosaic; decides which actions they may take.
    UserRole, "user role" {
        Officer = "officer",
        Analyst = "analyst",
        LiaisonOfficer = "liaison_officer",
        CaseOfficer = "case_officer",
        NgoCaseworker = "ngo_caseworker",
        Supervisor = "supervisor",
        DataProtectionOfficer = "data_protection_officer" | "dpo",
        Administrator = "administrator" | "admin",
    }
);

/// A person who signs in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub agency: AgencyId,
    pub roles: Vec<UserRole>,
    pub clearance: Classification,
    pub disabled: bool,
}
