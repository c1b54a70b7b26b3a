//! `/metrics` in Prometheus' text format: the process's own counts
//! (`telemetry`), and, read from the database at each scrape, what waits —
//! the outbox by channel, open tickets per queue, unhandled updates.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics::gauge;
use metrics_exporter_prometheus::PrometheusHandle;
use tracing::warn;

use crate::desk::Desk;

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    desk: Desk,
}

/// The route `/metrics`, rendering `handle` (from `telemetry::install`).
pub fn router(handle: PrometheusHandle, desk: Desk) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape { handle, desk })
}

async fn scrape(State(scrape): State<Scrape>) -> impl IntoResponse {
    match scrape.desk.gauges().await {
        Ok(now) => {
            for (channel, pending, failed) in &now.outbox {
                gauge!("onestop_outbox_pending", "channel" => *channel).set(*pending as f64);
                gauge!("onestop_outbox_failed", "channel" => *channel).set(*failed as f64);
            }
            for (queue, open) in now.open_by_queue {
                gauge!("onestop_tickets_open", "queue" => queue).set(open as f64);
            }
            gauge!("onestop_updates_pending").set(now.updates_pending as f64);
            gauge!("onestop_database_up").set(1.0);
        }
        Err(e) => {
            // The process's own counts still go out; the gap shows.
            warn!(error = %e, "could not read the database for /metrics");
            gauge!("onestop_database_up").set(0.0);
        }
    }
    scrape.handle.run_upkeep();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
}
