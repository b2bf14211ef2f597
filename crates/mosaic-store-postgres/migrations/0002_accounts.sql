-- Mosaic PostgreSQL store, schema version 2: accounts (users, sessions, API tokens), as
-- in the embedded store's migration 0002. Secrets are stored only as hashes (passwords:
-- argon2id PHC strings; session and API tokens: SHA-256 hex), except TOTP seeds.
-- Usernames are unique case-insensitively (ASCII folding, like SQLite's NOCASE).

CREATE TABLE users (
    id             TEXT COLLATE "C" PRIMARY KEY,
    username       TEXT COLLATE "C" NOT NULL,
    display_name   TEXT     NOT NULL,
    agency         TEXT COLLATE "C" NOT NULL,
    roles          TEXT     NOT NULL, -- JSON array of role names
    clearance      SMALLINT NOT NULL, -- Classification rank
    disabled       BOOLEAN  NOT NULL,
    password_hash  TEXT     NOT NULL,
    totp_secret    TEXT,
    totp_last_step BIGINT,
    failed_logins  INTEGER  NOT NULL DEFAULT 0,
    locked_until   BIGINT,           -- microseconds since the Unix epoch, UTC
    created_at     BIGINT   NOT NULL,
    last_login_at  BIGINT
);
CREATE UNIQUE INDEX users_username ON users (lower(username));

CREATE TABLE sessions (
    token_hash   TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    token_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
    prefix       TEXT     NOT NULL,
    name         TEXT     NOT NULL,
    agency       TEXT COLLATE "C" NOT NULL,
    actions      TEXT     NOT NULL, -- JSON array of action names
    clearance    SMALLINT NOT NULL,
    created_by   TEXT     NOT NULL,
    created_at   BIGINT   NOT NULL,
    expires_at   BIGINT   NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_agency ON api_tokens (agency, id);
