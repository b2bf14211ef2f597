-- Mosaic PostgreSQL store, schema version 5: agreements (mosaic-agreements), one
-- append-only log of lifecycle events per agreement, as in the embedded store.

CREATE TABLE agreement_events (
    agreement_id TEXT COLLATE "C" NOT NULL,
    n            BIGINT NOT NULL, -- 0-based position in the agreement's log
    kind         TEXT   NOT NULL CHECK (kind IN ('proposed', 'signed', 'suspended', 'resumed', 'terminated')),
    at           BIGINT NOT NULL, -- microseconds since the Unix epoch, UTC
    body         TEXT   NOT NULL, -- the event as JSON
    PRIMARY KEY (agreement_id, n)
);
CREATE TRIGGER agreement_events_append_only BEFORE UPDATE OR DELETE ON agreement_events
    FOR EACH ROW EXECUTE FUNCTION mosaic_append_only();
