//! Character encodings: detected (BOM, NUL pattern, UTF-8 validity) or declared, never
//! mangled. Everything is decoded to UTF-8 before parsing.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

/// Counts raw bytes read from the file, for progress.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Resolves a declared encoding label (`auto`, `utf-8`, `latin-1`, `windows-1252`,
/// `utf-16le`, `utf-16be`, or any WHATWG label) to an encoding; `None` means detect.
pub fn declared(label: &str) -> Result<Option<&'static Encoding>, String> {
    let l = label.trim().to_ascii_lowercase();
    if l.is_empty() || l == "auto" {
        return Ok(None);
    }
    // WHATWG maps latin1 / iso-8859-1 to windows-1252, a superset: what we want.
    let l = match l.as_str() {
        "latin-1" | "iso8859-1" => "latin1".to_owned(),
        "utf-16" => "utf-16le".to_owned(),
        _ => l,
    };
    Encoding::for_label(l.as_bytes())
        .map(Some)
        .ok_or_else(|| format!("unknown encoding {label:?}; use auto, utf-8, latin-1, windows-1252, utf-16le or utf-16be"))
}

/// Guesses the encoding of a file from its first bytes.
pub fn sniff(head: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return enc;
    }
    // UTF-16 without BOM: text in Latin script has NUL in every other byte.
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() >= 8 {
        let even_nul = sample.iter().step_by(2).filter(|b| **b == 0).count();
        let odd_nul = sample
            .iter()
            .skip(1)
            .step_by(2)
            .filter(|b| **b == 0)
            .count();
        let half = sample.len() / 2;
        if odd_nul * 10 > half * 3 && even_nul * 10 < half {
            return UTF_16LE;
        }
        if even_nul * 10 > half * 3 && odd_nul * 10 < half {
            return UTF_16BE;
        }
    }
    match std::str::from_utf8(head) {
        Ok(_) => UTF_8,
        // a multi-byte character cut by the sample's end is still UTF-8
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => UTF_8,
        Err(_) => WINDOWS_1252,
    }
}

/// Opens a file as a UTF-8 byte stream, with a shared counter of raw bytes read.
pub fn open(
    path: &Path,
    declared_label: Option<&str>,
) -> io::Result<(Box<dyn Read + Send>, &'static Encoding, Arc<AtomicU64>)> {
    let enc = match declared_label.map(declared).transpose() {
        Ok(Some(Some(e))) => e,
        Ok(_) => {
            let mut head = Vec::with_capacity(65536);
            File::open(path)?.take(65536).read_to_end(&mut head)?;
            sniff(&head)
        }
        Err(m) => return Err(io::Error::new(io::ErrorKind::InvalidInput, m)),
    };
    let count = Arc::new(AtomicU64::new(0));
    let file = Counting {
        inner: File::open(path)?,
        count: count.clone(),
    };
    let reader: Box<dyn Read + Send> = if enc == UTF_8 {
        // UTF-8 passes through (a BOM is stripped); invalid bytes are reported by the parser.
        Box::new(
            DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .strip_bom(true)
                .utf8_passthru(true)
                .build(file),
        )
    } else {
        Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(enc))
                .bom_override(true)
                .build(file),
        )
    };
    Ok((reader, enc, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_boms_utf16_and_latin1() {
        assert_eq!(sniff(b"\xEF\xBB\xBFname"), UTF_8);
        assert_eq!(sniff(b"\xFF\xFEn\0a\0m\0e\0"), UTF_16LE);
        assert_eq!(sniff(b"n\0a\0m\0e\0,\0x\0y\0z\0"), UTF_16LE);
        assert_eq!(sniff(b"\0n\0a\0m\0e\0,\0x\0y\0z"), UTF_16BE);
        assert_eq!(sniff("Müller;Zoë".as_bytes()), UTF_8);
        assert_eq!(sniff(b"M\xfcller;Zo\xeb"), WINDOWS_1252);
        // a UTF-8 character cut at the end of the sample
        assert_eq!(sniff(&"aé".as_bytes()[..2]), UTF_8);
    }

    #[test]
    fn labels() {
        assert_eq!(declared("auto").unwrap(), None);
        assert_eq!(declared("latin-1").unwrap(), Some(WINDOWS_1252));
        assert_eq!(declared("UTF-16LE").unwrap(), Some(UTF_16LE));
        assert!(declared("klingon").is_err());
    }
}
