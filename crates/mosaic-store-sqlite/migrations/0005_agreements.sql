-- Mosaic embedded store, schema version 5: agreements (mosaic-agreements), kept as one
-- append-only log of lifecycle events per agreement. State is never stored: it is
-- rebuilt by replaying the log, which checks every signature again.

CREATE TABLE agreement_events (
    agreement_id TEXT    NOT NULL,
    n            INTEGER NOT NULL, -- 0-based position in the agreement's log
    kind         TEXT    NOT NULL CHECK (kind IN ('proposed', 'signed', 'suspended', 'resumed', 'terminated')),
    at           INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    body         TEXT    NOT NULL, -- the event as JSON
    PRIMARY KEY (agreement_id, n)
) WITHOUT ROWID;

CREATE TRIGGER agreement_events_no_update BEFORE UPDATE ON agreement_events
BEGIN
    SELECT RAISE(ABORT, 'agreement logs are append-only');
END;
CREATE TRIGGER agreement_events_no_delete BEFORE DELETE ON agreement_events
BEGIN
    SELECT RAISE(ABORT, 'agreement logs are append-only');
END;
