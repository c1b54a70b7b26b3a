//! Claiming: a consultant takes a ticket of their queues, the next one
//! (priority, then age) or a named one. Exactly one consultant wins a
//! ticket, and nobody holds more than their capacity.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tracing::{info, instrument};

use super::consultants::{lock_active as lock_consultant, Consultant};
use super::store::{lock_ticket, Ticket};
use super::{notices, now, outbox, Desk, DeskAction, DeskError, DeskResult, TicketStatus};
use crate::protocol::{Press, Reply};

/// One claim statement around a `pick` of the ticket: for the active
/// consultant with messenger id $1 at $2, a seat on their row (`held <
/// capacity`, re-checked by PostgreSQL after waiting for their own concurrent
/// claim); the ticket's update; the event; the lease (due times per queue in
/// $3/$4, $6 for a queue routing no longer has); and the SME's notice
/// (template $5: consultant, code). Nothing if the pick finds nothing or
/// every seat is taken. Both ways of claiming go through it, so a claim
/// always has the same effects.
macro_rules! claim_statement {
    ($pick:literal) => {
        concat!(
            "WITH c AS (SELECT id, queues FROM consultants WHERE messenger_id = $1 AND active), \
                  pick AS (", $pick, "), \
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
               business_number, details, queue, status, priority, consultant_id, consultant_name, \
               $1::bigint AS consultant_messenger, escalation, rating, created_at, claimed_at, \
               resolved_at, closed_at \
             FROM claimed"
        )
    };
}

/// The hot path: the first open ticket of the consultant's queues (priority,
/// then age) that no other claim has locked.
const CLAIM_NEXT: &str = claim_statement!(
    "SELECT t.id FROM tickets t, c \
     WHERE t.status = 'open' AND t.queue = ANY(c.queues) \
     ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED"
);

/// The ticket with code $7, which the caller has locked and checked.
const CLAIM_NAMED: &str =
    claim_statement!("SELECT t.id FROM tickets t WHERE t.code = $7 AND t.status = 'open'");

impl Desk {
    /// Claims the next ticket of the consultant's queues: highest priority
    /// first, then the oldest. `None` when the queues are empty.
    ///
    /// The hot path of the desk, one statement ([`CLAIM_NEXT`]): the
    /// `SKIP LOCKED` pick, the seat on the consultant's row, the update, the
    /// event, the lease and the SME's notice; then the edits of the
    /// ticket's cards.
    #[instrument(skip(self))]
    pub async fn claim_next(&self, messenger_id: i64) -> DeskResult<Option<Ticket>> {
        self.in_transaction(async |tx| self.claim_next_in(tx, messenger_id).await)
            .await
    }

    /// [`Desk::claim_next`] inside the caller's transaction.
    pub async fn claim_next_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<Option<Ticket>> {
        let claimed = self.run_claim(tx, messenger_id, None).await?;
        let Some(ticket) = claimed else {
            // Nothing taken: say why, unless the queues are just empty.
            let consultant = lock_consultant(&mut *tx, messenger_id).await?;
            check_capacity(&consultant)?;
            return Ok(None);
        };
        info!(code = %ticket.code, consultant = ?ticket.consultant_id, "ticket claimed");
        crate::telemetry::claimed();
        self.mark_cards_taken(tx, &ticket).await?;
        Ok(Some(ticket))
    }

    /// Every consultant's card (and reminder) of the just claimed `ticket`
    /// is edited to say who took it, its buttons removed.
    async fn mark_cards_taken(&self, tx: &mut PgConnection, ticket: &Ticket) -> DeskResult<()> {
        let texts = self.texts();
        let consultant = ticket.consultant_name.as_deref().unwrap_or_default();
        let claim = Press::Claim(ticket.code.clone());
        for card in outbox::carrying(&mut *tx, ticket.id, &claim).await? {
            let body = texts.fill(
                "consultant_card_taken",
                &[("card", &card.body), ("consultant", &consultant)],
            );
            outbox::enqueue_edit(&mut *tx, card.id, &Reply::text(body)).await?;
        }
        Ok(())
    }

    /// Runs the claim statement: the next ticket, or the one named `code`.
    async fn run_claim(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: Option<&str>,
    ) -> DeskResult<Option<Ticket>> {
        let at = now();
        let routing = self.routing();
        let (queues, dues): (Vec<&str>, Vec<DateTime<Utc>>) = routing
            .queues
            .iter()
            .map(|q| (q.id.as_str(), routing.lease_expires(&q.id, at)))
            .unzip();
        let fallback_due = routing.lease_expires(&routing.fallback_queue().id, at);
        let statement = if code.is_some() {
            CLAIM_NAMED
        } else {
            CLAIM_NEXT
        };
        let mut query = sqlx::query_as(statement)
            .bind(messenger_id)
            .bind(at)
            .bind(queues)
            .bind(dues)
            .bind(notices::claimed_template(&self.texts()))
            .bind(fallback_due);
        if let Some(code) = code {
            query = query.bind(code);
        }
        Ok(query.fetch_optional(&mut *tx).await?)
    }

    /// Claims the ticket `code`. Of two consultants pressing at once, one
    /// gets it and the other is told who did.
    #[instrument(skip(self))]
    pub async fn claim(&self, messenger_id: i64, code: &str) -> DeskResult<Ticket> {
        self.in_transaction(async |tx| self.claim_in(tx, messenger_id, code).await)
            .await
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
        check_capacity(&consultant)?;
        let ticket = self
            .run_claim(tx, messenger_id, Some(&ticket.code))
            .await?
            .ok_or(DeskError::AtCapacity {
                capacity: consultant.capacity,
            })?;
        info!(code = %ticket.code, consultant = consultant.id, "ticket claimed");
        crate::telemetry::claimed();
        self.mark_cards_taken(tx, &ticket).await?;
        Ok(ticket)
    }
}

/// Refuses a claim when every seat of the consultant is taken (their row is
/// locked, so `held` is current).
fn check_capacity(consultant: &Consultant) -> DeskResult<()> {
    if consultant.at_capacity() {
        return Err(DeskError::AtCapacity {
            capacity: consultant.capacity,
        });
    }
    Ok(())
}
