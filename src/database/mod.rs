//! Infrastructure at the bottom of the house: the connection to Postgres,
//! `DATABASE_URL` when given, otherwise the private server in the data folder
//! (`private_server`); the migrations in `migrations/` are applied on open.

pub mod outage;
pub mod private_server;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

pub use private_server::PrivatePostgres;

/// The database the private server keeps onestop's tables in.
const DATABASE: &str = "onestop";

/// How long taking a connection from the pool may wait. While the server
/// refuses connections, the pool tries again within this time with waits of
/// up to a fifth of it, so it also bounds how long a server that is back
/// goes unnoticed (2 s); the loops then retry with their own backoff
/// (`outage`).
const ACQUIRE_WITHIN: Duration = Duration::from_secs(10);

/// An open, migrated database (and the private server behind it, if any).
#[derive(Debug)]
pub struct Database {
    pub pool: PgPool,
    server: Option<PrivatePostgres>,
}

impl Database {
    /// Opens `url`, or starts the private server in `data_dir` when `url` is
    /// `None`, and brings the schema up to date.
    pub async fn open(url: Option<&str>, data_dir: &Path, max_connections: u32) -> Result<Self> {
        let (url, server) = match url {
            Some(url) => (url.to_string(), None),
            None => {
                let data_dir = data_dir.to_path_buf();
                let mut server =
                    tokio::task::spawn_blocking(move || PrivatePostgres::start(&data_dir))
                        .await
                        .context("starting the private PostgreSQL")??;
                // Started here: started again if it dies.
                server.keep_running()?;
                create_database_if_missing(&server).await?;
                (server.url(DATABASE), Some(server))
            }
        };
        let options: PgConnectOptions = url
            .parse::<PgConnectOptions>()
            .context("DATABASE_URL is not a valid postgres:// URL")?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_WITHIN)
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to {}", redact_password(&url)))?;
        migrate(&pool).await?;
        Ok(Self { pool, server })
    }

    /// Closes the pool and stops the private server if this process started it.
    pub async fn close(mut self) {
        self.pool.close().await;
        if let Some(mut server) = self.server.take() {
            let _ = tokio::task::spawn_blocking(move || server.stop()).await;
        }
    }
}

/// Applies the migrations compiled into the binary.
pub async fn migrate(pool: &PgPool) -> Result<()> {
    sqlx::migrate!("./migrations")
        .run(pool)
        .await
        .context("applying the database migrations")
}

async fn create_database_if_missing(server: &PrivatePostgres) -> Result<()> {
    let mut admin = sqlx::PgConnection::connect(&server.url("postgres"))
        .await
        .context("connecting to the private PostgreSQL")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DATABASE)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {DATABASE}"))
            .execute(&mut admin)
            .await
            .context("creating the onestop database")?;
    }
    admin.close().await.ok();
    Ok(())
}

/// `url` without its password, for error messages.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "the database".to_string();
    };
    match rest.rsplit_once('@') {
        Some((auth, host)) => {
            let user = auth.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}
