//! [`AccountStore`] on PostgreSQL (migration 0002): users, sessions and API tokens in the
//! same database as the reports. Every change is one statement or one short transaction;
//! the atomic steps (TOTP replay guard, failure counter) are single `UPDATE`s, which
//! PostgreSQL serialises per row across every process sharing the database.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use mosaic_model::{AgencyId, Classification, User, UserId, UserRole};
use mosaic_store::accounts::{
    AccountError, AccountResult, AccountStore, ApiToken, LoginFailure, Secret, Session, UserRecord,
};
use mosaic_store::StoreError;

use crate::sql::{from_micros, micros, rank};
use crate::{backend, PgStore};

/// Maps a unique-constraint violation to `Conflict`, anything else to a backend error.
fn write_err(what: &str) -> impl Fn(sqlx::Error) -> AccountError + '_ {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            AccountError::Conflict(what.to_owned())
        }
        _ => AccountError::Store(backend(e)),
    }
}

fn db_err(e: sqlx::Error) -> AccountError {
    AccountError::Store(backend(e))
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> AccountError {
    AccountError::Store(StoreError::Corrupt(format!("{what}: {e}")))
}

fn not_found(what: &str) -> AccountError {
    AccountError::NotFound(what.to_owned())
}

pub(crate) const USER_COLS: &str = "id, username, display_name, agency, roles, clearance, \
     disabled, password_hash, totp_secret, totp_last_step, failed_logins, locked_until, \
     created_at, last_login_at";

pub(crate) fn user_row(row: &PgRow) -> AccountResult<UserRecord> {
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
            disabled: row.get(6),
        },
        password_hash: Secret::new(row.get::<String, _>(7)),
        totp_secret: row.get::<Option<String>, _>(8).map(Secret::new),
        totp_last_step: row.get(9),
        failed_logins: row.get::<i32, _>(10).max(0) as u32,
        locked_until: row.get::<Option<i64>, _>(11).map(from_micros),
        created_at: from_micros(row.get(12)),
        last_login_at: row.get::<Option<i64>, _>(13).map(from_micros),
    })
}

fn clearance(r: i16) -> AccountResult<Classification> {
    Classification::from_rank(i64::from(r)).ok_or_else(|| corrupt("clearance", r))
}

fn roles_json(roles: &[UserRole]) -> String {
    serde_json::to_string(roles).expect("roles serialise")
}

pub(crate) const SESSION_COLS: &str =
    "token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at";

pub(crate) fn session_row(row: &PgRow) -> AccountResult<Session> {
    Ok(Session {
        token_hash: Secret::new(row.get::<String, _>(0)),
        user_id: UserId::parse(row.get(1)).map_err(|e| corrupt("session user", e))?,
        csrf_token: Secret::new(row.get::<String, _>(2)),
        created_at: from_micros(row.get(3)),
        expires_at: from_micros(row.get(4)),
        last_seen_at: from_micros(row.get(5)),
    })
}

pub(crate) const TOKEN_COLS: &str = "id, token_hash, prefix, name, agency, actions, clearance, \
     created_by, created_at, expires_at, revoked_at, last_used_at";

pub(crate) fn token_row(row: &PgRow) -> AccountResult<ApiToken> {
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

/// Inserts a user row as given (also used by the copy between stores).
pub(crate) async fn insert_user(c: &mut sqlx::PgConnection, r: &UserRecord) -> AccountResult<()> {
    let sql = format!(
        "INSERT INTO users ({USER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    );
    sqlx::query(&sql)
        .bind(r.user.id.as_str())
        .bind(&r.user.username)
        .bind(&r.user.display_name)
        .bind(r.user.agency.as_str())
        .bind(roles_json(&r.user.roles))
        .bind(rank(r.user.clearance.rank()))
        .bind(r.user.disabled)
        .bind(r.password_hash.expose())
        .bind(r.totp_secret.as_ref().map(|s| s.expose().to_owned()))
        .bind(r.totp_last_step)
        .bind(i32::try_from(r.failed_logins).unwrap_or(i32::MAX))
        .bind(r.locked_until.as_ref().map(micros))
        .bind(micros(&r.created_at))
        .bind(r.last_login_at.as_ref().map(micros))
        .execute(&mut *c)
        .await
        .map_err(write_err(&format!("username {:?}", r.user.username)))?;
    Ok(())
}

/// Inserts a session row as given.
pub(crate) async fn insert_session(c: &mut sqlx::PgConnection, s: &Session) -> AccountResult<()> {
    let sql = format!("INSERT INTO sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6)");
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
}

/// Inserts a token row as given.
pub(crate) async fn insert_token(c: &mut sqlx::PgConnection, t: &ApiToken) -> AccountResult<()> {
    let sql = format!(
        "INSERT INTO api_tokens ({TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    sqlx::query(&sql)
        .bind(&t.id)
        .bind(t.token_hash.expose())
        .bind(&t.prefix)
        .bind(&t.name)
        .bind(t.agency.as_str())
        .bind(serde_json::to_string(&t.actions).expect("actions serialise"))
        .bind(rank(t.clearance.rank()))
        .bind(t.created_by.as_str())
        .bind(micros(&t.created_at))
        .bind(micros(&t.expires_at))
        .bind(t.revoked_at.as_ref().map(micros))
        .bind(t.last_used_at.as_ref().map(micros))
        .execute(&mut *c)
        .await
        .map_err(write_err(&format!("token {}", t.id)))?;
    Ok(())
}

async fn user_exists(c: &mut sqlx::PgConnection, id: &str) -> AccountResult<()> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)?;
    found.map(|_| ()).ok_or_else(|| not_found("user"))
}

#[async_trait::async_trait]
impl AccountStore for PgStore {
    async fn create_user(&self, rec: &UserRecord) -> AccountResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let taken: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1")
            .bind(rec.user.id.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if taken.is_some() {
            return Err(AccountError::Conflict(format!("user id {}", rec.user.id)));
        }
        insert_user(&mut tx, rec).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn user(&self, id: &UserId) -> AccountResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn user_by_username(&self, username: &str) -> AccountResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE lower(username) = lower($1)");
        let row = sqlx::query(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn list_users(&self, after: Option<&str>, limit: u32) -> AccountResult<Vec<UserRecord>> {
        // Case-insensitive order and keys, as the embedded store's NOCASE column.
        let sql = format!(
            "SELECT {USER_COLS} FROM users WHERE lower(username) > lower($1) \
             ORDER BY lower(username) LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(user_row).collect()
    }

    async fn update_user(&self, u: &User) -> AccountResult<()> {
        let n = sqlx::query(
            "UPDATE users SET display_name = $1, agency = $2, roles = $3, clearance = $4 WHERE id = $5",
        )
        .bind(&u.display_name)
        .bind(u.agency.as_str())
        .bind(roles_json(&u.roles))
        .bind(rank(u.clearance.rank()))
        .bind(u.id.as_str())
        .execute(&self.pool)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n == 0 {
            return Err(not_found("user"));
        }
        Ok(())
    }

    async fn set_user_disabled(&self, id: &UserId, disabled: bool) -> AccountResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        user_exists(&mut tx, id.as_str()).await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn set_password(&self, id: &UserId, hash: &Secret) -> AccountResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        user_exists(&mut tx, id.as_str()).await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2",
        )
        .bind(hash.expose())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn set_totp(&self, id: &UserId, secret: Option<&Secret>) -> AccountResult<()> {
        let n =
            sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE id = $2")
                .bind(secret.map(|s| s.expose().to_owned()))
                .bind(id.as_str())
                .execute(&self.pool)
                .await
                .map_err(db_err)?
                .rows_affected();
        if n == 0 {
            return Err(not_found("user"));
        }
        Ok(())
    }

    async fn use_totp_step(&self, id: &UserId, step: i64) -> AccountResult<bool> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        user_exists(&mut tx, id.as_str()).await?;
        // One conditional UPDATE: of two concurrent uses of a step, the second waits for
        // the first's row lock, re-checks the condition and changes nothing.
        let n = sqlx::query(
            "UPDATE users SET totp_last_step = $1 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        tx.commit().await.map_err(db_err)?;
        Ok(n == 1)
    }

    async fn record_login_failure(
        &self,
        id: &UserId,
        max_failures: u32,
        lock_until: DateTime<Utc>,
    ) -> AccountResult<LoginFailure> {
        let max = i32::try_from(max_failures.max(1)).unwrap_or(i32::MAX);
        // Every right-hand side sees the old row: one atomic step.
        let row = sqlx::query(
            "UPDATE users SET \
               failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0 ELSE failed_logins + 1 END, \
               locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END \
             WHERE id = $3 \
             RETURNING failed_logins, locked_until",
        )
        .bind(max)
        .bind(micros(&lock_until))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| not_found("user"))?;
        let failed: i32 = row.get(0);
        let locked: Option<i64> = row.get(1);
        Ok(LoginFailure {
            failed_logins: failed.max(0) as u32,
            locked_until: if failed == 0 {
                locked.map(from_micros)
            } else {
                None
            },
        })
    }

    async fn record_login_success(&self, id: &UserId, now: DateTime<Utc>) -> AccountResult<()> {
        let n = sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2",
        )
        .bind(micros(&now))
        .bind(id.as_str())
        .execute(&self.pool)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n == 0 {
            return Err(not_found("user"));
        }
        Ok(())
    }

    async fn create_session(&self, s: &Session) -> AccountResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        user_exists(&mut tx, s.user_id.as_str()).await?;
        insert_session(&mut tx, s).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> AccountResult<Option<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1 AND expires_at > $2"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(micros(&now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(session_row).transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> AccountResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(micros(&now))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> AccountResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> AccountResult<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(micros(&now))
            .execute(&self.pool)
            .await
            .map_err(db_err)?
            .rows_affected())
    }

    async fn create_token(&self, t: &ApiToken) -> AccountResult<()> {
        let mut c = self.pool.acquire().await.map_err(db_err)?;
        insert_token(&mut c, t).await
    }

    async fn token_by_hash(&self, token_hash: &str) -> AccountResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1");
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(token_row).transpose()
    }

    async fn token(&self, id: &str) -> AccountResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(token_row).transpose()
    }

    async fn list_tokens(
        &self,
        agency: Option<&AgencyId>,
        after: Option<&str>,
        limit: u32,
    ) -> AccountResult<Vec<ApiToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE id > $1 \
             AND ($2::TEXT IS NULL OR agency = $2) ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(after.unwrap_or(""))
            .bind(agency.map(|a| a.as_str()))
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(token_row).collect()
    }

    async fn revoke_token(&self, id: &str, now: DateTime<Utc>) -> AccountResult<()> {
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
        )
        .bind(micros(&now))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n == 0 {
            return Err(not_found("token"));
        }
        Ok(())
    }

    async fn touch_token(&self, id: &str, now: DateTime<Utc>) -> AccountResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(micros(&now))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
