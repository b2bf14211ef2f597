-- Cost of enforcement (issue 6). List pages select the `seq`s of a page by an
-- index-only scan that applies the read scope to the label columns carried in the
-- index (INCLUDE), then fetch only those rows: a row the scope hides costs an index
-- entry, not a heap fetch. The second index serves scopes of one agency (officers,
-- API tokens, providers), which would otherwise walk the time index past other
-- agencies' reports. Index-only scans need the visibility map, which (auto)vacuum keeps.
DROP INDEX IF EXISTS reports_current_time;
CREATE INDEX reports_current_time ON reports (reported_at, id)
    INCLUDE (agency, classification, tlp, handling, seq) WHERE current;
CREATE INDEX reports_current_agency_time ON reports (agency, reported_at, id)
    INCLUDE (classification, tlp, handling, seq) WHERE current;
