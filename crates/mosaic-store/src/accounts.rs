//! Accounts: users with their credentials, login sessions and API tokens.
//!
//! The account store keeps *who is who*; it decides nothing (the policy layer does). It
//! stores secrets only in forms that are useless when stolen: password hashes (argon2id
//! PHC strings, computed by the caller), and SHA-256 hashes of session and API tokens
//! (high-entropy random values, so a fast hash is enough). TOTP seeds have to be kept
//! usable, so they are the one secret kept as is; [`Secret`] keeps all of these out of
//! `Debug` output and logs.
//!
//! Every backend implements [`AccountStore`] and runs the shared suite in
//! `conformance_accounts` (feature `conformance`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use mosaic_model::{AgencyId, Classification, User, UserId};

use crate::StoreError;

/// Errors of the account store.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A unique key (username, user id, token id) is taken.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The user, session or token to change does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type AccountResult<T> = std::result::Result<T, AccountError>;

/// A secret string (password hash, TOTP seed, token hash) that never shows in `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself; call sites that use it are few and easy to review.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A user as stored: the domain user plus credentials and login bookkeeping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub user: User,
    /// argon2id PHC string (`$argon2id$v=19$m=…`).
    pub password_hash: Secret,
    /// Base32 TOTP seed when a second factor is enrolled.
    pub totp_secret: Option<Secret>,
    /// The last TOTP time step accepted (a code is never accepted twice).
    pub totp_last_step: Option<i64>,
    /// Consecutive failed logins since the last success or lock.
    pub failed_logins: u32,
    /// Logins are refused until then.
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// What recording a failed login did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginFailure {
    /// Consecutive failures now (0 right after a lock was set).
    pub failed_logins: u32,
    /// Set when this failure locked the account.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A login session. The token itself is only ever in the user's cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 (hex) of the session token.
    pub token_hash: Secret,
    pub user_id: UserId,
    /// Echoed by the browser in `X-CSRF-Token` on unsafe methods. Not a credential on its
    /// own (useless without the cookie), so it is kept readable to hand back on `/me`.
    pub csrf_token: Secret,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// An API token for an agency's system, scoped to that agency and to actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// Public identifier (shown in lists, used to revoke).
    pub id: String,
    /// SHA-256 (hex) of the token; the token is shown once, on creation.
    pub token_hash: Secret,
    /// The first characters of the token, to recognise it in lists.
    pub prefix: String,
    pub name: String,
    pub agency: AgencyId,
    /// Action names (the policy layer's vocabulary; the store does not interpret them).
    pub actions: Vec<String>,
    /// Highest classification the token may read.
    pub clearance: Classification,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Usable now: neither revoked nor expired.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// Storage of users, sessions and API tokens. Lists are keyset-paginated: pass the last
/// key of the previous page as `after`.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    /// Adds a user. `Conflict` if the id or the (case-insensitive) username is taken.
    async fn create_user(&self, rec: &UserRecord) -> AccountResult<()>;
    async fn user(&self, id: &UserId) -> AccountResult<Option<UserRecord>>;
    /// Looks a user up by username, case-insensitively.
    async fn user_by_username(&self, username: &str) -> AccountResult<Option<UserRecord>>;
    /// Users ordered by username, after `after` (a username).
    async fn list_users(&self, after: Option<&str>, limit: u32) -> AccountResult<Vec<UserRecord>>;
    /// Replaces display name, agency, roles and clearance.
    async fn update_user(&self, user: &User) -> AccountResult<()>;
    /// Disables or re-enables a user. Disabling also ends all of the user's sessions.
    async fn set_user_disabled(&self, id: &UserId, disabled: bool) -> AccountResult<()>;
    /// Sets a new password hash, clears the lockout, and ends all of the user's sessions.
    async fn set_password(&self, id: &UserId, hash: &Secret) -> AccountResult<()>;
    /// Enrols (`Some`) or removes (`None`) a TOTP seed; resets the last accepted step.
    async fn set_totp(&self, id: &UserId, secret: Option<&Secret>) -> AccountResult<()>;
    /// Records that the TOTP `step` was used, unless a step at least as late was already
    /// used; returns whether it was accepted (this is the replay guard, atomic).
    async fn use_totp_step(&self, id: &UserId, step: i64) -> AccountResult<bool>;
    /// Counts a failed login; after `max_failures` consecutive ones, locks the account
    /// until `lock_until` and resets the counter. Atomic.
    async fn record_login_failure(
        &self,
        id: &UserId,
        max_failures: u32,
        lock_until: DateTime<Utc>,
    ) -> AccountResult<LoginFailure>;
    /// Resets the failure counter and lock, and notes the login time.
    async fn record_login_success(&self, id: &UserId, now: DateTime<Utc>) -> AccountResult<()>;

    async fn create_session(&self, s: &Session) -> AccountResult<()>;
    /// The session with this token hash, if it exists and has not expired at `now`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>)
        -> AccountResult<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> AccountResult<()>;
    /// Ends one session (logout). Ending a session that does not exist is not an error.
    async fn delete_session(&self, token_hash: &str) -> AccountResult<()>;
    /// Removes expired sessions; returns how many.
    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> AccountResult<u64>;

    /// Adds a token. `Conflict` if the id or hash exists.
    async fn create_token(&self, t: &ApiToken) -> AccountResult<()>;
    /// The token with this hash, whatever its state (the caller checks `is_active`).
    async fn token_by_hash(&self, token_hash: &str) -> AccountResult<Option<ApiToken>>;
    async fn token(&self, id: &str) -> AccountResult<Option<ApiToken>>;
    /// Tokens ordered by id, optionally of one agency, after `after` (a token id).
    async fn list_tokens(
        &self,
        agency: Option<&AgencyId>,
        after: Option<&str>,
        limit: u32,
    ) -> AccountResult<Vec<ApiToken>>;
    /// Revokes a token (idempotent: the first revocation time is kept).
    async fn revoke_token(&self, id: &str, now: DateTime<Utc>) -> AccountResult<()>;
    async fn touch_token(&self, id: &str, now: DateTime<Utc>) -> AccountResult<()>;
}
