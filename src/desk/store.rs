//! The ticket store: tickets, their event log and transcript as typed rows,
//! and the statements that read, lock and append to them one ticket at a
//! time. The actions on tickets (`tickets`) and the timers (`timers`) are
//! built on it; it knows nothing of either.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::outbox;
use super::{Actor, DeskError, DeskResult, TicketStatus};
use crate::protocol::{Attachment, Reply};

/// A ticket as stored, with its consultant's name.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Ticket {
    pub id: i64,
    pub code: String,
    pub requester_chat: i64,
    pub company: String,
    pub region: String,
    pub category: String,
    pub description: String,
    pub contact: String,
    pub business_number: Option<String>,
    /// Every slot the SME's flow collected, in the order it asked them.
    #[sqlx(json)]
    pub details: Vec<Detail>,
    pub queue: String,
    #[sqlx(try_from = "String")]
    pub status: TicketStatus,
    pub priority: i32,
    pub consultant_id: Option<i64>,
    pub consultant_name: Option<String>,
    pub consultant_messenger: Option<i64>,
    pub escalation: i32,
    pub rating: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// One answer of the flow a ticket was opened by: the slot it was kept
/// in, what the flow calls it, and the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub slot: String,
    pub label: String,
    pub value: String,
}

/// The slots every ticket has a column for (shown by their own labels).
pub const COLUMN_SLOTS: &[&str] = &[
    "company",
    "region",
    "category",
    "description",
    "contact",
    "business_number",
];

impl Ticket {
    /// The details beyond the ticket's own columns: what an admin's flow
    /// asked besides the intake's usual questions.
    pub fn extra_details(&self) -> impl Iterator<Item = &Detail> {
        self.details
            .iter()
            .filter(|d| !COLUMN_SLOTS.contains(&d.slot.as_str()))
    }
}

/// One line of the event log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

/// One message of the transcript.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Message {
    pub at: DateTime<Utc>,
    pub author: String,
    pub consultant_name: Option<String>,
    /// The text, or a file's caption ("" when none).
    pub body: String,
    /// A file, location or contact card, by the messenger's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment: Option<sqlx::types::Json<Attachment>>,
}

/// A ticket with its whole history.
#[derive(Debug, Clone, Serialize)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub events: Vec<Event>,
    pub messages: Vec<Message>,
}

pub(super) const SELECT_TICKET: &str =
    "SELECT t.id, t.code, t.requester_chat, t.company, t.region, \
     t.category, t.description, t.contact, t.business_number, t.details, t.queue, t.status, t.priority, \
     t.consultant_id, c.name AS consultant_name, c.messenger_id AS consultant_messenger, \
     t.escalation, t.rating, t.created_at, t.claimed_at, t.resolved_at, t.closed_at \
     FROM tickets t LEFT JOIN consultants c ON c.id = t.consultant_id";

/// The ticket `code`, locked for this transaction. It is read again after
/// the lock is granted, so a change committed meanwhile (say, a rival's
/// claim) is seen whole, consultant name included.
pub(super) async fn lock_ticket(tx: &mut PgConnection, code: &str) -> DeskResult<Ticket> {
    let code = code.trim();
    let id: i64 = sqlx::query_scalar("SELECT id FROM tickets WHERE code = $1 FOR UPDATE")
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DeskError::UnknownTicket(code.to_string()))?;
    fetch_by_id(tx, id).await
}

pub(super) async fn fetch_by_id(tx: &mut PgConnection, id: i64) -> DeskResult<Ticket> {
    Ok(sqlx::query_as(&format!("{SELECT_TICKET} WHERE t.id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?)
}

pub(super) async fn log_event(
    tx: &mut PgConnection,
    ticket_id: i64,
    actor: &Actor,
    kind: &str,
    detail: &str,
) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, actor, kind, detail) VALUES ($1, $2, $3, $4)",
    )
    .bind(ticket_id)
    .bind(actor.to_string())
    .bind(kind)
    .bind(detail)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(super) async fn add_message(
    tx: &mut PgConnection,
    ticket_id: i64,
    author: &str,
    consultant_id: Option<i64>,
    body: &str,
) -> DeskResult<()> {
    add_message_with(tx, ticket_id, author, consultant_id, body, None).await
}

/// [`add_message`] with a file, location or contact card (`body` is its caption).
pub(super) async fn add_message_with(
    tx: &mut PgConnection,
    ticket_id: i64,
    author: &str,
    consultant_id: Option<i64>,
    body: &str,
    attachment: Option<&Attachment>,
) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO ticket_messages (ticket_id, author, consultant_id, body, attachment) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ticket_id)
    .bind(author)
    .bind(consultant_id)
    .bind(body)
    .bind(attachment.map(sqlx::types::Json))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sends a notice to every active consultant of `queue`.
pub(super) async fn notify_queue(
    tx: &mut PgConnection,
    queue: &str,
    notice: &Reply,
    ticket_id: i64,
) -> DeskResult<usize> {
    let chats: Vec<i64> = sqlx::query_scalar(
        "SELECT messenger_id FROM consultants WHERE active AND NOT away AND $1 = ANY(queues) \
         ORDER BY id",
    )
    .bind(queue)
    .fetch_all(&mut *tx)
    .await?;
    for chat in &chats {
        outbox::enqueue(tx, *chat, notice, Some(ticket_id)).await?;
    }
    Ok(chats.len())
}
