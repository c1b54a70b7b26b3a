//! What people see of tickets: one ticket with its history (to a consultant
//! only if it is in their queues or theirs), lists by filter, a consultant's
//! tickets and queue, an SME's tickets. Reads only.

use sqlx::PgConnection;
use tracing::{info, instrument};

use super::store::{Ticket, TicketDetail, SELECT_TICKET};
use super::{Desk, DeskError, DeskResult, TicketStatus};

/// Which tickets `list` returns.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<String>,
    pub queue: Option<String>,
    pub requester_chat: Option<i64>,
    pub limit: i64,
}

impl Desk {
    /// A ticket with its event log and transcript.
    pub async fn show(&self, code: &str) -> DeskResult<TicketDetail> {
        self.on_connection(async |conn| self.show_in(conn, code).await)
            .await
    }

    /// [`Desk::show`] on the caller's connection (or transaction).
    pub async fn show_in(&self, conn: &mut PgConnection, code: &str) -> DeskResult<TicketDetail> {
        let ticket: Ticket = sqlx::query_as(&format!("{SELECT_TICKET} WHERE t.code = $1"))
            .bind(code.trim())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| DeskError::UnknownTicket(code.trim().to_string()))?;
        let events = sqlx::query_as(
            "SELECT at, actor, kind, detail FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket.id)
        .fetch_all(&mut *conn)
        .await?;
        let messages = sqlx::query_as(
            "SELECT m.at, m.author, c.name AS consultant_name, m.body FROM ticket_messages m \
             LEFT JOIN consultants c ON c.id = m.consultant_id WHERE m.ticket_id = $1 ORDER BY m.id",
        )
        .bind(ticket.id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(TicketDetail {
            ticket,
            events,
            messages,
        })
    }

    /// A ticket as the consultant `messenger_id` may see it: one of their
    /// queues' (the rule of claiming) or one they hold. Any other ticket is
    /// refused with the same words as one that does not exist, so nothing
    /// of it shows.
    #[instrument(skip(self, conn))]
    pub async fn show_to(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
        code: &str,
    ) -> DeskResult<TicketDetail> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        let hidden = || DeskError::NotVisible(code.trim().to_string());
        let detail = match self.show_in(conn, code).await {
            Ok(detail) => detail,
            Err(DeskError::UnknownTicket(_)) => return Err(hidden()),
            Err(e) => return Err(e),
        };
        let ticket = &detail.ticket;
        if !self.may_work_on(&consultant, &ticket.queue)
            && ticket.consultant_id != Some(consultant.id)
        {
            info!(code = %ticket.code, consultant = consultant.id, "refused to show a ticket outside the consultant's queues");
            return Err(hidden());
        }
        Ok(detail)
    }

    /// Tickets by filter, newest first.
    pub async fn list(&self, filter: &TicketFilter) -> DeskResult<Vec<Ticket>> {
        if let Some(status) = &filter.status {
            status.parse::<TicketStatus>().map_err(DeskError::Invalid)?;
        }
        let limit = if filter.limit <= 0 { 50 } else { filter.limit };
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE ($1::text IS NULL OR t.status = $1) \
             AND ($2::text IS NULL OR t.queue = $2) AND ($3::bigint IS NULL OR t.requester_chat = $3) \
             ORDER BY t.id DESC LIMIT $4"
        ))
        .bind(&filter.status)
        .bind(&filter.queue)
        .bind(filter.requester_chat)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// The tickets a consultant holds now.
    pub async fn held_by(&self, messenger_id: i64) -> DeskResult<Vec<Ticket>> {
        self.on_connection(async |conn| self.held_by_in(conn, messenger_id).await)
            .await
    }

    /// [`Desk::held_by`] on the caller's connection (or transaction).
    pub async fn held_by_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<Vec<Ticket>> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.consultant_id = $1 AND t.status = 'claimed' ORDER BY t.claimed_at"
        ))
        .bind(consultant.id)
        .fetch_all(conn)
        .await?)
    }

    /// The open tickets of a consultant's queues, in claim order.
    pub async fn waiting_for_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<Vec<Ticket>> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.status = 'open' AND t.queue = ANY($1) \
             ORDER BY t.priority DESC, t.created_at, t.id LIMIT 50"
        ))
        .bind(&consultant.queues)
        .fetch_all(conn)
        .await?)
    }

    /// The tickets an SME opened, newest first.
    pub async fn tickets_of_requester_in(
        &self,
        conn: &mut PgConnection,
        requester_chat: i64,
        limit: i64,
    ) -> DeskResult<Vec<Ticket>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.requester_chat = $1 ORDER BY t.id DESC LIMIT $2"
        ))
        .bind(requester_chat)
        .bind(limit)
        .fetch_all(conn)
        .await?)
    }

    /// The SME's ticket a person is on or will be: claimed first, else the
    /// newest waiting one (reopened tickets wait again). Their plain
    /// messages join it.
    pub async fn active_ticket_of_requester_in(
        &self,
        conn: &mut PgConnection,
        requester_chat: i64,
    ) -> DeskResult<Option<Ticket>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.requester_chat = $1 AND t.status IN ('open', 'claimed') \
             ORDER BY (t.status = 'claimed') DESC, t.id DESC LIMIT 1"
        ))
        .bind(requester_chat)
        .fetch_optional(conn)
        .await?)
    }

    /// `/search`: the tickets a consultant may work on (their queues, what
    /// they hold; every queue for a supervisor) in which every word of
    /// `words` appears in the code, the company, the description or the
    /// transcript, newest first.
    pub async fn search_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
        words: &str,
        limit: i64,
    ) -> DeskResult<Vec<Ticket>> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        let everywhere = consultant
            .queues
            .iter()
            .any(|q| *q == self.routing().supervisor_queue);
        let patterns: Vec<String> = words
            .split_whitespace()
            .map(|word| {
                let escaped = word
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
            .collect();
        if patterns.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE ($2 OR t.queue = ANY($3) OR t.consultant_id = $4) \
             AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(p) WHERE NOT ( \
                 t.code ILIKE w.p OR t.company ILIKE w.p OR t.description ILIKE w.p \
                 OR EXISTS (SELECT 1 FROM ticket_messages m \
                            WHERE m.ticket_id = t.id AND m.body ILIKE w.p))) \
             ORDER BY t.id DESC LIMIT $5"
        ))
        .bind(&patterns)
        .bind(everywhere)
        .bind(&consultant.queues)
        .bind(consultant.id)
        .bind(limit)
        .fetch_all(conn)
        .await?)
    }
}
