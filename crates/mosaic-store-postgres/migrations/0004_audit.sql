-- Mosaic PostgreSQL store, schema version 4: the audit trail, a hash chain (mosaic-audit),
-- as in the embedded store. `body` is the entry's canonical JSON, exactly the bytes `hash`
-- was taken over. Appends are serialised by a transaction-scoped advisory lock (see
-- audit.rs); the UNIQUE constraint on `prev` refuses a fork even if that ever failed.

CREATE TABLE audit_log (
    seq    BIGINT PRIMARY KEY,       -- 1, 2, 3 … assigned in the append transaction, no gaps
    prev   TEXT COLLATE "C" NOT NULL UNIQUE,
    hash   TEXT COLLATE "C" NOT NULL UNIQUE,
    body   TEXT   NOT NULL,
    at     BIGINT NOT NULL,          -- microseconds since the Unix epoch, UTC
    actor  TEXT COLLATE "C" NOT NULL,
    agency TEXT COLLATE "C",
    action TEXT COLLATE "C" NOT NULL,
    object TEXT COLLATE "C",
    result TEXT   NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq) WHERE object IS NOT NULL;

-- Append only. This stops mistakes, not attackers (a superuser can drop the trigger):
-- that is what the hash chain and signed checkpoints are for.
CREATE FUNCTION mosaic_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION mosaic_append_only();
