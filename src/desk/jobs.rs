//! Durable timers in Postgres: SLA escalation of unclaimed tickets, the
//! consultant's lease on a claimed ticket, and the follow-up question after
//! resolution. Due jobs are taken with `SKIP LOCKED`, one per transaction,
//! so several workers can run them and a crash repeats none.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tracing::{info, instrument, warn};

use super::notices;
use super::outbox;
use super::tickets::{self, fetch_by_id, log_event};
use super::{now, Actor, Desk, DeskResult, TicketStatus};

/// The kinds of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Escalate,
    Lease,
    Followup,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            JobKind::Escalate => "escalate",
            JobKind::Lease => "lease",
            JobKind::Followup => "followup",
        }
    }
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

impl Desk {
    /// Runs every job due by now; returns how many ran.
    pub async fn run_due_jobs(&self) -> DeskResult<usize> {
        let mut ran = 0;
        while self.run_one_due_job().await? {
            ran += 1;
        }
        Ok(ran)
    }

    /// The earliest time a pending job is due, to sleep until then.
    pub async fn next_job_due(&self) -> DeskResult<Option<DateTime<Utc>>> {
        Ok(
            sqlx::query_scalar("SELECT min(due_at) FROM jobs WHERE done_at IS NULL")
                .fetch_one(self.pool())
                .await?,
        )
    }

    async fn run_one_due_job(&self) -> DeskResult<bool> {
        let mut tx = self.pool().begin().await?;
        let job: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, kind, ticket_id FROM jobs WHERE done_at IS NULL AND due_at <= $1 \
             ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((job_id, kind, ticket_id)) = job else {
            return Ok(false);
        };
        // Done first: the handler may schedule the next job of the same kind.
        sqlx::query("UPDATE jobs SET done_at = now() WHERE id = $1")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        let outcome = match kind.as_str() {
            "escalate" => self.escalate(&mut tx, ticket_id).await?,
            "lease" => self.expire_lease(&mut tx, ticket_id).await?,
            "followup" => self.follow_up(&mut tx, ticket_id).await?,
            other => {
                warn!(
                    job = job_id,
                    kind = other,
                    "unknown job kind; marking it done"
                );
                "unknown kind"
            }
        };
        sqlx::query("UPDATE jobs SET outcome = $2 WHERE id = $1")
            .bind(job_id)
            .bind(outcome)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// First a reminder to the queue, then the supervisor queue.
    #[instrument(skip(self, tx))]
    async fn escalate(&self, tx: &mut PgConnection, ticket_id: i64) -> DeskResult<&'static str> {
        let ticket = fetch_by_id(tx, ticket_id).await?;
        let ticket = tickets::lock_ticket(tx, &ticket.code).await?;
        if ticket.status != TicketStatus::Open {
            return Ok("no longer open");
        }
        let routing = self.routing();
        if ticket.escalation == 0 {
            sqlx::query("UPDATE tickets SET escalation = 1, priority = priority + 1 WHERE id = $1")
                .bind(ticket.id)
                .execute(&mut *tx)
                .await?;
            log_event(tx, ticket.id, &Actor::System, "escalated", "대기열 알림").await?;
            let notice = notices::escalation_reminder(&ticket);
            tickets::notify_queue(tx, &ticket.queue, &notice, ticket.id).await?;
            self.schedule_escalation(tx, ticket.id, &ticket.queue, now())
                .await?;
            info!(code = %ticket.code, "escalated: queue reminded");
            Ok("reminded the queue")
        } else if ticket.queue != routing.supervisor_queue {
            let supervisor = routing.supervisor_queue.clone();
            sqlx::query(
                "UPDATE tickets SET escalation = 2, priority = priority + 1, queue = $2, \
                 announced_queue = NULL WHERE id = $1",
            )
            .bind(ticket.id)
            .bind(&supervisor)
            .execute(&mut *tx)
            .await?;
            let detail = format!("{} → {supervisor}: 응답 지연", ticket.queue);
            log_event(tx, ticket.id, &Actor::System, "escalated", &detail).await?;
            info!(code = %ticket.code, "escalated to the supervisor queue");
            Ok("moved to the supervisor queue")
        } else {
            Ok("already with supervisors")
        }
    }

    #[instrument(skip(self, tx))]
    async fn expire_lease(
        &self,
        tx: &mut PgConnection,
        ticket_id: i64,
    ) -> DeskResult<&'static str> {
        let ticket = fetch_by_id(tx, ticket_id).await?;
        if ticket.status != TicketStatus::Claimed {
            return Ok("no longer claimed");
        }
        self.release(tx, &ticket.code, &Actor::System, "상담원 응답 없음")
            .await?;
        Ok("released to the queue")
    }

    #[instrument(skip(self, tx))]
    async fn follow_up(&self, tx: &mut PgConnection, ticket_id: i64) -> DeskResult<&'static str> {
        let ticket = fetch_by_id(tx, ticket_id).await?;
        if ticket.status != TicketStatus::Resolved {
            return Ok("no longer resolved");
        }
        log_event(tx, ticket.id, &Actor::System, "followup", "").await?;
        outbox::enqueue(
            tx,
            ticket.requester_chat,
            &notices::followup(&ticket),
            Some(ticket.id),
        )
        .await?;
        info!(code = %ticket.code, "follow-up question sent");
        Ok("asked the SME")
    }
}
