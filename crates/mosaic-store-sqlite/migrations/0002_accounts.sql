-- Mosaic embedded store, schema version 2: accounts (users, sessions, API tokens).
-- Secrets are stored only as hashes (passwords: argon2id PHC strings; session and API
-- tokens: SHA-256 hex), except TOTP seeds, which must stay usable.

CREATE TABLE users (
    id             TEXT    PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name   TEXT    NOT NULL,
    agency         TEXT    NOT NULL,
    roles          TEXT    NOT NULL, -- JSON array of role names
    clearance      INTEGER NOT NULL, -- Classification rank
    disabled       INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    password_hash  TEXT    NOT NULL,
    totp_secret    TEXT,
    totp_last_step INTEGER,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,          -- microseconds since the Unix epoch, UTC
    created_at     INTEGER NOT NULL,
    last_login_at  INTEGER
);

CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    agency       TEXT    NOT NULL,
    actions      TEXT    NOT NULL, -- JSON array of action names
    clearance    INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_agency ON api_tokens (agency, id);
