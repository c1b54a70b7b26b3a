//! The supervisor's web page: server-rendered HTML (minijinja templates,
//! escaped by the engine; SVG charts drawn here) over the desk's reads,
//! behind a sign-in with a supervisor's token. [`router`] is the whole page,
//! merged onto the process's one listener (`http`, `--http-listen`);
//! [`serve_on`] serves it alone (tests).

pub mod auth;
mod chart;
mod csv;
mod gate;
mod pages;
mod render;
mod trends;
mod unanswered;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::watch;

use crate::desk::Desk;
use crate::kb::KnowledgeBase;

/// What the page reads: the desk, and the knowledge base whose analyzer
/// groups the questions nothing answered.
#[derive(Clone)]
pub struct WebState {
    pub desk: Desk,
    pub kb: Arc<KnowledgeBase>,
    /// Mark the session cookie `Secure` (the page is reached over HTTPS
    /// through a proxy, i.e. it listens beyond loopback).
    pub secure_cookies: bool,
    templates: Arc<render::Templates>,
}

impl WebState {
    pub fn new(desk: Desk, kb: Arc<KnowledgeBase>, secure_cookies: bool) -> Result<Self> {
        Ok(WebState {
            desk,
            kb,
            secure_cookies,
            templates: Arc::new(render::Templates::new()?),
        })
    }
}

/// Every route of the page.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/now") }))
        .route("/signin", get(gate::form).post(gate::sign_in))
        .route("/signout", axum::routing::post(gate::sign_out))
        .route("/now", get(pages::now))
        .route("/now.csv", get(pages::now_csv))
        .route("/tickets/{code}", get(pages::ticket))
        .route("/trends", get(trends::trends))
        .route("/trends.csv", get(trends::trends_csv))
        .route("/unanswered", get(unanswered::unanswered))
        .route("/unanswered.csv", get(unanswered::unanswered_csv))
        .route("/unanswered/export", get(unanswered::unanswered_export))
        .fallback(pages::not_found)
        .layer(axum::middleware::map_response(guard_headers))
        .with_state(state)
}

/// Headers on every answer: nothing cached, nothing framed, no script.
async fn guard_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Serves the page alone on a bound listener until `shutdown` turns true.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: WebState,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    tracing::info!(address = %listener.local_addr()?, "supervisor's page listening");
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await
        .context("serving the supervisor's page")
}

/// An answer that says something went wrong, and nothing of what: the
/// error is logged, the page shows a plain sentence.
pub(crate) fn internal_error(error: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{error:#}"), "the supervisor's page failed");
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        axum::response::Html(
            "<!doctype html><meta charset=utf-8><title>오류</title>\
             <p>페이지를 만드는 중 문제가 생겼습니다. 잠시 뒤 다시 열어 주세요.</p>",
        ),
    )
        .into_response()
}
