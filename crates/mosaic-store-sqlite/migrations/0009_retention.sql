-- Retention (issue 6): what is left of purged reports, and review flags already raised.
-- Review and expiry dates are the reports' own `review_at` / `retain_until` (in the body);
-- the daily job reads them with json_extract over current reports.
CREATE TABLE report_tombstones (
    report_id    TEXT PRIMARY KEY,
    agency       TEXT    NOT NULL,
    versions     INTEGER NOT NULL,
    statements   INTEGER NOT NULL,
    retain_until TEXT,
    purged_at    INTEGER NOT NULL,
    reason       TEXT    NOT NULL
);
CREATE TABLE review_flags (
    report_id  TEXT    NOT NULL,
    review_at  TEXT    NOT NULL, -- YYYY-MM-DD
    flagged_at INTEGER NOT NULL,
    PRIMARY KEY (report_id, review_at)
);
