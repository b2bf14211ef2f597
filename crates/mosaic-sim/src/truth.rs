//! The ground truth: who and what every mention really is, and the facts behind the
//! reports. Written as CSV files in `<out>/truth/` (format in `docs/scenario.md`) and
//! read back with [`load`] by the resolver's and analysis tests.
//!
//! Mentions are identified portably by `(agency, source_ref, key)`: report ids are
//! minted by the importing centre from agency + source_ref, so a test derives them with
//! its own centre id if it needs them.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::SimError;

/// One entity mention in one report, and the real-world entity it is of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    pub agency: String,
    pub source_ref: String,
    /// The entity's key in the report (for CSV: the mapping's entity key).
    pub key: String,
    pub schema: String,
    /// The true entity id, e.g. `person:1234`, `phone:77`.
    pub entity: String,
    pub file: String,
    /// Physical line of the first (original) submission; CSV counts the header as 1.
    pub line: u64,
}

/// A real person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonTruth {
    pub entity: String,
    /// `smuggler`, `migrant` or `other` (innocent drivers, relatives, employers, bystanders).
    pub kind: String,
    /// The network the person belongs to (smugglers) or travelled with (migrants).
    pub network: Option<String>,
    /// Smugglers: organizer, recruiter, driver, boat_pilot, money_collector,
    /// document_forger, safe_house_keeper. Migrants: smuggled_migrant or
    /// victim_of_trafficking. Others: what they are (truck_driver, relative, employer…).
    pub role: String,
    /// Canonical spelling (first romanisation).
    pub name: String,
    pub native_name: Option<String>,
    pub birth_date: String,
    pub nationality: String,
    pub gender: String,
    pub country: Option<String>,
    pub child: bool,
    pub victim_of_trafficking: bool,
    pub asylum_applicant: bool,
    pub fled_from: Option<String>,
    /// What happened to a smuggler at the end: arrested, eaw, at_large, arrested_earlier.
    pub fate: Option<String>,
}

/// A phone (one SIM), vehicle, vessel, bank account, identity document, address or
/// organisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectTruth {
    pub entity: String,
    pub schema: String,
    /// Canonical identifier: E.164, compact IBAN, plate, IMO, document number, address.
    pub value: String,
    pub owner: Option<String>,
    pub network: Option<String>,
    pub valid_from: String,
    /// Last day in use (rotation); empty if still in use at the end.
    pub valid_to: Option<String>,
    /// Secondary identifiers (IMEI, MMSI, call sign) and remarks.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkTruth {
    pub entity: String,
    pub route: String,
    pub name: String,
    /// Space-separated ISO codes where it has cells.
    pub countries: String,
    pub members: u32,
}

/// A payment. `fee` is true for smuggling fees; false for other transactions that show
/// up in the same records (rent, wages, unrelated suspicious transactions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentTruth {
    pub entity: String,
    pub payer: Option<String>,
    pub beneficiary: Option<String>,
    pub payer_account: Option<String>,
    pub beneficiary_account: Option<String>,
    pub amount: f64,
    pub currency: String,
    pub date: String,
    pub method: String,
    pub fee: bool,
    /// Which leg a fee pays for, e.g. `channel`, `aegean`, `central-med`.
    pub leg: Option<String>,
    pub network: Option<String>,
}

/// Something that happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventTruth {
    pub entity: String,
    /// `attempt`, `arrest`, `search`, `eaw`, `inspection`.
    pub kind: String,
    /// For attempts: succeeded, intercepted, rescued, landed, returned, shipwreck.
    pub outcome: String,
    pub route: String,
    pub network: Option<String>,
    pub date: String,
    pub place: String,
    pub country: String,
    pub persons: u32,
    pub dead: u32,
    pub missing: u32,
    pub operation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationTruth {
    pub entity: String,
    pub network: String,
    pub name: String,
    pub date: String,
    pub arrests: u32,
    pub eaws: u32,
    pub searches: u32,
}

/// One record written to an agency file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportTruth {
    pub agency: String,
    pub source_ref: String,
    pub file: String,
    pub line: u64,
    pub report_type: String,
    /// `original`, `duplicate` (identical re-submission: the importer counts it as a
    /// duplicate) or `revision` (same reference, changed content: a new version).
    pub status: String,
    /// For duplicates and revisions: the line of the original.
    pub of_line: Option<u64>,
    pub event: Option<String>,
    pub operation: Option<String>,
    pub statements: u64,
}

/// A record injected on purpose that the importer must reject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultTruth {
    pub file: String,
    pub line: u64,
    /// The rule code the reject must carry (docs/import.md).
    pub rule: String,
    pub agency: String,
    pub source_ref: String,
    pub description: String,
}

/// A person row with borrowed fields (same columns as [`PersonTruth`]).
#[derive(Serialize)]
pub struct PersonRef<'a> {
    pub entity: &'a str,
    pub kind: &'a str,
    pub network: Option<&'a str>,
    pub role: &'a str,
    pub name: String,
    pub native_name: Option<String>,
    pub birth_date: chrono::NaiveDate,
    pub nationality: &'a str,
    pub gender: &'a str,
    pub country: Option<&'a str>,
    pub child: bool,
    pub victim_of_trafficking: bool,
    pub asylum_applicant: bool,
    pub fled_from: Option<&'a str>,
    pub fate: Option<&'a str>,
}

/// A payment row with borrowed fields (same columns as [`PaymentTruth`]).
#[derive(Serialize)]
pub struct PaymentRef<'a> {
    pub entity: &'a str,
    pub payer: Option<&'a str>,
    pub beneficiary: Option<&'a str>,
    pub payer_account: Option<&'a str>,
    pub beneficiary_account: Option<&'a str>,
    pub amount: f64,
    pub currency: &'a str,
    pub date: chrono::NaiveDate,
    pub method: &'a str,
    pub fee: bool,
    pub leg: Option<&'a str>,
    pub network: Option<&'a str>,
}

/// A mention row with borrowed fields (the generator writes millions of them).
#[derive(Serialize)]
pub struct MentionRef<'a> {
    pub agency: &'a str,
    pub source_ref: &'a str,
    pub key: &'a str,
    pub schema: &'a str,
    pub entity: &'a str,
    pub file: &'a str,
    pub line: u64,
}

/// A report row with borrowed fields.
#[derive(Serialize)]
pub struct ReportRef<'a> {
    pub agency: &'a str,
    pub source_ref: &'a str,
    pub file: &'a str,
    pub line: u64,
    pub report_type: &'a str,
    pub status: &'a str,
    pub of_line: Option<u64>,
    pub event: Option<&'a str>,
    pub operation: Option<&'a str>,
    pub statements: u64,
}

pub const DIR: &str = "truth";

/// The truth files, in the order they are listed in the docs.
pub const FILES: &[&str] = &[
    "mentions.csv",
    "persons.csv",
    "objects.csv",
    "networks.csv",
    "payments.csv",
    "events.csv",
    "operations.csv",
    "reports.csv",
    "faults.csv",
];

type W = csv::Writer<BufWriter<File>>;

/// Streams truth records to their files.
pub struct TruthWriter {
    mentions: W,
    persons: W,
    objects: W,
    networks: W,
    payments: W,
    events: W,
    operations: W,
    reports: W,
    faults: W,
    pub counts: TruthCounts,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TruthCounts {
    pub mentions: u64,
    pub persons: u64,
    pub objects: u64,
    pub networks: u64,
    pub payments: u64,
    pub events: u64,
    pub operations: u64,
    pub reports: u64,
    pub faults: u64,
}

fn writer(dir: &Path, name: &str) -> Result<W, SimError> {
    let f = File::create(dir.join(name)).map_err(|e| SimError::io(dir.join(name), e))?;
    Ok(csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 16, f)))
}

fn csv_err(e: csv::Error) -> SimError {
    SimError::Io {
        path: PathBuf::from(DIR),
        source: std::io::Error::other(e.to_string()),
    }
}

impl TruthWriter {
    pub fn create(out_dir: &Path) -> Result<TruthWriter, SimError> {
        let dir = out_dir.join(DIR);
        std::fs::create_dir_all(&dir).map_err(|e| SimError::io(&dir, e))?;
        let mut t = TruthWriter {
            mentions: writer(&dir, "mentions.csv")?,
            persons: writer(&dir, "persons.csv")?,
            objects: writer(&dir, "objects.csv")?,
            networks: writer(&dir, "networks.csv")?,
            payments: writer(&dir, "payments.csv")?,
            events: writer(&dir, "events.csv")?,
            operations: writer(&dir, "operations.csv")?,
            reports: writer(&dir, "reports.csv")?,
            faults: writer(&dir, "faults.csv")?,
            counts: TruthCounts::default(),
        };
        // Headers even for files that stay empty (csv writes them with the first row).
        t.faults
            .write_record([
                "file",
                "line",
                "rule",
                "agency",
                "source_ref",
                "description",
            ])
            .map_err(csv_err)?;
        t.operations
            .write_record([
                "entity", "network", "name", "date", "arrests", "eaws", "searches",
            ])
            .map_err(csv_err)?;
        Ok(t)
    }

    pub fn mention(&mut self, m: &MentionRef) -> Result<(), SimError> {
        self.counts.mentions += 1;
        self.mentions.serialize(m).map_err(csv_err)
    }
    pub fn person(&mut self, p: &PersonRef) -> Result<(), SimError> {
        self.counts.persons += 1;
        self.persons.serialize(p).map_err(csv_err)
    }
    pub fn object(&mut self, o: &ObjectTruth) -> Result<(), SimError> {
        self.counts.objects += 1;
        self.objects.serialize(o).map_err(csv_err)
    }
    pub fn network(&mut self, n: &NetworkTruth) -> Result<(), SimError> {
        self.counts.networks += 1;
        self.networks.serialize(n).map_err(csv_err)
    }
    pub fn payment(&mut self, p: &PaymentRef) -> Result<(), SimError> {
        self.counts.payments += 1;
        self.payments.serialize(p).map_err(csv_err)
    }
    pub fn event(&mut self, e: &EventTruth) -> Result<(), SimError> {
        self.counts.events += 1;
        self.events.serialize(e).map_err(csv_err)
    }
    pub fn operation(&mut self, o: &OperationTruth) -> Result<(), SimError> {
        self.counts.operations += 1;
        // header written by hand above: write the record without serde's header
        self.operations
            .write_record([
                o.entity.clone(),
                o.network.clone(),
                o.name.clone(),
                o.date.clone(),
                o.arrests.to_string(),
                o.eaws.to_string(),
                o.searches.to_string(),
            ])
            .map_err(csv_err)
    }
    pub fn report(&mut self, r: &ReportRef) -> Result<(), SimError> {
        self.counts.reports += 1;
        self.reports.serialize(r).map_err(csv_err)
    }
    pub fn fault(&mut self, f: &FaultTruth) -> Result<(), SimError> {
        self.counts.faults += 1;
        self.faults
            .write_record([
                f.file.clone(),
                f.line.to_string(),
                f.rule.clone(),
                f.agency.clone(),
                f.source_ref.clone(),
                f.description.clone(),
            ])
            .map_err(csv_err)
    }

    pub fn finish(mut self) -> Result<TruthCounts, SimError> {
        for w in [
            &mut self.mentions,
            &mut self.persons,
            &mut self.objects,
            &mut self.networks,
            &mut self.payments,
            &mut self.events,
            &mut self.operations,
            &mut self.reports,
            &mut self.faults,
        ] {
            w.flush().map_err(|e| SimError::io(DIR, e))?;
        }
        Ok(self.counts)
    }
}

/// The whole ground truth, loaded.
#[derive(Debug, Default)]
pub struct Truth {
    pub mentions: Vec<Mention>,
    pub persons: Vec<PersonTruth>,
    pub objects: Vec<ObjectTruth>,
    pub networks: Vec<NetworkTruth>,
    pub payments: Vec<PaymentTruth>,
    pub events: Vec<EventTruth>,
    pub operations: Vec<OperationTruth>,
    pub reports: Vec<ReportTruth>,
    pub faults: Vec<FaultTruth>,
    by_mention: HashMap<(String, String, String), usize>,
    persons_by_id: HashMap<String, usize>,
}

fn read<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<Vec<T>, SimError> {
    let path = dir.join(name);
    let mut r = csv::Reader::from_path(&path).map_err(|e| SimError::Truth {
        path: path.clone(),
        message: e.to_string(),
    })?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.map_err(|e| SimError::Truth {
                path: path.clone(),
                message: format!("record {}: {e}", i + 1),
            })
        })
        .collect()
}

/// Loads the ground truth from a scenario folder (or its `truth/` subfolder).
pub fn load(dir: &Path) -> Result<Truth, SimError> {
    let dir = if dir.join(DIR).join("mentions.csv").exists() {
        dir.join(DIR)
    } else {
        dir.to_owned()
    };
    let mut t = Truth {
        mentions: read(&dir, "mentions.csv")?,
        persons: read(&dir, "persons.csv")?,
        objects: read(&dir, "objects.csv")?,
        networks: read(&dir, "networks.csv")?,
        payments: read(&dir, "payments.csv")?,
        events: read(&dir, "events.csv")?,
        operations: read(&dir, "operations.csv")?,
        reports: read(&dir, "reports.csv")?,
        faults: read(&dir, "faults.csv")?,
        ..Default::default()
    };
    t.by_mention = t
        .mentions
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.agency.clone(), m.source_ref.clone(), m.key.clone()), i))
        .collect();
    t.persons_by_id = t
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.entity.clone(), i))
        .collect();
    Ok(t)
}

impl Truth {
    /// The true entity of a mention.
    pub fn entity_of(&self, agency: &str, source_ref: &str, key: &str) -> Option<&str> {
        self.by_mention
            .get(&(agency.to_owned(), source_ref.to_owned(), key.to_owned()))
            .map(|i| self.mentions[*i].entity.as_str())
    }

    pub fn person(&self, entity: &str) -> Option<&PersonTruth> {
        self.persons_by_id.get(entity).map(|i| &self.persons[*i])
    }

    /// Mentions of one schema grouped by true entity (ordered), e.g. to count true
    /// pairs for pairwise precision and recall.
    pub fn clusters(&self, schema: &str) -> BTreeMap<&str, Vec<&Mention>> {
        let mut out: BTreeMap<&str, Vec<&Mention>> = BTreeMap::new();
        for m in self.mentions.iter().filter(|m| m.schema == schema) {
            out.entry(m.entity.as_str()).or_default().push(m);
        }
        out
    }

    /// Number of true matching pairs among the mentions of a schema.
    pub fn true_pairs(&self, schema: &str) -> u64 {
        self.clusters(schema)
            .values()
            .map(|v| {
                let n = v.len() as u64;
                n * (n.saturating_sub(1)) / 2
            })
            .sum()
    }
}
