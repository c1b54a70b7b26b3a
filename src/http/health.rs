//! `/healthz` (the process is alive and answers) and `/readyz` (it can do
//! its work: the database answers, the dialogs are loaded, and — for
//! `serve` — it knows whether it polls or stands by, or takes webhooks).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::channel::telegram::leader::Receiving;

/// How long the database may take to answer a readiness check.
const DATABASE_WITHIN: Duration = Duration::from_secs(2);

/// What readiness looks at.
#[derive(Clone)]
pub struct Readiness {
    pub pool: PgPool,
    /// The process starts serving only once its dialogs are read (a
    /// refused reload keeps the last good ones), so this is what it
    /// loaded: for `serve` the whole dialogs, for `worker` routing and texts.
    pub dialogs: &'static str,
    /// `serve`'s receiving of updates; `None` for `worker`.
    pub receiving: Option<watch::Receiver<Receiving>>,
}

/// The answer of `/readyz`.
#[derive(Debug, Serialize)]
struct Ready {
    ready: bool,
    database: &'static str,
    dialogs: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    receiving: Option<&'static str>,
}

/// The routes `/healthz` and `/readyz`.
pub fn router(readiness: Readiness) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(readiness)
}

async fn ready(State(readiness): State<Readiness>) -> (StatusCode, Json<Ready>) {
    let answered = tokio::time::timeout(
        DATABASE_WITHIN,
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&readiness.pool),
    )
    .await;
    let database_ok = matches!(answered, Ok(Ok(1)));
    let receiving = readiness.receiving.as_ref().map(|r| *r.borrow());
    let receiving_ok = receiving.is_none_or(|r| r != Receiving::Starting);
    let ready = database_ok && receiving_ok;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Ready {
        ready,
        database: if database_ok { "ok" } else { "unreachable" },
        dialogs: readiness.dialogs,
        receiving: receiving.map(Receiving::as_str),
    };
    (status, Json(body))
}
