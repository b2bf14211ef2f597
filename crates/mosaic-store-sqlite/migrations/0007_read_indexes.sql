-- Cost of enforcement (issue 6). The read scope's label columns ride in the report
-- indexes, so a row the scope hides is rejected from the index entry, without reading
-- the report row (and its body):
-- - time order (lists, keyset pages, export) for every scope;
-- - one agency first, for scopes of one agency (officers, API tokens, providers), which
--   would otherwise walk the whole time index past other agencies' reports.
DROP INDEX reports_current_time;
CREATE INDEX reports_current_time
    ON reports (current, reported_at, id, agency, classification, tlp, handling);
CREATE INDEX reports_current_agency_time
    ON reports (current, agency, reported_at, id, classification, tlp, handling);
