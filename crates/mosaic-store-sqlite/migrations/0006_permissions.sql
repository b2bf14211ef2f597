-- Recorded permissions for H2 material (issue 6): request → grant/refuse by the provider.
CREATE TABLE permission_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    TEXT    NOT NULL,
    provider     TEXT    NOT NULL,
    requester    TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'granted', 'refused')),
    decided_by   TEXT,
    requested_at INTEGER NOT NULL,
    decided_at   INTEGER
);
CREATE INDEX permission_requests_provider ON permission_requests (provider, id);
CREATE INDEX permission_requests_requester ON permission_requests (requester, id);
CREATE INDEX permission_requests_grant ON permission_requests (report_id, requester, status);
