//! The job store: durable timers in Postgres, one pending job per ticket
//! and kind. Due jobs are taken with `SKIP LOCKED`, one per transaction, so
//! several workers can run them and a crash repeats none. What a job does
//! when it is due lives in `timers`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::DeskResult;

/// The kinds of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Escalate,
    Lease,
    Followup,
    /// A resolved ticket nobody rated closes itself.
    CloseUnrated,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            JobKind::Escalate => "escalate",
            JobKind::Lease => "lease",
            JobKind::Followup => "followup",
            JobKind::CloseUnrated => "close",
        }
    }

    fn parse(stored: &str) -> Option<JobKind> {
        [
            JobKind::Escalate,
            JobKind::Lease,
            JobKind::Followup,
            JobKind::CloseUnrated,
        ]
        .into_iter()
        .find(|k| k.as_str() == stored)
    }
}

/// A job taken to be run, locked (and already marked done) in the taker's
/// transaction.
#[derive(Debug, Clone)]
pub struct DueJob {
    pub id: i64,
    /// `Err(stored)` for a kind this version does not know.
    pub kind: Result<JobKind, String>,
    pub ticket_id: i64,
}

/// Sets (or moves) the pending job of `kind` for a ticket.
pub(super) async fn schedule(
    tx: &mut PgConnection,
    ticket_id: i64,
    kind: JobKind,
    due: DateTime<Utc>,
) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, ticket_id, due_at) VALUES ($1, $2, $3) \
         ON CONFLICT (ticket_id, kind) WHERE done_at IS NULL DO UPDATE SET due_at = EXCLUDED.due_at",
    )
    .bind(kind.as_str())
    .bind(ticket_id)
    .bind(due)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Drops the pending job of `kind` for a ticket, if any.
pub(super) async fn cancel(tx: &mut PgConnection, ticket_id: i64, kind: JobKind) -> DeskResult<()> {
    sqlx::query(
        "UPDATE jobs SET done_at = now(), outcome = 'cancelled' \
         WHERE ticket_id = $1 AND kind = $2 AND done_at IS NULL",
    )
    .bind(ticket_id)
    .bind(kind.as_str())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Takes the earliest job due by `at`, not taken by another worker, and
/// marks it done (its handler may schedule the next job of the same kind).
pub(super) async fn take_due(
    tx: &mut PgConnection,
    at: DateTime<Utc>,
) -> DeskResult<Option<DueJob>> {
    let job: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, kind, ticket_id FROM jobs WHERE done_at IS NULL AND due_at <= $1 \
         ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, kind, ticket_id)) = job else {
        return Ok(None);
    };
    sqlx::query("UPDATE jobs SET done_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(Some(DueJob {
        id,
        kind: JobKind::parse(&kind).ok_or(kind),
        ticket_id,
    }))
}

/// Records what a job did.
pub(super) async fn record_outcome(
    tx: &mut PgConnection,
    job_id: i64,
    outcome: &str,
) -> DeskResult<()> {
    sqlx::query("UPDATE jobs SET outcome = $2 WHERE id = $1")
        .bind(job_id)
        .bind(outcome)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The earliest time a pending job is due.
pub(super) async fn next_due(pool: &PgPool) -> DeskResult<Option<DateTime<Utc>>> {
    Ok(
        sqlx::query_scalar("SELECT min(due_at) FROM jobs WHERE done_at IS NULL")
            .fetch_one(pool)
            .await?,
    )
}
