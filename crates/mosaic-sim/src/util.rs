//! Small random helpers. Everything random in the generator goes through a seeded
//! `ChaCha8Rng`, never a thread RNG, so one seed always gives the same scenario.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64: mixes seed parts into well-spread 64-bit values.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent random stream for one purpose (world, observation, noise) of one
/// part of the scenario. Separate streams keep, for instance, the world identical when
/// only the noise level changes, and one route identical when another is switched off.
pub fn stream(seed: u64, parts: &[u64]) -> ChaCha8Rng {
    let mut h = splitmix(seed);
    for p in parts {
        h = splitmix(h ^ splitmix(*p));
    }
    ChaCha8Rng::seed_from_u64(h)
}

pub fn chance(rng: &mut impl Rng, p: f64) -> bool {
    // Always draw, so the number of draws does not depend on p (noise level 0 and 1
    // consume the same stream).
    rng.gen::<f64>() < p
}

pub fn pick<'a, T>(rng: &mut impl Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

/// Picks by integer weight.
pub fn weighted<'a, T>(rng: &mut impl Rng, xs: &'a [(T, u32)]) -> &'a T {
    let total: u32 = xs.iter().map(|x| x.1).sum();
    let mut r = rng.gen_range(0..total);
    for (x, w) in xs {
        if r < *w {
            return x;
        }
        r -= w;
    }
    &xs[xs.len() - 1].0
}

/// Standard normal by Box–Muller.
pub fn normal(rng: &mut impl Rng, mean: f64, sd: f64) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-12);
    let u2: f64 = rng.gen();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Poisson by Knuth's method for small means, a rounded normal for large ones.
pub fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 40.0 {
        return normal(rng, mean, mean.sqrt()).round().max(0.0) as u32;
    }
    let l = (-mean).exp();
    let mut k = 0u32;
    let mut p = 1.0;
    loop {
        p *= rng.gen::<f64>();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

/// Digits as a string, `n` of them, first one non-zero when `lead_nonzero`.
pub fn digits(rng: &mut impl Rng, n: usize, lead_nonzero: bool) -> String {
    let mut s = String::with_capacity(n);
    for i in 0..n {
        let d = if i == 0 && lead_nonzero {
            rng.gen_range(1..10)
        } else {
            rng.gen_range(0..10)
        };
        s.push(char::from(b'0' + d as u8));
    }
    s
}

pub fn letters(rng: &mut impl Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'A' + rng.gen_range(0..26u8)))
        .collect()
}

/// Folds Latin letters with diacritics to ASCII (what older systems and many officers
/// type), leaving other scripts alone.
pub fn fold_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let r: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ẩ'
            | 'ẫ' | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' => "a",
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
            'ç' | 'ć' | 'č' => "c",
            'Ç' | 'Ć' | 'Č' => "C",
            'đ' | 'ď' => "d",
            'Đ' | 'Ď' => "D",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể' | 'ễ'
            | 'ệ' => "e",
            'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
            'ğ' => "g",
            'Ğ' => "G",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'ị' | 'ỉ' | 'ĩ' => "i",
            'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => "I",
            'ł' => "l",
            'Ł' => "L",
            'ñ' | 'ń' | 'ň' => "n",
            'Ñ' | 'Ń' | 'Ň' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ơ' | 'ọ' | 'ỏ' | 'ố' | 'ồ' | 'ổ' | 'ỗ'
            | 'ộ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => "o",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ơ' => "O",
            'ř' => "r",
            'Ř' => "R",
            'ś' | 'š' | 'ş' | 'ș' => "s",
            'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
            'ť' | 'ţ' | 'ț' => "t",
            'Ť' | 'Ţ' | 'Ț' => "T",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ư' | 'ụ' | 'ủ' | 'ũ' | 'ứ' | 'ừ' | 'ử' | 'ữ'
            | 'ự' => "u",
            'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ư' => "U",
            'ý' | 'ÿ' | 'ỳ' | 'ỷ' | 'ỹ' | 'ỵ' => "y",
            'Ý' | 'Ÿ' => "Y",
            'ž' | 'ź' | 'ż' => "z",
            'Ž' | 'Ź' | 'Ż' => "Z",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

/// Whether a string can be written in Windows-1252 (what the French border police's
/// export uses).
pub fn is_cp1252(s: &str) -> bool {
    s.chars().all(|c| cp1252_byte(c).is_some())
}

/// The Windows-1252 byte of a character, if it has one.
pub fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 || (0xA0..=0xFF).contains(&u) {
        return Some(u as u8);
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// Encodes text as Windows-1252; characters without a byte are folded to ASCII first
/// and, failing that, written as `?` (callers fold names beforehand so this is rare).
pub fn encode_cp1252(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match cp1252_byte(c) {
            Some(b) => out.push(b),
            None => {
                let f = fold_ascii(&c.to_string());
                for fc in f.chars() {
                    out.push(cp1252_byte(fc).unwrap_or(b'?'));
                }
            }
        }
    }
}

/// Makes a string safe for Windows-1252 by folding what it cannot hold.
pub fn cp1252_safe(s: &str) -> String {
    if is_cp1252(s) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if cp1252_byte(c).is_some() {
                c.to_string()
            } else {
                fold_ascii(&c.to_string())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: u64 = stream(1, &[2, 3]).gen();
        let b: u64 = stream(1, &[2, 3]).gen();
        let c: u64 = stream(1, &[3, 2]).gen();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn poisson_mean_is_close() {
        let mut r = stream(7, &[]);
        let n = 20_000;
        let s: u32 = (0..n).map(|_| poisson(&mut r, 10.5)).sum();
        let m = s as f64 / n as f64;
        assert!((m - 10.5).abs() < 0.15, "{m}");
    }

    #[test]
    fn folding_and_cp1252() {
        assert_eq!(fold_ascii("Yılmaz Şahin Nguyễn"), "Yilmaz Sahin Nguyen");
        assert!(is_cp1252("Mickaël Lefèvre"));
        assert!(!is_cp1252("Yılmaz"));
        assert_eq!(cp1252_safe("Yılmaz"), "Yilmaz");
        let mut v = Vec::new();
        encode_cp1252("é€", &mut v);
        assert_eq!(v, vec![0xE9, 0x80]);
    }
}
