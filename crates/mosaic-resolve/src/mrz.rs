//! Machine-readable zones (ICAO Doc 9303): TD3 (passports, 2 × 44), TD2 (2 × 36) and TD1
//! (identity cards, 3 × 30), with every check digit verified. A failed check is reported
//! on the parsed result, not as an error: the zone is kept and flagged, never dropped.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::country3::alpha2_of;

/// Why a text is not an MRZ at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error(
        "an MRZ has 2 lines of 44 (TD3) or 36 (TD2) characters, or 3 lines of 30 (TD1); found {0}"
    )]
    Shape(String),
    #[error("character {0:?} at line {1}, column {2} is not allowed in an MRZ (A-Z, 0-9, <)")]
    Character(char, usize, usize),
}

/// The layout of the zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MrzFormat {
    Td1,
    Td2,
    Td3,
}

/// A parsed MRZ. Fields are as printed (`<` fillers removed); the `*_ok` flags say which
/// check digits hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mrz {
    pub format: MrzFormat,
    /// `P`, `I`, `ID`, `AC`, …
    pub doc_type: String,
    /// Issuing State as printed (alpha-3, or `D` for Germany).
    pub issuer: String,
    pub number: String,
    pub number_ok: bool,
    pub nationality: String,
    /// `YYMMDD` as printed (digits may be `<` when unknown).
    pub birth: String,
    pub birth_ok: bool,
    /// `M`, `F` or `None` for `<`/`X`.
    pub sex: Option<char>,
    pub expiry: String,
    pub expiry_ok: bool,
    /// The optional data field's own check digit (TD3 only; true elsewhere).
    pub optional_ok: bool,
    pub composite_ok: bool,
    pub surname: String,
    pub given: String,
}

impl Mrz {
    /// Every check digit holds.
    pub fn valid(&self) -> bool {
        self.number_ok && self.birth_ok && self.expiry_ok && self.optional_ok && self.composite_ok
    }

    /// Which checks failed, for the flag shown to the analyst.
    pub fn problems(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (ok, what) in [
            (self.number_ok, "document number check digit"),
            (self.birth_ok, "birth date check digit"),
            (self.expiry_ok, "expiry date check digit"),
            (self.optional_ok, "optional data check digit"),
            (self.composite_ok, "composite check digit"),
        ] {
            if !ok {
                v.push(what);
            }
        }
        v
    }

    /// Issuing country as ISO alpha-2, when the code names one.
    pub fn issuer_country(&self) -> Option<&'static str> {
        alpha2_of(&self.issuer)
    }

    pub fn nationality_country(&self) -> Option<&'static str> {
        alpha2_of(&self.nationality)
    }

    /// The birth date; the century is the one that puts it in the past of `today`.
    pub fn birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        yymmdd(&self.birth, |y| {
            let cur = today.year() % 100;
            if y > cur {
                1900 + y
            } else {
                2000 + y
            }
        })
    }

    /// The expiry date (documents expire within this century).
    pub fn expiry_date(&self) -> Option<NaiveDate> {
        yymmdd(&self.expiry, |y| 2000 + y)
    }

    /// `surname given` as a name to match on.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given, self.surname).trim().to_owned()
    }
}

fn yymmdd(s: &str, century: impl Fn(i32) -> i32) -> Option<NaiveDate> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = s[0..2].parse().ok()?;
    let m: u32 = s[2..4].parse().ok()?;
    let d: u32 = s[4..6].parse().ok()?;
    NaiveDate::from_ymd_opt(century(y), m, d)
}

fn value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

/// The ICAO 9303 check digit of a field (weights 7, 3, 1; `<` counts 0).
pub fn check_digit(field: &str) -> u8 {
    const W: [u32; 3] = [7, 3, 1];
    let sum: u32 = field
        .bytes()
        .enumerate()
        .map(|(i, c)| value(c) * W[i % 3])
        .sum();
    b'0' + (sum % 10) as u8
}

fn checks(field: &str, digit: u8) -> bool {
    // A field left wholly empty may carry `<` as its check digit.
    (digit == b'<' && field.bytes().all(|b| b == b'<')) || check_digit(field) == digit
}

fn clean(s: &str) -> String {
    s.trim_end_matches('<').replace('<', " ").trim().to_owned()
}

fn names(field: &str) -> (String, String) {
    let f = field.trim_end_matches('<');
    match f.split_once("<<") {
        Some((sur, given)) => (clean(sur), clean(given)),
        None => (clean(f), String::new()),
    }
}

fn sex(c: u8) -> Option<char> {
    match c {
        b'M' | b'F' => Some(char::from(c)),
        _ => None,
    }
}

/// Parses an MRZ given as its lines (newline-separated, or run together).
pub fn parse(text: &str) -> Result<Mrz, MrzError> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.split_whitespace()
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() == 1 {
        let l = lines.remove(0);
        lines = match l.len() {
            88 => vec![l[..44].to_owned(), l[44..].to_owned()],
            72 => vec![l[..36].to_owned(), l[36..].to_owned()],
            90 => vec![l[..30].to_owned(), l[30..60].to_owned(), l[60..].to_owned()],
            _ => vec![l],
        };
    }
    for (i, l) in lines.iter().enumerate() {
        if let Some((j, c)) = l
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<'))
        {
            return Err(MrzError::Character(c, i + 1, j + 1));
        }
    }
    let lens: Vec<usize> = lines.iter().map(String::len).collect();
    match lens.as_slice() {
        [44, 44] => Ok(td23(&lines[0], &lines[1], MrzFormat::Td3)),
        [36, 36] => Ok(td23(&lines[0], &lines[1], MrzFormat::Td2)),
        [30, 30, 30] => Ok(td1(&lines[0], &lines[1], &lines[2])),
        _ => Err(MrzError::Shape(format!("lines of {lens:?} characters"))),
    }
}

fn td23(l1: &str, l2: &str, format: MrzFormat) -> Mrz {
    let b = l2.as_bytes();
    let (surname, given) = names(&l1[5..]);
    let number = &l2[0..9];
    let (optional_ok, composite_ok) = if format == MrzFormat::Td3 {
        let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
        (checks(&l2[28..42], b[42]), checks(&composite, b[43]))
    } else {
        let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35]);
        (true, checks(&composite, b[35]))
    };
    Mrz {
        format,
        doc_type: clean(&l1[0..2]),
        issuer: clean(&l1[2..5]),
        number: clean(number),
        number_ok: checks(number, b[9]),
        nationality: clean(&l2[10..13]),
        birth: l2[13..19].to_owned(),
        birth_ok: checks(&l2[13..19], b[19]),
        sex: sex(b[20]),
        expiry: l2[21..27].to_owned(),
        expiry_ok: checks(&l2[21..27], b[27]),
        optional_ok,
        composite_ok,
        surname,
        given,
    }
}

fn td1(l1: &str, l2: &str, l3: &str) -> Mrz {
    let a = l1.as_bytes();
    let b = l2.as_bytes();
    // A number longer than 9 characters continues in the optional field, with `<` in
    // the check digit's place and its check digit at the end of the continuation.
    let (number, number_ok) = if a[14] == b'<' && a[15] != b'<' {
        let opt = l1[15..30].trim_end_matches('<');
        if opt.is_empty() {
            (clean(&l1[5..14]), false)
        } else {
            let (cont, digit) = opt.split_at(opt.len() - 1);
            let full = format!("{}{}", &l1[5..14], cont);
            (clean(&full), checks(&full, digit.as_bytes()[0]))
        }
    } else {
        (clean(&l1[5..14]), checks(&l1[5..14], a[14]))
    };
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    let (surname, given) = names(l3);
    Mrz {
        format: MrzFormat::Td1,
        doc_type: clean(&l1[0..2]),
        issuer: clean(&l1[2..5]),
        number,
        number_ok,
        nationality: clean(&l2[15..18]),
        birth: l2[0..6].to_owned(),
        birth_ok: checks(&l2[0..6], b[6]),
        sex: sex(b[7]),
        expiry: l2[8..14].to_owned(),
        expiry_ok: checks(&l2[8..14], b[14]),
        optional_ok: true,
        composite_ok: checks(&composite, b[29]),
        surname,
        given,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ICAO Doc 9303 part 4 specimen (Utopia).
    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    // ICAO Doc 9303 part 5 specimen.
    const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

    #[test]
    fn icao_td3_specimen() {
        let m = parse(TD3).unwrap();
        assert_eq!(m.format, MrzFormat::Td3);
        assert!(m.valid(), "{:?}", m.problems());
        assert_eq!(m.doc_type, "P");
        assert_eq!(m.issuer, "UTO");
        assert_eq!(m.number, "L898902C3");
        assert_eq!(m.surname, "ERIKSSON");
        assert_eq!(m.given, "ANNA MARIA");
        assert_eq!(m.sex, Some('F'));
        let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        assert_eq!(m.birth_date(today), NaiveDate::from_ymd_opt(1974, 8, 12));
        assert_eq!(m.expiry_date(), NaiveDate::from_ymd_opt(2012, 4, 15));
        // run together, lower case, spaces: still read
        let joined = TD3.replace('\n', "").to_lowercase();
        assert_eq!(parse(&joined).unwrap(), m);
    }

    #[test]
    fn icao_td1_specimen() {
        let m = parse(TD1).unwrap();
        assert_eq!(m.format, MrzFormat::Td1);
        assert!(m.valid(), "{:?}", m.problems());
        assert_eq!(m.number, "D23145890");
        assert_eq!(m.nationality, "UTO");
        assert_eq!(m.full_name(), "ANNA MARIA ERIKSSON");
    }

    #[test]
    fn broken_check_digits_are_flagged_not_dropped() {
        let bad = TD3.replace("L898902C36", "L898902C46");
        let m = parse(&bad).unwrap();
        assert!(!m.number_ok);
        assert!(!m.composite_ok);
        assert!(!m.valid());
        assert_eq!(m.number, "L898902C4");
        assert!(m.problems().contains(&"document number check digit"));
    }

    #[test]
    fn shapes_and_characters() {
        assert!(matches!(parse("P<UTO"), Err(MrzError::Shape(_))));
        let bad = TD3.replacen('E', "É", 1);
        assert!(matches!(parse(&bad), Err(MrzError::Character('É', 1, _))));
    }

    #[test]
    fn check_digits() {
        assert_eq!(check_digit("L898902C3"), b'6');
        assert_eq!(check_digit("740812"), b'2');
        assert_eq!(check_digit("<<<<<<"), b'0');
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "[A-Z0-9<\n]{0,100}") {
            let _ = parse(&s);
        }

        #[test]
        fn generated_td3_round_trips(num in "[A-Z0-9]{9}", dob in "[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])",
                                     sur in "[A-Z]{2,12}", given in "[A-Z]{2,12}") {
            let exp = "300101";
            let l1 = format!("P<SYR{:<<39}", format!("{sur}<<{given}"));
            let opt = "<".repeat(14);
            let body = format!("{num}{}SYR{dob}{}M{exp}{}{opt}<",
                char::from(check_digit(&num)), char::from(check_digit(&dob)), char::from(check_digit(exp)));
            let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..43]);
            let l2 = format!("{body}{}", char::from(check_digit(&composite)));
            let m = parse(&format!("{l1}\n{l2}")).unwrap();
            prop_assert!(m.valid(), "{:?}", m.problems());
            prop_assert_eq!(m.issuer_country(), Some("sy"));
            prop_assert_eq!(m.number, num.trim_end_matches('<').to_owned());
            prop_assert_eq!(m.surname, sur);
        }
    }
}
