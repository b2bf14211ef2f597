-- Referrals of children and victims of trafficking to a partner NGO, with consent
-- recorded (issue 6). `body` is the whole referral as JSON (grounds, consent, basis,
-- package, withdrawal); the columns are what lookups need.
CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person      TEXT    NOT NULL,
    from_agency TEXT    NOT NULL,
    to_agency   TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('active', 'withdrawn')),
    created_at  INTEGER NOT NULL,
    body        TEXT    NOT NULL
);
CREATE INDEX referrals_from ON referrals (from_agency, id);
CREATE INDEX referrals_to ON referrals (to_agency, id);
CREATE INDEX referrals_person ON referrals (person);
