//! [`AccountStore`] for the embedded store: users, sessions and API tokens in the same
//! SQLite file (migration 0002). Writes go through the single writer connection in a
//! `BEGIN IMMEDIATE` transaction like every other write; reads use the reader pool.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::Row;

use mosaic_model::{AgencyId, Classification, User, UserId, UserRole};
use mosaic_store::accounts::{
    AccountError, AccountResult, AccountStore, ApiToken, LoginFailure, Secret, Session, UserRecord,
};
use mosaic_store::StoreError;

use crate::sql::{from_micros, micros};
use crate::{backend, SqliteStore};

/// Maps a unique-constraint violation to `Conflict`, anything else to a backend error.
fn write_err(what: &str) -> impl Fn(sqlx::Error) -> AccountError + '_ {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            AccountError::Conflict(what.to_owned())
        }
        _ => AccountError::Store(backend(e)),
    }
}

fn read_err(e: sqlx::Error) -> AccountError {
    AccountError::Store(backend(e))
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> AccountError {
    AccountError::Store(StoreError::Corrupt(format!("{what}: {e}")))
}

fn not_found(what: &str) -> AccountError {
    AccountError::NotFound(what.to_owned())
}

const USER_COLS: &str = "id, username, display_name, agency, roles, clearance, disabled, \
     password_hash, totp_secret, totp_last_step, failed_logins, locked_until, created_at, last_login_at";

fn user_row(row: &SqliteRow) -> AccountResult<UserRecord> {
    let roles: String = row.get(4);
    let roles: Vec<UserRole> =
        serde_json::from_str(&roles).map_err(|e| corrupt("user roles", e))?;
    Ok(UserRecord {
        user: User {
            id: UserId::parse(row.get(0)).map_err(|e| corrupt("user id", e))?,
            username: row.get(1),
            display_name: row.get(2),
            agency: AgencyId::parse(row.get(3)).map_err(|e| corrupt("user agency", e))?,
            roles,
            clearance: clearance(row.get(5))?,
            disabled: row.get::<i64, _>(6) != 0,
        },
        password_hash: Secret::new(row.get::<String, _>(7)),
        totp_secret: row.get::<Option<String>, _>(8).map(Secret::new),
        totp_last_step: row.get(9),
        failed_logins: row.get::<i64, _>(10).max(0) as u32,
        locked_until: row.get::<Option<i64>, _>(11).map(from_micros),
        created_at: from_micros(row.get(12)),
        last_login_at: row.get::<Option<i64>, _>(13).map(from_micros),
    })
}

fn clearance(rank: i64) -> AccountResult<Classification> {
    Classification::from_rank(rank).ok_or_else(|| corrupt("clearance", rank))
}

fn roles_json(roles: &[UserRole]) -> String {
    serde_json::to_string(roles).expect("roles serialise")
}

const SESSION_COLS: &str = "token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at";

fn session_row(row: &SqliteRow) -> AccountResult<Session> {
    Ok(Session {
        token_hash: Secret::new(row.get::<String, _>(0)),
        user_id: UserId::parse(row.get(1)).map_err(|e| corrupt("session user", e))?,
        csrf_token: Secret::new(row.get::<String, _>(2)),
        created_at: from_micros(row.get(3)),
        expires_at: from_micros(row.get(4)),
        last_seen_at: from_micros(row.get(5)),
    })
}

const TOKEN_COLS: &str = "id, token_hash, prefix, name, agency, actions, clearance, created_by, \
     created_at, expires_at, revoked_at, last_used_at";

fn token_row(row: &SqliteRow) -> AccountResult<ApiToken> {
    let actions: String = row.get(5);
    Ok(ApiToken {
        id: row.get(0),
        token_hash: Secret::new(row.get::<String, _>(1)),
        prefix: row.get(2),
        name: row.get(3),
        agency: AgencyId::parse(row.get(4)).map_err(|e| corrupt("token agency", e))?,
        actions: serde_json::from_str(&actions).map_err(|e| corrupt("token actions", e))?,
        clearance: clearance(row.get(6))?,
        created_by: UserId::parse(row.get(7)).map_err(|e| corrupt("token creator", e))?,
        created_at: from_micros(row.get(8)),
        expires_at: from_micros(row.get(9)),
        revoked_at: row.get::<Option<i64>, _>(10).map(from_micros),
        last_used_at: row.get::<Option<i64>, _>(11).map(from_micros),
    })
}

impl SqliteStore {
    /// Runs `f` in a write transaction; an `AccountError` from `f` is returned after the
    /// transaction ends (`f` returns before writing anything when it fails a check).
    async fn account_tx<T, F>(&self, f: F) -> AccountResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, AccountResult<T>>
            + Send
            + 'static,
    {
        self.with_tx(move |c| {
            Box::pin(async move {
                match f(c).await {
                    Ok(v) => Ok(Ok(v)),
                    // Storage failures roll back; refusals (conflict, not found) return
                    // through a committed, empty transaction.
                    Err(AccountError::Store(e)) => Err(e),
                    Err(e) => Ok(Err(e)),
                }
            })
        })
        .await?
    }

    async fn user_exists(c: &mut SqliteConnection, id: &str) -> AccountResult<()> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = ?")
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .map_err(read_err)?;
        if n == 0 {
            return Err(not_found("user"));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl AccountStore for SqliteStore {
    async fn create_user(&self, rec: &UserRecord) -> AccountResult<()> {
        let r = rec.clone();
        self.account_tx(move |c| {
            Box::pin(async move {
                let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = ?")
                    .bind(r.user.id.as_str())
                    .fetch_one(&mut *c)
                    .await
                    .map_err(read_err)?;
                if taken > 0 {
                    return Err(AccountError::Conflict(format!("user id {}", r.user.id)));
                }
                let sql = format!(
                    "INSERT INTO users ({USER_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                );
                sqlx::query(&sql)
                    .bind(r.user.id.as_str())
                    .bind(&r.user.username)
                    .bind(&r.user.display_name)
                    .bind(r.user.agency.as_str())
                    .bind(roles_json(&r.user.roles))
                    .bind(r.user.clearance.rank())
                    .bind(i64::from(r.user.disabled))
                    .bind(r.password_hash.expose())
                    .bind(r.totp_secret.as_ref().map(|s| s.expose().to_owned()))
                    .bind(r.totp_last_step)
                    .bind(i64::from(r.failed_logins))
                    .bind(r.locked_until.as_ref().map(micros))
                    .bind(micros(&r.created_at))
                    .bind(r.last_login_at.as_ref().map(micros))
                    .execute(&mut *c)
                    .await
                    .map_err(write_err(&format!("username {:?}", r.user.username)))?;
                Ok(())
            })
        })
        .await
    }

    async fn user(&self, id: &UserId) -> AccountResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.readers)
            .await
            .map_err(read_err)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn user_by_username(&self, username: &str) -> AccountResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = ?");
        let row = sqlx::query(&sql)
            .bind(username)
            .fetch_optional(&self.readers)
            .await
            .map_err(read_err)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn list_users(&self, after: Option<&str>, limit: u32) -> AccountResult<Vec<UserRecord>> {
        let sql =
            format!("SELECT {USER_COLS} FROM users WHERE username > ? ORDER BY username LIMIT ?");
        let rows = sqlx::query(&sql)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(read_err)?;
        rows.iter().map(user_row).collect()
    }

    async fn update_user(&self, user: &User) -> AccountResult<()> {
        let u = user.clone();
        self.account_tx(move |c| {
            Box::pin(async move {
                let n = sqlx::query(
                    "UPDATE users SET display_name = ?, agency = ?, roles = ?, clearance = ? WHERE id = ?",
                )
                .bind(&u.display_name)
                .bind(u.agency.as_str())
                .bind(roles_json(&u.roles))
                .bind(u.clearance.rank())
                .bind(u.id.as_str())
                .execute(&mut *c)
                .await
                .map_err(read_err)?
                .rows_affected();
                if n == 0 {
                    return Err(not_found("user"));
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_user_disabled(&self, id: &UserId, disabled: bool) -> AccountResult<()> {
        let id = id.to_string();
        self.account_tx(move |c| {
            Box::pin(async move {
                Self::user_exists(c, &id).await?;
                sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
                    .bind(i64::from(disabled))
                    .bind(&id)
                    .execute(&mut *c)
                    .await
                    .map_err(read_err)?;
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                        .bind(&id)
                        .execute(&mut *c)
                        .await
                        .map_err(read_err)?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_password(&self, id: &UserId, hash: &Secret) -> AccountResult<()> {
        let id = id.to_string();
        let hash = hash.clone();
        self.account_tx(move |c| {
            Box::pin(async move {
                Self::user_exists(c, &id).await?;
                sqlx::query(
                    "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                )
                .bind(hash.expose())
                .bind(&id)
                .execute(&mut *c)
                .await
                .map_err(read_err)?;
                sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                    .bind(&id)
                    .execute(&mut *c)
                    .await
                    .map_err(read_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn set_totp(&self, id: &UserId, secret: Option<&Secret>) -> AccountResult<()> {
        let id = id.to_string();
        let secret = secret.map(|s| s.expose().to_owned());
        self.account_tx(move |c| {
            Box::pin(async move {
                let n = sqlx::query(
                    "UPDATE users SET totp_secret = ?, totp_last_step = NULL WHERE id = ?",
                )
                .bind(secret)
                .bind(&id)
                .execute(&mut *c)
                .await
                .map_err(read_err)?
                .rows_affected();
                if n == 0 {
                    return Err(not_found("user"));
                }
                Ok(())
            })
        })
        .await
    }

    async fn use_totp_step(&self, id: &UserId, step: i64) -> AccountResult<bool> {
        let id = id.to_string();
        self.account_tx(move |c| {
            Box::pin(async move {
                Self::user_exists(c, &id).await?;
                let n = sqlx::query(
                    "UPDATE users SET totp_last_step = ? \
                     WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                )
                .bind(step)
                .bind(&id)
                .bind(step)
                .execute(&mut *c)
                .await
                .map_err(read_err)?
                .rows_affected();
                Ok(n == 1)
            })
        })
        .await
    }

    async fn record_login_failure(
        &self,
        id: &UserId,
        max_failures: u32,
        lock_until: DateTime<Utc>,
    ) -> AccountResult<LoginFailure> {
        let id = id.to_string();
        let max = i64::from(max_failures.max(1));
        let until = micros(&lock_until);
        self.account_tx(move |c| {
            Box::pin(async move {
                // Every right-hand side sees the old row: one atomic step.
                let row = sqlx::query(
                    "UPDATE users SET \
                       failed_logins = CASE WHEN failed_logins + 1 >= ?1 THEN 0 ELSE failed_logins + 1 END, \
                       locked_until = CASE WHEN failed_logins + 1 >= ?1 THEN ?2 ELSE locked_until END \
                     WHERE id = ?3 \
                     RETURNING failed_logins, locked_until",
                )
                .bind(max)
                .bind(until)
                .bind(&id)
                .fetch_optional(&mut *c)
                .await
                .map_err(read_err)?
                .ok_or_else(|| not_found("user"))?;
                let failed: i64 = row.get(0);
                let locked: Option<i64> = row.get(1);
                Ok(LoginFailure {
                    failed_logins: failed.max(0) as u32,
                    locked_until: if failed == 0 {
                        locked.map(from_micros)
                    } else {
                        None
                    },
                })
            })
        })
        .await
    }

    async fn record_login_success(&self, id: &UserId, now: DateTime<Utc>) -> AccountResult<()> {
        let id = id.to_string();
        let now = micros(&now);
        self.account_tx(move |c| {
            Box::pin(async move {
                let n = sqlx::query(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?",
                )
                .bind(now)
                .bind(&id)
                .execute(&mut *c)
                .await
                .map_err(read_err)?
                .rows_affected();
                if n == 0 {
                    return Err(not_found("user"));
                }
                Ok(())
            })
        })
        .await
    }

    async fn create_session(&self, s: &Session) -> AccountResult<()> {
        let s = s.clone();
        self.account_tx(move |c| {
            Box::pin(async move {
                Self::user_exists(c, s.user_id.as_str()).await?;
                let sql =
                    format!("INSERT INTO sessions ({SESSION_COLS}) VALUES (?, ?, ?, ?, ?, ?)");
                sqlx::query(&sql)
                    .bind(s.token_hash.expose())
                    .bind(s.user_id.as_str())
                    .bind(s.csrf_token.expose())
                    .bind(micros(&s.created_at))
                    .bind(micros(&s.expires_at))
                    .bind(micros(&s.last_seen_at))
                    .execute(&mut *c)
                    .await
                    .map_err(write_err("session"))?;
                Ok(())
            })
        })
        .await
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> AccountResult<Option<Session>> {
        let sql =
            format!("SELECT {SESSION_COLS} FROM sessions WHERE token_hash = ? AND expires_at > ?");
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(micros(&now))
            .fetch_optional(&self.readers)
            .await
            .map_err(read_err)?;
        row.as_ref().map(session_row).transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> AccountResult<()> {
        let h = token_hash.to_owned();
        let now = micros(&now);
        self.account_tx(move |c| {
            Box::pin(async move {
                sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                    .bind(now)
                    .bind(&h)
                    .execute(&mut *c)
                    .await
                    .map_err(read_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> AccountResult<()> {
        let h = token_hash.to_owned();
        self.account_tx(move |c| {
            Box::pin(async move {
                sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
                    .bind(&h)
                    .execute(&mut *c)
                    .await
                    .map_err(read_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> AccountResult<u64> {
        let now = micros(&now);
        self.account_tx(move |c| {
            Box::pin(async move {
                let n = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
                    .bind(now)
                    .execute(&mut *c)
                    .await
                    .map_err(read_err)?
                    .rows_affected();
                Ok(n)
            })
        })
        .await
    }

    async fn create_token(&self, t: &ApiToken) -> AccountResult<()> {
        let t = t.clone();
        self.account_tx(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "INSERT INTO api_tokens ({TOKEN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                );
                sqlx::query(&sql)
                    .bind(&t.id)
                    .bind(t.token_hash.expose())
                    .bind(&t.prefix)
                    .bind(&t.name)
                    .bind(t.agency.as_str())
                    .bind(serde_json::to_string(&t.actions).expect("actions serialise"))
                    .bind(t.clearance.rank())
                    .bind(t.created_by.as_str())
                    .bind(micros(&t.created_at))
                    .bind(micros(&t.expires_at))
                    .bind(t.revoked_at.as_ref().map(micros))
                    .bind(t.last_used_at.as_ref().map(micros))
                    .execute(&mut *c)
                    .await
                    .map_err(write_err(&format!("token {}", t.id)))?;
                Ok(())
            })
        })
        .await
    }

    async fn token_by_hash(&self, token_hash: &str) -> AccountResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = ?");
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.readers)
            .await
            .map_err(read_err)?;
        row.as_ref().map(token_row).transpose()
    }

    async fn token(&self, id: &str) -> AccountResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.readers)
            .await
            .map_err(read_err)?;
        row.as_ref().map(token_row).transpose()
    }

    async fn list_tokens(
        &self,
        agency: Option<&AgencyId>,
        after: Option<&str>,
        limit: u32,
    ) -> AccountResult<Vec<ApiToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE id > ? {} ORDER BY id LIMIT ?",
            if agency.is_some() {
                "AND agency = ?"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(&sql).bind(after.unwrap_or(""));
        if let Some(a) = agency {
            q = q.bind(a.as_str());
        }
        let rows = q
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(read_err)?;
        rows.iter().map(token_row).collect()
    }

    async fn revoke_token(&self, id: &str, now: DateTime<Utc>) -> AccountResult<()> {
        let id = id.to_owned();
        let now = micros(&now);
        self.account_tx(move |c| {
            Box::pin(async move {
                let n = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                )
                .bind(now)
                .bind(&id)
                .execute(&mut *c)
                .await
                .map_err(read_err)?
                .rows_affected();
                if n == 0 {
                    return Err(not_found("token"));
                }
                Ok(())
            })
        })
        .await
    }

    async fn touch_token(&self, id: &str, now: DateTime<Utc>) -> AccountResult<()> {
        let id = id.to_owned();
        let now = micros(&now);
        self.account_tx(move |c| {
            Box::pin(async move {
                sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                    .bind(now)
                    .bind(&id)
                    .execute(&mut *c)
                    .await
                    .map_err(read_err)?;
                Ok(())
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_store::conformance_accounts::AccountHarness;
    use std::sync::Arc;

    async fn make() -> AccountHarness {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        AccountHarness {
            accounts: Arc::new(store),
            keep: Box::new(dir),
        }
    }

    mosaic_store::conformance_account_tests!(make());
}
