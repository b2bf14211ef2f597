//! Database URLs: showing them without their secrets.

/// Query parameters sqlx's PostgreSQL driver understands. Anything else is refused
/// before the driver sees it, because the driver logs unknown parameters *with their
/// values* (think `sslpassword=…`).
const KNOWN_PARAMS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// Parameters whose value is a secret.
const SECRET_PARAMS: &[&str] = &["password", "sslpassword"];

const MASK: &str = "***";

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` with any password (in the user info or a `password=` parameter) replaced by
/// `***`, safe to log or show. A URL that does not parse is not echoed at all.
pub fn redact(url: &str) -> String {
    let Ok(mut u) = ::url::Url::parse(url) else {
        return "<unparseable database URL>".to_owned();
    };
    if u.password().is_some() {
        // Cannot fail for URLs that have a user info part.
        let _ = u.set_password(Some(MASK));
    }
    if u.query_pairs().any(|(k, _)| is_secret(&k)) {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret(&k) {
                    MASK.into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

fn is_secret(key: &str) -> bool {
    SECRET_PARAMS.contains(&key)
}

/// The secrets `url` carries, in every spelling they might be echoed in (as written,
/// percent-decoded).
fn secrets(url: &str) -> Vec<String> {
    let Ok(u) = ::url::Url::parse(url) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(p) = u.password() {
        out.push(p.to_owned());
        out.push(percent_decode(p));
    }
    for (k, v) in u.query_pairs() {
        if is_secret(&k) {
            out.push(v.into_owned());
        }
    }
    if let Some(q) = u.query() {
        for kv in q.split('&') {
            if let Some((k, v)) = kv.split_once('=') {
                if is_secret(k) {
                    out.push(v.to_owned());
                }
            }
        }
    }
    out.retain(|s| !s.is_empty());
    // Longest first, so a secret that contains another is masked whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `message` with every secret of `url` masked.
pub fn scrub(message: &str, url: &str) -> String {
    let mut m = message.to_owned();
    for s in secrets(url) {
        m = m.replace(&s, MASK);
    }
    m
}

/// Refuses query parameters the driver would log verbatim (see [`KNOWN_PARAMS`]).
pub fn check_params(url: &str) -> Result<(), String> {
    let Ok(u) = ::url::Url::parse(url) else {
        return Ok(()); // the driver's own parse reports it
    };
    for (k, _) in u.query_pairs() {
        if !KNOWN_PARAMS.contains(&k.as_ref()) && !k.starts_with("options[") {
            return Err(format!(
                "unsupported connection parameter `{k}` (supported: {})",
                KNOWN_PARAMS.join(", ")
            ));
        }
    }
    Ok(())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_user_info_password() {
        let r = redact("postgres://alice:s3cr%40t@db.example:5432/mosaic?sslmode=require");
        assert_eq!(
            r,
            "postgres://alice:***@db.example:5432/mosaic?sslmode=require"
        );
        assert!(!r.contains("s3cr"));
    }

    #[test]
    fn redact_masks_password_parameters() {
        let r = redact("postgresql://db/mosaic?user=bob&password=hunter2&sslpassword=k3y");
        assert!(!r.contains("hunter2") && !r.contains("k3y"), "{r}");
        assert!(r.contains("user=bob"), "{r}");
    }

    #[test]
    fn redact_keeps_urls_without_secrets() {
        let u = "postgres://postgres@127.0.0.1:5432/postgres";
        assert_eq!(redact(u), u);
        assert_eq!(redact("not a url :pw"), "<unparseable database URL>");
    }

    #[test]
    fn scrub_masks_every_spelling() {
        let url = "postgres://alice:p%40ss@h/db?password=other";
        let m = scrub("failed for p@ss and p%40ss and other", url);
        assert_eq!(m, "failed for *** and *** and ***");
    }

    #[test]
    fn unknown_parameters_are_refused_by_name_only() {
        let e = check_params("postgres://h/db?sslpassword=topsecret").unwrap_err();
        assert!(e.contains("sslpassword") && !e.contains("topsecret"));
        assert!(check_params("postgres://h/db?sslmode=disable&options[search_path]=x").is_ok());
    }

    #[test]
    fn recognises_postgres_urls() {
        assert!(is_postgres_url("postgres://h/db"));
        assert!(is_postgres_url("PostgreSQL://h/db"));
        assert!(!is_postgres_url("/var/lib/mosaic"));
    }
}
