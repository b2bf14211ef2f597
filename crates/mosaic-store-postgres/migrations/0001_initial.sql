-- Mosaic PostgreSQL store, schema version 1.
--
-- Text columns that are compared or ordered use the "C" collation: byte order, the
-- same order as SQLite and Rust strings whatever the database locale (keyset paging
-- and export order agree across backends), and cheaper to compare.
-- Times are microseconds since the Unix epoch (UTC) in BIGINT, as in the SQLite store,
-- so values round-trip bit for bit.

CREATE TABLE agencies (
    id   TEXT COLLATE "C" PRIMARY KEY,
    body TEXT NOT NULL
);

-- Report sequence numbers are handed out by a sequence (several writer processes);
-- they are unique and increasing per batch, not gap-free nor commit-ordered.
CREATE SEQUENCE report_seq AS BIGINT;

-- One row per report version. Labels are columns so that the read scope filters inside
-- SQL; `body` is the canonical JSON, kept as TEXT so its bytes (and hash) stay exact.
CREATE TABLE reports (
    seq            BIGINT           PRIMARY KEY DEFAULT nextval('report_seq'),
    id             TEXT COLLATE "C" NOT NULL,
    version        INTEGER          NOT NULL,
    current        BOOLEAN          NOT NULL,
    content_hash   TEXT COLLATE "C" NOT NULL,
    agency         TEXT COLLATE "C" NOT NULL,
    handling       SMALLINT         NOT NULL,
    tlp            SMALLINT         NOT NULL,
    classification SMALLINT         NOT NULL,
    grading        TEXT,
    reported_at    BIGINT           NOT NULL,
    observed_at    BIGINT,
    min_lon DOUBLE PRECISION, min_lat DOUBLE PRECISION,
    max_lon DOUBLE PRECISION, max_lat DOUBLE PRECISION,
    stored_at      BIGINT           NOT NULL,
    body           TEXT             NOT NULL,
    UNIQUE (id, version),
    UNIQUE (id, content_hash)
);
ALTER SEQUENCE report_seq OWNED BY reports.seq;
-- At most one current version per report, whatever the writers do.
CREATE UNIQUE INDEX reports_one_current ON reports (id) WHERE current;
-- Time windows and keyset pages over current reports.
CREATE INDEX reports_current_time ON reports (reported_at, id) WHERE current;
-- Areas: a GiST index over the place box (built-in geometric types, no extension).
CREATE INDEX reports_current_area ON reports
    USING gist (box(point(min_lon, min_lat), point(max_lon, max_lat))) WHERE current;

-- One row per statement: an entity's property value as one report version asserts it.
CREATE TABLE statements (
    report_seq BIGINT           NOT NULL REFERENCES reports (seq),
    ord        INTEGER          NOT NULL, -- position within the report: stable read order
    entity_id  TEXT COLLATE "C" NOT NULL,
    schema     TEXT COLLATE "C" NOT NULL,
    prop       TEXT COLLATE "C" NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    is_ref     BOOLEAN          NOT NULL
);
CREATE INDEX statements_entity ON statements (entity_id);
-- Hash, not B-tree: values may be up to 10 000 bytes, beyond a B-tree entry's limit,
-- and identifier lookup only ever needs equality.
CREATE INDEX statements_value ON statements USING hash (value);

CREATE TABLE imports (
    source       TEXT COLLATE "C" PRIMARY KEY, -- content hash of the imported file
    file_name    TEXT    NOT NULL,
    records_done BIGINT  NOT NULL,
    finished     BOOLEAN NOT NULL,
    inserted     BIGINT  NOT NULL,
    new_versions BIGINT  NOT NULL,
    duplicates   BIGINT  NOT NULL,
    statements   BIGINT  NOT NULL,
    rejected     BIGINT  NOT NULL,
    started_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

CREATE TABLE import_rejects (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source  TEXT COLLATE "C" NOT NULL,
    line    BIGINT NOT NULL,
    field   TEXT   NOT NULL,
    rule    TEXT   NOT NULL,
    message TEXT   NOT NULL,
    raw     TEXT   NOT NULL
);
CREATE INDEX import_rejects_source ON import_rejects (source, line);
