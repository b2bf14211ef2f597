//! Records: what resolution compares. One record per entity id (a mention in a report,
//! or several mentions that name the same entity id), with its names, dates and
//! identifier keys — its own and those of the phones, documents and accounts that the
//! same report ties to it (`owner`, `holder`, …).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use mosaic_model::schema::PropType;
use mosaic_model::{AgencyId, EntityId, Report, ReportId, Schema};

use crate::ident::{self, PhoneCache};
use crate::key::{KeyKind, Normalized};
use crate::mrz;
use crate::name::{analyse, NameForm};

/// Where a record was mentioned: the report, and the provider's own references, which
/// is how ground truth and providers' own systems name a mention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionRef {
    pub report: ReportId,
    pub agency: AgencyId,
    pub source_ref: Option<String>,
    /// The entity's key inside the report.
    pub key: String,
}

/// A date that may be partial (`1987`, `1987-04`, `1987-04-12`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    pub fn parse(s: &str) -> Option<PartialDate> {
        let s = s.trim();
        let d = mosaic_model::time::check_partial_date(s)?;
        Some(match s.len() {
            4 => PartialDate {
                year: d.year(),
                month: None,
                day: None,
            },
            7 => PartialDate {
                year: d.year(),
                month: Some(d.month()),
                day: None,
            },
            _ => PartialDate::of(d),
        })
    }

    pub fn of(d: NaiveDate) -> PartialDate {
        PartialDate {
            year: d.year(),
            month: Some(d.month()),
            day: Some(d.day()),
        }
    }

    pub fn is_full(&self) -> bool {
        self.day.is_some()
    }
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

/// One entity as resolution sees it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// The entity id its statements carry: the "source record id".
    pub id: EntityId,
    pub schema: Schema,
    pub mentions: Vec<MentionRef>,
    /// Names (for persons: `name`, and `firstName` + `lastName`).
    #[serde(skip)]
    pub names: Vec<NameForm>,
    /// Nicknames and aliases ("the Doctor", "Kak Rebwar"): many people share them, so
    /// they are compared only when a side has no name.
    #[serde(skip)]
    pub aliases: Vec<NameForm>,
    pub birth: Option<PartialDate>,
    pub nationality: Vec<String>,
    pub gender: Option<String>,
    /// Country property (vehicles, accounts, organisations, documents).
    pub country: Option<String>,
    /// Identifier keys from the record's own properties.
    pub keys: Vec<Normalized>,
    /// Identifier keys of entities the same report ties to this one.
    pub linked: Vec<Normalized>,
}

impl Record {
    fn new(id: EntityId, schema: Schema, m: MentionRef) -> Record {
        Record {
            id,
            schema,
            mentions: vec![m],
            names: Vec::new(),
            aliases: Vec::new(),
            birth: None,
            nationality: Vec::new(),
            gender: None,
            country: None,
            keys: Vec::new(),
            linked: Vec::new(),
        }
    }

    /// Own and linked keys.
    pub fn all_keys(&self) -> impl Iterator<Item = &Normalized> {
        self.keys.iter().chain(self.linked.iter())
    }

    /// Folds another mention of the same entity id into this record.
    pub fn absorb(&mut self, other: Record) {
        for m in other.mentions {
            if !self.mentions.contains(&m) {
                self.mentions.push(m);
            }
        }
        for n in other.names {
            if !self.names.iter().any(|x| x.original == n.original) {
                self.names.push(n);
            }
        }
        for n in other.aliases {
            if !self.aliases.iter().any(|x| x.original == n.original) {
                self.aliases.push(n);
            }
        }
        if self.birth.is_none_or(|b| !b.is_full()) && other.birth.is_some() {
            self.birth = other.birth.or(self.birth);
        }
        for c in other.nationality {
            if !self.nationality.contains(&c) {
                self.nationality.push(c);
            }
        }
        self.gender = self.gender.take().or(other.gender);
        self.country = self.country.take().or(other.country);
        for k in other.keys {
            if !self.keys.iter().any(|x| x.key == k.key) {
                self.keys.push(k);
            }
        }
        for k in other.linked {
            if !self.linked.iter().any(|x| x.key == k.key) {
                self.linked.push(k);
            }
        }
    }
}

/// What record extraction needs beyond the report: the agencies' countries (the default
/// for phone numbers written nationally) and a cache of phone parses.
#[derive(Default)]
pub struct Context {
    pub agency_country: HashMap<AgencyId, String>,
    pub phones: PhoneCache,
    /// Today, for MRZ birth-date centuries.
    pub today: Option<NaiveDate>,
}

impl Context {
    pub fn new(agencies: &[mosaic_model::Agency]) -> Context {
        Context {
            agency_country: agencies
                .iter()
                .map(|a| (a.id.clone(), a.country.to_ascii_lowercase()))
                .collect(),
            ..Default::default()
        }
    }

    /// The country a report's writer dials from: the agency's, else its id's prefix
    /// when that is a country code (`fr-paf`), else the report's place.
    pub fn default_country(&self, r: &Report) -> Option<String> {
        if let Some(c) = self.agency_country.get(&r.agency) {
            return Some(c.clone());
        }
        let prefix = r.agency.as_str().split('-').next().unwrap_or("");
        if prefix.len() == 2 && mosaic_model::country::is_country(prefix) {
            return Some(prefix.to_owned());
        }
        r.place.as_ref().and_then(|p| p.country.clone())
    }
}

fn first<'a>(props: &'a BTreeMap<String, Vec<String>>, p: &str) -> Option<&'a str> {
    props.get(p).and_then(|v| v.first()).map(String::as_str)
}

fn all<'a>(props: &'a BTreeMap<String, Vec<String>>, p: &str) -> impl Iterator<Item = &'a str> {
    props.get(p).into_iter().flatten().map(String::as_str)
}

/// Keys (and, for documents, MRZ name and birth date) handed to the entity a mention
/// points at: `(target key, keys, facts)`.
type Handover = (String, Vec<Normalized>, Option<(NameForm, PartialDate)>);

/// The records a report contributes (one per entity mention), with linked keys filled.
pub fn records_of(report: &Report, ctx: &Context) -> Vec<Record> {
    let home = ctx.default_country(report);
    let home = home.as_deref();
    let today = ctx.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let mut out: Vec<Record> = Vec::with_capacity(report.entities.len());
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    // Keys and, for documents, MRZ facts to hand to the entity a mention points at.
    let mut handover: Vec<Handover> = Vec::new();
    for m in &report.entities {
        let p = &m.properties;
        let mut r = Record::new(
            report.entity_id(m),
            m.schema,
            MentionRef {
                report: report.id.clone(),
                agency: report.agency.clone(),
                source_ref: report.source_ref.clone(),
                key: m.key.clone(),
            },
        );
        r.country = first(p, "country").map(str::to_owned);
        let mut mrz_facts = None;
        match m.schema {
            Schema::Person => {
                r.names.extend(all(p, "name").map(analyse));
                r.aliases.extend(all(p, "alias").map(analyse));
                let composed = [first(p, "firstName"), first(p, "lastName")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                if !composed.is_empty() && !r.names.iter().any(|n| n.original == composed) {
                    r.names.push(analyse(&composed));
                }
                r.birth = all(p, "birthDate").find_map(PartialDate::parse);
                r.nationality = all(p, "nationality").map(str::to_owned).collect();
                r.gender = first(p, "gender")
                    .filter(|g| *g == "male" || *g == "female")
                    .map(str::to_owned);
                let doc_country = (r.nationality.len() == 1).then(|| r.nationality[0].as_str());
                r.keys
                    .extend(all(p, "idNumber").map(|v| ident::document(v, doc_country)));
                r.keys
                    .extend(all(p, "phone").map(|v| ctx.phones.phone(v, home)));
                r.keys.extend(all(p, "email").map(ident::email));
            }
            Schema::Phone => {
                let c = r.country.as_deref().or(home);
                r.keys
                    .extend(all(p, "number").map(|v| ctx.phones.phone(v, c)));
                r.keys.extend(all(p, "imei").map(ident::imei));
            }
            Schema::Email => r.keys.extend(all(p, "address").map(ident::email)),
            Schema::BankAccount => {
                r.keys.extend(all(p, "iban").map(ident::iban));
                r.keys.extend(all(p, "accountNumber").map(ident::account));
            }
            Schema::IdentityDocument => {
                let c = r.country.clone();
                r.keys
                    .extend(all(p, "number").map(|v| ident::document(v, c.as_deref())));
                for z in all(p, "mrz") {
                    if let Ok(parsed) = mrz::parse(z) {
                        let country = parsed.issuer_country().map(str::to_owned).or(c.clone());
                        let mut n = ident::document(&parsed.number, country.as_deref());
                        n.original = z.to_owned();
                        if !parsed.valid() {
                            n.valid = false;
                            n.problem = Some(format!("MRZ: {}", parsed.problems().join(", ")));
                        }
                        if !r.keys.iter().any(|k| k.key == n.key) {
                            r.keys.push(n);
                        }
                        if let Some(b) = parsed.birth_date(today) {
                            mrz_facts = Some((analyse(&parsed.full_name()), PartialDate::of(b)));
                        }
                    }
                }
            }
            Schema::Vehicle => {
                let c = r.country.clone();
                r.keys
                    .extend(all(p, "registrationNumber").map(|v| ident::plate(v, c.as_deref())));
            }
            Schema::Vessel => {
                r.names.extend(all(p, "name").map(analyse));
                r.keys.extend(all(p, "imoNumber").map(ident::imo));
                r.keys.extend(all(p, "mmsi").map(ident::mmsi));
                r.keys.extend(all(p, "callSign").map(ident::call_sign));
            }
            Schema::Organization => {
                r.names.extend(all(p, "name").map(analyse));
                r.aliases.extend(all(p, "alias").map(analyse));
                let c = r.country.clone();
                r.keys.extend(
                    all(p, "registrationNumber").map(|v| ident::registration(v, c.as_deref())),
                );
            }
            _ => {}
        }
        r.names.retain(|n| !n.is_empty());
        r.aliases.retain(|n| !n.is_empty());
        // Who this entity points at with an ownership-like reference.
        if matches!(
            m.schema,
            Schema::Phone
                | Schema::Email
                | Schema::BankAccount
                | Schema::IdentityDocument
                | Schema::Vehicle
        ) && !r.keys.is_empty()
        {
            for prop in ["owner", "holder", "operator"] {
                let is_ref = m
                    .schema
                    .property(prop)
                    .is_some_and(|s| s.ty == PropType::Entity);
                if is_ref {
                    for target in all(p, prop) {
                        handover.push((target.to_owned(), r.keys.clone(), mrz_facts.clone()));
                    }
                }
            }
        }
        by_key.insert(m.key.as_str(), out.len());
        out.push(r);
    }
    for (target, keys, facts) in handover {
        let Some(&i) = by_key.get(target.as_str()) else {
            continue; // a reference to an entity id outside the report
        };
        let t = &mut out[i];
        if !matches!(t.schema, Schema::Person | Schema::Organization) {
            continue;
        }
        for k in keys {
            // Vehicles a person drives are shared by many drivers: not identity.
            if k.key.kind == KeyKind::Plate {
                continue;
            }
            if !t.linked.iter().any(|x| x.key == k.key) && !t.keys.iter().any(|x| x.key == k.key) {
                t.linked.push(k);
            }
        }
        if let Some((name, birth)) = facts {
            if !name.is_empty() && !t.names.iter().any(|n| n.tokens == name.tokens) {
                t.names.push(name);
            }
            if t.birth.is_none_or(|b| !b.is_full()) {
                t.birth = Some(birth);
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mosaic_model::CentreId;
    use serde_json::json;

    pub(crate) fn report(v: serde_json::Value) -> Report {
        Report::from_value(&CentreId::parse("fr-ncc").unwrap(), &v).unwrap()
    }

    #[test]
    fn persons_get_their_phones_and_documents() {
        let r = report(json!({
            "agency": "fr-paf", "report_type": "interception", "source_ref": "PAF-1",
            "reported_at": "2025-03-01T12:00:00Z", "handling": "H0", "tlp": "AMBER",
            "classification": "restricted",
            "entities": [
                {"key": "d", "schema": "Person", "properties": {
                    "firstName": "Mohammed", "lastName": "AL-HASSAN", "birthDate": "1987",
                    "nationality": "sy", "gender": "male"}},
                {"key": "ph", "schema": "Phone", "properties": {"number": "06 12 34 56 78", "owner": "d"}},
                {"key": "doc", "schema": "IdentityDocument", "properties": {
                    "mrz": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
                    "holder": "d"}},
                {"key": "t", "schema": "Vehicle", "properties": {"registrationNumber": "AB-123-CD", "operator": "d"}}
            ]
        }));
        let ctx = Context::default();
        let recs = records_of(&r, &ctx);
        assert_eq!(recs.len(), 4);
        let p = &recs[0];
        assert_eq!(p.names[0].original, "Mohammed AL-HASSAN");
        assert_eq!(p.mentions[0].source_ref.as_deref(), Some("PAF-1"));
        assert_eq!(p.mentions[0].key, "d");
        let linked: Vec<String> = p.linked.iter().map(|k| k.key.to_string()).collect();
        assert!(
            linked.contains(&"phone:+33612345678".to_owned()),
            "{linked:?}"
        );
        assert!(linked.contains(&"document:L898902C3".to_owned()));
        assert!(!linked.iter().any(|k| k.starts_with("plate:")));
        // MRZ facts (name, full birth date) reach the holder
        assert_eq!(p.birth, Some(PartialDate::parse("1974-08-12").unwrap()));
        assert!(p.names.iter().any(|n| n.original == "ANNA MARIA ERIKSSON"));
        assert_eq!(recs[3].keys[0].key.to_string(), "plate:AB123CD");
    }

    #[test]
    fn partial_dates() {
        assert_eq!(PartialDate::parse("1987").unwrap().to_string(), "1987");
        assert_eq!(
            PartialDate::parse("1987-04").unwrap().to_string(),
            "1987-04"
        );
        assert!(PartialDate::parse("1987-04-12").unwrap().is_full());
        assert!(PartialDate::parse("12/04/1987").is_none());
    }
}
