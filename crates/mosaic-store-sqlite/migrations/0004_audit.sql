-- Mosaic embedded store, schema version 4: the audit trail, a hash chain (mosaic-audit).
-- `body` is the entry's canonical JSON, exactly the bytes `hash` was taken over, stored
-- whole however large. The other columns are copies of fields of the body kept for the
-- data-protection officer's queries; the verifier checks them against the body.

CREATE TABLE audit_log (
    seq    INTEGER PRIMARY KEY,   -- 1, 2, 3 … assigned in the append transaction, no gaps
    prev   TEXT    NOT NULL UNIQUE, -- two entries after the same one would fork the chain
    hash   TEXT    NOT NULL UNIQUE,
    body   TEXT    NOT NULL,
    at     INTEGER NOT NULL,      -- microseconds since the Unix epoch, UTC
    actor  TEXT    NOT NULL,
    agency TEXT,
    action TEXT    NOT NULL,
    object TEXT,
    result TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq) WHERE object IS NOT NULL;

-- Append only. This stops mistakes, not attackers (whoever can write the file can drop
-- the triggers): that is what the hash chain and signed checkpoints are for.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
