//! Reports: the unit an agency submits, and the statements derived from them.
//!
//! A report is read from a loose JSON value (so every problem can be named by field
//! path, and several at once), normalised, and hashed canonically. The canonical JSON is
//! the wire form Mosaic exports, so import → export → import is lossless by construction.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Rule, ValidationError};
use crate::ids::{short_hash, AgencyId, CentreId, ContentHash, EntityId, ReportId};
use crate::schema::{check_value, PropType, Schema};
use crate::time::{format_instant, parse_instant};
use crate::vocab::{Classification, Grading, HandlingCode, PersonRole, ReportType, Tlp};

/// The format tag written on export. Readers accept its absence.
pub const FORMAT: &str = "mosaic.report/1";

/// Limits that keep one record from exhausting the importer.
pub const MAX_ENTITIES: usize = 2_000;
pub const MAX_VALUES_PER_PROPERTY: usize = 200;
pub const MAX_TEXT: usize = 200_000;

/// Where something happened: a name, a country, and/or a GeoJSON geometry
/// (a point, a route as a line, or an area as a polygon), WGS 84, `[lon, lat]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<Geometry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "coordinates")]
pub enum Geometry {
    Point([f64; 2]),
    LineString(Vec<[f64; 2]>),
    Polygon(Vec<Vec<[f64; 2]>>),
}

impl Geometry {
    /// Bounding box `(min_lon, min_lat, max_lon, max_lat)`.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        let pts: Vec<[f64; 2]> = match self {
            Geometry::Point(p) => vec![*p],
            Geometry::LineString(l) => l.clone(),
            Geometry::Polygon(rings) => rings.iter().flatten().copied().collect(),
        };
        pts.iter().fold(
            (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ),
            |(a, b, c, d), p| (a.min(p[0]), b.min(p[1]), c.max(p[0]), d.max(p[1])),
        )
    }

    fn validate(&self) -> Result<(), String> {
        let pts: Vec<&[f64; 2]> = match self {
            Geometry::Point(p) => vec![p],
            Geometry::LineString(l) => {
                if l.len() < 2 {
                    return Err("a LineString needs at least 2 positions".into());
                }
                l.iter().collect()
            }
            Geometry::Polygon(rings) => {
                if rings.is_empty() || rings.iter().any(|r| r.len() < 4 || r.first() != r.last()) {
                    return Err("a Polygon ring needs at least 4 positions, first = last".into());
                }
                rings.iter().flatten().collect()
            }
        };
        if pts.len() > 10_000 {
            return Err("more than 10000 positions".into());
        }
        for p in pts {
            if !(-180.0..=180.0).contains(&p[0]) || !(-90.0..=90.0).contains(&p[1]) {
                return Err(format!(
                    "position [{}, {}] is outside WGS 84 range ([lon, lat], lon -180..180, lat -90..90)",
                    p[0], p[1]
                ));
            }
        }
        Ok(())
    }
}

/// One entity as a report mentions it. `key` is local to the report; other entities and
/// roles refer to it. `id` optionally ties the mention to an existing entity id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityMention {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<EntityId>,
    pub schema: Schema,
    pub properties: BTreeMap<String, Vec<String>>,
}

/// A person's role in the context of this report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssertion {
    pub entity: String,
    pub role: PersonRole,
}

/// A validated, normalised report. Field order here is the canonical order on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format: String,
    pub id: ReportId,
    pub agency: AgencyId,
    pub report_type: ReportType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    #[serde(with = "instant")]
    pub reported_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_instant")]
    pub observed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_instant")]
    pub observed_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grading: Option<Grading>,
    pub handling: HandlingCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling_conditions: Option<String>,
    pub tlp: Tlp,
    pub classification: Classification,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_at: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_until: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityMention>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleAssertion>,
}

mod instant {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_instant(t))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse_instant("", &s).map_err(serde::de::Error::custom)
    }
}

mod opt_instant {
    use super::*;
    pub fn serialize<S: serde::Serializer>(
        t: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_instant(t)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| parse_instant("", &s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

pub(crate) const TOP_FIELDS: &[&str] = &[
    "format",
    "id",
    "agency",
    "report_type",
    "author",
    "source_ref",
    "reported_at",
    "observed_at",
    "observed_until",
    "grading",
    "handling",
    "handling_conditions",
    "tlp",
    "classification",
    "purpose",
    "legal_basis",
    "review_at",
    "retain_until",
    "language",
    "narrative",
    "place",
    "entities",
    "roles",
];

/// Collects errors while reading a loose JSON object.
struct Reader<'a> {
    obj: &'a Map<String, Value>,
    errors: Vec<ValidationError>,
}

impl<'a> Reader<'a> {
    fn opt_str(&mut self, field: &str) -> Option<String> {
        match self.obj.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => {
                if s.len() > MAX_TEXT {
                    self.errors.push(ValidationError::new(
                        field,
                        Rule::Limit,
                        format!("longer than {MAX_TEXT} bytes"),
                    ));
                    return None;
                }
                Some(s.trim().to_owned())
            }
            Some(other) => {
                self.errors.push(ValidationError::new(
                    field,
                    Rule::PropertyType,
                    format!("expected a string, found {}", kind_of(other)),
                ));
                None
            }
        }
    }

    fn req_str(&mut self, field: &str) -> Option<String> {
        let v = self.opt_str(field);
        if v.is_none() && !self.errors.iter().any(|e| e.field == field) {
            self.errors
                .push(ValidationError::new(field, Rule::Required, "is required"));
        }
        v
    }

    fn parsed<T>(
        &mut self,
        field: &str,
        required: bool,
        f: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Option<T> {
        let s = if required {
            self.req_str(field)
        } else {
            self.opt_str(field)
        }?;
        match f(&s) {
            Ok(v) => Some(v),
            Err(mut e) => {
                e.field = field.to_owned();
                self.errors.push(e);
                None
            }
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, ValidationError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ValidationError::new(
            "",
            Rule::Date,
            format!("{s:?} is not a date in YYYY-MM-DD form"),
        )
    })
}

impl Report {
    /// Keys of the entity mentions whose property values name one of `keys` (a phone,
    /// a document held by such an entity): what would reveal the entities `keys` name.
    pub fn keys_pointing_at(&self, keys: &std::collections::BTreeSet<String>) -> Vec<String> {
        self.entities
            .iter()
            .filter(|m| {
                m.properties
                    .values()
                    .any(|vs| vs.iter().any(|v| keys.contains(v)))
            })
            .map(|m| m.key.clone())
            .collect()
    }

    /// Reads and validates a report from a loose JSON value. `centre` mints ids for a
    /// report or entity that has none, deterministically, so re-imports are idempotent.
    pub fn from_value(centre: &CentreId, value: &Value) -> Result<Report, Vec<ValidationError>> {
        let Value::Object(obj) = value else {
            return Err(vec![ValidationError::new(
                "",
                Rule::Syntax,
                format!("a report is a JSON object, found {}", kind_of(value)),
            )]);
        };
        let mut r = Reader {
            obj,
            errors: Vec::new(),
        };
        for k in obj.keys() {
            if !TOP_FIELDS.contains(&k.as_str()) {
                r.errors.push(ValidationError::new(
                    k.clone(),
                    Rule::UnknownField,
                    format!("unknown field; known fields are: {}", TOP_FIELDS.join(", ")),
                ));
            }
        }
        if let Some(f) = r.opt_str("format") {
            if f != FORMAT {
                r.errors.push(ValidationError::new(
                    "format",
                    Rule::Vocabulary,
                    format!("{f:?} is not supported; this version reads {FORMAT:?}"),
                ));
            }
        }
        let id = r.parsed("id", false, ReportId::parse);
        let agency = r.parsed("agency", true, AgencyId::parse);
        let report_type = r.parsed("report_type", true, ReportType::parse);
        let author = r.opt_str("author");
        let source_ref = r.opt_str("source_ref");
        let reported_at = r.parsed("reported_at", true, |s| parse_instant("", s));
        let observed_at = r.parsed("observed_at", false, |s| parse_instant("", s));
        let observed_until = r.parsed("observed_until", false, |s| parse_instant("", s));
        let grading = r.parsed("grading", false, Grading::parse);
        let handling = r.parsed("handling", true, HandlingCode::parse);
        let handling_conditions = r.opt_str("handling_conditions");
        let tlp = r.parsed("tlp", true, Tlp::parse);
        let classification = r.parsed("classification", true, Classification::parse);
        let purpose = r.opt_str("purpose");
        let legal_basis = r.opt_str("legal_basis");
        let review_at = r.parsed("review_at", false, parse_date);
        let retain_until = r.parsed("retain_until", false, parse_date);
        let language = r.parsed("language", false, |s| {
            let ok = (2..=8).contains(&s.len())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if ok {
                Ok(s.to_ascii_lowercase())
            } else {
                Err(ValidationError::new(
                    "",
                    Rule::Vocabulary,
                    format!("{s:?} is not a language tag (e.g. fr, ar, en-GB)"),
                ))
            }
        });
        let narrative = r.opt_str("narrative");
        let mut errors = std::mem::take(&mut r.errors);

        // Cross-field rules.
        match (handling, &handling_conditions) {
            (Some(HandlingCode::H3), None) => errors.push(ValidationError::new(
                "handling_conditions",
                Rule::Handling,
                "H3 requires the conditions to be stated in handling_conditions",
            )),
            (Some(h), Some(_)) if h != HandlingCode::H3 => errors.push(ValidationError::new(
                "handling_conditions",
                Rule::Handling,
                format!("handling_conditions only go with H3, but handling is {h}"),
            )),
            _ => {}
        }
        if let (Some(rep), Some(obs)) = (reported_at, observed_at) {
            // Clocks differ between agencies; a day of tolerance avoids false rejects.
            if obs > rep + chrono::Duration::days(1) {
                errors.push(ValidationError::new(
                    "observed_at",
                    Rule::TimeOrder,
                    "observed after the report was made",
                ));
            }
        }
        if let (Some(a), Some(b)) = (observed_at, observed_until) {
            if b < a {
                errors.push(ValidationError::new(
                    "observed_until",
                    Rule::TimeOrder,
                    "observed_until is before observed_at",
                ));
            }
        }
        if observed_until.is_some() && observed_at.is_none() {
            errors.push(ValidationError::new(
                "observed_at",
                Rule::Required,
                "observed_until needs observed_at",
            ));
        }

        let place = match obj.get("place") {
            None | Some(Value::Null) => None,
            Some(v) => match read_place(v) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.extend(e.into_iter().map(|e| e.at("place")));
                    None
                }
            },
        };
        let (entities, mut ent_errors) = read_entities(obj.get("entities"));
        errors.append(&mut ent_errors);
        let (roles, mut role_errors) = read_roles(obj.get("roles"), &entities);
        errors.append(&mut role_errors);

        if !errors.is_empty() {
            return Err(errors);
        }
        let (
            Some(agency),
            Some(report_type),
            Some(reported_at),
            Some(handling),
            Some(tlp),
            Some(classification),
        ) = (
            agency,
            report_type,
            reported_at,
            handling,
            tlp,
            classification,
        )
        else {
            unreachable!("required fields push an error when missing");
        };
        let mut report = Report {
            format: FORMAT.to_owned(),
            // placeholder until derived below
            id: ReportId::derived(centre, &[]),
            agency,
            report_type,
            author,
            source_ref,
            reported_at,
            observed_at,
            observed_until,
            grading,
            handling,
            handling_conditions,
            tlp,
            classification,
            purpose,
            legal_basis,
            review_at,
            retain_until,
            language,
            narrative,
            place,
            entities,
            roles,
        };
        report.id = match id {
            Some(id) => id,
            None => match &report.source_ref {
                // The provider's own reference identifies the report across re-sends;
                // a changed report with the same reference becomes a new version.
                Some(sr) => ReportId::derived(centre, &[report.agency.as_str(), sr]),
                None => {
                    ReportId::derived(centre, &[report.agency.as_str(), &report.content_hash().0])
                }
            },
        };
        Ok(report)
    }

    /// The canonical JSON bytes (field order fixed by the struct, maps sorted).
    pub fn canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("report serialises")
    }

    /// SHA-256 of the canonical JSON: two reports are the same version iff equal.
    pub fn content_hash(&self) -> ContentHash {
        ContentHash::of_bytes(&self.canonical_json())
    }

    /// The entity id a mention resolves to.
    pub fn entity_id(&self, mention: &EntityMention) -> EntityId {
        match &mention.id {
            Some(id) => id.clone(),
            None => EntityId::derived(
                &CentreId::parse(self.id.centre()).expect("validated id has a valid centre"),
                &[self.id.as_str(), &mention.key],
            ),
        }
    }

    /// The statements this report asserts, in a stable order: each entity's properties,
    /// then roles. References to keys become entity ids.
    pub fn statements(&self) -> Vec<Statement> {
        let ids: BTreeMap<&str, EntityId> = self
            .entities
            .iter()
            .map(|m| (m.key.as_str(), self.entity_id(m)))
            .collect();
        let mut out = Vec::new();
        for m in &self.entities {
            let eid = &ids[m.key.as_str()];
            for (prop, values) in &m.properties {
                let is_ref = m
                    .schema
                    .property(prop)
                    .is_some_and(|p| p.ty == PropType::Entity);
                for v in values {
                    let value = if is_ref {
                        ids.get(v.as_str())
                            .map(|e| e.to_string())
                            .unwrap_or_else(|| v.clone())
                    } else {
                        v.clone()
                    };
                    out.push(Statement {
                        entity_id: eid.clone(),
                        schema: m.schema,
                        prop: prop.clone(),
                        value,
                        is_ref,
                    });
                }
            }
        }
        for role in &self.roles {
            out.push(Statement {
                entity_id: ids[role.entity.as_str()].clone(),
                schema: Schema::Person,
                prop: ROLE_PROP.to_owned(),
                value: role.role.as_str().to_owned(),
                is_ref: false,
            });
        }
        out
    }

    /// Bounding box of the place geometry, if any.
    pub fn bbox(&self) -> Option<(f64, f64, f64, f64)> {
        self.place.as_ref()?.geometry.as_ref().map(Geometry::bbox)
    }
}

/// The property name under which a report's role assertions appear as statements.
pub const ROLE_PROP: &str = "role";

/// One property value of one entity, as asserted by one report. Provenance and labels
/// (agency, handling, marking, grading, times) come from the report that asserts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub entity_id: EntityId,
    pub schema: Schema,
    pub prop: String,
    pub value: String,
    /// The value is an entity id (an edge in the graph).
    pub is_ref: bool,
}

fn read_place(v: &Value) -> Result<Place, Vec<ValidationError>> {
    let place: Place = serde_json::from_value(v.clone()).map_err(|e| {
        vec![ValidationError::new(
            "",
            Rule::Geometry,
            format!("not a place ({e}); expected {{\"name\":…, \"country\":…, \"geometry\": GeoJSON Point|LineString|Polygon}}"),
        )]
    })?;
    let mut errors = Vec::new();
    if let Some(g) = &place.geometry {
        if let Err(m) = g.validate() {
            errors.push(ValidationError::new("geometry", Rule::Geometry, m));
        }
    }
    if let Some(c) = &place.country {
        if let Err(e) = check_value(PropType::Country, c) {
            errors.push(e.at("country"));
        }
    }
    if errors.is_empty() {
        Ok(Place {
            country: place.country.map(|c| c.to_ascii_lowercase()),
            ..place
        })
    } else {
        Err(errors)
    }
}

fn read_entities(v: Option<&Value>) -> (Vec<EntityMention>, Vec<ValidationError>) {
    let mut errors = Vec::new();
    let items = match v {
        None | Some(Value::Null) => return (Vec::new(), errors),
        Some(Value::Array(a)) => a,
        Some(other) => {
            errors.push(ValidationError::new(
                "entities",
                Rule::PropertyType,
                format!("expected an array, found {}", kind_of(other)),
            ));
            return (Vec::new(), errors);
        }
    };
    if items.len() > MAX_ENTITIES {
        errors.push(ValidationError::new(
            "entities",
            Rule::Limit,
            format!(
                "{} entities; at most {MAX_ENTITIES} per report",
                items.len()
            ),
        ));
        return (Vec::new(), errors);
    }
    let mut out = Vec::with_capacity(items.len());
    let mut keys = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("entities[{i}]");
        let Value::Object(o) = item else {
            errors.push(ValidationError::new(
                path,
                Rule::PropertyType,
                "expected an object",
            ));
            continue;
        };
        for k in o.keys() {
            if !["key", "id", "schema", "properties"].contains(&k.as_str()) {
                errors.push(ValidationError::new(
                    format!("{path}.{k}"),
                    Rule::UnknownField,
                    "unknown field; an entity has key, id, schema, properties",
                ));
            }
        }
        let key = match o.get("key") {
            Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 64 => s.trim().to_owned(),
            _ => {
                errors.push(ValidationError::new(
                    format!("{path}.key"),
                    Rule::Required,
                    "a non-empty key of at most 64 characters is required",
                ));
                continue;
            }
        };
        if !keys.insert(key.clone()) {
            errors.push(ValidationError::new(
                format!("{path}.key"),
                Rule::DuplicateKey,
                format!("key {key:?} is used by another entity in this report"),
            ));
        }
        let id = match o.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match EntityId::parse(s) {
                Ok(id) => Some(id),
                Err(e) => {
                    errors.push(ValidationError {
                        field: format!("{path}.id"),
                        ..e
                    });
                    None
                }
            },
            Some(_) => {
                errors.push(ValidationError::new(
                    format!("{path}.id"),
                    Rule::ObjectId,
                    "expected a string",
                ));
                None
            }
        };
        let schema = match o.get("schema").and_then(Value::as_str).map(Schema::parse) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                errors.push(ValidationError {
                    field: format!("{path}.schema"),
                    ..e
                });
                continue;
            }
            None => {
                errors.push(ValidationError::new(
                    format!("{path}.schema"),
                    Rule::Required,
                    "is required",
                ));
                continue;
            }
        };
        let mut properties = BTreeMap::new();
        match o.get("properties") {
            None | Some(Value::Null) => {}
            Some(Value::Object(props)) => {
                for (name, vals) in props {
                    let ppath = format!("{path}.properties.{name}");
                    let Some(spec) = schema.property(name) else {
                        let known: Vec<&str> = schema.properties().iter().map(|p| p.name).collect();
                        errors.push(ValidationError::new(
                            ppath,
                            Rule::UnknownProperty,
                            format!(
                                "{schema} has no property {name:?}; it has: {}",
                                known.join(", ")
                            ),
                        ));
                        continue;
                    };
                    let raw: Vec<&Value> = match vals {
                        Value::Array(a) => a.iter().collect(),
                        Value::Null => Vec::new(),
                        single => vec![single],
                    };
                    if raw.len() > MAX_VALUES_PER_PROPERTY {
                        errors.push(ValidationError::new(
                            ppath,
                            Rule::Limit,
                            format!("more than {MAX_VALUES_PER_PROPERTY} values"),
                        ));
                        continue;
                    }
                    let mut checked = Vec::with_capacity(raw.len());
                    for (j, rv) in raw.into_iter().enumerate() {
                        let s = match rv {
                            Value::String(s) => s.clone(),
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            other => {
                                errors.push(ValidationError::new(
                                    format!("{ppath}[{j}]"),
                                    Rule::PropertyType,
                                    format!("expected a string, found {}", kind_of(other)),
                                ));
                                continue;
                            }
                        };
                        match check_value(spec.ty, &s) {
                            Ok(v) => {
                                if !checked.contains(&v) {
                                    checked.push(v)
                                }
                            }
                            Err(e) => errors.push(e.at(&format!("{ppath}[{j}]"))),
                        }
                    }
                    if !checked.is_empty() {
                        properties.insert(name.clone(), checked);
                    }
                }
            }
            Some(other) => errors.push(ValidationError::new(
                format!("{path}.properties"),
                Rule::PropertyType,
                format!("expected an object, found {}", kind_of(other)),
            )),
        }
        out.push(EntityMention {
            key,
            id,
            schema,
            properties,
        });
    }
    // References must resolve within the report or be entity ids.
    for (i, m) in out.iter().enumerate() {
        for (name, vals) in &m.properties {
            if m.schema
                .property(name)
                .is_some_and(|p| p.ty == PropType::Entity)
            {
                for (j, v) in vals.iter().enumerate() {
                    if !keys.contains(v) && EntityId::parse(v).is_err() {
                        errors.push(ValidationError::new(
                            format!("entities[{i}].properties.{name}[{j}]"),
                            Rule::DanglingReference,
                            format!(
                                "{v:?} is neither a key of this report's entities nor an entity id"
                            ),
                        ));
                    }
                }
            }
        }
    }
    (out, errors)
}

fn read_roles(
    v: Option<&Value>,
    entities: &[EntityMention],
) -> (Vec<RoleAssertion>, Vec<ValidationError>) {
    let mut errors = Vec::new();
    let items = match v {
        None | Some(Value::Null) => return (Vec::new(), errors),
        Some(Value::Array(a)) => a,
        Some(other) => {
            errors.push(ValidationError::new(
                "roles",
                Rule::PropertyType,
                format!("expected an array, found {}", kind_of(other)),
            ));
            return (Vec::new(), errors);
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("roles[{i}]");
        let entity = item.get("entity").and_then(Value::as_str);
        let role = item.get("role").and_then(Value::as_str);
        let (Some(entity), Some(role)) = (entity, role) else {
            errors.push(ValidationError::new(
                path,
                Rule::Required,
                "a role needs entity and role",
            ));
            continue;
        };
        let role = match PersonRole::parse(role) {
            Ok(r) => r,
            Err(e) => {
                errors.push(ValidationError {
                    field: format!("{path}.role"),
                    ..e
                });
                continue;
            }
        };
        match entities.iter().find(|m| m.key == entity) {
            None => errors.push(ValidationError::new(
                format!("{path}.entity"),
                Rule::DanglingReference,
                format!("{entity:?} is not a key of this report's entities"),
            )),
            Some(m) if m.schema != Schema::Person => errors.push(ValidationError::new(
                format!("{path}.entity"),
                Rule::PropertyType,
                format!("roles apply to persons; {entity:?} is a {}", m.schema),
            )),
            Some(_) => {
                let ra = RoleAssertion {
                    entity: entity.to_owned(),
                    role,
                };
                if !out.contains(&ra) {
                    out.push(ra);
                }
            }
        }
    }
    (out, errors)
}

/// Short content fingerprint used where a full hash is not needed.
pub fn fingerprint(parts: &[&str]) -> String {
    short_hash(parts)
}
