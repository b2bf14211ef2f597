//! What the API returns: views of stored objects, never their secrets.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use mosaic_model::Agency;
use mosaic_store::{ApiToken, StoredReport, StoredStatement, UserRecord};

/// A user account (no credentials).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub agency: String,
    pub roles: Vec<String>,
    pub clearance: String,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<DateTime<Utc>>,
    /// Set while the account is locked after repeated failed sign-ins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<DateTime<Utc>>,
}

impl UserView {
    pub fn from_record(r: &UserRecord) -> UserView {
        UserView {
            id: r.user.id.to_string(),
            username: r.user.username.clone(),
            display_name: r.user.display_name.clone(),
            agency: r.user.agency.to_string(),
            roles: r.user.roles.iter().map(|x| x.as_str().to_owned()).collect(),
            clearance: r.user.clearance.as_str().to_owned(),
            disabled: r.user.disabled,
            totp_enabled: r.totp_secret.is_some(),
            created_at: r.created_at,
            last_login_at: r.last_login_at,
            locked_until: r.locked_until.filter(|t| *t > Utc::now()),
        }
    }
}

/// An API token (never its secret).
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    pub name: String,
    pub agency: String,
    pub actions: Vec<String>,
    pub clearance: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub active: bool,
}

impl TokenView {
    pub fn from_token(t: &ApiToken, now: DateTime<Utc>) -> TokenView {
        TokenView {
            id: t.id.clone(),
            prefix: t.prefix.clone(),
            name: t.name.clone(),
            agency: t.agency.to_string(),
            actions: t.actions.clone(),
            clearance: t.clearance.as_str().to_owned(),
            created_by: t.created_by.to_string(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
            active: t.is_active(now),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgencyView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub country: String,
}

impl From<&Agency> for AgencyView {
    fn from(a: &Agency) -> Self {
        AgencyView {
            id: a.id.to_string(),
            name: a.name.clone(),
            kind: a.kind.as_str().to_owned(),
            country: a.country.clone(),
        }
    }
}

/// Mosaic's report format (`mosaic.report/1`) in the document, as `Report`: the published
/// JSON Schema, `schemas/report.schema.json`, which a model test keeps in step with what
/// the reader accepts. Used for the body of `POST /reports` and in [`ReportView`]; the
/// served document carries the file itself ([`crate::api::openapi_value`]).
pub struct ReportDoc;

/// The report JSON Schema as it appears in the OpenAPI document (2020-12, which OpenAPI
/// 3.1 uses, without `$schema` and `$id`).
pub fn report_json_schema() -> Value {
    let mut v: Value = serde_json::from_str(include_str!("../../../../schemas/report.schema.json"))
        .expect("schemas/report.schema.json is JSON");
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("$id");
    }
    v
}

/// A stand-in: [`crate::api::openapi_value`] puts the schema in as the file has it.
impl PartialSchema for ReportDoc {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A report (mosaic.report/1): schemas/report.schema.json",
            ))
            .into()
    }
}

impl ToSchema for ReportDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "Report".into()
    }
}

/// A stored report: the canonical report plus its version.
#[derive(Serialize, ToSchema)]
pub struct ReportView {
    /// The report in Mosaic's canonical format (`mosaic.report/1`,
    /// `schemas/report.schema.json`).
    #[schema(value_type = ReportDoc)]
    pub report: Value,
    pub version: u32,
    pub content_hash: String,
    pub stored_at: DateTime<Utc>,
    /// Protection flags per entity key of the report (`child`, `victim_of_trafficking`,
    /// `protected_person`, `pseudonymised`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub flags: BTreeMap<String, Vec<String>>,
    /// The marking H1 material carries: not for use in judicial proceedings without the
    /// provider's permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marking: Option<String>,
    /// The provider's conditions on H3 material, to be honoured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handling_conditions: Option<String>,
    /// H3 material whose conditions you have not acknowledged (for this version): only
    /// the envelope is shown (provider, times, labels); the content — narrative,
    /// entities, roles, place — is withheld until you acknowledge the conditions with
    /// `POST /api/v1/reports/{id}/acknowledgement`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

impl From<&StoredReport> for ReportView {
    fn from(s: &StoredReport) -> Self {
        ReportView {
            report: serde_json::to_value(&s.report).expect("report serialises"),
            version: s.version,
            content_hash: s.content_hash.clone(),
            stored_at: s.stored_at,
            flags: BTreeMap::new(),
            marking: None,
            handling_conditions: None,
            withheld: false,
        }
    }
}

/// One property value with the provenance and labels of the report asserting it.
#[derive(Serialize, ToSchema)]
pub struct StatementView {
    pub prop: String,
    pub value: String,
    /// The value is an entity id (an edge in the graph).
    pub is_ref: bool,
    pub report_id: String,
    pub report_version: u32,
    pub agency: String,
    pub handling: String,
    pub tlp: String,
    pub classification: String,
    /// EU 4x4 grading of the report, if graded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grading: Option<String>,
    pub reported_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<DateTime<Utc>>,
}

impl From<&StoredStatement> for StatementView {
    fn from(s: &StoredStatement) -> Self {
        StatementView {
            prop: s.prop.clone(),
            value: s.value.clone(),
            is_ref: s.is_ref,
            report_id: s.report_id.to_string(),
            report_version: s.report_version,
            agency: s.agency.to_string(),
            handling: s.handling.as_str().to_owned(),
            tlp: s.tlp.as_str().to_owned(),
            classification: s.classification.as_str().to_owned(),
            grading: s.grading.clone(),
            reported_at: s.reported_at,
            observed_at: s.observed_at,
        }
    }
}

/// An entity as the caller may see it: the merge of the statements visible to them.
#[derive(Serialize, ToSchema)]
pub struct EntityView {
    pub id: String,
    pub schema: String,
    /// Property → distinct values, merged over the visible statements.
    pub properties: BTreeMap<String, Vec<String>>,
    pub statements: Vec<StatementView>,
    /// Protection flags (`child`, `victim_of_trafficking`, `protected_person`,
    /// `pseudonymised`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// H3 reports whose statements are left out until you acknowledge their conditions
    /// (`POST /api/v1/reports/{id}/acknowledgement`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld_reports: Vec<String>,
}

impl EntityView {
    pub fn from_statements(id: &str, st: &[StoredStatement]) -> EntityView {
        let mut properties: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in st {
            let v = properties.entry(s.prop.clone()).or_default();
            if !v.contains(&s.value) {
                v.push(s.value.clone());
            }
        }
        EntityView {
            id: id.to_owned(),
            schema: st.first().map(|s| s.schema.to_string()).unwrap_or_default(),
            properties,
            statements: st.iter().map(StatementView::from).collect(),
            flags: Vec::new(),
            withheld_reports: Vec::new(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AgencyPage {
    pub items: Vec<AgencyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenPage {
    pub items: Vec<TokenView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
