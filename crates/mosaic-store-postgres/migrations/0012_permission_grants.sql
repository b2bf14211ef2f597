-- H2 grants that expire or are revoked (issue 6), as in the embedded store's migration
-- 0008: a grant admits the report to the requester's readers until `expires_at`, or until
-- the provider revokes it.
ALTER TABLE permission_requests DROP CONSTRAINT permission_requests_status_check;
ALTER TABLE permission_requests ADD CONSTRAINT permission_requests_status_check
    CHECK (status IN ('pending', 'granted', 'refused', 'revoked'));
ALTER TABLE permission_requests ADD COLUMN expires_at BIGINT;
ALTER TABLE permission_requests ADD COLUMN revoked_by TEXT;
ALTER TABLE permission_requests ADD COLUMN revoked_at BIGINT;
-- The current grants of one agency, looked up on every read request.
CREATE INDEX permission_requests_granted ON permission_requests (requester, report_id)
    WHERE status = 'granted';
