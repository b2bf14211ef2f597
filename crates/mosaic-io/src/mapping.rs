//! CSV mapping files (TOML): which column is which report field or entity property, how
//! dates and numbers are written, which agency and labels apply. See `docs/import.md`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use mosaic_model::schema::PropType;
use mosaic_model::{AgencyId, Rule, Schema, ValidationError};

/// Where one value comes from. Exactly one of `column`, `value`, `template`.
/// In TOML a bare string is shorthand for `{ column = "…" }`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub column: Option<String>,
    pub value: Option<String>,
    /// `"{first} {last}"`: columns in braces.
    pub template: Option<String>,
    /// Used when the column is empty.
    pub default: Option<String>,
    /// Overrides `source.date_formats` for this field.
    pub date_format: Option<String>,
    /// Translates codes, e.g. `{ M = "male", F = "female" }` (exact, then case-insensitive).
    pub map: Option<BTreeMap<String, String>>,
    /// Splits one cell into several values.
    pub split: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FieldSpecRepr {
    Column(String),
    Full(FieldSpec),
}

fn field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<FieldSpec>, D::Error> {
    Ok(Some(match FieldSpecRepr::deserialize(d)? {
        FieldSpecRepr::Column(c) => FieldSpec {
            column: Some(c),
            ..Default::default()
        },
        FieldSpecRepr::Full(f) => f,
    }))
}

fn fields<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, FieldSpec>, D::Error> {
    let m: BTreeMap<String, FieldSpecRepr> = BTreeMap::deserialize(d)?;
    Ok(m.into_iter()
        .map(|(k, v)| {
            (
                k,
                match v {
                    FieldSpecRepr::Column(c) => FieldSpec {
                        column: Some(c),
                        ..Default::default()
                    },
                    FieldSpecRepr::Full(f) => f,
                },
            )
        })
        .collect())
}

/// How the file is written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The providing agency (required).
    pub agency: String,
    /// `auto` (default), `utf-8`, `latin-1`, `windows-1252`, `utf-16le`, `utf-16be`.
    #[serde(default)]
    pub encoding: Option<String>,
    /// One character; default `,`. Use `"\t"` for TSV.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// chrono `strftime` patterns tried in order for dates and date-times; ISO 8601 / RFC
    /// 3339 values are always accepted too.
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// UTC offset for date-times written without one, e.g. `+01:00`; default `Z`.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Numbers are written `1.234,5`.
    #[serde(default)]
    pub decimal_comma: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceSpec {
    #[serde(default, deserialize_with = "field")]
    pub name: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub country: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub lat: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub lon: Option<FieldSpec>,
}

/// Report fields, each optional here (the report format decides what is required).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    #[serde(default, deserialize_with = "field")]
    pub id: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub report_type: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub author: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub source_ref: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub reported_at: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub observed_at: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub observed_until: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub grading: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub handling: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub handling_conditions: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub tlp: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub classification: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub purpose: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub legal_basis: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub review_at: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub retain_until: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub language: Option<FieldSpec>,
    #[serde(default, deserialize_with = "field")]
    pub narrative: Option<FieldSpec>,
    #[serde(default)]
    pub place: Option<PlaceSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitySpec {
    pub key: String,
    pub schema: String,
    #[serde(default, deserialize_with = "fields")]
    pub properties: BTreeMap<String, FieldSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub entity: String,
    #[serde(deserialize_with = "field")]
    pub role: Option<FieldSpec>,
}

/// A mapping file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub source: SourceSpec,
    #[serde(default)]
    pub report: ReportSpec,
    #[serde(default, rename = "entity")]
    pub entities: Vec<EntitySpec>,
    #[serde(default, rename = "role")]
    pub roles: Vec<RoleSpec>,
}

/// A problem with the mapping file itself: fatal for the import, nothing is written.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct MappingError {
    pub file: String,
    pub message: String,
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MappingError {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text).map_err(|message| MappingError { file, message })
    }

    /// Parses and checks a mapping (TOML syntax errors carry line and column).
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(text).map_err(|e| e.to_string())?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), String> {
        AgencyId::parse(&self.source.agency)
            .map_err(|e| format!("source.agency: {}", e.message))?;
        if let Some(d) = &self.source.delimiter {
            if d.chars().count() != 1 || !d.is_ascii() {
                return Err(format!(
                    "source.delimiter: {d:?} must be one ASCII character"
                ));
            }
        }
        if let Some(e) = &self.source.encoding {
            crate::encoding::declared(e).map_err(|m| format!("source.encoding: {m}"))?;
        }
        if let Some(tz) = &self.source.timezone {
            parse_offset(tz).ok_or_else(|| {
                format!("source.timezone: {tz:?} is not an offset like Z, +01:00 or -05:00")
            })?;
        }
        for (name, f) in self.report_fields() {
            check_field(&format!("report.{name}"), f)?;
        }
        let mut keys = Vec::new();
        for (i, e) in self.entities.iter().enumerate() {
            let at = format!("entity[{i}] (key {:?})", e.key);
            if keys.contains(&e.key.as_str()) {
                return Err(format!("{at}: key {:?} is used twice", e.key));
            }
            keys.push(&e.key);
            let schema =
                Schema::parse(&e.schema).map_err(|er| format!("{at}.schema: {}", er.message))?;
            for (p, f) in &e.properties {
                let spec = schema.property(p).ok_or_else(|| {
                    let known: Vec<&str> = schema.properties().iter().map(|p| p.name).collect();
                    format!(
                        "{at}.properties.{p}: {schema} has no property {p:?}; it has {}",
                        known.join(", ")
                    )
                })?;
                check_field(&format!("{at}.properties.{p}"), f)?;
                if spec.ty == PropType::Entity {
                    if let Some(v) = &f.value {
                        if !self.entities.iter().any(|o| &o.key == v) {
                            return Err(format!("{at}.properties.{p}: refers to entity key {v:?}, which the mapping does not define"));
                        }
                    }
                }
            }
        }
        for (i, r) in self.roles.iter().enumerate() {
            if !self.entities.iter().any(|e| e.key == r.entity) {
                return Err(format!(
                    "role[{i}].entity: {:?} is not an entity key of this mapping",
                    r.entity
                ));
            }
            match &r.role {
                Some(f) => check_field(&format!("role[{i}].role"), f)?,
                None => return Err(format!("role[{i}].role is required")),
            }
        }
        Ok(())
    }

    fn report_fields(&self) -> Vec<(&'static str, &FieldSpec)> {
        let r = &self.report;
        let mut v: Vec<(&'static str, &Option<FieldSpec>)> = vec![
            ("id", &r.id),
            ("report_type", &r.report_type),
            ("author", &r.author),
            ("source_ref", &r.source_ref),
            ("reported_at", &r.reported_at),
            ("observed_at", &r.observed_at),
            ("observed_until", &r.observed_until),
            ("grading", &r.grading),
            ("handling", &r.handling),
            ("handling_conditions", &r.handling_conditions),
            ("tlp", &r.tlp),
            ("classification", &r.classification),
            ("purpose", &r.purpose),
            ("legal_basis", &r.legal_basis),
            ("review_at", &r.review_at),
            ("retain_until", &r.retain_until),
            ("language", &r.language),
            ("narrative", &r.narrative),
        ];
        if let Some(p) = &r.place {
            v.extend([
                ("place.name", &p.name),
                ("place.country", &p.country),
                ("place.lat", &p.lat),
                ("place.lon", &p.lon),
            ]);
        }
        v.into_iter()
            .filter_map(|(k, f)| f.as_ref().map(|f| (k, f)))
            .collect()
    }

    /// Every column the mapping reads, to check against the header.
    pub fn columns(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut add = |at: String, f: &FieldSpec| {
            if let Some(c) = &f.column {
                out.push((at.clone(), c.clone()));
            }
            if let Some(t) = &f.template {
                for c in template_columns(t) {
                    out.push((at.clone(), c));
                }
            }
        };
        for (name, f) in self.report_fields() {
            add(format!("report.{name}"), f);
        }
        for e in &self.entities {
            for (p, f) in &e.properties {
                add(format!("entity {:?}.properties.{p}", e.key), f);
            }
        }
        for r in &self.roles {
            if let Some(f) = &r.role {
                add(format!("role of {:?}", r.entity), f);
            }
        }
        out
    }

    pub fn delimiter(&self) -> u8 {
        self.source
            .delimiter
            .as_deref()
            .and_then(|d| d.bytes().next())
            .unwrap_or(b',')
    }
}

fn check_field(at: &str, f: &FieldSpec) -> Result<(), String> {
    let n = [f.column.is_some(), f.value.is_some(), f.template.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if n != 1 {
        return Err(format!(
            "{at}: give exactly one of column, value or template"
        ));
    }
    if let Some(fmt) = &f.date_format {
        check_date_format(fmt).map_err(|m| format!("{at}.date_format: {m}"))?;
    }
    Ok(())
}

fn check_date_format(fmt: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(fmt).any(|i| matches!(i, Item::Error)) {
        return Err(format!("{fmt:?} is not a valid strftime pattern"));
    }
    Ok(())
}

fn template_columns(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(rest[open + 1..open + close].to_owned());
        rest = &rest[open + close + 1..];
    }
    out
}

fn parse_offset(tz: &str) -> Option<FixedOffset> {
    let t = tz.trim();
    if t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * secs)
}

/// A mapping bound to a header: column names resolved to indexes.
pub struct Bound {
    pub mapping: Mapping,
    index: HashMap<String, usize>,
    offset: FixedOffset,
}

impl Bound {
    /// Binds the mapping to a header, failing if a mapped column is missing.
    pub fn new(mapping: Mapping, header: &[String]) -> Result<Bound, String> {
        let index: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_owned(), i))
            .collect();
        let missing: Vec<String> = mapping
            .columns()
            .into_iter()
            .filter(|(_, c)| !index.contains_key(c))
            .map(|(at, c)| format!("{c:?} (used by {at})"))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the file has no column {}; its columns are: {}",
                missing.join(", "),
                header.join(", ")
            ));
        }
        let offset = mapping
            .source
            .timezone
            .as_deref()
            .and_then(parse_offset)
            .unwrap_or(FixedOffset::east_opt(0).unwrap());
        Ok(Bound {
            mapping,
            index,
            offset,
        })
    }

    fn cell<'r>(&self, row: &'r [String], col: &str) -> Option<&'r str> {
        self.index
            .get(col)
            .and_then(|i| row.get(*i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The values of one field for one row (after default, template, map, split).
    fn values(&self, row: &[String], f: &FieldSpec) -> Vec<String> {
        let raw: Option<String> = if let Some(c) = &f.column {
            self.cell(row, c).map(str::to_owned)
        } else if let Some(v) = &f.value {
            Some(v.clone())
        } else if let Some(t) = &f.template {
            let mut s = t.clone();
            let mut any = false;
            for c in template_columns(t) {
                let v = self.cell(row, &c).unwrap_or("");
                any |= !v.is_empty();
                s = s.replace(&format!("{{{c}}}"), v);
            }
            any.then(|| s.split_whitespace().collect::<Vec<_>>().join(" "))
        } else {
            None
        };
        let Some(raw) = raw.or_else(|| f.default.clone()) else {
            return Vec::new();
        };
        let parts: Vec<String> = match &f.split {
            Some(sep) => raw
                .split(sep.as_str())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => vec![raw],
        };
        parts
            .into_iter()
            .map(|p| match &f.map {
                Some(m) => m
                    .get(&p)
                    .or_else(|| {
                        m.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(&p))
                            .map(|(_, v)| v)
                    })
                    .cloned()
                    .unwrap_or(p),
                None => p,
            })
            .collect()
    }

    fn formats<'a>(&'a self, f: &'a FieldSpec) -> Vec<&'a str> {
        match &f.date_format {
            Some(d) => vec![d.as_str()],
            None => self
                .mapping
                .source
                .date_formats
                .iter()
                .map(String::as_str)
                .collect(),
        }
    }

    fn instant(&self, v: &str, f: &FieldSpec) -> Result<String, String> {
        if let Ok(t) = DateTime::parse_from_rfc3339(v) {
            return Ok(t
                .with_timezone(&Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        }
        for fmt in self.formats(f) {
            if let Ok(t) = DateTime::parse_from_str(v, fmt) {
                return Ok(t
                    .with_timezone(&Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
            }
            let naive = NaiveDateTime::parse_from_str(v, fmt).ok().or_else(|| {
                NaiveDate::parse_from_str(v, fmt)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            });
            if let Some(n) = naive {
                if let Some(t) = self.offset.from_local_datetime(&n).single() {
                    return Ok(t
                        .with_timezone(&Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
                }
            }
        }
        Err(self.date_error(v, f))
    }

    fn date(&self, v: &str, f: &FieldSpec) -> Result<String, String> {
        if mosaic_model::time::check_partial_date(v).is_some() {
            return Ok(v.to_owned());
        }
        for fmt in self.formats(f) {
            if let Ok(d) = NaiveDate::parse_from_str(v, fmt) {
                return Ok(d.format("%Y-%m-%d").to_string());
            }
            if let Ok(d) = NaiveDateTime::parse_from_str(v, fmt) {
                return Ok(d.date().format("%Y-%m-%d").to_string());
            }
        }
        Err(self.date_error(v, f))
    }

    fn date_error(&self, v: &str, f: &FieldSpec) -> String {
        let fmts = self.formats(f);
        if fmts.is_empty() {
            format!("{v:?} is not an ISO 8601 date; declare its pattern in source.date_formats")
        } else {
            format!("{v:?} matches none of the date formats {}", fmts.join(", "))
        }
    }

    fn number(&self, v: &str) -> String {
        let s: String = v
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
            .collect();
        if self.mapping.source.decimal_comma {
            s.replace('.', "").replace(',', ".")
        } else {
            s.replace(',', "")
        }
    }

    /// Converts one row into a report in Mosaic's JSON form. Conversion errors (dates,
    /// numbers) name the column. `origins` maps JSON paths to the columns they came from,
    /// so later validation errors can name the column too.
    pub fn convert(&self, row: &[String]) -> (Value, Vec<ValidationError>, Vec<(String, String)>) {
        let mut obj = Map::new();
        let mut errors = Vec::new();
        let mut origins: Vec<(String, String)> = Vec::new();
        let col_of = |f: &FieldSpec| {
            f.column
                .clone()
                .or_else(|| f.template.clone())
                .unwrap_or_else(|| "(constant)".into())
        };
        obj.insert("agency".into(), json!(self.mapping.source.agency));
        for (name, f) in self.mapping.report_fields() {
            if name.starts_with("place.") {
                continue;
            }
            let Some(v) = self.values(row, f).into_iter().next() else {
                continue;
            };
            origins.push((name.to_owned(), col_of(f)));
            let v = match name {
                "reported_at" | "observed_at" | "observed_until" => match self.instant(&v, f) {
                    Ok(t) => t,
                    Err(m) => {
                        errors.push(ValidationError::new(
                            col_of(f),
                            Rule::Date,
                            format!("{name}: {m}"),
                        ));
                        continue;
                    }
                },
                "review_at" | "retain_until" => match self.date(&v, f) {
                    Ok(d) => d,
                    Err(m) => {
                        errors.push(ValidationError::new(
                            col_of(f),
                            Rule::Date,
                            format!("{name}: {m}"),
                        ));
                        continue;
                    }
                },
                _ => v,
            };
            obj.insert(name.to_owned(), json!(v));
        }
        if let Some(p) = &self.mapping.report.place {
            let mut place = Map::new();
            let one = |f: &Option<FieldSpec>| {
                f.as_ref()
                    .and_then(|f| self.values(row, f).into_iter().next())
            };
            if let Some(n) = one(&p.name) {
                place.insert("name".into(), json!(n));
            }
            if let Some(c) = one(&p.country) {
                place.insert("country".into(), json!(c));
                origins.push((
                    "place.country".into(),
                    p.country.as_ref().map(col_of).unwrap_or_default(),
                ));
            }
            match (one(&p.lat), one(&p.lon)) {
                (Some(lat), Some(lon)) => {
                    let (la, lo) = (
                        self.number(&lat).parse::<f64>(),
                        self.number(&lon).parse::<f64>(),
                    );
                    match (la, lo) {
                        (Ok(la), Ok(lo)) => {
                            place.insert(
                                "geometry".into(),
                                json!({"type": "Point", "coordinates": [lo, la]}),
                            );
                            origins.push((
                                "place.geometry".into(),
                                format!(
                                    "{}/{}",
                                    p.lat.as_ref().map(col_of).unwrap_or_default(),
                                    p.lon.as_ref().map(col_of).unwrap_or_default()
                                ),
                            ));
                        }
                        _ => errors.push(ValidationError::new(
                            p.lat.as_ref().map(col_of).unwrap_or_default(),
                            Rule::Number,
                            format!("coordinates {lat:?}, {lon:?} are not numbers"),
                        )),
                    }
                }
                (None, None) => {}
                _ => errors.push(ValidationError::new(
                    p.lat.as_ref().map(col_of).unwrap_or_default(),
                    Rule::Geometry,
                    "latitude and longitude must both be given or both be empty",
                )),
            }
            if !place.is_empty() {
                obj.insert("place".into(), Value::Object(place));
            }
        }

        // Entities: one is kept only if a column (not a constant) gave it a value.
        let mut kept: Vec<(&EntitySpec, Schema, Map<String, Value>)> = Vec::new();
        for e in &self.mapping.entities {
            let schema = Schema::parse(&e.schema).expect("checked at load");
            let mut props = Map::new();
            let mut from_data = false;
            for (p, f) in &e.properties {
                let ty = schema.property(p).expect("checked at load").ty;
                let mut vals = Vec::new();
                for v in self.values(row, f) {
                    let v = match ty {
                        PropType::Date => match self.date(&v, f) {
                            Ok(d) => d,
                            Err(m) => {
                                errors.push(ValidationError::new(
                                    col_of(f),
                                    Rule::Date,
                                    format!("{}.{p}: {m}", e.key),
                                ));
                                continue;
                            }
                        },
                        PropType::Number => self.number(&v),
                        _ => v,
                    };
                    vals.push(json!(v));
                }
                if vals.is_empty() {
                    continue;
                }
                if ty != PropType::Entity && f.value.is_none() {
                    from_data = true;
                }
                props.insert(p.clone(), Value::Array(vals));
            }
            if from_data {
                kept.push((e, schema, props));
            }
        }
        let kept_keys: Vec<&str> = kept.iter().map(|(e, _, _)| e.key.as_str()).collect();
        let mut entities = Vec::new();
        for (i, (e, schema, mut props)) in kept.into_iter().enumerate() {
            // drop references to entities that this row did not produce
            for (p, _) in e.properties.iter() {
                if schema.property(p).is_some_and(|s| s.ty == PropType::Entity) {
                    if let Some(Value::Array(vals)) = props.get_mut(p) {
                        vals.retain(|v| {
                            v.as_str().is_some_and(|k| {
                                kept_keys.contains(&k) || mosaic_model::EntityId::parse(k).is_ok()
                            })
                        });
                        if vals.is_empty() {
                            props.remove(p);
                        }
                    }
                }
                if let Some(f) = e.properties.get(p) {
                    origins.push((format!("entities[{i}].properties.{p}"), col_of(f)));
                }
            }
            entities.push(json!({"key": e.key, "schema": schema.as_str(), "properties": props}));
        }
        if !entities.is_empty() {
            obj.insert("entities".into(), Value::Array(entities));
        }
        let mut roles = Vec::new();
        for r in &self.mapping.roles {
            if !kept_keys.contains(&r.entity.as_str()) {
                continue;
            }
            let f = r.role.as_ref().expect("checked at load");
            for v in self.values(row, f) {
                origins.push((format!("roles[{}]", roles.len()), col_of(f)));
                roles.push(json!({"entity": r.entity, "role": v}));
            }
        }
        if !roles.is_empty() {
            obj.insert("roles".into(), Value::Array(roles));
        }
        (Value::Object(obj), errors, origins)
    }
}

/// Rewrites a validation error's JSON path to name the CSV column it came from.
pub fn locate(mut e: ValidationError, origins: &[(String, String)]) -> ValidationError {
    let best = origins
        .iter()
        .filter(|(path, _)| {
            e.field == *path
                || e.field.starts_with(&format!("{path}["))
                || e.field.starts_with(&format!("{path}."))
        })
        .max_by_key(|(path, _)| path.len());
    if let Some((path, col)) = best {
        e.field = format!(
            "{col} ({})",
            if e.field.is_empty() {
                path.as_str()
            } else {
                e.field.as_str()
            }
        );
    }
    e
}
