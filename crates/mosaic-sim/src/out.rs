//! Output: one buffered file per agency stream, written as reports are generated (never
//! held in memory), with duplicates, corrections and broken records injected the way
//! real submissions have them, and every line accounted for in the ground truth.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::agencies::{StreamDef, STREAMS};
use crate::csvout::{apply_fault, CsvFault, Encoding, FaultColumns, Layout};
use crate::names::NameCounts;
use crate::noise::{Noise, NoiseCounts};
use crate::rep::{to_json, JsonFault, Rep};
use crate::truth::{FaultTruth, MentionRef, ReportRef, TruthWriter};
use crate::util::chance;
use crate::world::{Env, Ids};
use crate::SimError;

/// What one file holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileSummary {
    pub file: String,
    pub agency: String,
    pub format: String,
    pub mapping: Option<String>,
    pub description: String,
    /// Records written (lines, without a CSV header), including duplicates and faults.
    pub records: u64,
    /// Distinct reports (original submissions that import).
    pub reports: u64,
    pub duplicates: u64,
    pub revisions: u64,
    pub faults: u64,
    /// Statements the importer will store from this file.
    pub statements: u64,
}

struct Stream {
    def: &'static StreamDef,
    w: BufWriter<File>,
    csv: Option<(Layout, FaultColumns)>,
    /// Last physical line written.
    line: u64,
    sum: FileSummary,
    /// Index of the next fault kind every file gets once (when noise > 0).
    next_fault: usize,
    seq: u64,
}

/// Record positions at which each file gets one duplicate, one correction and its
/// series of faults when noise > 0, so even the demo shows them all.
const FORCED_DUPLICATE_AT: u64 = 2;
const FORCED_REVISION_AT: u64 = 4;
const FIRST_FORCED_FAULT_AT: u64 = 3;
const FORCED_FAULT_EVERY: u64 = 3;

pub struct Out {
    streams: Vec<Option<Stream>>,
    pub truth: TruthWriter,
    pub ids: Ids,
    pub noise: Noise,
    pub ncounts: NoiseCounts,
    pub names: NameCounts,
    pub statements: u64,
    pub reports: u64,
    pub fees: std::collections::BTreeMap<String, crate::routes::FeeStats>,
    pub networks: Vec<crate::NetworkSummary>,
    target: Option<u64>,
    pub start: chrono::NaiveDate,
    pub days: u32,
    json: String,
    bytes: Vec<u8>,
}

fn quote(cell: &str, delim: u8, out: &mut String) {
    let d = delim as char;
    if cell.contains([d, '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

fn encode_row(layout: &Layout, cells: &[String], bytes: &mut Vec<u8>) {
    let mut s = String::with_capacity(256);
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            s.push(layout.delimiter as char);
        }
        quote(c, layout.delimiter, &mut s);
    }
    // LF, not the CRLF Windows exports use: with CRLF the csv crate numbers rows one
    // line too low, and reject lines would not match the ground truth (reported).
    s.push('\n');
    bytes.clear();
    match layout.encoding {
        Encoding::Cp1252 => crate::util::encode_cp1252(&s, bytes),
        _ => bytes.extend_from_slice(s.as_bytes()),
    }
}

impl Out {
    pub fn create(
        dir: &Path,
        agencies: &[String],
        noise: Noise,
        target: Option<u64>,
        start: chrono::NaiveDate,
        days: u32,
    ) -> Result<Out, SimError> {
        std::fs::create_dir_all(dir).map_err(|e| SimError::io(dir, e))?;
        let mut streams = Vec::with_capacity(STREAMS.len());
        for def in STREAMS {
            if !agencies.is_empty() && !agencies.iter().any(|a| a == def.agency) {
                streams.push(None);
                continue;
            }
            let path = dir.join(def.file);
            let f = File::create(&path).map_err(|e| SimError::io(&path, e))?;
            let mut w = BufWriter::with_capacity(1 << 18, f);
            let csv = def.csv.map(|l| l());
            let mut line = 0;
            let mut mapping = None;
            if let Some((layout, _)) = &csv {
                let stem = def.file.trim_end_matches(".csv");
                let mpath = dir.join(format!("{stem}.mapping.toml"));
                std::fs::write(&mpath, layout.mapping_toml())
                    .map_err(|e| SimError::io(&mpath, e))?;
                mapping = Some(format!("{stem}.mapping.toml"));
                let mut bytes = Vec::new();
                if layout.encoding == Encoding::Utf8Bom {
                    bytes.extend_from_slice("\u{feff}".as_bytes());
                }
                let mut hb = Vec::new();
                encode_row(layout, &layout.header(), &mut hb);
                bytes.extend_from_slice(&hb);
                w.write_all(&bytes).map_err(|e| SimError::io(&path, e))?;
                line = 1;
            }
            streams.push(Some(Stream {
                def,
                w,
                csv,
                line,
                sum: FileSummary {
                    file: def.file.to_owned(),
                    agency: def.agency.to_owned(),
                    format: if def.csv.is_some() { "csv" } else { "jsonl" }.to_owned(),
                    mapping,
                    description: def.what.to_owned(),
                    ..Default::default()
                },
                next_fault: 0,
                seq: 0,
            }));
        }
        Ok(Out {
            streams,
            truth: TruthWriter::create(dir)?,
            ids: Ids::default(),
            noise,
            ncounts: NoiseCounts::default(),
            names: NameCounts::default(),
            statements: 0,
            reports: 0,
            fees: Default::default(),
            networks: Vec::new(),
            target,
            start,
            days,
            json: String::with_capacity(4096),
            bytes: Vec::with_capacity(4096),
        })
    }

    /// World-building access to ids and the truth files.
    pub fn env(&mut self) -> Env<'_> {
        Env {
            ids: &mut self.ids,
            truth: &mut self.truth,
            networks: &mut self.networks,
            start: self.start,
            days: self.days,
        }
    }

    /// Whether a stream is written (its agency selected).
    pub fn on(&self, stream: usize) -> bool {
        self.streams[stream].is_some() && !self.reached()
    }

    /// The statement target of a benchmark run has been reached: stop writing.
    pub fn reached(&self) -> bool {
        self.target.is_some_and(|t| self.statements >= t)
    }

    /// The next sequence number of a stream (for the agency's own references).
    pub fn seq(&mut self, stream: usize) -> u64 {
        match &mut self.streams[stream] {
            Some(s) => {
                s.seq += 1;
                s.seq
            }
            None => 0,
        }
    }

    fn write(s: &mut Stream, bytes: &[u8]) -> Result<u64, SimError> {
        s.w.write_all(bytes)
            .map_err(|e| SimError::io(s.def.file, e))?;
        s.line += 1;
        s.sum.records += 1;
        Ok(s.line)
    }

    /// Writes one report: maybe a broken attempt first, then the report, then maybe an
    /// identical re-submission or a correction.
    pub fn emit(&mut self, mut rep: Rep, nrng: &mut ChaCha8Rng) -> Result<(), SimError> {
        if self.reached() {
            return Ok(());
        }
        let level = self.noise.level;
        let noise = self.noise;
        let Some(s) = self.streams[rep.stream].as_mut() else {
            return Ok(());
        };
        rep.prune();
        let year = rep
            .local(&rep.reported_at)
            .format("%Y")
            .to_string()
            .parse()
            .unwrap_or(2025);
        let n = s.sum.reports;

        // --- a broken record, rejected on import
        let kinds_len = if s.csv.is_some() {
            CsvFault::ALL.len()
        } else {
            JsonFault::ALL.len()
        };
        let forced = level > 0.0
            && s.next_fault < kinds_len
            && n >= FIRST_FORCED_FAULT_AT + FORCED_FAULT_EVERY * s.next_fault as u64;
        let random = chance(nrng, noise.fault);
        if forced || random {
            // Forced: the next kind in the series that this record can carry (kinds that
            // do not fit, e.g. a latitude fault on a report without coordinates, are
            // passed over). Random: a kind chosen by position.
            let order: Vec<usize> = if forced {
                (s.next_fault..kinds_len).collect()
            } else {
                vec![(n as usize + s.seq as usize) % kinds_len]
            };
            let mut chosen: Option<(usize, Vec<u8>, &'static str, &'static str)> = None;
            for k in order {
                match &s.csv {
                    Some((layout, cols)) => {
                        let f = CsvFault::ALL[k];
                        let row = layout.row(&rep);
                        if let Some(cells) = apply_fault(layout, cols, &row.cells, f, year) {
                            let mut b = Vec::new();
                            encode_row(layout, &cells, &mut b);
                            chosen = Some((k, b, f.rule(), f.describe()));
                        }
                    }
                    None => {
                        let f = JsonFault::ALL[k];
                        if f.applies(&rep) {
                            to_json(&rep, Some(f), &mut self.json);
                            self.json.push('\n');
                            chosen =
                                Some((k, self.json.as_bytes().to_vec(), f.rule(), f.describe()));
                        }
                    }
                }
                if chosen.is_some() {
                    break;
                }
            }
            if let Some((k, b, rule, what)) = chosen {
                if forced {
                    s.next_fault = k + 1;
                }
                let line = Self::write(s, &b)?;
                s.sum.faults += 1;
                self.truth.fault(&FaultTruth {
                    file: s.def.file.to_owned(),
                    line,
                    rule: rule.to_owned(),
                    agency: rep.agency.to_owned(),
                    source_ref: rep.source_ref.clone(),
                    description: what.to_owned(),
                })?;
            }
        }

        // --- the report itself
        let (statements, kept): (u64, Vec<usize>) = match &s.csv {
            Some((layout, _)) => {
                let row = layout.row(&rep);
                encode_row(layout, &row.cells, &mut self.bytes);
                let kept = rep
                    .entities
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| row.kept.contains(&e.key.as_str()))
                    .map(|(i, _)| i)
                    .collect();
                (row.statements, kept)
            }
            None => {
                to_json(&rep, None, &mut self.json);
                self.json.push('\n');
                self.bytes.clear();
                self.bytes.extend_from_slice(self.json.as_bytes());
                (rep.statements(), (0..rep.entities.len()).collect())
            }
        };
        let line = Self::write(s, &self.bytes)?;
        s.sum.reports += 1;
        s.sum.statements += statements;
        self.statements += statements;
        self.reports += 1;
        let file = s.def.file;
        for i in kept {
            let e = &rep.entities[i];
            self.truth.mention(&MentionRef {
                agency: rep.agency,
                source_ref: &rep.source_ref,
                key: &e.key,
                schema: e.schema.as_str(),
                entity: &e.truth,
                file,
                line,
            })?;
        }
        let write_report =
            |truth: &mut TruthWriter,
             rep: &Rep,
             (l, of, status, st): (u64, Option<u64>, &str, u64)| {
                truth.report(&ReportRef {
                    agency: rep.agency,
                    source_ref: &rep.source_ref,
                    file,
                    line: l,
                    report_type: rep.report_type,
                    status,
                    of_line: of,
                    event: rep.event.as_deref(),
                    operation: rep.operation.as_deref(),
                    statements: st,
                })
            };
        write_report(&mut self.truth, &rep, (line, None, "original", statements))?;

        // --- sent twice
        let dup_random = chance(nrng, noise.duplicate);
        self.ncounts.add("duplicate", dup_random);
        let dup = dup_random || (level > 0.0 && n == FORCED_DUPLICATE_AT);
        if dup {
            let l2 = Self::write(s, &self.bytes)?;
            s.sum.duplicates += 1;
            write_report(&mut self.truth, &rep, (l2, Some(line), "duplicate", 0))?;
        }

        // --- sent again with a correction (a new version)
        let rev_random = chance(nrng, noise.revision);
        self.ncounts.add("revision", rev_random);
        let rev = rev_random || (level > 0.0 && n == FORCED_REVISION_AT);
        if rev {
            let note = match rep.language {
                Some("fr") => "[rectificatif : lieu et horaire confirmés]",
                Some("nl") => "[rechtzetting: plaats en uur bevestigd]",
                Some("it") => "[rettifica: luogo e ora confermati]",
                Some("sr") => "[ispravka: mesto i vreme potvrđeni]",
                _ => "[correction: place and time confirmed]",
            };
            rep.narrative = Some(match &rep.narrative {
                Some(n) => format!("{n} {note}"),
                None => note.to_owned(),
            });
            let st = match &s.csv {
                Some((layout, _)) => {
                    let row = layout.row(&rep);
                    encode_row(layout, &row.cells, &mut self.bytes);
                    row.statements
                }
                None => {
                    to_json(&rep, None, &mut self.json);
                    self.json.push('\n');
                    self.bytes.clear();
                    self.bytes.extend_from_slice(self.json.as_bytes());
                    rep.statements()
                }
            };
            let l3 = Self::write(s, &self.bytes)?;
            s.sum.revisions += 1;
            s.sum.statements += st;
            self.statements += st;
            write_report(&mut self.truth, &rep, (l3, Some(line), "revision", st))?;
        }
        Ok(())
    }

    /// Flushes every file; returns the per-file summaries and the truth writer.
    pub fn finish(self) -> Result<(Vec<FileSummary>, TruthWriter), SimError> {
        let mut files = Vec::new();
        for s in self.streams.into_iter().flatten() {
            let mut s = s;
            s.w.flush().map_err(|e| SimError::io(s.def.file, e))?;
            files.push(s.sum);
        }
        Ok((files, self.truth))
    }
}

/// Paths of the files of a scenario, for importers: CSV and JSON Lines in a sensible
/// order (as listed in the manifest).
pub fn data_files(dir: &Path) -> Vec<PathBuf> {
    STREAMS
        .iter()
        .map(|s| dir.join(s.file))
        .filter(|p| p.exists())
        .collect()
}
