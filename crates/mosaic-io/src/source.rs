//! Record sources: JSON Lines and CSV-with-mapping files read as a stream of records,
//! each carrying its line number and raw text so a reject can be shown as it was.

use std::io::{BufRead, BufReader, Read};

use serde_json::Value;

use mosaic_model::{Rule, ValidationError};

use crate::mapping::{locate, Bound, Mapping};

/// The most a single JSON Lines record may hold.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// The most of a raw record kept in a rejects file.
pub const MAX_RAW: usize = 64 * 1024;

/// JSON paths of a converted CSV row paired with the columns they came from.
pub type Origins = Vec<(String, String)>;

/// One record as read: its position, its raw text and either a report in Mosaic's JSON
/// form (with the JSON-path → column origins, for CSV) or the errors found reading it.
pub struct Record {
    pub line: u64,
    pub raw: String,
    pub value: Result<(Value, Origins), Vec<ValidationError>>,
}

pub fn truncate_raw(mut s: String) -> String {
    if s.len() > MAX_RAW {
        let mut cut = MAX_RAW;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("…[truncated]");
    }
    s
}

/// A stream of records. `skip(n)` passes over records already imported without parsing.
pub trait RecordSource: Send {
    fn next_record(&mut self) -> Option<std::io::Result<Record>>;
    fn skip(&mut self, n: u64) -> std::io::Result<()>;
}

/// JSON Lines: one report object per line; blank lines are ignored.
pub struct JsonLines<R> {
    reader: BufReader<R>,
    line: u64,
    buf: Vec<u8>,
}

impl<R: Read + Send> JsonLines<R> {
    pub fn new(reader: R) -> Self {
        JsonLines {
            reader: BufReader::with_capacity(1 << 20, reader),
            line: 0,
            buf: Vec::new(),
        }
    }

    /// Reads one physical line, bounded; returns false at end of file. An over-long line
    /// is consumed to its end and flagged by leaving `buf` longer than `MAX_LINE`.
    fn read_line(&mut self) -> std::io::Result<bool> {
        self.buf.clear();
        let mut total = 0usize;
        loop {
            let avail = self.reader.fill_buf()?;
            if avail.is_empty() {
                return Ok(total > 0);
            }
            let (chunk, done) = match avail.iter().position(|b| *b == b'\n') {
                Some(i) => (&avail[..=i], true),
                None => (avail, false),
            };
            let n = chunk.len();
            total += n;
            if self.buf.len() <= MAX_LINE {
                let room = (MAX_LINE + 1).saturating_sub(self.buf.len());
                self.buf.extend_from_slice(&chunk[..n.min(room)]);
            }
            self.reader.consume(n);
            if done {
                return Ok(true);
            }
        }
    }
}

impl<R: Read + Send> RecordSource for JsonLines<R> {
    fn next_record(&mut self) -> Option<std::io::Result<Record>> {
        loop {
            match self.read_line() {
                Err(e) => return Some(Err(e)),
                Ok(false) => return None,
                Ok(true) => {}
            }
            self.line += 1;
            let line = self.line;
            if self.buf.len() > MAX_LINE {
                return Some(Ok(Record {
                    line,
                    raw: truncate_raw(String::from_utf8_lossy(&self.buf).into_owned()),
                    value: Err(vec![ValidationError::new(
                        "",
                        Rule::Limit,
                        format!("line longer than {MAX_LINE} bytes"),
                    )]),
                }));
            }
            let mut bytes: &[u8] = &self.buf;
            if line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    return Some(Ok(Record {
                        line,
                        raw: truncate_raw(String::from_utf8_lossy(bytes).into_owned()),
                        value: Err(vec![ValidationError::new(
                            "",
                            Rule::Syntax,
                            format!(
                                "invalid UTF-8 at byte {} of the line; declare the file's encoding",
                                e.valid_up_to()
                            ),
                        )]),
                    }))
                }
            };
            let trimmed = text.trim();
            if trimmed.is_empty() {
                continue;
            }
            let value = serde_json::from_str::<Value>(trimmed)
                .map(|v| (v, Vec::new()))
                .map_err(|e| {
                    vec![ValidationError::new(
                        "",
                        Rule::Syntax,
                        format!("not valid JSON: {e}"),
                    )]
                });
            return Some(Ok(Record {
                line,
                raw: truncate_raw(trimmed.to_owned()),
                value,
            }));
        }
    }

    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let mut skipped = 0;
        while skipped < n {
            if !self.read_line()? {
                break;
            }
            self.line += 1;
            if !self.buf.iter().all(u8::is_ascii_whitespace) {
                skipped += 1;
            }
        }
        Ok(())
    }
}

/// CSV with a mapping: each data row becomes one report.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>,
    /// The csv crate counts a CRLF row's line from its `\n`, one too low; we add it back.
    line_offset: u64,
    bound: Bound,
    header_len: usize,
    record: csv::StringRecord,
    delimiter: char,
}

impl<R: Read + Send> CsvRows<R> {
    /// Reads the header and binds the mapping to it; a missing column is a mapping error.
    pub fn new(reader: R, mapping: Mapping) -> Result<Self, String> {
        // Peek at the head (decoders may return a few bytes per read) to see the line ends.
        let mut reader = reader;
        let mut head = Vec::with_capacity(1 << 16);
        (&mut reader)
            .take(1 << 16)
            .read_to_end(&mut head)
            .map_err(|e| format!("cannot read the file: {e}"))?;
        let crlf = head.windows(2).any(|w| w == b"\r\n");
        let buffered = std::io::Cursor::new(head).chain(reader);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(mapping.delimiter())
            .flexible(true)
            .has_headers(true)
            .from_reader(buffered);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| format!("cannot read the header row: {e}"))?
            .iter()
            .enumerate()
            .map(|(i, h)| {
                if i == 0 {
                    h.trim_start_matches('\u{feff}').to_owned()
                } else {
                    h.to_owned()
                }
            })
            .collect();
        let delimiter = mapping.delimiter() as char;
        let bound = Bound::new(mapping, &header)?;
        Ok(CsvRows {
            reader,
            line_offset: u64::from(crlf),
            bound,
            header_len: header.len(),
            record: csv::StringRecord::new(),
            delimiter,
        })
    }
}

impl<R: Read + Send> RecordSource for CsvRows<R> {
    fn next_record(&mut self) -> Option<std::io::Result<Record>> {
        let ok = match self.reader.read_record(&mut self.record) {
            Ok(ok) => ok,
            Err(e) => {
                let line = e
                    .position()
                    .map(|p| p.line() + self.line_offset)
                    .unwrap_or(0);
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Some(Err(std::io::Error::other(e.to_string())));
                }
                // Quoting or UTF-8 errors reject the row; the reader resynchronises.
                return Some(Ok(Record {
                    line,
                    raw: String::new(),
                    value: Err(vec![ValidationError::new(
                        "",
                        Rule::Syntax,
                        format!("malformed CSV row: {e}; if the file is not UTF-8, declare source.encoding"),
                    )]),
                }));
            }
        };
        if !ok {
            return None;
        }
        let line = self
            .record
            .position()
            .map(|p| p.line() + self.line_offset)
            .unwrap_or(0);
        let fields: Vec<String> = self.record.iter().map(str::to_owned).collect();
        let raw = truncate_raw(fields.join(&self.delimiter.to_string()));
        if fields.len() != self.header_len {
            return Some(Ok(Record {
                line,
                raw,
                value: Err(vec![ValidationError::new(
                    "",
                    Rule::Syntax,
                    format!(
                        "row has {} fields, the header has {}",
                        fields.len(),
                        self.header_len
                    ),
                )]),
            }));
        }
        let (value, errors, origins) = self.bound.convert(&fields);
        let value = if errors.is_empty() {
            Ok((value, origins))
        } else {
            Err(errors)
        };
        Some(Ok(Record { line, raw, value }))
    }

    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        for _ in 0..n {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                    return Err(std::io::Error::other(e.to_string()))
                }
                Err(_) => {} // a malformed row counted as a record, as when it was read
            }
        }
        Ok(())
    }
}

/// Names CSV columns in validation errors (no-op for JSON Lines, whose paths are exact).
pub fn locate_all(
    errors: Vec<ValidationError>,
    origins: &[(String, String)],
) -> Vec<ValidationError> {
    if origins.is_empty() {
        return errors;
    }
    errors.into_iter().map(|e| locate(e, origins)).collect()
}
