//! What a process counts for `/metrics`: one function per event, named for
//! it, so that a metric's name and labels are written once, here. Without
//! a recorder ([`install`], done by `serve` and `worker` when
//! `--http-listen` is given) every call does nothing.
//!
//! These are the process's own counts since it started; what the database
//! holds (outbox, open tickets) is read when `/metrics` is scraped
//! (`http::metrics`).

use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds, from 5 ms to 2 minutes.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// Installs the process-wide recorder; its handle renders the text
/// `/metrics` serves. Histograms get buckets (not summaries), so that
/// several processes' can be added up.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)?
        .install_recorder()?;
    describe();
    Ok(handle)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "onestop_updates_received_total",
        "Updates received from Telegram (getUpdates or the webhook)"
    );
    describe_counter!(
        "onestop_updates_stored_total",
        "Updates stored in the inbox (only then acknowledged)"
    );
    describe_counter!(
        "onestop_updates_processed_total",
        "Updates handled, with everything they caused committed"
    );
    describe_counter!(
        "onestop_updates_failed_total",
        "Updates given up on (unreadable, panicked, or failing five times)"
    );
    describe_histogram!(
        "onestop_update_processing_seconds",
        Unit::Seconds,
        "From an update's storing to its handling committed"
    );
    describe_counter!(
        "onestop_messages_sent_total",
        "Outbox messages delivered, by channel"
    );
    describe_counter!(
        "onestop_delivery_failures_total",
        "Deliveries that failed, by channel and outcome (retry, rate_limited, permanent)"
    );
    describe_gauge!(
        "onestop_sends_in_flight",
        "Sends on the wire now, by channel (at most --in-flight)"
    );
    describe_histogram!(
        "onestop_delivery_seconds",
        Unit::Seconds,
        "From an outbox row's writing to its delivery, by channel"
    );
    describe_counter!(
        "onestop_questions_total",
        "Questions through the matcher, by outcome (answer, suggest, fallback)"
    );
    describe_counter!("onestop_claims_total", "Tickets claimed by consultants");
    describe_counter!(
        "onestop_escalations_total",
        "Unclaimed tickets escalated (queue reminded or moved to the supervisors)"
    );
    describe_counter!(
        "onestop_database_errors_total",
        "Tries that found the database unreachable, by the part of the process that tried"
    );
    describe_counter!(
        "onestop_private_postgres_restarts_total",
        "Times the private PostgreSQL this process owns died and was started again"
    );
    describe_gauge!(
        "onestop_poller_leader",
        "1 while this process polls Telegram (holds the lead), 0 otherwise"
    );
}

pub fn updates_received(n: usize) {
    counter!("onestop_updates_received_total").increment(n as u64);
}

pub fn updates_stored(n: usize) {
    counter!("onestop_updates_stored_total").increment(n as u64);
}

/// An update handled; `since_stored` is how long it waited and took.
pub fn update_processed(since_stored: Duration) {
    counter!("onestop_updates_processed_total").increment(1);
    histogram!("onestop_update_processing_seconds").record(since_stored.as_secs_f64());
}

pub fn update_failed() {
    counter!("onestop_updates_failed_total").increment(1);
}

/// A message delivered through `channel`, `since_written` after its row
/// was written.
pub fn message_sent(channel: &'static str, since_written: Duration) {
    counter!("onestop_messages_sent_total", "channel" => channel).increment(1);
    histogram!("onestop_delivery_seconds", "channel" => channel)
        .record(since_written.as_secs_f64());
}

/// A delivery through `channel` failed; `outcome` is `retry`,
/// `rate_limited` or `permanent`.
pub fn delivery_failed(channel: &'static str, outcome: &'static str) {
    counter!("onestop_delivery_failures_total", "channel" => channel, "outcome" => outcome)
        .increment(1);
}

/// How many sends through `channel` are on the wire now.
pub fn sends_in_flight(channel: &'static str, n: usize) {
    gauge!("onestop_sends_in_flight", "channel" => channel).set(n as f64);
}

/// A question went through the matcher with `outcome`.
pub fn question(outcome: &'static str) {
    counter!("onestop_questions_total", "outcome" => outcome).increment(1);
}

pub fn claimed() {
    counter!("onestop_claims_total").increment(1);
}

pub fn escalated() {
    counter!("onestop_escalations_total").increment(1);
}

/// Whether this process polls Telegram now.
pub fn leader(leading: bool) {
    gauge!("onestop_poller_leader").set(if leading { 1.0 } else { 0.0 });
}

/// `part` of the process (`inbox`, `lead`, …) found the database unreachable.
pub fn database_error(part: &'static str) {
    counter!("onestop_database_errors_total", "part" => part).increment(1);
}

/// The private PostgreSQL this process owns died and was started again.
pub fn private_postgres_restarted() {
    counter!("onestop_private_postgres_restarts_total").increment(1);
}
