-- Mosaic embedded store, schema version 3: judgements (entity resolution decisions).
-- Append only: a merge or split is undone by a later row on the same pair, so the table
-- is also the audit trail of resolution (who, when, why). Pairs are stored with
-- left_id < right_id.

CREATE TABLE judgements (
    seq      INTEGER PRIMARY KEY,
    left_id  TEXT    NOT NULL,
    right_id TEXT    NOT NULL,
    verdict  TEXT    NOT NULL CHECK (verdict IN ('same', 'not_same', 'unsure', 'retracted')),
    author   TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    at       INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    CHECK (left_id < right_id)
);
CREATE INDEX judgements_pair ON judgements (left_id, right_id, seq);
CREATE INDEX judgements_right ON judgements (right_id);
