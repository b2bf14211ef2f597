//! The protection rules (DESIGN §4.3) and handling markings applied to report and entity
//! responses. The rules themselves live in `mosaic_policy::protect` / `::handling`; this
//! module only gathers what they need (the caller's agency country, the centre's
//! pseudonymisation key) and shapes the views.

use std::collections::BTreeMap;

use mosaic_policy::protect::{protect_report, protect_statements, PseudonymKey, Viewer};
use mosaic_policy::{handling, Principal};
use mosaic_store::{StoredReport, StoredStatement};

use crate::api::views::{EntityView, ReportView};
use crate::error::ApiResult;
use crate::state::AppState;

/// The purpose analysis views are built for. Protection-purpose release needs a recorded
/// referral, which Mosaic does not store yet, so every view is an analysis view.
const ANALYSIS: &str = "analysis";

/// What the rules need to know about the caller.
pub(crate) struct ViewCtx {
    principal: Principal,
    country: Option<String>,
    key: PseudonymKey,
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
        })
    }

    fn viewer(&self) -> Viewer<'_> {
        Viewer {
            principal: &self.principal,
            country: self.country.as_deref(),
            purpose: ANALYSIS,
            referral: false,
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
        v
    }

    /// The canonical report as exported, with the same protection applied.
    pub(crate) fn export_report(&self, s: &StoredReport) -> mosaic_model::Report {
        protect_report(&self.viewer(), s.report.clone()).0
    }

    /// An entity as the caller may see it, or `None` if the rules hide it entirely.
    pub(crate) fn entity(&self, id: &str, st: Vec<StoredStatement>) -> Option<EntityView> {
        let (st, flags) = protect_statements(&self.viewer(), id, st)?;
        let mut v = EntityView::from_statements(id, &st);
        v.flags = flags.into_iter().map(str::to_owned).collect();
        Some(v)
    }
}
