//! The desk's timers, when they come due: an unclaimed ticket is escalated
//! (first a reminder to its queue, then the supervisor queue), a claimed
//! ticket whose consultant went quiet is released to its queue, and a
//! resolved ticket's SME is asked how it went. The jobs themselves are kept
//! by `jobs`; the ticket actions used here by `tickets`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tracing::{info, instrument, warn};

use super::jobs::{self, JobKind};
use super::notices;
use super::outbox;
use super::store::{fetch_by_id, lock_ticket, log_event, notify_queue};
use super::{now, Actor, Desk, DeskResult, TicketStatus};

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
        jobs::next_due(self.pool()).await
    }

    async fn run_one_due_job(&self) -> DeskResult<bool> {
        let mut tx = self.pool().begin().await?;
        let Some(job) = jobs::take_due(&mut tx, now()).await? else {
            return Ok(false);
        };
        let outcome = match &job.kind {
            Ok(JobKind::Escalate) => self.escalate(&mut tx, job.ticket_id).await?,
            Ok(JobKind::Lease) => self.expire_lease(&mut tx, job.ticket_id).await?,
            Ok(JobKind::Followup) => self.follow_up(&mut tx, job.ticket_id).await?,
            Ok(JobKind::CloseUnrated) => self.close_unrated(&mut tx, job.ticket_id).await?,
            Err(unknown) => {
                warn!(
                    job = job.id,
                    kind = %unknown,
                    "unknown job kind; marking it done"
                );
                "unknown kind"
            }
        };
        jobs::record_outcome(&mut tx, job.id, outcome).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// First a reminder to the queue, then the supervisor queue.
    #[instrument(skip(self, tx))]
    async fn escalate(&self, tx: &mut PgConnection, ticket_id: i64) -> DeskResult<&'static str> {
        let ticket = fetch_by_id(tx, ticket_id).await?;
        let ticket = lock_ticket(tx, &ticket.code).await?;
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
            let notice = notices::escalation_reminder(&self.texts(), &ticket);
            notify_queue(tx, &ticket.queue, &notice, ticket.id).await?;
            self.schedule_escalation(tx, ticket.id, &ticket.queue, now())
                .await?;
            info!(code = %ticket.code, "escalated: queue reminded");
            crate::telemetry::escalated();
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
            outbox::enqueue(
                tx,
                ticket.requester_chat,
                &notices::escalated(&self.texts(), &ticket),
                Some(ticket.id),
            )
            .await?;
            info!(code = %ticket.code, "escalated to the supervisor queue");
            crate::telemetry::escalated();
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
            &notices::followup(&self.texts(), &ticket),
            Some(ticket.id),
        )
        .await?;
        let close_at = self.routing().close_unrated_due(now());
        jobs::schedule(tx, ticket.id, JobKind::CloseUnrated, close_at).await?;
        info!(code = %ticket.code, "follow-up question sent");
        Ok("asked the SME")
    }

    /// A resolved ticket the SME never rated: closed, without a rating.
    #[instrument(skip(self, tx))]
    async fn close_unrated(
        &self,
        tx: &mut PgConnection,
        ticket_id: i64,
    ) -> DeskResult<&'static str> {
        let ticket = fetch_by_id(tx, ticket_id).await?;
        let ticket = lock_ticket(tx, &ticket.code).await?;
        if ticket.status != TicketStatus::Resolved {
            return Ok("no longer resolved");
        }
        sqlx::query("UPDATE tickets SET status = 'closed', closed_at = now() WHERE id = $1")
            .bind(ticket.id)
            .execute(&mut *tx)
            .await?;
        log_event(
            tx,
            ticket.id,
            &Actor::System,
            "closed",
            "평가 없이 자동 종료",
        )
        .await?;
        info!(code = %ticket.code, "closed without a rating");
        Ok("closed unrated")
    }
}
