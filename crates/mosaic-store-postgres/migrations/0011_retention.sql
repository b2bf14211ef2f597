-- Retention (issue 6): what is left of purged reports, and review flags already raised.
-- Review and expiry dates are the reports' own `review_at` / `retain_until` (in the body);
-- the daily job reads them from the current reports' bodies.
CREATE TABLE report_tombstones (
    report_id    TEXT COLLATE "C" PRIMARY KEY,
    agency       TEXT COLLATE "C" NOT NULL,
    versions     INTEGER NOT NULL,
    statements   BIGINT  NOT NULL,
    retain_until TEXT,
    purged_at    BIGINT  NOT NULL,
    reason       TEXT    NOT NULL
);
CREATE TABLE review_flags (
    report_id  TEXT COLLATE "C" NOT NULL,
    review_at  TEXT COLLATE "C" NOT NULL, -- YYYY-MM-DD
    flagged_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, review_at)
);
