-- H2 grants that expire or are revoked (issue 6): a grant admits the report to the
-- requester's readers until `expires_at`, or until the provider revokes it. SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt, ids kept.
CREATE TABLE permission_requests_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    TEXT    NOT NULL,
    provider     TEXT    NOT NULL,
    requester    TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,
    status       TEXT    NOT NULL
                 CHECK (status IN ('pending', 'granted', 'refused', 'revoked')),
    decided_by   TEXT,
    requested_at INTEGER NOT NULL,
    decided_at   INTEGER,
    expires_at   INTEGER,
    revoked_by   TEXT,
    revoked_at   INTEGER
);
INSERT INTO permission_requests_new (id, report_id, provider, requester, requested_by,
    purpose, status, decided_by, requested_at, decided_at)
SELECT id, report_id, provider, requester, requested_by, purpose, status, decided_by,
    requested_at, decided_at
FROM permission_requests;
DROP TABLE permission_requests;
ALTER TABLE permission_requests_new RENAME TO permission_requests;
CREATE INDEX permission_requests_provider ON permission_requests (provider, id);
CREATE INDEX permission_requests_requester ON permission_requests (requester, id);
CREATE INDEX permission_requests_grant ON permission_requests (report_id, requester, status);
-- The current grants of one agency, looked up on every read request.
CREATE INDEX permission_requests_granted ON permission_requests (requester, report_id)
    WHERE status = 'granted';
