//! Handling codes on use and dissemination (DESIGN §3, §4.1).
//!
//! - H1: every export carries [`H1_MARKING`];
//! - H2: a non-provider may not disseminate without the provider's recorded permission
//!   ([`may_disseminate`]);
//! - H3: the provider's conditions are shown with the material ([`conditions`]).

use mosaic_model::{AgencyId, HandlingCode, Report};

/// The marking H1 material carries on every export.
pub const H1_MARKING: &str =
    "H1: not for use in judicial proceedings without the provider's permission";

/// The marking to attach to a report on export, if its handling code requires one.
pub fn export_marking(h: HandlingCode) -> Option<&'static str> {
    (h == HandlingCode::H1).then_some(H1_MARKING)
}

/// The provider's H3 conditions, to be shown (and acknowledged) with the material.
pub fn conditions(r: &Report) -> Option<&str> {
    if r.handling == HandlingCode::H3 {
        Some(
            r.handling_conditions
                .as_deref()
                .unwrap_or("(conditions not stated)"),
        )
    } else {
        None
    }
}

/// Whether `agency` may export or disseminate material of `provider` with handling `h`.
/// The provider always may; H2 material of another agency needs a recorded permission.
pub fn may_disseminate(
    agency: &AgencyId,
    provider: &AgencyId,
    h: HandlingCode,
    permission_granted: bool,
) -> bool {
    agency == provider || h != HandlingCode::H2 || permission_granted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h2_needs_permission_unless_provider() {
        let a = AgencyId::parse("fr-paf").unwrap();
        let b = AgencyId::parse("fr-gn").unwrap();
        assert!(may_disseminate(&a, &a, HandlingCode::H2, false));
        assert!(!may_disseminate(&b, &a, HandlingCode::H2, false));
        assert!(may_disseminate(&b, &a, HandlingCode::H2, true));
        assert!(may_disseminate(&b, &a, HandlingCode::H1, false));
        assert_eq!(export_marking(HandlingCode::H1), Some(H1_MARKING));
        assert_eq!(export_marking(HandlingCode::H0), None);
    }
}
