//! The protection rules (DESIGN §4.3) and handling markings applied to report and entity
//! responses. The rules themselves live in `mosaic_policy::protect` / `::handling`; this
//! module only gathers what they need (the caller's agency country, the centre's
//! pseudonymisation key) and shapes the views.

use std::collections::{BTreeMap, HashMap};

use mosaic_model::{HandlingCode, Report};
use mosaic_policy::protect::{protect_report, protect_statements, PseudonymKey, Viewer};
use mosaic_policy::{handling, Principal};
use mosaic_store::{AuditStore, StoredReport, StoredStatement};

use crate::api::views::{EntityView, ReportView};
use crate::error::ApiResult;
use crate::state::AppState;

/// The purpose analysis views are built for: every view but a referral's.
const ANALYSIS: &str = "analysis";
/// The purpose of an NGO caseworker's view of a person referred to their agency.
const PROTECTION: &str = "protection";

/// What the rules need to know about the caller.
pub(crate) struct ViewCtx {
    principal: Principal,
    country: Option<String>,
    key: PseudonymKey,
    audit: Option<std::sync::Arc<dyn AuditStore>>,
    /// Report id → versions whose H3 conditions the caller acknowledged (loaded on demand).
    acks: HashMap<String, Vec<u32>>,
    /// A view for protection work on an active referral to the caller's agency.
    referral: bool,
}

impl ViewCtx {
    pub(crate) async fn new(state: &AppState, principal: &Principal) -> ApiResult<ViewCtx> {
        let agency = principal.agency();
        let country = state
            .0
            .store
            .agencies()
            .await?
            .into_iter()
            .find(|a| &a.id == agency)
            .map(|a| a.country.to_ascii_lowercase());
        Ok(ViewCtx {
            principal: principal.clone(),
            country,
            key: state.0.pseudonym_key.clone(),
            audit: state.0.audit.store().cloned(),
            acks: HashMap::new(),
            referral: false,
        })
    }

    /// The view of a caseworker of the NGO an active referral was made to: the protection
    /// purpose, with a referral, which the policy `personal-data-for-protection` needs to
    /// release a protected person's data. Call only after checking the referral.
    pub(crate) fn for_referral(mut self) -> ViewCtx {
        self.referral = true;
        self
    }

    /// Loads the caller's acknowledgements of these reports' H3 conditions (the
    /// acknowledgement is an audit entry; without an audit store nothing can be
    /// acknowledged, and H3 content stays withheld).
    pub(crate) async fn load_acks(&mut self, reports: &[String]) -> ApiResult<()> {
        let Some(audit) = self.audit.clone() else {
            return Ok(());
        };
        let actor = self.principal.actor();
        for id in reports {
            if !self.acks.contains_key(id) {
                let v = crate::audit_log::acknowledged_versions(&*audit, &actor, id).await?;
                self.acks.insert(id.clone(), v);
            }
        }
        Ok(())
    }

    /// Counts an acknowledgement being recorded by this request.
    pub(crate) fn acknowledge(&mut self, id: &str, version: u32) {
        self.acks.entry(id.to_owned()).or_default().push(version);
    }

    /// Whether the report is H3 material whose conditions the caller has not
    /// acknowledged (for this version): then its content is withheld.
    pub(crate) fn withheld(&self, id: &str, version: u32, h: HandlingCode) -> bool {
        h == HandlingCode::H3 && !self.acks.get(id).is_some_and(|v| v.contains(&version))
    }

    fn viewer(&self) -> Viewer<'_> {
        Viewer {
            principal: &self.principal,
            country: self.country.as_deref(),
            purpose: if self.referral { PROTECTION } else { ANALYSIS },
            referral: self.referral,
            key: &self.key,
        }
    }

    /// A report as the caller may see it: persons hidden or pseudonymised as the rules
    /// say, flags, the H1 marking and the H3 conditions.
    pub(crate) fn report(&self, s: &StoredReport) -> ReportView {
        let (r, flags) = protect_report(&self.viewer(), s.report.clone());
        let mut v = ReportView::from(&StoredReport {
            report: r,
            ..s.clone()
        });
        v.flags = flags
            .into_iter()
            .map(|(k, f)| (k, f.into_iter().map(str::to_owned).collect()))
            .collect::<BTreeMap<_, _>>();
        v.marking = handling::export_marking(s.report.handling).map(str::to_owned);
        v.handling_conditions = handling::conditions(&s.report).map(str::to_owned);
        if self.withheld(s.report.id.as_str(), s.version, s.report.handling) {
            v.report = serde_json::to_value(envelope(&s.report)).expect("report serialises");
            v.flags.clear();
            v.withheld = true;
        }
        v
    }

    /// The report with the protection rules applied as for the caller's analysis views,
    /// and each entity key's flags (H3 withholding is the caller's to check).
    pub(crate) fn report_for_analysis(
        &self,
        s: &StoredReport,
    ) -> (mosaic_model::Report, Vec<(String, Vec<&'static str>)>) {
        protect_report(&self.viewer(), s.report.clone())
    }

    /// The canonical report as exported, with the same protection applied.
    pub(crate) fn export_report(&self, s: &StoredReport) -> mosaic_model::Report {
        protect_report(&self.viewer(), s.report.clone()).0
    }

    /// [`ViewCtx::entity`] after loading the caller's acknowledgements of the H3 reports
    /// among the statements (what every entity view needs).
    pub(crate) async fn entity_view(
        &mut self,
        id: &str,
        st: Vec<StoredStatement>,
    ) -> ApiResult<Option<EntityView>> {
        let h3: Vec<String> = st
            .iter()
            .filter(|s| s.handling == HandlingCode::H3)
            .map(|s| s.report_id.to_string())
            .collect();
        self.load_acks(&h3).await?;
        Ok(self.entity(id, st))
    }

    /// An entity as the caller may see it, or `None` if the rules hide it entirely.
    pub(crate) fn entity(&self, id: &str, st: Vec<StoredStatement>) -> Option<EntityView> {
        let (st, flags) = protect_statements(&self.viewer(), id, st)?;
        let mut withheld: Vec<String> = Vec::new();
        let st: Vec<StoredStatement> = st
            .into_iter()
            .filter(|s| {
                let w = self.withheld(s.report_id.as_str(), s.report_version, s.handling);
                if w && !withheld.contains(&s.report_id.to_string()) {
                    withheld.push(s.report_id.to_string());
                }
                !w
            })
            .collect();
        if st.is_empty() && withheld.is_empty() {
            return None;
        }
        let mut v = EntityView::from_statements(id, &st);
        v.flags = flags.into_iter().map(str::to_owned).collect();
        v.withheld_reports = withheld;
        Some(v)
    }
}

/// What is shown of H3 material before its conditions are acknowledged: who provided
/// it, when, and its labels; not its content (narrative, entities, roles, place, free
/// text).
pub(crate) fn envelope(r: &Report) -> Report {
    Report {
        author: None,
        source_ref: None,
        purpose: None,
        legal_basis: None,
        narrative: None,
        place: None,
        entities: Vec::new(),
        roles: Vec::new(),
        ..r.clone()
    }
}
