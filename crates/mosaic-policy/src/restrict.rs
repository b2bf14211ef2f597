//! Restrictions a provider adds after sending (DESIGN §3, issue 6): raise the handling
//! code, the TLP marking or the classification of one of its reports, or withdraw it.
//!
//! A restriction is a **new version** of the report (evidence is immutable: the earlier
//! versions stay in the store, for the provider and the audit), with the same content
//! and stricter labels. Every read path derives what it shows from the current version's
//! labels, so the restriction applies at once to entity profiles, lists, exports and
//! resolution; the search index is re-indexed by whoever writes the version.
//!
//! Withdrawing keeps the report with its provider only: TLP:RED and H3, with the reason
//! as the handling conditions. Other agencies' readers never see RED material.

use mosaic_model::{Classification, HandlingCode, Report, Tlp};

/// What to raise. Fields left `None` keep their current value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Restriction {
    pub tlp: Option<Tlp>,
    pub handling: Option<HandlingCode>,
    /// Required when the result is H3 (and the report was not H3 already).
    pub handling_conditions: Option<String>,
    pub classification: Option<Classification>,
    /// Keep the report with its provider only (TLP:RED, H3 with `reason`).
    pub withdraw: bool,
    /// Why; required to withdraw, recorded as the H3 conditions.
    pub reason: Option<String>,
}

/// Why a restriction was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RestrictError {
    #[error(
        "{field} {current} → {requested} would loosen the report; a restriction may only raise it"
    )]
    Looser {
        field: &'static str,
        current: String,
        requested: String,
    },
    #[error("nothing to restrict: the report already carries these labels")]
    NoChange,
    #[error("{0}")]
    Invalid(String),
}

/// The restricted version of `current`, or why not.
pub fn restrict(current: &Report, r: &Restriction) -> Result<Report, RestrictError> {
    let mut next = current.clone();
    if r.withdraw {
        let reason = r
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| RestrictError::Invalid("state the reason for withdrawing".into()))?;
        next.tlp = Tlp::Red;
        next.handling = HandlingCode::H3;
        next.handling_conditions = Some(format!("withdrawn by the provider: {reason}"));
    } else {
        if let Some(t) = r.tlp {
            if t < current.tlp {
                return Err(looser("tlp", current.tlp, t));
            }
            next.tlp = t;
        }
        if let Some(h) = r.handling {
            if h < current.handling {
                return Err(looser("handling", current.handling, h));
            }
            next.handling = h;
        }
        if let Some(c) = r.classification {
            if c < current.classification {
                return Err(looser("classification", current.classification, c));
            }
            next.classification = c;
        }
        if next.handling == HandlingCode::H3 {
            if let Some(cond) = r.handling_conditions.as_deref().map(str::trim) {
                if cond.is_empty() {
                    return Err(RestrictError::Invalid(
                        "handling_conditions may not be empty".into(),
                    ));
                }
                next.handling_conditions = Some(cond.to_owned());
            }
            if next.handling_conditions.is_none() {
                return Err(RestrictError::Invalid(
                    "H3 requires the conditions to be stated in handling_conditions".into(),
                ));
            }
        } else if r.handling_conditions.is_some() {
            return Err(RestrictError::Invalid(
                "handling_conditions only go with H3".into(),
            ));
        }
    }
    if next == *current {
        return Err(RestrictError::NoChange);
    }
    Ok(next)
}

fn looser(field: &'static str, current: impl ToString, requested: impl ToString) -> RestrictError {
    RestrictError::Looser {
        field,
        current: current.to_string(),
        requested: requested.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(h: &str, tlp: &str) -> Report {
        let v = serde_json::json!({
            "agency": "fr-paf", "report_type": "interception", "source_ref": "R-1",
            "reported_at": "2025-03-01T10:00:00Z", "handling": h, "tlp": tlp,
            "handling_conditions": if h == "H3" { serde_json::json!("case X only") } else { serde_json::Value::Null },
            "classification": "restricted", "narrative": "boat",
        });
        Report::from_value(&mosaic_model::CentreId::parse("fr-ncc").unwrap(), &v).unwrap()
    }

    #[test]
    fn raises_labels_and_keeps_content_and_id() {
        let r = report("H0", "GREEN");
        let n = restrict(
            &r,
            &Restriction {
                tlp: Some(Tlp::Amber),
                handling: Some(HandlingCode::H2),
                classification: Some(Classification::Confidential),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            (n.tlp, n.handling, n.classification),
            (Tlp::Amber, HandlingCode::H2, Classification::Confidential)
        );
        assert_eq!(
            (n.id.clone(), n.narrative.clone()),
            (r.id.clone(), r.narrative.clone())
        );
        assert_ne!(n.canonical_json(), r.canonical_json(), "a new version");
    }

    #[test]
    fn never_loosens() {
        let r = report("H2", "AMBER");
        let e = restrict(
            &r,
            &Restriction {
                tlp: Some(Tlp::Green),
                ..Default::default()
            },
        );
        assert!(
            matches!(e, Err(RestrictError::Looser { field: "tlp", .. })),
            "{e:?}"
        );
        let e = restrict(
            &r,
            &Restriction {
                handling: Some(HandlingCode::H1),
                ..Default::default()
            },
        );
        assert!(
            matches!(
                e,
                Err(RestrictError::Looser {
                    field: "handling",
                    ..
                })
            ),
            "{e:?}"
        );
        assert_eq!(
            restrict(
                &r,
                &Restriction {
                    tlp: Some(Tlp::Amber),
                    ..Default::default()
                }
            ),
            Err(RestrictError::NoChange)
        );
    }

    #[test]
    fn h3_needs_conditions_and_withdraw_needs_a_reason() {
        let r = report("H1", "AMBER");
        assert!(matches!(
            restrict(
                &r,
                &Restriction {
                    handling: Some(HandlingCode::H3),
                    ..Default::default()
                }
            ),
            Err(RestrictError::Invalid(_))
        ));
        let n = restrict(
            &r,
            &Restriction {
                handling: Some(HandlingCode::H3),
                handling_conditions: Some("prosecutor's consent".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            n.handling_conditions.as_deref(),
            Some("prosecutor's consent")
        );
        assert!(matches!(
            restrict(
                &r,
                &Restriction {
                    withdraw: true,
                    ..Default::default()
                }
            ),
            Err(RestrictError::Invalid(_))
        ));
        let w = restrict(
            &r,
            &Restriction {
                withdraw: true,
                reason: Some("source compromised".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((w.tlp, w.handling), (Tlp::Red, HandlingCode::H3));
        assert!(w
            .handling_conditions
            .unwrap()
            .contains("source compromised"));
    }
}
