//! Claiming: a consultant takes a ticket of their queues, the next one
//! (priority, then age) or a named one. Exactly one consultant wins a
//! ticket, and nobody holds more than their capacity.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tracing::{info, instrument};

use super::consultants::{lock_active as lock_consultant, Consultant};
use super::store::{fetch_by_id, lock_ticket, Ticket};
use super::{notices, now, Actor, Desk, DeskAction, DeskError, DeskResult, TicketStatus};

/// Claims the next ticket for the active consultant with messenger id $1 at
/// $2, in one statement: the first open ticket of their queues not locked by
/// another claim; a seat on their row (`held < capacity`, re-checked by
/// PostgreSQL after waiting for their own concurrent claim); the event; the
/// lease (due times per queue in $3/$4, $6 for a queue routing no longer
/// has); and the SME's notice (template $5: consultant, code). Nothing if
/// they are unknown, inactive, at capacity, or their queues are empty.
const CLAIM_NEXT: &str = "\
    WITH c AS (SELECT id, queues FROM consultants WHERE messenger_id = $1 AND active), \
         pick AS (SELECT t.id FROM tickets t, c \
                  WHERE t.status = 'open' AND t.queue = ANY(c.queues) \
                  ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED), \
         seat AS (UPDATE consultants k SET held = k.held + 1 FROM pick, c \
                  WHERE k.id = c.id AND k.held < k.capacity RETURNING k.id, k.name), \
         claimed AS (UPDATE tickets t SET status = 'claimed', consultant_id = seat.id, claimed_at = $2 \
                     FROM pick, seat WHERE t.id = pick.id \
                     RETURNING t.*, seat.name AS consultant_name), \
         event AS (INSERT INTO ticket_events (ticket_id, actor, kind) \
                   SELECT id, 'consultant:' || consultant_id || ':' || consultant_name, 'claimed' \
                   FROM claimed), \
         lease AS (INSERT INTO jobs (kind, ticket_id, due_at) \
                   SELECT 'lease', claimed.id, coalesce( \
                       (SELECT d.due FROM unnest($3::text[], $4::timestamptz[]) AS d(queue, due) \
                        WHERE d.queue = claimed.queue), $6) \
                   FROM claimed \
                   ON CONFLICT (ticket_id, kind) WHERE done_at IS NULL \
                   DO UPDATE SET due_at = EXCLUDED.due_at), \
         notice AS (INSERT INTO outbox (chat_id, body, ticket_id) \
                    SELECT requester_chat, format($5, consultant_name, code), id FROM claimed) \
    SELECT id, code, requester_chat, company, region, category, description, contact, \
      business_number, queue, status, priority, consultant_id, consultant_name, \
      $1::bigint AS consultant_messenger, escalation, rating, created_at, claimed_at, \
      resolved_at, closed_at \
    FROM claimed";

impl Desk {
    /// Claims the next ticket of the consultant's queues: highest priority
    /// first, then the oldest. `None` when the queues are empty.
    ///
    /// The hot path of the desk, one statement ([`CLAIM_NEXT`]): the
    /// `SKIP LOCKED` pick, the seat on the consultant's row, the update, the
    /// event, the lease and the SME's notice.
    #[instrument(skip(self))]
    pub async fn claim_next(&self, messenger_id: i64) -> DeskResult<Option<Ticket>> {
        // One statement, so no explicit transaction: it commits on its own.
        let mut connection = self.pool().acquire().await?;
        self.claim_next_in(&mut connection, messenger_id).await
    }

    /// [`Desk::claim_next`] inside the caller's transaction.
    pub async fn claim_next_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<Option<Ticket>> {
        let at = now();
        let routing = self.routing();
        let (queues, dues): (Vec<&str>, Vec<DateTime<Utc>>) = routing
            .queues
            .iter()
            .map(|q| (q.id.as_str(), routing.lease_expires(&q.id, at)))
            .unzip();
        let fallback_due = routing.lease_expires(&routing.fallback_queue().id, at);
        let claimed: Option<Ticket> = sqlx::query_as(CLAIM_NEXT)
            .bind(messenger_id)
            .bind(at)
            .bind(&queues)
            .bind(&dues)
            .bind(notices::claimed_template(&self.texts()))
            .bind(fallback_due)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(ticket) = claimed else {
            // Nothing taken: say why, unless the queues are just empty.
            let consultant = lock_consultant(&mut *tx, messenger_id).await?;
            check_capacity(&mut *tx, &consultant).await?;
            return Ok(None);
        };
        info!(code = %ticket.code, consultant = ?ticket.consultant_id, "ticket claimed");
        Ok(Some(ticket))
    }

    /// The event, the lease and the SME's notice of a claim, in one statement.
    async fn record_claim(
        &self,
        tx: &mut PgConnection,
        ticket: &Ticket,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> DeskResult<()> {
        let routing = self.routing();
        let lease_due = routing.lease_expires(&ticket.queue, at);
        let notice = notices::claimed(
            &self.texts(),
            ticket,
            ticket.consultant_name.as_deref().unwrap_or(""),
        );
        sqlx::query(
            "WITH event AS (INSERT INTO ticket_events (ticket_id, actor, kind) VALUES ($1, $2, 'claimed')), \
                  lease AS (INSERT INTO jobs (kind, ticket_id, due_at) VALUES ('lease', $1, $3) \
                            ON CONFLICT (ticket_id, kind) WHERE done_at IS NULL \
                            DO UPDATE SET due_at = EXCLUDED.due_at) \
             INSERT INTO outbox (chat_id, body, buttons, ticket_id) VALUES ($4, $5, $6, $1)",
        )
        .bind(ticket.id)
        .bind(actor.to_string())
        .bind(lease_due)
        .bind(ticket.requester_chat)
        .bind(&notice.body)
        .bind(sqlx::types::Json(&notice.buttons))
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Claims the ticket `code`. Of two consultants pressing at once, one
    /// gets it and the other is told who did.
    #[instrument(skip(self))]
    pub async fn claim(&self, messenger_id: i64, code: &str) -> DeskResult<Ticket> {
        let mut tx = self.pool().begin().await?;
        let result = self.claim_in(&mut tx, messenger_id, code).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// [`Desk::claim`] inside the caller's transaction.
    pub async fn claim_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
    ) -> DeskResult<Ticket> {
        let consultant = lock_consultant(&mut *tx, messenger_id).await?;
        let ticket = lock_ticket(&mut *tx, code).await?;
        match ticket.status {
            TicketStatus::Open => {}
            TicketStatus::Claimed => {
                return Err(DeskError::AlreadyClaimed {
                    code: ticket.code,
                    by: ticket.consultant_name.unwrap_or_default(),
                })
            }
            other => {
                return Err(DeskError::WrongStatus {
                    code: ticket.code,
                    status: other,
                    action: DeskAction::Claim,
                })
            }
        }
        if !self.may_work_on(&consultant, &ticket.queue) {
            return Err(DeskError::NotYourQueue {
                code: ticket.code,
                queue: ticket.queue,
            });
        }
        check_capacity(&mut *tx, &consultant).await?;
        let ticket = self.take(&mut *tx, ticket.id, &consultant).await?;
        info!(code = %ticket.code, consultant = consultant.id, "ticket claimed");
        Ok(ticket)
    }

    async fn take(
        &self,
        tx: &mut PgConnection,
        id: i64,
        consultant: &Consultant,
    ) -> DeskResult<Ticket> {
        let at = now();
        sqlx::query(
            "UPDATE tickets SET status = 'claimed', consultant_id = $2, claimed_at = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(consultant.id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        // The seat (the caller holds the consultant's row and checked capacity).
        sqlx::query("UPDATE consultants SET held = held + 1 WHERE id = $1")
            .bind(consultant.id)
            .execute(&mut *tx)
            .await?;
        let ticket = fetch_by_id(tx, id).await?;
        self.record_claim(tx, &ticket, &consultant.actor(), at)
            .await?;
        Ok(ticket)
    }
}

async fn check_capacity(tx: &mut PgConnection, consultant: &Consultant) -> DeskResult<()> {
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tickets WHERE consultant_id = $1 AND status = 'claimed'",
    )
    .bind(consultant.id)
    .fetch_one(&mut *tx)
    .await?;
    if held >= i64::from(consultant.capacity) {
        return Err(DeskError::AtCapacity {
            capacity: consultant.capacity,
        });
    }
    Ok(())
}
