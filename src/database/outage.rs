//! Riding out a database outage: which errors mean "PostgreSQL is not
//! there" (as opposed to a statement that failed), and [`Outage`], what a
//! loop that needs the database keeps so that it retries with capped
//! backoff and logs an outage once, when it starts and when it ends,
//! instead of a line per retry.

use std::fmt::Display;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::{debug, info, warn};

/// The first wait after a failure; doubled at each failure in a row.
const FIRST_WAIT: Duration = Duration::from_millis(250);
/// The longest wait between two tries: a database back is noticed within it.
pub const MAX_WAIT: Duration = Duration::from_secs(2);

/// Whether `error` means the database could not be reached or went away
/// (no connection, a connection lost, the server shutting down or starting
/// up) rather than a refusal of the statement itself.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // The server closed the connection in the middle of a message.
        sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            // 08: connection exception; 57P01-03: admin shutdown, crash
            // shutdown, cannot connect now; 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// Whether anything in the chain of `error` is an [`is_unavailable`] error.
pub fn is_unavailable_any(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .is_some_and(is_unavailable)
    })
}

/// One loop's view of the database being away: how many failures in a row
/// and since when.
#[derive(Debug)]
pub struct Outage {
    /// The loop, as logs and metrics name it ("inbox", "lead", …).
    part: &'static str,
    since: Option<Instant>,
    failures: u32,
}

impl Outage {
    pub fn new(part: &'static str) -> Self {
        Self {
            part,
            since: None,
            failures: 0,
        }
    }

    /// Whether the last try failed.
    pub fn ongoing(&self) -> bool {
        self.since.is_some()
    }

    /// Records a failed try: logged as a warning when it is the first in a
    /// row (with `what` and the error), at debug level after that; counted
    /// in `onestop_database_errors_total`. Returns how long to wait before
    /// the next try: 250 ms, doubled at each failure, at most [`MAX_WAIT`].
    pub fn failed(&mut self, what: &str, error: &dyn Display) -> Duration {
        crate::telemetry::database_error(self.part);
        self.failures += 1;
        if self.since.is_none() {
            self.since = Some(Instant::now());
            warn!(part = self.part, error = %error, "{what}; retrying until the database answers");
        } else {
            debug!(part = self.part, failures = self.failures, error = %error, "{what}; still retrying");
        }
        backoff(self.failures)
    }

    /// Records a try that worked: ends an outage (logged once, with its
    /// length) if there was one.
    pub fn succeeded(&mut self) {
        if let Some(since) = self.since.take() {
            info!(
                part = self.part,
                failures = self.failures,
                down_for = ?since.elapsed(),
                "the database answers again"
            );
        }
        self.failures = 0;
    }
}

/// The wait after `failures` failures in a row.
pub fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(8);
    (FIRST_WAIT * (1 << doublings)).min(MAX_WAIT)
}

/// Sleeps `wait`, or less if `shutdown` turns true meanwhile.
pub async fn pause(wait: Duration, shutdown: &mut watch::Receiver<bool>) {
    if *shutdown.borrow() {
        return;
    }
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = shutdown.changed() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_its_cap_and_starts_over_after_a_success() {
        let mut outage = Outage::new("test");
        let waits: Vec<Duration> = (0..6)
            .map(|_| outage.failed("reading", &"refused"))
            .collect();
        assert_eq!(
            waits,
            [250, 500, 1000, 2000, 2000, 2000].map(Duration::from_millis)
        );
        assert!(outage.ongoing());
        outage.succeeded();
        assert!(!outage.ongoing());
        assert_eq!(
            outage.failed("reading", &"refused"),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn a_lost_connection_is_an_outage_and_a_refused_statement_is_not() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(is_unavailable(&sqlx::Error::Io(refused)));
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        let wrapped = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("storing update 7");
        assert!(is_unavailable_any(&wrapped));
        assert!(!is_unavailable_any(&anyhow::anyhow!("no such ticket")));
    }
}
