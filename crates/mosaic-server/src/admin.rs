//! Account administration shared by the API and the `mosaic user` / `mosaic agency`
//! commands, so both validate the same way: agencies, users, demo accounts.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use mosaic_model::{Agency, AgencyId, AgencyKind, Classification, User, UserId, UserRole};
use mosaic_store::{AccountError, AccountStore, Store, StoreError, UserRecord};

use crate::auth::{check_new_password, hash_password};
use crate::error::{ApiError, FieldError};

/// Why an administrative change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{}", .0.iter().map(|e| format!("{}: {} [rule: {}]", e.field, e.message, e.rule)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

impl From<AccountError> for AdminError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Conflict(w) => AdminError::Conflict(w),
            AccountError::NotFound(w) => AdminError::NotFound(w),
            AccountError::Store(s) => AdminError::Store(s),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(errors) => ApiError::validation(errors),
            AdminError::Conflict(w) => ApiError::conflict(format!("{w} already exists")),
            AdminError::NotFound(_) => ApiError::not_found(),
            AdminError::Store(s) => s.into(),
            AdminError::Other(m) => ApiError::internal(m),
        }
    }
}

fn invalid(field: &str, rule: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        rule: rule.to_owned(),
        message: message.into(),
    }
}

/// A new agency, as the API and the CLI take it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewAgency {
    /// Slug: 2-32 lowercase letters, digits or '-', starting with a letter.
    #[schema(example = "fr-paf")]
    pub id: String,
    #[schema(example = "Police aux frontières")]
    pub name: String,
    /// One of: border_guard, coast_guard, police, customs, navy, fiu, immigration,
    /// labour_inspection, prosecution, ngo, international_organisation.
    #[schema(example = "border_guard")]
    pub kind: String,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "fr")]
    pub country: String,
}

/// Adds an agency; `Conflict` if the id exists.
pub async fn add_agency(store: &dyn Store, new: &NewAgency) -> Result<Agency, AdminError> {
    let mut errors = Vec::new();
    let id = AgencyId::parse(new.id.trim()).map_err(|e| {
        errors.push(FieldError {
            field: "id".into(),
            ..FieldError::from(e)
        })
    });
    let kind = AgencyKind::parse(&new.kind).map_err(|e| {
        errors.push(FieldError {
            field: "kind".into(),
            ..FieldError::from(e)
        })
    });
    let name = new.name.trim();
    if name.is_empty() || name.len() > 200 {
        errors.push(invalid(
            "name",
            "required",
            "a name of 1-200 bytes is required",
        ));
    }
    let country = new.country.trim().to_ascii_lowercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_lowercase()) {
        errors.push(invalid(
            "country",
            "vocabulary",
            "an ISO 3166-1 alpha-2 code, e.g. fr",
        ));
    }
    let (Ok(id), Ok(kind), true) = (id, kind, errors.is_empty()) else {
        return Err(AdminError::Invalid(errors));
    };
    if store.agencies().await?.iter().any(|a| a.id == id) {
        return Err(AdminError::Conflict(format!("agency {id}")));
    }
    let agency = Agency {
        id,
        name: name.to_owned(),
        kind,
        country,
    };
    store.put_agency(&agency).await?;
    tracing::info!(agency = %agency.id, "agency added");
    Ok(agency)
}

/// A new user, as the API and the CLI take it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct NewUser {
    /// 2-64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter.
    #[schema(example = "j.martin")]
    pub username: String,
    #[schema(example = "Jeanne Martin")]
    pub display_name: String,
    #[schema(example = "fr-paf")]
    pub agency: String,
    /// Any of: officer, analyst, liaison_officer, case_officer, ngo_caseworker,
    /// supervisor, data_protection_officer, administrator.
    #[schema(example = json!(["officer"]))]
    pub roles: Vec<String>,
    /// unclassified, restricted, confidential, secret or top_secret.
    #[schema(example = "restricted")]
    pub clearance: String,
    /// At least 10 characters.
    #[schema(format = Password)]
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("agency", &self.agency)
            .field("roles", &self.roles)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// Usernames: what people type, compared case-insensitively, stored lowercase.
pub fn normalise_username(s: &str) -> Result<String, FieldError> {
    let u = s.trim().to_lowercase();
    let ok = (2..=64).contains(&u.len())
        && u.as_bytes()[0].is_ascii_lowercase()
        && u.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(u)
    } else {
        Err(invalid(
            "username",
            "slug",
            "2-64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter",
        ))
    }
}

/// Adds a user (the password is hashed with argon2id on a blocking thread).
pub async fn add_user(
    store: &dyn Store,
    accounts: &dyn AccountStore,
    new: &NewUser,
) -> Result<User, AdminError> {
    let mut errors = Vec::new();
    let username = normalise_username(&new.username).map_err(|e| errors.push(e));
    let display_name = new.display_name.trim().to_owned();
    if display_name.is_empty() || display_name.len() > 200 {
        errors.push(invalid(
            "display_name",
            "required",
            "a name of 1-200 bytes is required",
        ));
    }
    let agency = AgencyId::parse(new.agency.trim()).map_err(|e| {
        errors.push(FieldError {
            field: "agency".into(),
            ..FieldError::from(e)
        })
    });
    let mut roles = Vec::new();
    for (i, r) in new.roles.iter().enumerate() {
        match UserRole::parse(r) {
            Ok(r) if !roles.contains(&r) => roles.push(r),
            Ok(_) => {}
            Err(e) => errors.push(FieldError {
                field: format!("roles[{i}]"),
                ..FieldError::from(e)
            }),
        }
    }
    if new.roles.is_empty() {
        errors.push(invalid(
            "roles",
            "required",
            "at least one role is required",
        ));
    }
    let clearance = Classification::parse(&new.clearance).map_err(|e| {
        errors.push(FieldError {
            field: "clearance".into(),
            ..FieldError::from(e)
        })
    });
    if let Err(m) = check_new_password(&new.password) {
        errors.push(invalid("password", "limit", m));
    }
    if let Ok(a) = &agency {
        if !store.agencies().await?.iter().any(|x| &x.id == a) {
            errors.push(invalid(
                "agency",
                "dangling_reference",
                format!("no agency {a}: add it first"),
            ));
        }
    }
    let (Ok(username), Ok(agency), Ok(clearance), true) =
        (username, agency, clearance, errors.is_empty())
    else {
        return Err(AdminError::Invalid(errors));
    };
    if accounts.user_by_username(&username).await?.is_some() {
        return Err(AdminError::Conflict(format!("user {username}")));
    }
    let centre = store.centre().await?;
    let pw = new.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AdminError::Other(e.to_string()))?
        .map_err(AdminError::Other)?;
    let user = User {
        id: UserId::new_v7(&centre.id),
        username,
        display_name,
        agency,
        roles,
        clearance,
        disabled: false,
    };
    accounts
        .create_user(&UserRecord {
            user: user.clone(),
            password_hash,
            totp_secret: None,
            totp_last_step: None,
            failed_logins: 0,
            locked_until: None,
            created_at: Utc::now(),
            last_login_at: None,
        })
        .await?;
    tracing::info!(user = %user.id, username = %user.username, agency = %user.agency, "user added");
    Ok(user)
}

/// Finds a user by id or username.
pub async fn find_user(
    accounts: &dyn AccountStore,
    id_or_name: &str,
) -> Result<UserRecord, AdminError> {
    let found = match UserId::parse(id_or_name) {
        Ok(id) => accounts.user(&id).await?,
        Err(_) => {
            accounts
                .user_by_username(&id_or_name.trim().to_lowercase())
                .await?
        }
    };
    found.ok_or_else(|| AdminError::NotFound(format!("user {id_or_name}")))
}

/// Disables (ending their sessions) or re-enables a user.
pub async fn set_disabled(
    accounts: &dyn AccountStore,
    id_or_name: &str,
    disabled: bool,
) -> Result<User, AdminError> {
    let rec = find_user(accounts, id_or_name).await?;
    accounts.set_user_disabled(&rec.user.id, disabled).await?;
    tracing::info!(user = %rec.user.id, disabled, "user account state changed");
    Ok(User {
        disabled,
        ..rec.user
    })
}

/// A demo account that [`ensure_demo_accounts`] creates.
#[derive(Clone, Copy, Debug)]
pub struct DemoAccount {
    pub username: &'static str,
    /// Documented in the README; for demonstrations on a laptop only.
    pub password: &'static str,
    pub role: UserRole,
    pub agency: &'static str,
    pub clearance: Classification,
}

/// The demo agencies: a border police and a police analysis unit.
pub const DEMO_AGENCIES: &[(&str, &str, AgencyKind, &str)] = &[
    (
        "fr-paf",
        "Police aux frontières (demo)",
        AgencyKind::BorderGuard,
        "fr",
    ),
    (
        "fr-ocriest",
        "OCRIEST analysis unit (demo)",
        AgencyKind::Police,
        "fr",
    ),
];

/// The demo accounts. Change or disable them before real use.
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        password: "mosaic-demo-admin",
        role: UserRole::Administrator,
        agency: "fr-ocriest",
        clearance: Classification::Restricted,
    },
    DemoAccount {
        username: "analyst",
        password: "mosaic-demo-analyst",
        role: UserRole::Analyst,
        agency: "fr-ocriest",
        clearance: Classification::Confidential,
    },
    DemoAccount {
        username: "officer",
        password: "mosaic-demo-officer",
        role: UserRole::Officer,
        agency: "fr-paf",
        clearance: Classification::Restricted,
    },
];

/// Creates the demo agencies and accounts that do not exist yet (existing ones are left
/// exactly as they are). Returns the accounts it created. Needs an initialised store.
pub async fn ensure_demo_accounts(
    store: &dyn Store,
    accounts: &dyn AccountStore,
) -> Result<Vec<DemoAccount>, AdminError> {
    let existing = store.agencies().await?;
    for (id, name, kind, country) in DEMO_AGENCIES {
        if !existing.iter().any(|a| a.id.as_str() == *id) {
            store
                .put_agency(&Agency {
                    id: AgencyId::parse(id).expect("demo ids are valid"),
                    name: (*name).to_owned(),
                    kind: *kind,
                    country: (*country).to_owned(),
                })
                .await?;
        }
    }
    let mut created = Vec::new();
    for d in DEMO_ACCOUNTS {
        if accounts.user_by_username(d.username).await?.is_some() {
            continue;
        }
        let new = NewUser {
            username: d.username.into(),
            display_name: format!("Demo {}", d.role),
            agency: d.agency.into(),
            roles: vec![d.role.as_str().into()],
            clearance: d.clearance.as_str().into(),
            password: d.password.into(),
        };
        match add_user(store, accounts, &new).await {
            Ok(_) | Err(AdminError::Conflict(_)) => created.push(*d),
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}
