//! RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value that
//! signatures and hash chains are taken over (agreements, audit entries).
//!
//! Why our own: the rules are short, and owning them here keeps the invariant that only
//! this crate defines a canonical JSON a hash is taken over. What JCS fixes:
//! - object members sorted by their names as UTF-16 code units;
//! - no insignificant whitespace;
//! - strings escaped minimally (`\"`, `\\`, the five short control escapes, `\u00xx`
//!   lowercase for the other control characters; everything else literal UTF-8);
//! - numbers as ECMAScript's `Number.prototype.toString` prints an IEEE-754 double.
//!
//! The result does not depend on serde_json's `preserve_order` feature (which another
//! crate in the build may switch on): member order is always re-sorted here.

use serde_json::{Number, Value};

/// The canonical (RFC 8785) text of a JSON value.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

/// The canonical bytes of a JSON value.
pub fn to_vec(v: &Value) -> Vec<u8> {
    to_string(v).into_bytes()
}

/// The canonical text of anything serialisable (serialised to a JSON value first).
pub fn canonicalize<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    Ok(to_string(&serde_json::to_value(v)?))
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, x)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, x);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{9}' => out.push_str("\\t"),
            '\u{a}' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\u{d}' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Largest integer a double holds exactly: integers up to it print as themselves.
const MAX_SAFE: u64 = 1 << 53;

fn write_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        if u <= MAX_SAFE {
            out.push_str(&u.to_string());
            return;
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= MAX_SAFE {
            out.push_str(&i.to_string());
            return;
        }
    }
    // Beyond 2^53 (or fractional): JSON numbers are IEEE doubles to JCS.
    out.push_str(&es_number(n.as_f64().unwrap_or(f64::NAN)));
}

/// The shortest round-trip decimal digits of a positive finite double (no leading or
/// trailing zeros) and `n`, the position of the decimal point: value = 0.digits × 10^n.
fn shortest_digits(v: f64) -> (String, i32) {
    let text = serde_json::to_string(&v).expect("finite doubles serialise");
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i32>().unwrap_or(0)),
        None => (text.as_str(), 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut n = int_part.len() as i32 + exp;
    let all = format!("{int_part}{frac_part}");
    let trimmed = all.trim_start_matches('0');
    n -= (all.len() - trimmed.len()) as i32;
    (trimmed.trim_end_matches('0').to_owned(), n)
}

/// ECMAScript `Number.prototype.toString` for a finite double (ECMA-262 §6.1.6.1.20).
pub fn es_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into(); // also -0
    }
    if !v.is_finite() {
        // JSON has no NaN or infinities; serde_json never yields them.
        return "null".into();
    }
    if v < 0.0 {
        return format!("-{}", es_number(-v));
    }
    // The shortest digits that round-trip, ties to even — what ECMAScript requires.
    // (Rust's own `{:e}` does not break ties to even; serde_json's ryu does.)
    let (digits, n) = shortest_digits(v);
    let k = digits.len() as i32;
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (a, b) = digits.split_at(n as usize);
        format!("{a}.{b}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let sign = if n - 1 < 0 { '-' } else { '+' };
        let e = (n - 1).abs();
        if k == 1 {
            format!("{digits}e{sign}{e}")
        } else {
            format!("{}.{}e{sign}{e}", &digits[..1], &digits[1..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 8785 §3.2.2 (the combined example).
    #[test]
    fn rfc8785_example() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let v: Value = serde_json::from_str(input).unwrap();
        assert_eq!(
            to_string(&v),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    /// RFC 8785 §3.2.3: members sort by UTF-16 code units, so the emoji (a surrogate
    /// pair starting 0xD83D) sorts before U+FB33 although its code point is larger.
    #[test]
    fn rfc8785_sorting() {
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let v: Value = serde_json::from_str(input).unwrap();
        let want = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(to_string(&v), want);
    }

    /// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text.
    #[test]
    fn rfc8785_numbers() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, want) in cases {
            let v = f64::from_bits(*bits);
            assert_eq!(es_number(v), *want, "bits {bits:#018x}");
            // and through a JSON value
            if let Some(n) = Number::from_f64(v) {
                assert_eq!(to_string(&Value::Number(n)), *want, "bits {bits:#018x}");
            }
        }
    }

    #[test]
    fn integers_and_large_integers() {
        assert_eq!(to_string(&json!(42)), "42");
        assert_eq!(to_string(&json!(-7)), "-7");
        assert_eq!(to_string(&json!(9007199254740992u64)), "9007199254740992");
        // beyond 2^53 a JSON number is a double to JCS
        assert_eq!(to_string(&json!(u64::MAX)), "18446744073709552000");
        assert_eq!(to_string(&json!(i64::MIN)), "-9223372036854776000");
    }

    #[test]
    fn control_characters_and_unicode() {
        let v = json!({"b": "tab\tnul\u{0}del\u{7f}é/", "a": []});
        assert_eq!(
            to_string(&v),
            "{\"a\":[],\"b\":\"tab\\tnul\\u0000del\u{7f}é/\"}"
        );
    }

    #[test]
    fn canonical_text_is_a_fixed_point() {
        let v = json!({"z": {"y": [1, 2.5, "x"], "a": null}, "m": true, "é": 1e-7});
        let s = to_string(&v);
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(to_string(&back), s);
        assert_eq!(back, v);
    }

    proptest::proptest! {
        /// Every finite double prints as text that reads back as the same double.
        #[test]
        fn numbers_round_trip(bits in proptest::prelude::any::<u64>()) {
            let v = f64::from_bits(bits);
            proptest::prop_assume!(v.is_finite());
            let text = es_number(v);
            let back: f64 = text.parse().unwrap();
            proptest::prop_assert!(back == v, "{v:e} printed as {text}");
        }
    }
}
