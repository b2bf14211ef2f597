//! CSV exports with their mapping files. One [`Layout`] describes both how the agency's
//! system writes its export (columns, date patterns, decimal commas, code lists,
//! encoding) and the mapping TOML that `mosaic import` reads — so the two can never
//! disagree. The statement count and the mentions that survive are computed the way the
//! importer will (entities only when a column gave them data; references to entities a
//! row did not produce are dropped).

use chrono::{DateTime, Utc};

use crate::rep::{distinct, Rep, V};
use crate::util::cp1252_safe;

/// File encodings the agencies' systems write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// Windows-1252: names are folded to what it can hold.
    Cp1252,
}

/// How a cell is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    Text,
    /// A date in this strftime pattern (partial dates are written as ISO `YYYY`).
    Date(&'static str),
    /// A date-time in the layout's offset, this pattern.
    Instant(&'static str),
    /// A number, with the layout's decimal separator.
    Num,
}

/// Where a cell's content comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    /// A report field: `source_ref`, `reported_at`, `observed_at`, `grading`, `handling`,
    /// `tlp`, `narrative`, `author`, `place.name`, `place.lat`, `place.lon`.
    Report(&'static str),
    /// A property of the entity with this key.
    Prop(&'static str, &'static str),
    /// The role of the person with this key.
    Role(&'static str),
    /// A column the mapping does not read (`Rep::extras`).
    Extra(&'static str),
}

/// A code list: code written in the file → Mosaic term.
pub type Codes = &'static [(&'static str, &'static str)];

#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub header: &'static str,
    pub src: Src,
    pub fmt: Fmt,
    pub map: Option<Codes>,
    pub split: Option<&'static str>,
}

pub const fn col(header: &'static str, src: Src, fmt: Fmt) -> Col {
    Col {
        header,
        src,
        fmt,
        map: None,
        split: None,
    }
}

pub const fn coded(header: &'static str, src: Src, map: Codes) -> Col {
    Col {
        header,
        src,
        fmt: Fmt::Text,
        map: Some(map),
        split: None,
    }
}

/// What feeds a report field, entity property or role in the mapping.
#[derive(Clone, Copy, Debug)]
pub enum Spec {
    /// The column with this header (its code list and split come from the column).
    Col(&'static str),
    Const(&'static str),
    /// `"{prenom} {nom}"`
    Template(&'static str),
}

#[derive(Clone, Debug)]
pub struct EntLayout {
    pub key: &'static str,
    pub schema: &'static str,
    pub props: Vec<(&'static str, Spec)>,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub agency: &'static str,
    pub comment: &'static str,
    pub encoding: Encoding,
    pub delimiter: u8,
    pub date_formats: &'static [&'static str],
    /// `+01:00`
    pub timezone: &'static str,
    pub offset: i32,
    pub decimal_comma: bool,
    pub columns: Vec<Col>,
    /// Report fields, including `place.name`, `place.country`, `place.lat`, `place.lon`.
    pub report: Vec<(&'static str, Spec)>,
    pub entities: Vec<EntLayout>,
    pub roles: Vec<(&'static str, Spec)>,
    /// Specs resolved to column indexes, built on first use.
    pub cache: std::sync::OnceLock<Cache>,
}

/// A spec with its columns resolved.
#[derive(Clone, Debug)]
enum RSpec {
    Col {
        i: usize,
        split: Option<&'static str>,
    },
    Const,
    Template(Vec<usize>),
}

#[derive(Clone, Debug)]
struct RProp {
    spec: RSpec,
    /// For references: the entity (index) the constant names.
    target: Option<usize>,
    is_ref: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Cache {
    entities: Vec<Vec<RProp>>,
    roles: Vec<(usize, RSpec)>,
}

/// Formats a date-time with the few strftime fields the layouts use, without parsing
/// the pattern through chrono on every cell.
pub fn fast_format(pattern: &str, y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let _ = match chars.next() {
            Some('d') => write!(out, "{d:02}"),
            Some('m') => write!(out, "{mo:02}"),
            Some('Y') => write!(out, "{y:04}"),
            Some('y') => write!(out, "{:02}", y.rem_euclid(100)),
            Some('H') => write!(out, "{h:02}"),
            Some('M') => write!(out, "{mi:02}"),
            Some('S') => write!(out, "{s:02}"),
            Some('%') => write!(out, "%"),
            Some(other) => write!(out, "%{other}"),
            None => write!(out, "%"),
        };
    }
    out
}

/// A row as written, with what the importer will make of it.
pub struct Row {
    pub cells: Vec<String>,
    /// Entity keys (of the layout) that the importer will create for this row.
    pub kept: Vec<&'static str>,
    pub statements: u64,
}

fn toml_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\t' => o.push_str("\\t"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

impl Layout {
    pub fn column(&self, header: &str) -> &Col {
        self.columns
            .iter()
            .find(|c| c.header == header)
            .unwrap_or_else(|| panic!("layout for {} has no column {header}", self.agency))
    }

    fn spec_toml(&self, s: &Spec) -> String {
        match s {
            Spec::Const(v) => format!("{{ value = {} }}", toml_str(v)),
            Spec::Template(t) => format!("{{ template = {} }}", toml_str(t)),
            Spec::Col(h) => {
                let c = self.column(h);
                let mut parts = vec![format!("column = {}", toml_str(h))];
                if let Some(m) = c.map {
                    let items: Vec<String> = m
                        .iter()
                        .map(|(k, v)| format!("{} = {}", toml_str(k), toml_str(v)))
                        .collect();
                    parts.push(format!("map = {{ {} }}", items.join(", ")));
                }
                if let Some(sep) = c.split {
                    parts.push(format!("split = {}", toml_str(sep)));
                }
                if parts.len() == 1 {
                    toml_str(h)
                } else {
                    format!("{{ {} }}", parts.join(", "))
                }
            }
        }
    }

    /// The mapping file (TOML) for this export.
    pub fn mapping_toml(&self) -> String {
        let mut o = String::new();
        o.push_str(&format!("# {}\n", self.comment));
        o.push_str("# Written by mosaic-sim together with the CSV beside it (docs/scenario.md).\n");
        o.push_str("[source]\n");
        o.push_str(&format!("agency = {}\n", toml_str(self.agency)));
        let enc = match self.encoding {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "auto",
            Encoding::Cp1252 => "windows-1252",
        };
        o.push_str(&format!("encoding = {}\n", toml_str(enc)));
        o.push_str(&format!(
            "delimiter = {}\n",
            toml_str(&(self.delimiter as char).to_string())
        ));
        let f: Vec<String> = self.date_formats.iter().map(|f| toml_str(f)).collect();
        o.push_str(&format!("date_formats = [{}]\n", f.join(", ")));
        o.push_str(&format!("timezone = {}\n", toml_str(self.timezone)));
        o.push_str(&format!("decimal_comma = {}\n", self.decimal_comma));
        o.push_str("\n[report]\n");
        let mut place = Vec::new();
        for (field, spec) in &self.report {
            if let Some(p) = field.strip_prefix("place.") {
                place.push(format!("{p} = {}", self.spec_toml(spec)));
            } else {
                o.push_str(&format!("{field} = {}\n", self.spec_toml(spec)));
            }
        }
        if !place.is_empty() {
            o.push_str(&format!("place = {{ {} }}\n", place.join(", ")));
        }
        for e in &self.entities {
            o.push_str("\n[[entity]]\n");
            o.push_str(&format!("key = {}\n", toml_str(e.key)));
            o.push_str(&format!("schema = {}\n", toml_str(e.schema)));
            for (p, spec) in &e.props {
                o.push_str(&format!("properties.{p} = {}\n", self.spec_toml(spec)));
            }
        }
        for (k, spec) in &self.roles {
            o.push_str("\n[[role]]\n");
            o.push_str(&format!("entity = {}\n", toml_str(k)));
            o.push_str(&format!("role = {}\n", self.spec_toml(spec)));
        }
        o
    }

    pub fn header(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.header.to_owned()).collect()
    }

    fn instant(&self, t: &DateTime<Utc>, pattern: &str) -> String {
        use chrono::{Datelike, Timelike};
        let l = t.with_timezone(&chrono::FixedOffset::east_opt(self.offset).expect("offset"));
        fast_format(
            pattern,
            l.year(),
            l.month(),
            l.day(),
            l.hour(),
            l.minute(),
            l.second(),
        )
    }

    fn number(&self, x: f64, decimals: u8, grouped: bool) -> String {
        let s = format!("{:.*}", decimals as usize, x.abs());
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
            None => (s.clone(), None),
        };
        let (thousands, point) = if self.decimal_comma {
            ('.', ',')
        } else {
            (',', '.')
        };
        let int = if grouped && int.len() > 3 {
            let b = int.as_bytes();
            let mut out = String::new();
            for (i, c) in b.iter().enumerate() {
                if i > 0 && (b.len() - i) % 3 == 0 {
                    out.push(thousands);
                }
                out.push(*c as char);
            }
            out
        } else {
            int
        };
        let sign = if x < 0.0 { "-" } else { "" };
        match frac {
            Some(f) => format!("{sign}{int}{point}{f}"),
            None => format!("{sign}{int}"),
        }
    }

    fn value(&self, v: &V, fmt: Fmt) -> String {
        match (v, fmt) {
            (V::Raw(s), _) => s.clone(),
            (V::S(s), _) => s.clone(),
            (V::Date(d), Fmt::Date(p)) | (V::Date(d), Fmt::Instant(p)) => {
                use chrono::Datelike;
                fast_format(p, d.year(), d.month(), d.day(), 0, 0, 0)
            }
            (
                V::Num {
                    x,
                    decimals,
                    grouped,
                },
                _,
            ) => self.number(*x, *decimals, *grouped),
            (other, _) => other.iso(),
        }
    }

    /// Fills one row from a report.
    pub fn row(&self, rep: &Rep) -> Row {
        let mut cells = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let raw: String = match c.src {
                Src::Report(f) => match f {
                    "source_ref" => rep.source_ref.clone(),
                    "reported_at" => match c.fmt {
                        Fmt::Instant(p) | Fmt::Date(p) => self.instant(&rep.reported_at, p),
                        _ => rep.reported_at.to_rfc3339(),
                    },
                    "observed_at" => match (&rep.observed_at, c.fmt) {
                        (Some(t), Fmt::Instant(p)) | (Some(t), Fmt::Date(p)) => self.instant(t, p),
                        _ => String::new(),
                    },
                    "grading" => rep.grading.clone().unwrap_or_default(),
                    "handling" => rep.handling.to_owned(),
                    "tlp" => rep.tlp.to_owned(),
                    "narrative" => rep.narrative.clone().unwrap_or_default(),
                    "author" => rep.author.clone().unwrap_or_default(),
                    "place.name" => rep
                        .place
                        .as_ref()
                        .and_then(|p| p.name.clone())
                        .unwrap_or_default(),
                    "place.lat" => rep
                        .place
                        .as_ref()
                        .and_then(|p| p.point)
                        .map(|(lat, _)| self.number(lat, 5, false))
                        .unwrap_or_default(),
                    "place.lon" => rep
                        .place
                        .as_ref()
                        .and_then(|p| p.point)
                        .map(|(_, lon)| self.number(lon, 5, false))
                        .unwrap_or_default(),
                    other => panic!("unsupported report column source {other}"),
                },
                Src::Prop(key, prop) => match rep.entity(key).and_then(|e| e.get(prop)) {
                    None => String::new(),
                    Some(vals) => {
                        let parts: Vec<String> = vals
                            .iter()
                            .map(|v| {
                                let s = self.value(v, c.fmt);
                                match c.map {
                                    Some(m) => m
                                        .iter()
                                        .find(|(_, term)| *term == s)
                                        .map(|(code, _)| (*code).to_owned())
                                        .unwrap_or(s),
                                    None => s,
                                }
                            })
                            .collect();
                        debug_assert!(
                            parts.len() <= 1 || c.split.is_some(),
                            "{}: several values for {key}.{prop} in one cell",
                            self.agency
                        );
                        parts.join(c.split.unwrap_or(" "))
                    }
                },
                Src::Role(key) => rep
                    .roles
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, r)| {
                        let r = *r;
                        match c.map {
                            Some(m) => m
                                .iter()
                                .find(|(_, term)| *term == r)
                                .map(|(code, _)| *code)
                                .unwrap_or(r)
                                .to_owned(),
                            None => r.to_owned(),
                        }
                    })
                    .unwrap_or_default(),
                Src::Extra(name) => rep
                    .extras
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            };
            // one physical line per record
            let mut cell = if raw.contains(['\n', '\r']) {
                raw.replace(['\n', '\r'], " ")
            } else {
                raw
            };
            if self.encoding == Encoding::Cp1252 {
                cell = cp1252_safe(&cell);
            }
            cells.push(cell);
        }
        let (kept, statements) = self.evaluate(&cells);
        Row {
            cells,
            kept,
            statements,
        }
    }

    fn resolve(&self, spec: &Spec) -> RSpec {
        match spec {
            Spec::Const(_) => RSpec::Const,
            Spec::Col(h) => RSpec::Col {
                i: self.index(h).expect("known column"),
                split: self.column(h).split,
            },
            Spec::Template(t) => {
                let mut cols = Vec::new();
                let mut rest = *t;
                while let Some(open) = rest.find('{') {
                    let Some(close) = rest[open..].find('}') else {
                        break;
                    };
                    cols.push(
                        self.index(&rest[open + 1..open + close])
                            .expect("known column"),
                    );
                    rest = &rest[open + close + 1..];
                }
                RSpec::Template(cols)
            }
        }
    }

    fn cache(&self) -> &Cache {
        self.cache.get_or_init(|| {
            let keys: Vec<&str> = self.entities.iter().map(|e| e.key).collect();
            let entities = self
                .entities
                .iter()
                .map(|e| {
                    let schema = mosaic_model::Schema::parse(e.schema).expect("known schema");
                    e.props
                        .iter()
                        .map(|(p, spec)| {
                            let is_ref = crate::rep::is_ref(schema, p);
                            let target = match spec {
                                Spec::Const(v) if is_ref => keys.iter().position(|k| k == v),
                                _ => None,
                            };
                            RProp {
                                spec: self.resolve(spec),
                                target,
                                is_ref,
                            }
                        })
                        .collect()
                })
                .collect();
            let roles = self
                .roles
                .iter()
                .map(|(k, spec)| {
                    (
                        keys.iter().position(|x| x == k).expect("role entity"),
                        self.resolve(spec),
                    )
                })
                .collect();
            Cache { entities, roles }
        })
    }

    /// How many values a spec yields for a row, as the importer computes them.
    fn count(cells: &[String], spec: &RSpec) -> u64 {
        match spec {
            RSpec::Const => 1,
            RSpec::Template(cols) => cols.iter().any(|i| !cells[*i].trim().is_empty()) as u64,
            RSpec::Col { i, split } => {
                let v = cells[*i].trim();
                if v.is_empty() {
                    return 0;
                }
                match split {
                    Some(sep) => {
                        let vals: Vec<V> = v
                            .split(sep)
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(V::s)
                            .collect();
                        distinct(&vals)
                    }
                    None => 1,
                }
            }
        }
    }

    /// Which entities the importer keeps for these cells, and how many statements.
    fn evaluate(&self, cells: &[String]) -> (Vec<&'static str>, u64) {
        let cache = self.cache();
        let mut kept = vec![false; self.entities.len()];
        let mut counts: Vec<Vec<u64>> = Vec::with_capacity(self.entities.len());
        for (ei, props) in cache.entities.iter().enumerate() {
            let mut from_data = false;
            let mut c = Vec::with_capacity(props.len());
            for p in props {
                let n = Self::count(cells, &p.spec);
                if n > 0 && !p.is_ref && !matches!(p.spec, RSpec::Const) {
                    from_data = true;
                }
                c.push(n);
            }
            kept[ei] = from_data;
            counts.push(c);
        }
        let mut n = 0u64;
        for (ei, props) in cache.entities.iter().enumerate() {
            if !kept[ei] {
                continue;
            }
            for (pi, p) in props.iter().enumerate() {
                if p.is_ref {
                    // a reference survives only if the entity it names was produced
                    if p.target.is_some_and(|t| kept[t]) {
                        n += counts[ei][pi].min(1);
                    }
                } else {
                    n += counts[ei][pi];
                }
            }
        }
        for (ei, spec) in &cache.roles {
            if kept[*ei] {
                n += Self::count(cells, spec).min(1);
            }
        }
        let keys = self
            .entities
            .iter()
            .zip(kept)
            .filter(|(_, k)| *k)
            .map(|(e, _)| e.key)
            .collect();
        (keys, n)
    }

    /// Index of a column.
    pub fn index(&self, header: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.header == header)
    }

    /// An impossible date (31 February) in the pattern of `header`'s column.
    pub fn impossible_date(&self, header: &str, year: i32) -> String {
        let pattern = match self.column(header).fmt {
            Fmt::Instant(p) | Fmt::Date(p) => p,
            _ => "%d/%m/%Y",
        };
        pattern
            .replace("%d", "31")
            .replace("%m", "02")
            .replace("%Y", &format!("{year:04}"))
            .replace("%H", "10")
            .replace("%M", "00")
            .replace("%S", "00")
    }
}

/// Faults a CSV row can carry on purpose, each breaking exactly one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvFault {
    /// 31 February in the report date column (`date`).
    ImpossibleDate,
    /// Grading `Z9` (`grading`).
    Grading,
    /// A field missing from the row (`syntax`).
    MissingField,
    /// Text in a number column (`number`).
    NotANumber,
    /// A country code the code list does not know (`property_type`).
    Country,
}

impl CsvFault {
    pub const ALL: &'static [CsvFault] = &[
        CsvFault::ImpossibleDate,
        CsvFault::Grading,
        CsvFault::MissingField,
        CsvFault::NotANumber,
        CsvFault::Country,
    ];

    pub fn rule(self) -> &'static str {
        match self {
            CsvFault::ImpossibleDate => "date",
            CsvFault::Grading => "grading",
            CsvFault::MissingField => "syntax",
            CsvFault::NotANumber => "number",
            CsvFault::Country => "property_type",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            CsvFault::ImpossibleDate => "report date on 31 February",
            CsvFault::Grading => "grading Z9 (not a known scale)",
            CsvFault::MissingField => "row with one field too few",
            CsvFault::NotANumber => "number column holds \"n.c.\"",
            CsvFault::Country => "unknown country code",
        }
    }
}

/// Columns a layout designates for faults.
#[derive(Clone, Copy, Debug)]
pub struct FaultColumns {
    pub date: &'static str,
    pub grading: &'static str,
    /// A number column that feeds an entity property, and an entity with data in the row.
    pub number: &'static str,
    /// A country column feeding a property of an entity kept in every row.
    pub country: &'static str,
}

/// Applies a fault to a copy of the cells. Returns `None` when this row cannot carry it
/// (e.g. the number column is empty, so the fault would not show).
pub fn apply_fault(
    layout: &Layout,
    cols: &FaultColumns,
    cells: &[String],
    fault: CsvFault,
    year: i32,
) -> Option<Vec<String>> {
    let mut c = cells.to_vec();
    match fault {
        CsvFault::ImpossibleDate => {
            let i = layout.index(cols.date)?;
            c[i] = layout.impossible_date(cols.date, year);
        }
        CsvFault::Grading => {
            let i = layout.index(cols.grading)?;
            c[i] = "Z9".into();
        }
        CsvFault::MissingField => {
            c.pop();
        }
        CsvFault::NotANumber => {
            let i = layout.index(cols.number)?;
            if c[i].trim().is_empty() {
                return None;
            }
            c[i] = "n.c.".into();
        }
        CsvFault::Country => {
            let i = layout.index(cols.country)?;
            if c[i].trim().is_empty() {
                return None;
            }
            c[i] = "XYZ".into();
        }
    }
    Some(c)
}
