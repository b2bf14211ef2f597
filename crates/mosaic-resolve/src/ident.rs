//! Identifier normalisers. Each takes a value as written and returns a [`Normalized`]:
//! the key it matches on, and whether it passed its checks. None of them drops a value
//! or silently "corrects" it: a value that fails its check keeps a key made only of its
//! own characters (separators removed, case folded) and is flagged with the reason.

use std::collections::HashMap;
use std::sync::Mutex;

use iban::IbanLike;

use crate::key::{KeyKind, Normalized};

/// Upper-case ASCII alphanumerics of `s`, with Cyrillic and Greek capitals that look like
/// Latin ones mapped to them (plates and document numbers are typed on whatever keyboard
/// is at hand; `А123ВС` in Cyrillic is the same plate as `A123BC`).
pub fn compact_upper(s: &str) -> String {
    s.chars()
        .flat_map(char::to_uppercase)
        .filter_map(|c| match c {
            'A'..='Z' | '0'..='9' => Some(c),
            'А' | 'Α' => Some('A'),
            'В' | 'Β' => Some('B'),
            'Е' | 'Ε' => Some('E'),
            'К' | 'Κ' => Some('K'),
            'М' | 'Μ' => Some('M'),
            'Н' | 'Η' => Some('H'),
            'О' | 'Ο' => Some('O'),
            'Р' | 'Ρ' => Some('P'),
            'С' => Some('C'),
            'Т' | 'Τ' => Some('T'),
            'У' | 'Υ' => Some('Y'),
            'Х' | 'Χ' => Some('X'),
            'І' | 'Ι' => Some('I'),
            'Ј' => Some('J'),
            'Ѕ' => Some('S'),
            'Ζ' => Some('Z'),
            'Ν' => Some('N'),
            _ => None,
        })
        .collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A country code we can use (ISO alpha-2, lowercase), or `None`.
fn country(c: Option<&str>) -> Option<String> {
    let c = c?.trim().to_ascii_lowercase();
    mosaic_model::country::is_country(&c).then_some(c)
}

// ------------------------------------------------------------------------------ phones

/// Phone numbers to E.164. `default_country` (ISO alpha-2) reads numbers written in
/// national form (`06 12 34 56 78`): the writer's country, i.e. the agency's, else the
/// report place's.
pub fn phone(raw: &str, default_country: Option<&str>) -> Normalized {
    room_for_phone_patterns();
    let cc = country(default_country);
    let trimmed = raw.trim();
    // `00` is the international prefix in most of the world; the parser wants `+`.
    let prepared = match trimmed.strip_prefix("00") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit() && c != '0') => {
            format!("+{rest}")
        }
        _ => trimmed.to_owned(),
    };
    let id = cc.as_deref().and_then(|c| {
        c.to_ascii_uppercase()
            .parse::<phonenumber::country::Id>()
            .ok()
    });
    let loose = {
        let d = digits(&prepared);
        if prepared.starts_with('+') {
            format!("+{d}")
        } else {
            d
        }
    };
    match phonenumber::parse(id, &prepared) {
        Ok(pn) => {
            let e164 = pn.format().mode(phonenumber::Mode::E164).to_string();
            let region = pn.country().id().map(|i| i.as_ref().to_ascii_lowercase());
            if phonenumber::is_valid(&pn) {
                Normalized::ok(KeyKind::Phone, e164, raw).with_country(region)
            } else {
                Normalized::flagged(
                    KeyKind::Phone,
                    e164,
                    raw,
                    "not a valid number in its country's numbering plan",
                )
                .with_country(region)
            }
        }
        Err(e) => {
            let why = if !prepared.starts_with('+') && id.is_none() {
                format!("cannot read the number ({e}); written nationally with no known country")
            } else {
                format!("cannot read the number ({e})")
            };
            Normalized::flagged(KeyKind::Phone, loose, raw, why)
        }
    }
}

/// The numbering-plan metadata compiles its patterns on first use into one LRU cache of
/// 100 (`phonenumber`'s default), fewer than validating numbers of a few countries walks
/// through, so patterns were compiled again and again: a fifth of reading a scenario
/// went on compiling regular expressions. The cache is given room for every pattern in
/// use; only the patterns of the countries seen are ever compiled.
fn room_for_phone_patterns() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(mut cache) = phonenumber::metadata::DATABASE.cache().lock() {
            *cache = regex_cache::RegexCache::new(PHONE_PATTERNS_KEPT);
        }
    });
}

/// Compiled phone patterns kept (the metadata holds a few thousand in all).
const PHONE_PATTERNS_KEPT: usize = 10_000;

/// Phone normalisation with a cache: the same number written the same way recurs across
/// thousands of reports, and parsing against the numbering plan is the costly part.
#[derive(Default)]
pub struct PhoneCache {
    map: Mutex<HashMap<(String, Option<String>), Normalized>>,
}

impl PhoneCache {
    pub fn phone(&self, raw: &str, default_country: Option<&str>) -> Normalized {
        let k = (raw.to_owned(), default_country.map(str::to_owned));
        if let Some(n) = self.map.lock().expect("cache lock").get(&k) {
            return n.clone();
        }
        let n = phone(raw, default_country);
        let mut m = self.map.lock().expect("cache lock");
        if m.len() > 1_000_000 {
            m.clear();
        }
        m.insert(k, n.clone());
        n
    }
}

// ------------------------------------------------------------------------------ money

/// IBANs: ISO 13616 check digits and the country's BBAN format.
pub fn iban(raw: &str) -> Normalized {
    let compact = compact_upper(raw);
    match compact.parse::<iban::Iban>() {
        Ok(i) => Normalized::ok(KeyKind::Iban, i.electronic_str().to_owned(), raw)
            .with_country(Some(i.country_code().to_ascii_lowercase())),
        Err(e) => {
            let c = country(compact.get(..2));
            Normalized::flagged(
                KeyKind::Iban,
                compact,
                raw,
                format!("not a valid IBAN: {e}"),
            )
            .with_country(c)
        }
    }
}

/// A bank account number that is not an IBAN: no check is possible, so it is valid
/// whenever it has digits.
pub fn account(raw: &str) -> Normalized {
    let c = compact_upper(raw);
    // Some providers write IBANs into the account number field.
    if c.len() >= 15 && c.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic) {
        let n = iban(raw);
        if n.valid {
            return n;
        }
    }
    if c.chars().any(|ch| ch.is_ascii_digit()) {
        Normalized::ok(KeyKind::Account, c, raw)
    } else {
        Normalized::flagged(KeyKind::Account, c, raw, "an account number needs digits")
    }
}

// ------------------------------------------------------------------------------ documents

/// Passport, identity card and other document numbers, with the issuing country where
/// known. Only the characters of the number are kept (`AB 123-456` = `AB123456`).
pub fn document(raw: &str, issuing_country: Option<&str>) -> Normalized {
    let c = compact_upper(raw);
    let cc = country(issuing_country);
    if (5..=20).contains(&c.len()) && c.chars().any(|ch| ch.is_ascii_digit()) {
        Normalized::ok(KeyKind::Document, c, raw).with_country(cc)
    } else {
        Normalized::flagged(
            KeyKind::Document,
            c,
            raw,
            "a document number has 5 to 20 letters and digits, at least one digit",
        )
        .with_country(cc)
    }
}

// ------------------------------------------------------------------------------ vessels

/// IMO ship numbers: 7 digits, the last a check digit (weights 7..2), `IMO` prefix optional.
pub fn imo(raw: &str) -> Normalized {
    let d = digits(raw);
    if d.len() == 7 {
        let b: Vec<u32> = d.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = b[..6]
            .iter()
            .enumerate()
            .map(|(i, x)| x * (7 - i as u32))
            .sum();
        if sum % 10 == b[6] {
            return Normalized::ok(KeyKind::Imo, d, raw);
        }
        return Normalized::flagged(KeyKind::Imo, d, raw, "IMO check digit does not match");
    }
    Normalized::flagged(KeyKind::Imo, d, raw, "an IMO number has 7 digits")
}

/// MMSI: 9 digits; a ship station's starts with its flag's maritime identification
/// digits (2–7).
pub fn mmsi(raw: &str) -> Normalized {
    let d = digits(raw);
    if d.len() != 9 {
        return Normalized::flagged(KeyKind::Mmsi, d, raw, "an MMSI has 9 digits");
    }
    if !matches!(d.as_bytes()[0], b'2'..=b'7') {
        return Normalized::flagged(
            KeyKind::Mmsi,
            d,
            raw,
            "a ship's MMSI starts with maritime identification digits 2xx-7xx",
        );
    }
    Normalized::ok(KeyKind::Mmsi, d, raw)
}

/// Radio call signs (upper-case alphanumerics).
pub fn call_sign(raw: &str) -> Normalized {
    let c = compact_upper(raw);
    if (3..=8).contains(&c.len()) {
        Normalized::ok(KeyKind::CallSign, c, raw)
    } else {
        Normalized::flagged(
            KeyKind::CallSign,
            c,
            raw,
            "a call sign has 3 to 8 characters",
        )
    }
}

// ------------------------------------------------------------------------------ vehicles

/// Number plates with their country: separators dropped, look-alike letters mapped.
pub fn plate(raw: &str, plate_country: Option<&str>) -> Normalized {
    let c = compact_upper(raw);
    let cc = country(plate_country);
    if (2..=12).contains(&c.len()) && c.chars().any(|ch| ch.is_ascii_digit()) {
        Normalized::ok(KeyKind::Plate, c, raw).with_country(cc)
    } else {
        Normalized::flagged(
            KeyKind::Plate,
            c,
            raw,
            "a plate has 2 to 12 letters and digits, at least one digit",
        )
        .with_country(cc)
    }
}

// ------------------------------------------------------------------------------ others

/// Email addresses, lowercased (providers treat the local part case-insensitively).
pub fn email(raw: &str) -> Normalized {
    let e = raw
        .trim()
        .trim_start_matches("mailto:")
        .trim_matches(|c| c == '<' || c == '>')
        .to_lowercase();
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Normalized::ok(KeyKind::Email, e, raw)
    } else {
        Normalized::flagged(
            KeyKind::Email,
            e,
            raw,
            "not an email address (local@domain.tld)",
        )
    }
}

/// IMEI: 15 digits with a Luhn check digit (14-digit forms without it are flagged).
pub fn imei(raw: &str) -> Normalized {
    let d = digits(raw);
    if d.len() != 15 {
        return Normalized::flagged(KeyKind::Imei, d, raw, "an IMEI has 15 digits");
    }
    let sum: u32 = d
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let x = u32::from(b - b'0');
            if i % 2 == 1 {
                let y = x * 2;
                y / 10 + y % 10
            } else {
                x
            }
        })
        .sum();
    if sum.is_multiple_of(10) {
        Normalized::ok(KeyKind::Imei, d, raw)
    } else {
        Normalized::flagged(
            KeyKind::Imei,
            d,
            raw,
            "IMEI check digit (Luhn) does not match",
        )
    }
}

/// Company and other registration numbers.
pub fn registration(raw: &str, reg_country: Option<&str>) -> Normalized {
    let c = compact_upper(raw);
    let cc = country(reg_country);
    if c.len() >= 3 {
        Normalized::ok(KeyKind::Registration, c, raw).with_country(cc)
    } else {
        Normalized::flagged(
            KeyKind::Registration,
            c,
            raw,
            "too short for a registration number",
        )
        .with_country(cc)
    }
}

/// Reads a search query as an identifier of any kind it could be, best reading first
/// (only valid readings, so `1234` does not claim to be every kind of number).
pub fn guess(raw: &str, default_country: Option<&str>) -> Vec<Normalized> {
    let mut out = Vec::new();
    if raw.contains('@') {
        let e = email(raw);
        if e.valid {
            out.push(e);
        }
        return out;
    }
    let c = compact_upper(raw);
    if c.is_empty() {
        return out;
    }
    let all_digits = digits(raw).len() == c.len();
    let i = iban(raw);
    if i.valid {
        out.push(i);
    }
    let p = phone(raw, default_country);
    if p.valid
        && (raw.trim_start().starts_with('+') || raw.trim_start().starts_with("00") || all_digits)
    {
        out.push(p);
    }
    if all_digits {
        for n in [imo(raw), mmsi(raw), imei(raw)] {
            if n.valid {
                out.push(n);
            }
        }
    }
    // Plates, documents, accounts and registrations are free-form: offer the compact
    // form under each kind, and let the index say which exist.
    if c.len() >= 2 {
        for k in [
            KeyKind::Plate,
            KeyKind::Document,
            KeyKind::Account,
            KeyKind::Registration,
            KeyKind::CallSign,
        ] {
            out.push(Normalized::ok(k, c.clone(), raw));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones_to_e164() {
        for (raw, cc) in [
            ("+33612345678", None),
            ("+33 6 12 34 56 78", Some("be")),
            ("0033612345678", None),
            ("06 12 34 56 78", Some("fr")),
            ("0612345678", Some("fr")),
            ("06.12.34.56.78", Some("fr")),
        ] {
            let n = phone(raw, cc);
            assert!(n.valid, "{raw}: {:?}", n.problem);
            assert_eq!(n.key.value, "+33612345678", "{raw}");
            assert_eq!(n.country.as_deref(), Some("fr"));
            assert_eq!(n.original, raw);
        }
        let be = phone("0470/12.34.56", Some("be"));
        assert_eq!(be.key.value, "+32470123456");
        assert!(be.valid);
        let nl = phone("06-12345678", Some("nl"));
        assert_eq!(nl.key.value, "+31612345678");
    }

    #[test]
    fn invalid_phones_are_kept_and_flagged() {
        let n = phone("12345", None);
        assert!(!n.valid);
        assert_eq!(n.key.value, "12345");
        assert!(n.problem.is_some());
        let n = phone("+33 1", None);
        assert!(!n.valid);
        assert_eq!(n.original, "+33 1");
    }

    #[test]
    fn ibans_are_checked() {
        let n = iban("gb82 west 1234 5698 7654 32");
        assert!(n.valid);
        assert_eq!(n.key.value, "GB82WEST12345698765432");
        assert_eq!(n.country.as_deref(), Some("gb"));
        let bad = iban("GB82 WEST 1234 5698 7654 33");
        assert!(!bad.valid);
        assert_eq!(
            bad.key.value, "GB82WEST12345698765433",
            "kept, not corrected"
        );
        assert!(bad.problem.unwrap().contains("IBAN"));
        assert_eq!(account("GB82WEST12345698765432").key.kind, KeyKind::Iban);
        assert_eq!(account("123-456 78").key.value, "12345678");
    }

    #[test]
    fn vessels() {
        assert!(imo("IMO 9074729").valid);
        assert_eq!(imo("IMO 9074729").key.value, "9074729");
        assert!(!imo("9074728").valid);
        assert!(!imo("907472").valid);
        assert!(mmsi("227 123 456").valid);
        assert!(!mmsi("127123456").valid);
        assert!(!mmsi("22712345").valid);
    }

    #[test]
    fn plates_and_documents() {
        for raw in ["AB-123-CD", "ab 123 cd", "AB123CD", "АВ-123-CD"] {
            let p = plate(raw, Some("FR"));
            assert_eq!(p.key.value, "AB123CD", "{raw}");
            assert_eq!(p.country.as_deref(), Some("fr"));
            assert!(p.valid);
        }
        assert!(!plate("ABC", None).valid);
        let d = document("n0 1234-567", Some("sy"));
        assert_eq!(d.key.value, "N01234567");
        assert_eq!(d.country.as_deref(), Some("sy"));
        assert!(!document("AB", None).valid);
    }

    #[test]
    fn emails_and_imeis() {
        assert_eq!(email(" Ali.K@Example.COM ").key.value, "ali.k@example.com");
        assert!(!email("ali@").valid);
        assert!(!email("ali.example.com").valid);
        assert!(imei("490154203237518").valid);
        assert!(!imei("490154203237519").valid);
    }

    #[test]
    fn guesses() {
        let g = guess("+33 6 12 34 56 78", None);
        assert_eq!(g[0].key.kind, KeyKind::Phone);
        let g = guess("GB82 WEST 1234 5698 7654 32", None);
        assert_eq!(g[0].key.kind, KeyKind::Iban);
        let g = guess("ali@example.com", None);
        assert_eq!(g.len(), 1);
        assert!(guess("  ", None).is_empty());
    }

    proptest! {
        #[test]
        fn normalisers_never_panic_and_keep_the_original(s in "\\PC{0,40}") {
            for n in [phone(&s, Some("fr")), iban(&s), account(&s), document(&s, None),
                      imo(&s), mmsi(&s), call_sign(&s), plate(&s, None), email(&s),
                      imei(&s), registration(&s, None)] {
                prop_assert_eq!(&n.original, &s);
                prop_assert_eq!(n.valid, n.problem.is_none());
            }
            let _ = guess(&s, Some("be"));
        }

        #[test]
        fn separators_do_not_change_keys(a in "[A-Z]{2}", n in "[0-9]{3}", b in "[A-Z]{2}",
                                         sep in "[ .\\-]{0,2}") {
            let one = plate(&format!("{a}{n}{b}"), None);
            let two = plate(&format!("{a}{sep}{n}{sep}{b}"), None);
            prop_assert_eq!(one.key, two.key);
        }

        #[test]
        fn valid_french_mobiles_normalise_the_same_in_every_format(rest in "[0-9]{8}") {
            let intl = phone(&format!("+336{rest}"), None);
            let nat = phone(&format!("06{rest}"), Some("fr"));
            let zero = phone(&format!("00336{rest}"), Some("de"));
            prop_assert_eq!(&intl.key, &nat.key);
            prop_assert_eq!(&intl.key, &zero.key);
        }

        #[test]
        fn imo_check_digit_detects_single_digit_errors(body in "[1-9][0-9]{5}", pos in 0usize..6, delta in 1u32..10) {
            let b: Vec<u32> = body.bytes().map(|x| u32::from(x - b'0')).collect();
            let sum: u32 = b.iter().enumerate().map(|(i, x)| x * (7 - i as u32)).sum();
            let good = format!("{body}{}", sum % 10);
            prop_assert!(imo(&good).valid);
            let mut bad: Vec<u32> = b.clone();
            bad[pos] = (bad[pos] + delta) % 10;
            let weight = 7 - pos as u32;
            // weights 2, 4, 6 times 5 are 0 mod 10, so those changes are undetectable
            prop_assume!(!(delta * weight).is_multiple_of(10));
            let bad: String = bad.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            let written = format!("{}{}", bad, sum % 10);
            let n = imo(&written);
            prop_assert!(!n.valid);
        }
    }
}
