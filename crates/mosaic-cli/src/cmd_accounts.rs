//! `mosaic user add/list/disable/enable` and `mosaic agency add/list`: account
//! administration on the command line, with the same validation as the API.

use std::io::BufRead;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use mosaic_server::admin::{self, AdminError, NewAgency, NewUser};
use mosaic_store::{AccountStore, Store};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input with --password-stdin;
    /// otherwise a random one is generated and printed once.
    Add(UserAddArgs),
    /// List users.
    List(ListArgs),
    /// Disable a user (by username or id); their sessions end at once.
    Disable { user: String },
    /// Re-enable a disabled user.
    Enable { user: String },
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    pub username: String,
    /// The user's agency (its id, e.g. fr-paf).
    #[arg(long)]
    pub agency: String,
    /// Role (repeat for several): officer, analyst, liaison_officer, case_officer,
    /// ngo_caseworker, supervisor, data_protection_officer, administrator.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// Clearance: unclassified, restricted, confidential, secret, top_secret.
    #[arg(long, default_value = "restricted")]
    pub clearance: String,
    /// Full name [default: the username].
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input (never pass it as an
    /// argument: other users of the machine can see arguments).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum AgencyCommand {
    /// Add an agency.
    Add(AgencyAddArgs),
    /// List agencies.
    List(ListArgs),
}

#[derive(Args, Debug)]
pub struct AgencyAddArgs {
    /// Id: a slug such as fr-paf.
    pub id: String,
    #[arg(long)]
    pub name: String,
    /// border_guard, coast_guard, police, customs, navy, fiu, immigration,
    /// labour_inspection, prosecution, ngo, international_organisation.
    #[arg(long)]
    pub kind: String,
    /// ISO 3166-1 alpha-2 country code.
    #[arg(long)]
    pub country: String,
}

fn explain(e: AdminError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub async fn run_user(
    store: &dyn Store,
    accounts: &dyn AccountStore,
    cmd: UserCommand,
) -> Result<()> {
    match cmd {
        UserCommand::Add(a) => {
            let (password, generated) = if a.password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                let pw = line.trim_end_matches(['\r', '\n']).to_owned();
                if pw.is_empty() {
                    bail!("--password-stdin: standard input had no password");
                }
                (pw, false)
            } else {
                (mosaic_server::auth::random_hex(12), true)
            };
            let new = NewUser {
                display_name: a.name.clone().unwrap_or_else(|| a.username.clone()),
                username: a.username,
                agency: a.agency,
                roles: a.roles,
                clearance: a.clearance,
                password: password.clone(),
            };
            store
                .centre()
                .await
                .context("the store is not initialised: run `mosaic init` first")?;
            let u = admin::add_user(store, accounts, &new)
                .await
                .map_err(explain)?;
            println!(
                "Added user {} ({}) at {} with roles {}, clearance {}",
                u.username,
                u.id,
                u.agency,
                u.roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                u.clearance
            );
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        UserCommand::List(a) => {
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = accounts.list_users(after.as_deref(), 500).await?;
                let done = page.len() < 500;
                after = page.last().map(|r| r.user.username.clone());
                all.extend(page);
                if done {
                    break;
                }
            }
            if a.json {
                let v: Vec<_> = all
                    .iter()
                    .map(mosaic_server::api::views::UserView::from_record)
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "{:<20} {:<16} {:<14} {:<9} roles",
                    "username", "agency", "clearance", "state"
                );
                for r in &all {
                    let state = if r.user.disabled {
                        "disabled"
                    } else if mosaic_server::api::views::UserView::from_record(r)
                        .locked_until
                        .is_some()
                    {
                        "locked"
                    } else {
                        "active"
                    };
                    println!(
                        "{:<20} {:<16} {:<14} {:<9} {}",
                        r.user.username,
                        r.user.agency.as_str(),
                        r.user.clearance.as_str(),
                        state,
                        r.user
                            .roles
                            .iter()
                            .map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                }
            }
        }
        UserCommand::Disable { user } => {
            let u = admin::set_disabled(accounts, &user, true)
                .await
                .map_err(explain)?;
            println!(
                "Disabled {} ({}); their sessions have ended",
                u.username, u.id
            );
        }
        UserCommand::Enable { user } => {
            let u = admin::set_disabled(accounts, &user, false)
                .await
                .map_err(explain)?;
            println!("Enabled {} ({})", u.username, u.id);
        }
    }
    Ok(())
}

pub async fn run_agency(store: &dyn Store, cmd: AgencyCommand) -> Result<()> {
    match cmd {
        AgencyCommand::Add(a) => {
            let new = NewAgency {
                id: a.id,
                name: a.name,
                kind: a.kind,
                country: a.country,
            };
            let ag = admin::add_agency(store, &new).await.map_err(explain)?;
            println!(
                "Added agency {} ({}, {}, {})",
                ag.id, ag.name, ag.kind, ag.country
            );
        }
        AgencyCommand::List(a) => {
            let all = store.agencies().await?;
            if a.json {
                let v: Vec<_> = all
                    .iter()
                    .map(mosaic_server::api::views::AgencyView::from)
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{:<20} {:<28} {:<8} name", "id", "kind", "country");
                for ag in &all {
                    println!(
                        "{:<20} {:<28} {:<8} {}",
                        ag.id.as_str(),
                        ag.kind.as_str(),
                        ag.country,
                        ag.name
                    );
                }
            }
        }
    }
    Ok(())
}
