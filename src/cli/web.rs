//! `onestop supervisor add|remove|list`: who may sign in to the
//! supervisor's page (`--http-listen` on `serve` and `worker`).

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::desk::DbArgs;
use crate::web::auth;

#[derive(Debug, Subcommand)]
pub enum SupervisorAction {
    /// Give NAME a token for the supervisor's page; it is printed once and
    /// stored only hashed.
    Add { name: String },
    /// Revoke NAME's token; their sessions end at once.
    Remove { name: String },
    /// List supervisors, removed ones included (never their tokens).
    List,
}

pub fn supervisor(db: &DbArgs, action: SupervisorAction) -> Result<ExitCode> {
    crate::app::runtime()?.block_on(async move {
        let database = db.open(2).await?;
        let pool = &database.pool;
        let result = match action {
            SupervisorAction::Add { name } => {
                auth::add_supervisor(pool, &name).await.map(|token| {
                    println!("{token}");
                    eprintln!(
                        "supervisor '{}' added. The token above is shown only this once: \
                     give it to them to sign in to the page.",
                        name.trim()
                    );
                    ExitCode::SUCCESS
                })
            }
            SupervisorAction::Remove { name } => {
                auth::remove_supervisor(pool, &name).await.map(|revoked| {
                    if revoked {
                        println!(
                            "supervisor '{}' removed: the token no longer signs in",
                            name.trim()
                        );
                        ExitCode::SUCCESS
                    } else {
                        eprintln!(
                            "onestop: no supervisor '{}' with a working token",
                            name.trim()
                        );
                        ExitCode::FAILURE
                    }
                })
            }
            SupervisorAction::List => auth::supervisors(pool).await.map(|all| {
                for s in all {
                    let state = match s.revoked_at {
                        Some(at) => format!("removed {}", crate::desk::show_time(at)),
                        None => "active".to_string(),
                    };
                    println!(
                        "{}\t{}\t{state}",
                        s.name,
                        crate::desk::show_time(s.created_at)
                    );
                }
                ExitCode::SUCCESS
            }),
        };
        database.close().await;
        result
    })
}
