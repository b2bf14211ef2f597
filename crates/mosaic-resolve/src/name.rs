//! Names: from what a provider wrote to keys that match across scripts, romanisations,
//! word order, particles and typing slips. The original spelling is always kept beside
//! the keys ([`NameForm::original`]); keys are for matching only, never for display.
//!
//! 1. Unicode NFKC, then transliteration to ASCII (`any_ascii`: Arabic, Cyrillic, Greek,
//!    Latin with diacritics and everything else), lower case.
//! 2. Tokens; particles handled: Arabic articles dropped (`Al-Hassan`, `El Hassan`,
//!    `Alhasan`, `Ash-Shami` → `hassan`/`shami`), `Abd`/`Abu` joined to what follows
//!    (`Abd al-Rahman` = `Abdulrahman`), `bin`/`ben`/`ibn` dropped between names,
//!    European particles glued (`van der Berg` = `Vanderberg`, `De Smet` = `Desmet`).
//! 3. Known variant families mapped to one form (`Mohammed`, `Muhamad`, `Md.` →
//!    `muhammad`).
//! 4. A phonetic skeleton per token: consonant classes that transliteration variants
//!    share (`Youssef`, `Yusuf`, `Jusuf`, `Youssouf` → `jsf`; `Hussein`, `Husayn` → `hsn`).
//!
//! Comparison (order-free, tolerant of a missing father's name) is in [`crate::compare`].

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use crate::key::{IdentifierKey, KeyKind};

/// A name as written, with its matching tokens and phonetic skeletons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameForm {
    /// Exactly as the provider wrote it.
    pub original: String,
    /// Matching tokens in written order (ASCII, lower case, particles handled).
    pub tokens: Vec<String>,
    /// One phonetic skeleton per token.
    pub skeletons: Vec<String>,
    /// [`NameForm::key`]'s value, computed once: the resolver compares it millions of
    /// times.
    sorted: String,
    /// [`NameForm::phonetic_key`]'s value, computed once.
    phonetic: String,
}

impl NameForm {
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Sorted tokens: the same person written family-name-first has the same key.
    pub fn key(&self) -> IdentifierKey {
        IdentifierKey::new(KeyKind::Name, self.sorted.clone())
    }

    /// [`NameForm::key`]'s value, without allocating.
    pub fn key_str(&self) -> &str {
        &self.sorted
    }

    /// Sorted phonetic skeletons.
    pub fn phonetic_key(&self) -> IdentifierKey {
        IdentifierKey::new(KeyKind::NamePhonetic, self.phonetic.clone())
    }

    /// [`NameForm::phonetic_key`]'s value, without allocating.
    pub fn phonetic_str(&self) -> &str {
        &self.phonetic
    }
}

fn sorted_join(parts: &[String]) -> String {
    let mut t: Vec<&str> = parts.iter().map(String::as_str).collect();
    t.sort_unstable();
    t.join(" ")
}

/// Transliterates to lower-case ASCII (NFKC first so compatibility forms fold).
pub fn to_ascii(s: &str) -> String {
    let mut nfkc: String = s.nfkc().collect::<String>().to_lowercase();
    // Greek "ου" is "ou" in every romanisation officers use (any_ascii gives "oy").
    if nfkc.contains('υ') || nfkc.contains('ύ') {
        nfkc = nfkc.replace("ου", "ou").replace("ού", "ou");
    }
    let mut out = String::with_capacity(nfkc.len());
    let chars: Vec<char> = nfkc.chars().collect();
    let mut skip = 0;
    for (i, &c) in chars.iter().enumerate() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        // The Arabic article written in Arabic script (الحسن): dropped like "Al-".
        let word_start = i == 0 || !chars[i - 1].is_alphabetic();
        if word_start
            && matches!(c, 'ا' | 'أ' | 'إ')
            && chars.get(i + 1) == Some(&'ل')
            && chars.get(i + 3).is_some_and(|c| c.is_alphabetic())
        {
            skip = 1;
            continue;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            // Arabic-script marks (shadda, harakat) and tatweel carry no letter.
            if ('\u{064B}'..='\u{065F}').contains(&c) || c == '\u{0640}' || c == '\u{0670}' {
                continue;
            }
            out.push_str(&any_ascii::any_ascii_char(c).to_ascii_lowercase());
        }
    }
    out
}

const ARTICLES: &[&str] = &["al", "el", "ul", "il"];
/// Sun-letter assimilations of `al` (`ash-Shami`, `at-Tamimi`, `ar-Rawi`, `ad-Din`).
const SUN: &[&str] = &[
    "ad", "adh", "ar", "as", "ash", "at", "ath", "az", "an", "ed", "er", "es", "esh", "et", "ez",
    "en",
];
const ABD: &[&str] = &[
    "abd", "abdel", "abdul", "abdal", "abdoul", "abdol", "abdu", "abdi", "abu", "abou", "abo",
];
const PATRONYMIC: &[&str] = &["bin", "ben", "ibn", "bint", "binti", "bte", "bt", "ould"];
const EUROPEAN: &[&str] = &[
    "van", "von", "de", "der", "den", "del", "della", "dela", "di", "da", "du", "dos", "das", "le",
    "la", "ter", "ten", "op", "zu", "mac", "mc", "st", "san", "santa",
];

/// Variant families that the skeleton alone does not unite (abbreviations, dropped
/// letters). The key is any member; the value the family's form.
fn variant(t: &str) -> Option<&'static str> {
    Some(match t {
        "mohammed" | "muhammad" | "mohamed" | "mohamad" | "mohammad" | "muhammed" | "mohd"
        | "md" | "mhd" | "muhamad" | "mouhamed" | "mohamud" | "mohamoud" | "muhamed"
        | "mohammod" | "mahomed" | "mohamad." | "muhammet" | "mehmet" | "mukhammad"
        | "mukhamed" | "magomed" => "muhammad",
        "ahmed" | "ahmad" | "achmed" | "akhmed" | "ahmet" | "ehmed" => "ahmad",
        "abdallah" | "abdullah" | "abdulla" | "abdellah" | "abdalla" | "abdoullah" => "abdullah",
        "hussein" | "husain" | "hussain" | "houssein" | "husayn" | "hussien" | "huseyin"
        | "husein" | "houssain" => "husain",
        "yusuf" | "youssef" | "yousef" | "youssouf" | "yousif" | "yosef" | "jusuf" | "joseph"
        | "yusef" | "yousuf" => "yusuf",
        "ibrahim" | "ebrahim" | "brahim" | "ibragim" | "ibrahima" => "ibrahim",
        "mustafa" | "moustafa" | "mostafa" | "mustapha" | "moustapha" => "mustafa",
        "osman" | "othman" | "uthman" | "usman" | "ousmane" | "osmane" => "uthman",
        "aleksandr" | "alexander" | "aleksander" | "alexandre" | "aleksandar" | "oleksandr" => {
            "aleksandr"
        }
        _ => return None,
    })
}

/// Splits ASCII into raw tokens (apostrophes join: `D'Souza` = `Dsouza`).
fn raw_tokens(ascii: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            cur.push(c);
        } else if c == '\'' || c == '`' {
            // joins
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn starts_like(next: &str, article: &str) -> bool {
    // `ash` + `shami`, `at` + `tamimi`: the article's last consonant(s) begin the noun.
    let tail = article.trim_start_matches(['a', 'e']);
    !tail.is_empty() && next.starts_with(tail)
}

/// Applies the particle rules to raw tokens.
fn particles(raw: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let t = raw[i].as_str();
        let next = raw.get(i + 1).map(String::as_str);
        match next {
            Some(n) if ABD.contains(&t) => {
                // Abd al-Rahman, Abdel Rahim, Abu Salah: one name.
                let mut glued = t.to_owned();
                let mut j = i + 1;
                if (ARTICLES.contains(&n) || SUN.contains(&n)) && j + 1 < raw.len() {
                    glued.push_str(n);
                    j += 1;
                }
                glued.push_str(&raw[j]);
                out.push(glued);
                i = j + 1;
                continue;
            }
            Some(_) if ARTICLES.contains(&t) => {
                i += 1;
                continue;
            }
            Some(n) if SUN.contains(&t) && starts_like(n, t) => {
                i += 1;
                continue;
            }
            Some(_) if PATRONYMIC.contains(&t) && !out.is_empty() => {
                i += 1;
                continue;
            }
            Some(_) if EUROPEAN.contains(&t) => {
                // glue a run of particles to the name that follows
                let mut glued = t.to_owned();
                let mut j = i + 1;
                while j + 1 < raw.len() && EUROPEAN.contains(&raw[j].as_str()) {
                    glued.push_str(&raw[j]);
                    j += 1;
                }
                glued.push_str(&raw[j]);
                out.push(glued);
                i = j + 1;
                continue;
            }
            _ => {}
        }
        out.push(strip_glued_article(t).into_owned());
        i += 1;
    }
    out
}

/// `Alhasan`, `Elkurdi`, `Alshami` → `hasan`, `kurdi`, `shami`. Applied to every token
/// of five letters or more, so it is consistent (`Alexander` becomes `exander` in every
/// record alike) and costs nothing in precision.
fn strip_glued_article(t: &str) -> Cow<'_, str> {
    if t.len() >= 5 && (t.starts_with("al") || t.starts_with("el")) && !t.starts_with("all") {
        Cow::Owned(t[2..].to_owned())
    } else {
        Cow::Borrowed(t)
    }
}

/// The phonetic skeleton of one ASCII token: consonant classes, vowels dropped, doubles
/// collapsed. Tuned to the variation between romanisations of the same name (Arabic,
/// Persian, Kurdish, Pashto, Tigrinya, Slavic) as officers of different countries write
/// them (English, French, German, Serbian habits).
pub fn skeleton(t: &str) -> String {
    let b = t.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    let at = |i: usize, s: &str| b.get(i..i + s.len()) == Some(s.as_bytes());
    while i < b.len() {
        let (code, step): (Option<u8>, usize) = if at(i, "sch") {
            (Some(b's'), 3)
        } else if at(i, "dzh") || at(i, "tch") {
            (Some(if b[i] == b'd' { b'j' } else { b's' }), 3)
        } else if at(i, "dj") || at(i, "dz") || at(i, "zh") {
            (Some(b'j'), 2)
        } else if at(i, "kh") {
            (Some(b'h'), 2)
        } else if at(i, "gh") {
            (Some(b'j'), 2)
        } else if at(i, "ch") || at(i, "sh") {
            (Some(b's'), 2)
        } else if at(i, "ph") {
            (Some(b'f'), 2)
        } else if at(i, "th") || at(i, "dh") {
            (Some(if b[i] == b't' { b't' } else { b'd' }), 2)
        } else if at(i, "ck") {
            (Some(b'k'), 2)
        } else {
            let c = b[i];
            let code = match c {
                b'a' | b'e' | b'i' | b'o' | b'u' => None,
                b'y' if i == 0 => Some(b'j'),
                b'y' => None,
                b'c' => Some(match b.get(i + 1) {
                    Some(b'e' | b'i' | b'y') => b's',
                    _ => b'k',
                }),
                b'q' => Some(b'k'),
                b'g' | b'j' => Some(b'j'),
                b'w' => Some(b'v'),
                b'z' => Some(b's'),
                b'x' => {
                    out.extend_from_slice(b"ks");
                    None
                }
                b'0'..=b'9' => Some(c),
                c if c.is_ascii_lowercase() => Some(c),
                _ => None,
            };
            (code, 1)
        };
        if let Some(c) = code {
            if out.last() != Some(&c) {
                out.push(c);
            }
        }
        i += step;
    }
    let mut s = String::from_utf8(out).expect("ascii");
    if s.len() < 2 {
        // Very short names (Ali, Aly, Omar→mr) keep a vowel marker so that "Ali" and
        // "Eli" still match but "Ali" and "L." do not.
        let first = t
            .chars()
            .next()
            .map_or('_', |c| if "aeiouy".contains(c) { 'a' } else { c });
        if !s.starts_with(first) {
            s.insert(0, first);
        }
    }
    s
}

/// Tokens kept of one name: no real name has more, and comparison keeps a bit per token.
pub const MAX_TOKENS: usize = 32;

/// Analyses one written name.
pub fn analyse(original: &str) -> NameForm {
    let ascii = to_ascii(original);
    let raw = raw_tokens(&ascii);
    let tokens: Vec<String> = particles(raw)
        .into_iter()
        .map(|t| variant(&t).map(str::to_owned).unwrap_or(t))
        .filter(|t| !t.is_empty())
        .take(MAX_TOKENS)
        .collect();
    let skeletons: Vec<String> = tokens.iter().map(|t| skeleton(t)).collect();
    NameForm {
        original: original.to_owned(),
        sorted: sorted_join(&tokens),
        phonetic: sorted_join(&skeletons),
        tokens,
        skeletons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(s: &str) -> String {
        analyse(s).key().value
    }
    fn ph(s: &str) -> String {
        analyse(s).phonetic_key().value
    }

    #[test]
    fn particles_and_order() {
        assert_eq!(key("Mohammed Al-Hassan"), key("AL-HASSAN Mohammed"));
        assert_eq!(key("Mohammed Al-Hassan"), key("Muhammad El Hassan"));
        assert_eq!(key("Mohammed Al-Hassan"), key("Mohamed al Hassan"));
        assert_eq!(ph("Mohammed Al-Hassan"), ph("Muhamad Alhasan"));
        assert_eq!(key("Ash-Shami"), key("Alshami"));
        assert_eq!(ph("Abd al-Rahman"), ph("Abdulrahman"));
        assert_eq!(ph("Abd Allah"), ph("Abdallah"));
        assert_eq!(key("Jan van der Berg"), key("Jan Vanderberg"));
        assert_eq!(key("Ahmad bin Ismail"), key("Ahmad Ismail"));
        assert_eq!(
            key("Ben Carter"),
            "ben carter",
            "a first name is not a particle"
        );
        assert_eq!(key("Pieter De Smet"), key("Pieter Desmet"));
    }

    #[test]
    fn transliteration_variants_share_a_skeleton() {
        for group in [
            &["Youssef", "Yusuf", "Jusuf", "Youssouf", "Yousif"][..],
            &["Hussein", "Husayn", "Husain", "Houssein"],
            &["Khaled", "Khalid", "Haled"],
            &["Shami", "Chami", "Šami"],
            &["Mahmoud", "Mahmud", "Mahmood"],
            &["Jamal", "Djamel", "Gamal", "Džamal"],
            &["Omar", "Umar", "Omer"],
            &["Yassin", "Yasin", "Yacine", "Jasin"],
        ] {
            let s: Vec<String> = group.iter().map(|n| ph(n)).collect();
            assert!(s.iter().all(|x| *x == s[0]), "{group:?} → {s:?}");
        }
    }

    #[test]
    fn scripts() {
        // Cyrillic and Greek transliterate; Arabic script meets Latin on the skeleton.
        assert_eq!(key("Дмитрий Иванов"), "dmitriy ivanov");
        assert_eq!(ph("Дмитрий"), ph("Dmitrii"));
        assert_eq!(ph("Ivanov"), ph("Иванов"));
        assert_eq!(key("Γιώργος Παπαδόπουλος"), key("Giorgos Papadopoulos"));
        assert_eq!(ph("محمد الحسن"), ph("Mohammed Al-Hassan"));
        assert_eq!(key("Zoë Müller"), "muller zoe");
        // the original is kept
        assert_eq!(analyse("AL-HASSAN Mohammed").original, "AL-HASSAN Mohammed");
    }

    #[test]
    fn short_and_empty() {
        assert!(analyse("  - ").is_empty());
        assert_eq!(ph("Ali"), ph("Aly"));
        assert_ne!(ph("Ali"), ph("Li"));
    }

    proptest! {
        #[test]
        fn analyse_never_panics(s in "\\PC{0,60}") {
            let f = analyse(&s);
            prop_assert_eq!(f.tokens.len(), f.skeletons.len());
            prop_assert!(f.tokens.iter().all(|t| t.is_ascii()));
        }

        #[test]
        fn order_and_case_do_not_change_keys(a in "[A-Z][a-z]{2,9}", b in "[A-Z][a-z]{2,9}") {
            // Particles glue to the name after them (`Das Neves` = `Dasneves`), so their
            // place matters by design.
            let particle = |w: &str| {
                let w = w.to_lowercase();
                [ARTICLES, SUN, ABD, PATRONYMIC, EUROPEAN].iter().any(|l| l.contains(&w.as_str()))
            };
            prop_assume!(!particle(&a) && !particle(&b));
            prop_assert_eq!(key(&format!("{a} {b}")), key(&format!("{} {a}", b.to_uppercase())));
        }

        #[test]
        fn doubled_letters_and_vowels_do_not_change_skeletons(s in "[bdfklmnprst][aeiou][bdfklmnprst]{1,2}[aeiou][bdfklmnprst]") {
            let doubled: String = s.chars().flat_map(|c| if "bdfklmnprst".contains(c) { vec![c, c] } else { vec![c] }).collect();
            let vowel_swapped: String = s.chars().map(|c| if c == 'a' { 'e' } else if c == 'o' { 'u' } else { c }).collect();
            prop_assert_eq!(skeleton(&s), skeleton(&doubled));
            prop_assert_eq!(skeleton(&s), skeleton(&vowel_swapped));
        }
    }
}
