-- Mosaic embedded store, schema version 1.

CREATE TABLE agencies (
    id   TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

-- One row per report version. Labels (agency, handling, tlp, classification) are
-- columns so that the read scope filters inside SQL; `body` is the canonical JSON.
CREATE TABLE reports (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    current        INTEGER NOT NULL CHECK (current IN (0, 1)),
    content_hash   TEXT    NOT NULL,
    agency         TEXT    NOT NULL,
    handling       INTEGER NOT NULL,
    tlp            INTEGER NOT NULL,
    classification INTEGER NOT NULL,
    grading        TEXT,
    reported_at    INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    observed_at    INTEGER,
    min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL,
    stored_at      INTEGER NOT NULL,
    body           TEXT    NOT NULL,
    UNIQUE (id, version),
    UNIQUE (id, content_hash)
);
CREATE UNIQUE INDEX reports_one_current ON reports (id) WHERE current = 1;
CREATE INDEX reports_current_time ON reports (current, reported_at, id);

-- One row per statement: an entity's property value as one report asserts it.
CREATE TABLE statements (
    report_seq INTEGER NOT NULL REFERENCES reports (seq),
    entity_id  TEXT    NOT NULL,
    schema     TEXT    NOT NULL,
    prop       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    is_ref     INTEGER NOT NULL
);
CREATE INDEX statements_entity ON statements (entity_id);
CREATE INDEX statements_value ON statements (value);

CREATE TABLE imports (
    source       TEXT PRIMARY KEY, -- content hash of the imported file
    file_name    TEXT    NOT NULL,
    records_done INTEGER NOT NULL,
    finished     INTEGER NOT NULL,
    inserted     INTEGER NOT NULL,
    new_versions INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    statements   INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE import_rejects (
    seq     INTEGER PRIMARY KEY,
    source  TEXT    NOT NULL,
    line    INTEGER NOT NULL,
    field   TEXT    NOT NULL,
    rule    TEXT    NOT NULL,
    message TEXT    NOT NULL,
    raw     TEXT    NOT NULL
);
CREATE INDEX import_rejects_source ON import_rejects (source, line);
