//! A report as the generator builds it, before an agency's format is applied: typed
//! values (dates stay dates until a CSV layout decides how that agency writes them),
//! entity mentions with their true identity, and the counting of statements exactly as
//! `mosaic_model::Report::statements` will count them after import.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use mosaic_model::Schema;

/// One property value.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    S(String),
    Date(NaiveDate),
    Year(i32),
    /// Year and month (a partial date).
    Month(i32, u32),
    /// A number with `decimals` digits after the point; `grouped` writes thousands
    /// separators in CSV (`2.000,00`).
    Num {
        x: f64,
        decimals: u8,
        grouped: bool,
    },
    /// Written exactly as is (used for injected faults).
    Raw(String),
}

impl V {
    pub fn s(s: impl Into<String>) -> V {
        V::S(s.into())
    }
    pub fn int(x: i64) -> V {
        V::Num {
            x: x as f64,
            decimals: 0,
            grouped: false,
        }
    }
    pub fn num(x: f64, decimals: u8) -> V {
        V::Num {
            x,
            decimals,
            grouped: false,
        }
    }
    pub fn amount(x: f64) -> V {
        V::Num {
            x,
            decimals: 2,
            grouped: true,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            V::S(s) | V::Raw(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// Appends the ISO / plain form to `out` (JSON Lines), escaped as a JSON string.
    fn write_json(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            V::S(s) | V::Raw(s) => esc(out, s),
            V::Date(d) => {
                let _ = write!(out, "\"{:04}-{:02}-{:02}\"", d.year(), d.month(), d.day());
            }
            V::Year(y) => {
                let _ = write!(out, "\"{y:04}\"");
            }
            V::Month(y, m) => {
                let _ = write!(out, "\"{y:04}-{m:02}\"");
            }
            V::Num { x, decimals, .. } => {
                let _ = write!(out, "\"{:.*}\"", *decimals as usize, x);
            }
        }
    }

    /// The ISO / plain form used in JSON Lines.
    pub fn iso(&self) -> String {
        match self {
            V::S(s) | V::Raw(s) => s.clone(),
            V::Date(d) => d.format("%Y-%m-%d").to_string(),
            V::Year(y) => format!("{y:04}"),
            V::Month(y, m) => format!("{y:04}-{m:02}"),
            V::Num { x, decimals, .. } => format!("{:.*}", *decimals as usize, x),
        }
    }
}

/// One entity mention.
#[derive(Clone, Debug)]
pub struct Ent {
    pub key: String,
    pub schema: Schema,
    pub props: Vec<(&'static str, Vec<V>)>,
    /// The real-world entity this mention is of (ground truth).
    pub truth: String,
}

impl Ent {
    pub fn new(key: impl Into<String>, schema: Schema, truth: impl Into<String>) -> Ent {
        Ent {
            key: key.into(),
            schema,
            props: Vec::new(),
            truth: truth.into(),
        }
    }

    /// Adds a value (empty strings are dropped: a missing field is an absent property).
    pub fn p(&mut self, prop: &'static str, v: V) -> &mut Self {
        debug_assert!(
            self.schema.property(prop).is_some(),
            "{} has no property {prop}",
            self.schema
        );
        if v.is_empty() {
            return self;
        }
        match self.props.iter_mut().find(|(p, _)| *p == prop) {
            Some((_, vals)) => {
                if !vals.contains(&v) {
                    vals.push(v)
                }
            }
            None => self.props.push((prop, vec![v])),
        }
        self
    }

    pub fn s(&mut self, prop: &'static str, s: impl Into<String>) -> &mut Self {
        self.p(prop, V::S(s.into()))
    }

    /// An optional string property.
    pub fn opt(&mut self, prop: &'static str, s: Option<impl Into<String>>) -> &mut Self {
        if let Some(s) = s {
            self.p(prop, V::S(s.into()));
        }
        self
    }

    pub fn get(&self, prop: &str) -> Option<&Vec<V>> {
        self.props.iter().find(|(p, _)| *p == prop).map(|(_, v)| v)
    }

    pub fn has_data(&self) -> bool {
        !self.props.is_empty()
    }
}

/// A place: name, country, point `(lat, lon)`.
#[derive(Clone, Debug, Default)]
pub struct PlaceV {
    pub name: Option<String>,
    pub country: Option<&'static str>,
    pub point: Option<(f64, f64)>,
}

/// One report as generated.
#[derive(Clone, Debug)]
pub struct Rep {
    /// Index of the output stream (file).
    pub stream: usize,
    pub agency: &'static str,
    pub report_type: &'static str,
    pub author: Option<String>,
    pub source_ref: String,
    pub reported_at: DateTime<Utc>,
    pub observed_at: Option<DateTime<Utc>>,
    pub grading: Option<String>,
    pub handling: &'static str,
    pub handling_conditions: Option<String>,
    pub tlp: &'static str,
    pub classification: &'static str,
    pub purpose: Option<&'static str>,
    pub legal_basis: Option<&'static str>,
    pub language: Option<&'static str>,
    pub narrative: Option<String>,
    pub place: Option<PlaceV>,
    pub entities: Vec<Ent>,
    pub roles: Vec<(String, &'static str)>,
    /// Columns of a CSV export that the mapping does not read (kept for realism).
    pub extras: Vec<(&'static str, String)>,
    /// Ground truth: the event the report is about, and its operation.
    pub event: Option<String>,
    pub operation: Option<String>,
    /// UTC offset the agency writes its times in (seconds east).
    pub offset: i32,
}

impl Rep {
    pub fn entity(&self, key: &str) -> Option<&Ent> {
        self.entities.iter().find(|e| e.key == key)
    }

    pub fn add(&mut self, e: Ent) {
        debug_assert!(
            self.entities.iter().all(|x| x.key != e.key),
            "duplicate key {}",
            e.key
        );
        self.entities.push(e);
    }

    pub fn role(&mut self, key: &str, role: &'static str) {
        let r = (key.to_owned(), role);
        if !self.roles.contains(&r) {
            self.roles.push(r);
        }
    }

    /// Drops entities without properties (a mention with nothing in it) and references
    /// and roles pointing at them, as a careful exporter would.
    pub fn prune(&mut self) {
        let empty: Vec<String> = self
            .entities
            .iter()
            .filter(|e| !e.has_data())
            .map(|e| e.key.clone())
            .collect();
        if empty.is_empty() {
            return;
        }
        self.entities.retain(|e| e.has_data());
        for e in &mut self.entities {
            let schema = e.schema;
            for (p, vals) in &mut e.props {
                if is_ref(schema, p) {
                    vals.retain(|v| !matches!(v, V::S(k) if empty.contains(k)));
                }
            }
            e.props.retain(|(_, v)| !v.is_empty());
        }
        self.roles.retain(|(k, _)| !empty.contains(k));
        // a second pass: an entity whose only property was a dropped reference
        if self.entities.iter().any(|e| !e.has_data()) {
            self.prune();
        }
    }

    /// Statements the importer will derive from this report (JSON Lines). `Ent::p`
    /// already keeps values distinct, so this is a count.
    pub fn statements(&self) -> u64 {
        let mut n = 0u64;
        for e in &self.entities {
            for (_, vals) in &e.props {
                debug_assert_eq!(distinct(vals), vals.len() as u64);
                n += vals.len() as u64;
            }
        }
        n + self.roles.len() as u64
    }

    pub fn local(&self, t: &DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&FixedOffset::east_opt(self.offset).expect("valid offset"))
    }
}

pub fn is_ref(schema: Schema, prop: &str) -> bool {
    schema
        .property(prop)
        .is_some_and(|p| p.ty == mosaic_model::schema::PropType::Entity)
}

/// Distinct values as the importer will see them (after trimming and case folding of
/// codes; the generator only emits values that differ in substance).
pub fn distinct(vals: &[V]) -> u64 {
    if vals.len() <= 1 {
        return vals.iter().filter(|v| !v.is_empty()).count() as u64;
    }
    let mut seen: Vec<String> = Vec::with_capacity(vals.len());
    for v in vals {
        let s = v.iso().trim().to_owned();
        if !s.is_empty() && !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.len() as u64
}

/// Faults a JSON Lines record can carry on purpose, each breaking exactly one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonFault {
    /// The line is cut short: not JSON (`syntax`).
    Truncated,
    /// `"grading": "B7"` (`grading`).
    Grading,
    /// `"tlp": "ORANGE"` (`vocabulary`).
    Tlp,
    /// `handling` left out (`required`).
    NoHandling,
    /// A misspelt field name `narative` (`unknown_field`).
    UnknownField,
    /// Observed three days after it was reported (`time_order`).
    TimeOrder,
    /// `observed_at` on 31 February (`date`).
    ImpossibleDate,
    /// Latitude 95 (`geometry`).
    Latitude,
    /// H3 without conditions (`handling`).
    H3WithoutConditions,
    /// A property the schema does not have, `nationalty` (`unknown_property`).
    UnknownProperty,
}

impl JsonFault {
    pub const ALL: &'static [JsonFault] = &[
        JsonFault::Truncated,
        JsonFault::Grading,
        JsonFault::Tlp,
        JsonFault::NoHandling,
        JsonFault::UnknownField,
        JsonFault::TimeOrder,
        JsonFault::ImpossibleDate,
        JsonFault::Latitude,
        JsonFault::H3WithoutConditions,
        JsonFault::UnknownProperty,
    ];

    pub fn rule(self) -> &'static str {
        match self {
            JsonFault::Truncated => "syntax",
            JsonFault::Grading => "grading",
            JsonFault::Tlp => "vocabulary",
            JsonFault::NoHandling => "required",
            JsonFault::UnknownField => "unknown_field",
            JsonFault::TimeOrder => "time_order",
            JsonFault::ImpossibleDate => "date",
            JsonFault::Latitude => "geometry",
            JsonFault::H3WithoutConditions => "handling",
            JsonFault::UnknownProperty => "unknown_property",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            JsonFault::Truncated => "line cut short (not valid JSON)",
            JsonFault::Grading => "grading B7 (4x4 accuracy is 1-4)",
            JsonFault::Tlp => "TLP ORANGE (not a TLP 2.0 colour)",
            JsonFault::NoHandling => "handling code missing",
            JsonFault::UnknownField => "field name misspelt: narative",
            JsonFault::TimeOrder => "observed three days after reported",
            JsonFault::ImpossibleDate => "observed_at on 31 February",
            JsonFault::Latitude => "latitude 95",
            JsonFault::H3WithoutConditions => "H3 without handling_conditions",
            JsonFault::UnknownProperty => "Person property misspelt: nationalty",
        }
    }

    /// Whether this fault can be applied to `rep` so that it breaks exactly its rule.
    pub fn applies(self, rep: &Rep) -> bool {
        match self {
            JsonFault::Latitude => rep.place.as_ref().is_some_and(|p| p.point.is_some()),
            JsonFault::H3WithoutConditions => rep.handling != "H3",
            JsonFault::UnknownProperty => rep.entities.iter().any(|e| e.schema == Schema::Person),
            _ => true,
        }
    }
}

fn esc(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn field(out: &mut String, name: &str, value: &str) {
    out.push(',');
    esc(out, name);
    out.push(':');
    esc(out, value);
}

fn instant(rep: &Rep, t: &DateTime<Utc>) -> String {
    use chrono::Timelike;
    let l = rep.local(t);
    let off = rep.offset;
    if off == 0 {
        return format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            l.year(),
            l.month(),
            l.day(),
            l.hour(),
            l.minute(),
            l.second()
        );
    }
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.abs();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        l.year(),
        l.month(),
        l.day(),
        l.hour(),
        l.minute(),
        l.second(),
        a / 3600,
        (a % 3600) / 60
    )
}

fn num(x: f64) -> String {
    // coordinates with 5 decimals (about a metre), no trailing zeros
    let s = format!("{x:.5}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// Writes a report as one line of Mosaic JSON Lines (no newline), with an optional fault.
pub fn to_json(rep: &Rep, fault: Option<JsonFault>, out: &mut String) {
    out.clear();
    out.push('{');
    esc(out, "agency");
    out.push(':');
    esc(out, rep.agency);
    field(out, "report_type", rep.report_type);
    if let Some(a) = &rep.author {
        field(out, "author", a);
    }
    field(out, "source_ref", &rep.source_ref);
    field(out, "reported_at", &instant(rep, &rep.reported_at));
    match fault {
        Some(JsonFault::TimeOrder) => {
            let t = rep.reported_at + chrono::Duration::days(3);
            field(out, "observed_at", &instant(rep, &t));
        }
        Some(JsonFault::ImpossibleDate) => {
            let y = rep.local(&rep.reported_at).format("%Y").to_string();
            field(out, "observed_at", &format!("{y}-02-31T10:00:00Z"));
        }
        _ => {
            if let Some(t) = &rep.observed_at {
                field(out, "observed_at", &instant(rep, t));
            }
        }
    }
    match fault {
        Some(JsonFault::Grading) => field(out, "grading", "B7"),
        _ => {
            if let Some(g) = &rep.grading {
                field(out, "grading", g);
            }
        }
    }
    match fault {
        Some(JsonFault::NoHandling) => {}
        Some(JsonFault::H3WithoutConditions) => field(out, "handling", "H3"),
        _ => {
            field(out, "handling", rep.handling);
            if let Some(c) = &rep.handling_conditions {
                field(out, "handling_conditions", c);
            }
        }
    }
    field(
        out,
        "tlp",
        if fault == Some(JsonFault::Tlp) {
            "ORANGE"
        } else {
            rep.tlp
        },
    );
    field(out, "classification", rep.classification);
    if let Some(p) = rep.purpose {
        field(out, "purpose", p);
    }
    if let Some(l) = rep.legal_basis {
        field(out, "legal_basis", l);
    }
    if let Some(l) = rep.language {
        field(out, "language", l);
    }
    if let Some(n) = &rep.narrative {
        field(out, "narrative", n);
    }
    if fault == Some(JsonFault::UnknownField) {
        field(out, "narative", "see attached");
    }
    if let Some(p) = &rep.place {
        out.push_str(",\"place\":{");
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
        };
        if let Some(n) = &p.name {
            sep(out);
            esc(out, "name");
            out.push(':');
            esc(out, n);
        }
        if let Some(c) = p.country {
            sep(out);
            esc(out, "country");
            out.push(':');
            esc(out, c);
        }
        if let Some((lat, lon)) = p.point {
            let lat = if fault == Some(JsonFault::Latitude) {
                95.0
            } else {
                lat
            };
            sep(out);
            out.push_str(&format!(
                "\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{},{}]}}",
                num(lon),
                num(lat)
            ));
        }
        out.push('}');
    }
    if !rep.entities.is_empty() {
        out.push_str(",\"entities\":[");
        let mut misspelt = false;
        for (i, e) in rep.entities.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"key\":");
            esc(out, &e.key);
            out.push_str(",\"schema\":");
            esc(out, e.schema.as_str());
            out.push_str(",\"properties\":{");
            for (j, (p, vals)) in e.props.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                let name = if fault == Some(JsonFault::UnknownProperty)
                    && !misspelt
                    && e.schema == Schema::Person
                    && j == 0
                {
                    misspelt = true;
                    "nationalty"
                } else {
                    p
                };
                esc(out, name);
                out.push_str(":[");
                for (k, v) in vals.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            out.push_str("}}");
        }
        out.push(']');
    }
    if !rep.roles.is_empty() {
        out.push_str(",\"roles\":[");
        for (i, (k, r)) in rep.roles.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"entity\":");
            esc(out, k);
            out.push_str(",\"role\":");
            esc(out, r);
            out.push('}');
        }
        out.push(']');
    }
    out.push('}');
    if fault == Some(JsonFault::Truncated) {
        let mut cut = out.len() * 2 / 3;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use mosaic_model::{CentreId, Report, Rule};

    pub fn sample() -> Rep {
        let mut d = Ent::new("d", Schema::Person, "person:1");
        d.s("name", "Mohammed Al-Hassan")
            .p("birthDate", V::Year(1987))
            .s("nationality", "sy");
        let mut t = Ent::new("t", Schema::Vehicle, "vehicle:1");
        t.s("registrationNumber", "AB-123-CD").s("operator", "d");
        Rep {
            stream: 0,
            agency: "fr-paf",
            report_type: "interception",
            author: None,
            source_ref: "PAF-1".into(),
            reported_at: Utc.with_ymd_and_hms(2025, 3, 1, 11, 0, 0).unwrap(),
            observed_at: Some(Utc.with_ymd_and_hms(2025, 3, 1, 3, 30, 0).unwrap()),
            grading: Some("B2".into()),
            handling: "H1",
            handling_conditions: None,
            tlp: "AMBER",
            classification: "restricted",
            purpose: None,
            legal_basis: None,
            language: Some("fr"),
            narrative: None,
            place: Some(PlaceV {
                name: Some("Aire de \"Marck\"".into()),
                country: Some("fr"),
                point: Some((50.95, 1.95)),
            }),
            entities: vec![d, t],
            roles: vec![("d".into(), "driver")],
            extras: vec![],
            event: None,
            operation: None,
            offset: 3600,
        }
    }

    fn parse(line: &str) -> Result<Report, Vec<mosaic_model::ValidationError>> {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            vec![mosaic_model::ValidationError::new(
                "",
                Rule::Syntax,
                e.to_string(),
            )]
        })?;
        Report::from_value(&CentreId::parse("xx-test").unwrap(), &v)
    }

    #[test]
    fn json_round_trips_through_the_model_with_the_same_statement_count() {
        let rep = sample();
        let mut s = String::new();
        to_json(&rep, None, &mut s);
        let r = parse(&s).expect("valid");
        assert_eq!(r.statements().len() as u64, rep.statements());
        assert_eq!(
            r.observed_at.unwrap().to_rfc3339(),
            "2025-03-01T03:30:00+00:00"
        );
    }

    #[test]
    fn each_fault_breaks_exactly_its_rule() {
        let mut rep = sample();
        for f in JsonFault::ALL {
            let mut s = String::new();
            rep.narrative = Some("x".into());
            assert!(f.applies(&rep), "{f:?}");
            to_json(&rep, Some(*f), &mut s);
            let errs = parse(&s).expect_err(&format!("{f:?} must be rejected"));
            assert_eq!(errs.len(), 1, "{f:?}: {errs:?}");
            assert_eq!(errs[0].rule.code(), f.rule(), "{f:?}: {errs:?}");
        }
    }

    #[test]
    fn prune_drops_empty_mentions_and_their_references() {
        let mut rep = sample();
        rep.entities[0].props.clear();
        rep.prune();
        assert_eq!(rep.entities.len(), 1);
        assert!(rep.roles.is_empty());
        assert!(rep.entities[0].get("operator").is_none());
    }
}
