//! The account conformance suite: every backend's [`AccountStore`] runs exactly these.
//!
//! A backend crate instantiates it with
//! `mosaic_store::conformance_account_tests!(async { /* -> AccountHarness */ });`
//! where the expression builds a fresh, empty account store for each test.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use mosaic_model::{AgencyId, Classification, User, UserId, UserRole};

use crate::accounts::*;

/// An account store under test plus whatever keeps it alive.
pub struct AccountHarness {
    pub accounts: Arc<dyn AccountStore>,
    pub keep: Box<dyn std::any::Any + Send + Sync>,
}

/// Generates one `#[tokio::test]` per account conformance test.
#[macro_export]
macro_rules! conformance_account_tests {
    ($make:expr) => {
        $crate::conformance_account_tests!(@each $make;
            users_create_read_and_list,
            usernames_and_ids_are_unique,
            update_and_disable_user,
            password_change_clears_lock_and_sessions,
            failures_lock_and_success_resets,
            totp_enrolment_and_replay_guard,
            sessions_expire_and_end,
            tokens_create_find_list_and_revoke,
            missing_objects_are_not_found,
            secrets_stay_out_of_debug
        );
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let h: $crate::conformance_accounts::AccountHarness = $make.await;
                $crate::conformance_accounts::$name(&*h.accounts).await;
                drop(h);
            }
        )+
    };
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

fn uid(n: u32) -> UserId {
    UserId::parse(&format!("fr-ncc:usr:u{n}")).unwrap()
}

fn agency(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

/// A user record fixture.
pub fn user_record(n: u32, username: &str, agency_id: &str) -> UserRecord {
    UserRecord {
        user: User {
            id: uid(n),
            username: username.to_owned(),
            display_name: format!("User {n}"),
            agency: agency(agency_id),
            roles: vec![UserRole::Analyst, UserRole::Officer],
            clearance: Classification::Restricted,
            disabled: false,
        },
        password_hash: Secret::new(format!("$argon2id$v=19$m=19456,t=2,p=1$salt{n}$hash{n}")),
        totp_secret: None,
        totp_last_step: None,
        failed_logins: 0,
        locked_until: None,
        created_at: t0(),
        last_login_at: None,
    }
}

fn session(hash: &str, user: u32, expires: DateTime<Utc>) -> Session {
    Session {
        token_hash: Secret::new(hash),
        user_id: uid(user),
        csrf_token: Secret::new(format!("csrf-{hash}")),
        created_at: t0(),
        expires_at: expires,
        last_seen_at: t0(),
    }
}

fn token(id: &str, agency_id: &str) -> ApiToken {
    ApiToken {
        id: id.to_owned(),
        token_hash: Secret::new(format!("hash-of-{id}")),
        prefix: format!("mosaic_{id}"),
        name: format!("system {id}"),
        agency: agency(agency_id),
        actions: vec!["submit_report".into(), "read_report".into()],
        clearance: Classification::Restricted,
        created_by: uid(1),
        created_at: t0(),
        expires_at: t0() + Duration::days(90),
        revoked_at: None,
        last_used_at: None,
    }
}

pub async fn users_create_read_and_list(a: &dyn AccountStore) {
    let mut r1 = user_record(1, "alice", "fr-paf");
    r1.totp_secret = Some(Secret::new("JBSWY3DPEHPK3PXP"));
    a.create_user(&r1).await.unwrap();
    a.create_user(&user_record(2, "carol", "fr-douane"))
        .await
        .unwrap();
    a.create_user(&user_record(3, "bob", "fr-paf"))
        .await
        .unwrap();

    assert_eq!(a.user(&uid(1)).await.unwrap().unwrap(), r1);
    // Lookup by username is case-insensitive.
    let got = a.user_by_username("ALICE").await.unwrap().unwrap();
    assert_eq!(got.user.id, uid(1));
    assert!(a.user_by_username("nobody").await.unwrap().is_none());

    let names = |v: Vec<UserRecord>| v.into_iter().map(|r| r.user.username).collect::<Vec<_>>();
    assert_eq!(
        names(a.list_users(None, 10).await.unwrap()),
        ["alice", "bob", "carol"]
    );
    assert_eq!(
        names(a.list_users(None, 2).await.unwrap()),
        ["alice", "bob"]
    );
    assert_eq!(
        names(a.list_users(Some("bob"), 2).await.unwrap()),
        ["carol"]
    );
}

pub async fn usernames_and_ids_are_unique(a: &dyn AccountStore) {
    a.create_user(&user_record(1, "alice", "fr-paf"))
        .await
        .unwrap();
    let dup_name = user_record(2, "Alice", "fr-paf");
    assert!(matches!(
        a.create_user(&dup_name).await,
        Err(AccountError::Conflict(_))
    ));
    let dup_id = user_record(1, "other", "fr-paf");
    assert!(matches!(
        a.create_user(&dup_id).await,
        Err(AccountError::Conflict(_))
    ));
    assert_eq!(a.list_users(None, 10).await.unwrap().len(), 1);
}

pub async fn update_and_disable_user(a: &dyn AccountStore) {
    a.create_user(&user_record(1, "alice", "fr-paf"))
        .await
        .unwrap();
    let mut u = a.user(&uid(1)).await.unwrap().unwrap().user;
    u.display_name = "Alice Martin".into();
    u.roles = vec![UserRole::Supervisor];
    u.clearance = Classification::Secret;
    u.agency = agency("fr-douane");
    a.update_user(&u).await.unwrap();
    assert_eq!(a.user(&uid(1)).await.unwrap().unwrap().user, u);

    let far = t0() + Duration::hours(8);
    a.create_session(&session("s1", 1, far)).await.unwrap();
    a.set_user_disabled(&uid(1), true).await.unwrap();
    let r = a.user(&uid(1)).await.unwrap().unwrap();
    assert!(r.user.disabled);
    assert!(
        a.session("s1", t0()).await.unwrap().is_none(),
        "disabling ends sessions"
    );
    a.set_user_disabled(&uid(1), false).await.unwrap();
    assert!(!a.user(&uid(1)).await.unwrap().unwrap().user.disabled);
}

pub async fn password_change_clears_lock_and_sessions(a: &dyn AccountStore) {
    a.create_user(&user_record(1, "alice", "fr-paf"))
        .await
        .unwrap();
    let until = t0() + Duration::minutes(15);
    a.record_login_failure(&uid(1), 1, until).await.unwrap();
    a.create_session(&session("s1", 1, t0() + Duration::hours(8)))
        .await
        .unwrap();
    let new_hash = Secret::new("$argon2id$v=19$new");
    a.set_password(&uid(1), &new_hash).await.unwrap();
    let r = a.user(&uid(1)).await.unwrap().unwrap();
    assert_eq!(r.password_hash, new_hash);
    assert_eq!(r.locked_until, None);
    assert_eq!(r.failed_logins, 0);
    assert!(a.session("s1", t0()).await.unwrap().is_none());
}

pub async fn failures_lock_and_success_resets(a: &dyn AccountStore) {
    a.create_user(&user_record(1, "alice", "fr-paf"))
        .await
        .unwrap();
    let until = t0() + Duration::minutes(15);
    for i in 1..=2 {
        let f = a.record_login_failure(&uid(1), 3, until).await.unwrap();
        assert_eq!(
            f,
            LoginFailure {
                failed_logins: i,
                locked_until: None
            }
        );
    }
    // A success in between resets the count.
    a.record_login_success(&uid(1), t0()).await.unwrap();
    let r = a.user(&uid(1)).await.unwrap().unwrap();
    assert_eq!(r.failed_logins, 0);
    assert_eq!(r.last_login_at, Some(t0()));
    for _ in 0..2 {
        a.record_login_failure(&uid(1), 3, until).await.unwrap();
    }
    let f = a.record_login_failure(&uid(1), 3, until).await.unwrap();
    assert_eq!(
        f,
        LoginFailure {
            failed_logins: 0,
            locked_until: Some(until)
        }
    );
    let r = a.user(&uid(1)).await.unwrap().unwrap();
    assert_eq!(r.locked_until, Some(until));
    a.record_login_success(&uid(1), until).await.unwrap();
    assert_eq!(a.user(&uid(1)).await.unwrap().unwrap().locked_until, None);
}

pub async fn totp_enrolment_and_replay_guard(a: &dyn AccountStore) {
    a.create_user(&user_record(1, "alice", "fr-paf"))
        .await
        .unwrap();
    let seed = Secret::new("JBSWY3DPEHPK3PXPJBSWY3DP");
    a.set_totp(&uid(1), Some(&seed)).await.unwrap();
    let r = a.user(&uid(1)).await.unwrap().unwrap();
    assert_eq!(r.totp_secret, Some(seed.clone()));
    assert_eq!(r.totp_last_step, None);
    assert!(a.use_totp_step(&uid(1), 100).await.unwrap());
    assert!(!a.use_totp_step(&uid(1), 100).await.unwrap(), "replay");
    assert!(!a.use_totp_step(&uid(1), 99).await.unwrap(), "older step");
    assert!(a.use_totp_step(&uid(1), 101).await.unwrap());
    assert_eq!(
        a.user(&uid(1)).await.unwrap().unwrap().totp_last_step,
        Some(101)
    );
    a.set_totp(&uid(1), None).await.unwrap();
    let r = a.user(&uid(1)).await.unwrap().unwrap();
    assert_eq!(r.totp_secret, None);
    assert_eq!(r.totp_last_step, None);
}

pub async fn sessions_expire_and_end(a: &dyn AccountStore) {
    a.create_user(&user_record(1, "alice", "fr-paf"))
        .await
        .unwrap();
    let s1 = session("s1", 1, t0() + Duration::hours(1));
    let s2 = session("s2", 1, t0() + Duration::hours(8));
    a.create_session(&s1).await.unwrap();
    a.create_session(&s2).await.unwrap();
    assert_eq!(a.session("s1", t0()).await.unwrap(), Some(s1.clone()));
    let later = t0() + Duration::minutes(30);
    a.touch_session("s1", later).await.unwrap();
    assert_eq!(
        a.session("s1", later).await.unwrap().unwrap().last_seen_at,
        later
    );
    // Expired sessions are not returned, and purging removes them.
    let after = t0() + Duration::hours(2);
    assert!(a.session("s1", after).await.unwrap().is_none());
    assert_eq!(a.purge_expired_sessions(after).await.unwrap(), 1);
    assert!(a.session("s2", after).await.unwrap().is_some());
    a.delete_session("s2").await.unwrap();
    a.delete_session("s2").await.unwrap();
    assert!(a.session("s2", t0()).await.unwrap().is_none());
    assert!(a.session("nope", t0()).await.unwrap().is_none());
}

pub async fn tokens_create_find_list_and_revoke(a: &dyn AccountStore) {
    a.create_user(&user_record(1, "admin", "fr-ncc"))
        .await
        .unwrap();
    let t1 = token("tok1", "fr-paf");
    a.create_token(&t1).await.unwrap();
    a.create_token(&token("tok2", "fr-douane")).await.unwrap();
    a.create_token(&token("tok3", "fr-paf")).await.unwrap();
    assert!(matches!(
        a.create_token(&t1).await,
        Err(AccountError::Conflict(_))
    ));

    assert_eq!(
        a.token_by_hash("hash-of-tok1").await.unwrap(),
        Some(t1.clone())
    );
    assert_eq!(a.token("tok1").await.unwrap(), Some(t1.clone()));
    assert!(a.token_by_hash("hash-of-nothing").await.unwrap().is_none());
    assert!(t1.is_active(t0()));
    assert!(!t1.is_active(t1.expires_at));

    let ids = |v: Vec<ApiToken>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(a.list_tokens(None, None, 10).await.unwrap()),
        ["tok1", "tok2", "tok3"]
    );
    assert_eq!(
        ids(a
            .list_tokens(Some(&agency("fr-paf")), None, 10)
            .await
            .unwrap()),
        ["tok1", "tok3"]
    );
    assert_eq!(
        ids(a.list_tokens(None, Some("tok1"), 1).await.unwrap()),
        ["tok2"]
    );

    let used = t0() + Duration::minutes(5);
    a.touch_token("tok1", used).await.unwrap();
    assert_eq!(
        a.token("tok1").await.unwrap().unwrap().last_used_at,
        Some(used)
    );

    let rev = t0() + Duration::hours(1);
    a.revoke_token("tok1", rev).await.unwrap();
    a.revoke_token("tok1", rev + Duration::hours(1))
        .await
        .unwrap();
    let got = a.token_by_hash("hash-of-tok1").await.unwrap().unwrap();
    assert_eq!(got.revoked_at, Some(rev), "first revocation time is kept");
    assert!(!got.is_active(t0()));
}

pub async fn missing_objects_are_not_found(a: &dyn AccountStore) {
    let nf = |r: AccountResult<()>| matches!(r, Err(AccountError::NotFound(_)));
    assert!(a.user(&uid(9)).await.unwrap().is_none());
    assert!(nf(a.set_user_disabled(&uid(9), true).await));
    assert!(nf(a.set_password(&uid(9), &Secret::new("x")).await));
    assert!(nf(a.set_totp(&uid(9), None).await));
    assert!(nf(a.revoke_token("nope", t0()).await));
    assert!(nf(a
        .update_user(&user_record(9, "ghost", "fr-paf").user)
        .await));
    assert!(matches!(
        a.record_login_failure(&uid(9), 3, t0()).await,
        Err(AccountError::NotFound(_))
    ));
}

pub async fn secrets_stay_out_of_debug(a: &dyn AccountStore) {
    let mut r = user_record(1, "alice", "fr-paf");
    r.totp_secret = Some(Secret::new("TOTPSEEDTOTPSEED"));
    a.create_user(&r).await.unwrap();
    let got = a.user(&uid(1)).await.unwrap().unwrap();
    let dbg = format!("{got:?}");
    assert!(!dbg.contains("hash1"), "{dbg}");
    assert!(!dbg.contains("TOTPSEED"), "{dbg}");
    let s = session("sessionsecret", 1, t0() + Duration::hours(1));
    let dbg = format!("{s:?}");
    assert!(!dbg.contains("sessionsecret"), "{dbg}");
    let t = token("tok1", "fr-paf");
    assert!(!format!("{t:?}").contains("hash-of-tok1"));
}
