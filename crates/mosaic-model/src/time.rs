//! Dates and times on the wire: RFC 3339 instants, and partial dates for properties.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Rule, ValidationError};

/// Parses an RFC 3339 instant (`2025-03-01T10:00:00Z`, offsets allowed) into UTC.
pub fn parse_instant(field: &str, s: &str) -> Result<DateTime<Utc>, ValidationError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            ValidationError::new(
                field,
                Rule::Date,
                format!(
                    "{s:?} is not an RFC 3339 date-time ({e}); expected e.g. 2025-03-01T10:00:00Z"
                ),
            )
        })
}

/// Accepts `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or an RFC 3339 date-time. Returns the earliest
/// day the value can mean, for ordering and range filters; `None` if it is not a date.
pub fn check_partial_date(s: &str) -> Option<NaiveDate> {
    partial_date(s).ok()
}

fn partial_date(s: &str) -> Result<NaiveDate, ()> {
    let s = s.trim();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|x| x.iter().all(u8::is_ascii_digit))
    };
    let year = |r: std::ops::Range<usize>| -> Result<i32, ()> {
        s.get(r).ok_or(())?.parse().map_err(|_| ())
    };
    match b.len() {
        4 if digits(0..4) => NaiveDate::from_ymd_opt(year(0..4)?, 1, 1).ok_or(()),
        7 if digits(0..4) && b[4] == b'-' && digits(5..7) => {
            NaiveDate::from_ymd_opt(year(0..4)?, s[5..7].parse().map_err(|_| ())?, 1).ok_or(())
        }
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ()),
        _ => DateTime::parse_from_rfc3339(s)
            .map(|d| d.date_naive())
            .map_err(|_| ()),
    }
}

/// Canonical wire form of an instant: RFC 3339 in UTC with seconds, `Z` suffix, and
/// sub-second digits only when present.
pub fn format_instant(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates() {
        assert!(check_partial_date("2024").is_some());
        assert!(check_partial_date("2024-02").is_some());
        assert!(check_partial_date("2024-02-29").is_some());
        assert!(check_partial_date("2023-02-29").is_none());
        assert!(check_partial_date("2024-13").is_none());
        assert!(check_partial_date("2024-01-01T10:00:00+02:00").is_some());
        assert!(check_partial_date("01/02/2024").is_none());
    }

    #[test]
    fn instants_normalise_to_utc() {
        let t = parse_instant("reported_at", "2025-03-01T12:00:00+02:00").unwrap();
        assert_eq!(format_instant(&t), "2025-03-01T10:00:00Z");
        let e = parse_instant("reported_at", "1/3/2025").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("reported_at", Rule::Date));
    }
}
