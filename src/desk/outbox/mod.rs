//! The outbox: every message the desk sends is a row written in the same
//! transaction as the change that causes it. The sender (`sender.rs`, paced
//! by `pace.rs`) takes the oldest unsent message of each chat (so a chat's
//! messages keep their order), delivers it through a [`Channel`], and marks
//! it sent, many chats at once. A failure that may pass (the network, the
//! other side down, a rate limit) is retried with capped backoff for as long
//! as it takes; only a refusal that will never change (the user blocked the
//! bot) marks the row failed, and is reported. A row whose sender died is
//! free again at once. Text is cleaned of what Postgres or Telegram refuse
//! before it is stored; a text longer than one message is written as several.
//!
//! A row may also be an edit of a message sent before ([`enqueue_edit`]):
//! `edits` names the row that sent it, whose receipt (the Telegram message
//! id) the channel edits. The edit is written to the same chat, so it waits
//! behind its message like any other row and goes through the same sender
//! once; an edit of a message that was never delivered is dropped quietly,
//! and so is one the channel says no longer applies ("message is not
//! modified" counts as done).

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use tracing::{debug, warn};

pub use super::addressing::ChannelKind;
use crate::protocol::{without_control_characters, Attachment, Button, Press, Reply};

/// The longest message Telegram takes, in characters.
pub const MAX_BODY_CHARS: usize = 4096;

/// Writes a notice to `chat_id` into the outbox (part of the caller's transaction).
pub async fn enqueue(
    tx: &mut PgConnection,
    chat_id: i64,
    notice: &Reply,
    ticket_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    // A text longer than one message goes as several, in order, the
    // buttons under the last; its id is returned.
    let parts = split_body(&notice.body);
    let buttons = clean_buttons(&notice.buttons);
    let mut id = 0;
    for (n, part) in parts.iter().enumerate() {
        let last = n + 1 == parts.len();
        id = sqlx::query_scalar(
            "INSERT INTO outbox (chat_id, body, buttons, ticket_id) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(chat_id)
        .bind(part)
        .bind(Json(if last { &buttons[..] } else { &[] }))
        .bind(ticket_id)
        .fetch_one(&mut *tx)
        .await?;
    }
    Ok(id)
}

/// A message body as one or more messages Telegram takes: cleaned as by
/// [`clean_body`], and a text longer than [`MAX_BODY_CHARS`] split into
/// parts, at a line break (or else a space) in the second half of each.
pub fn split_body(body: &str) -> Vec<String> {
    let cleaned = without_control_characters(body);
    let mut rest = cleaned.trim_end();
    if rest.trim().is_empty() {
        return vec!["…".to_string()];
    }
    let mut parts = Vec::new();
    while rest.chars().count() > MAX_BODY_CHARS {
        let window_end = rest
            .char_indices()
            .nth(MAX_BODY_CHARS)
            .map_or(rest.len(), |(at, _)| at);
        let window = &rest[..window_end];
        let half = window
            .char_indices()
            .nth(MAX_BODY_CHARS / 2)
            .map_or(0, |(at, _)| at);
        let cut = window[half..]
            .rfind('\n')
            .or_else(|| window[half..].rfind(' '))
            .map_or(window_end, |at| half + at);
        let part = rest[..cut].trim_end();
        if !part.trim().is_empty() {
            parts.push(part.to_string());
        }
        rest = rest[cut..].trim_start_matches(['\n', ' ']);
    }
    if !rest.trim().is_empty() {
        parts.push(rest.to_string());
    }
    parts
}

/// Writes an edit of the message the outbox row `target` sent (part of the
/// caller's transaction): its text becomes `notice.body` and its buttons
/// `notice.buttons` (none removes the keyboard). The edit goes to the same
/// chat after everything written there before, so it waits until the
/// message is sent; it is dropped quietly if the message never was.
/// `None` when `target` is gone (pruned).
pub async fn enqueue_edit(
    tx: &mut PgConnection,
    target: i64,
    notice: &Reply,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO outbox (chat_id, body, buttons, ticket_id, edits, channel) \
         SELECT chat_id, $2, $3, ticket_id, id, channel FROM outbox WHERE id = $1 RETURNING id",
    )
    .bind(target)
    .bind(clean_body(&notice.body))
    .bind(Json(clean_buttons(&notice.buttons)))
    .fetch_optional(&mut *tx)
    .await
}

/// A message about a ticket whose buttons may have done their work.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Carrier {
    /// Its outbox row.
    pub id: i64,
    pub chat_id: i64,
    pub body: String,
}

/// The messages about `ticket_id`, to any chat, that carry a button of
/// `press` and were not edited yet (nor failed): the cards with 담당하기
/// once the ticket is claimed, the follow-up question once it is answered.
pub async fn carrying(
    tx: &mut PgConnection,
    ticket_id: i64,
    press: &Press,
) -> Result<Vec<Carrier>, sqlx::Error> {
    let pattern = serde_json::json!([[{ "data": press.to_string() }]]);
    sqlx::query_as(
        "SELECT o.id, o.chat_id, o.body FROM outbox o \
         WHERE o.ticket_id = $1 AND o.edits IS NULL AND o.failed_at IS NULL AND o.buttons @> $2 \
           AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.edits = o.id) \
         ORDER BY o.id",
    )
    .bind(ticket_id)
    .bind(Json(pattern))
    .fetch_all(&mut *tx)
    .await
}

/// An outbox row as written: its text and buttons.
#[derive(Debug, Clone)]
pub struct Written {
    pub body: String,
    pub buttons: Vec<Vec<Button>>,
}

/// The text and buttons of outbox row `id`, if it is still kept.
pub async fn row(tx: &mut PgConnection, id: i64) -> Result<Option<Written>, sqlx::Error> {
    let row: Option<(String, Json<Vec<Vec<Button>>>)> =
        sqlx::query_as("SELECT body, buttons FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.map(|(body, buttons)| Written {
        body,
        buttons: buttons.0,
    }))
}

/// `rows` as they can be stored and sent: labels and data on one line, no
/// control characters, no button Telegram would refuse, no empty row.
fn clean_buttons(rows: &[Vec<Button>]) -> Vec<Vec<Button>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|b| Button {
                    text: clean_line(&b.text),
                    data: clean_line(&b.data),
                    url: b.url.as_deref().map(clean_line),
                })
                .filter(|b| {
                    // Telegram refuses the whole message for one such button.
                    let fits = b.fits_telegram();
                    if !fits {
                        warn!(data = %b.data, url = ?b.url, "left out a button Telegram would refuse");
                    }
                    fits
                })
                .collect::<Vec<_>>()
        })
        .filter(|row| !row.is_empty())
        .collect()
}

/// Writes a file, location or contact card to send to `chat_id`, with its
/// caption, in the caller's transaction.
pub async fn enqueue_attachment(
    tx: &mut PgConnection,
    chat_id: i64,
    attachment: &Attachment,
    caption: &str,
    ticket_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO outbox (chat_id, body, buttons, ticket_id, attachment) \
         VALUES ($1, $2, '[]', $3, $4) RETURNING id",
    )
    .bind(chat_id)
    .bind(clean_caption(caption))
    .bind(ticket_id)
    .bind(Json(attachment))
    .fetch_one(&mut *tx)
    .await
}

/// Telegram's limit on a caption.
pub const MAX_CAPTION_CHARS: usize = 1024;

/// A caption as it can be stored and sent: like [`clean_body`], but at most
/// [`MAX_CAPTION_CHARS`] characters, and it may be empty.
pub fn clean_caption(caption: &str) -> String {
    let cleaned = without_control_characters(caption);
    let cleaned = cleaned.trim();
    if cleaned.chars().count() <= MAX_CAPTION_CHARS {
        return cleaned.to_string();
    }
    let mut cut: String = cleaned.chars().take(MAX_CAPTION_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A message body as it can be stored and sent: no NUL or other control
/// characters but line breaks and tabs, not empty, at most
/// [`MAX_BODY_CHARS`] characters (a longer one is cut with "…").
pub fn clean_body(body: &str) -> String {
    let cleaned = without_control_characters(body);
    let cleaned = cleaned.trim_end();
    if cleaned.trim().is_empty() {
        return "…".to_string();
    }
    if cleaned.chars().count() <= MAX_BODY_CHARS {
        return cleaned.to_string();
    }
    let mut cut: String = cleaned.chars().take(MAX_BODY_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn clean_line(text: &str) -> String {
    without_control_characters(text).replace('\n', "")
}

/// One message to deliver: a new one, or an edit of one sent before.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutgoingMessage {
    pub id: i64,
    pub chat_id: i64,
    /// The text, or the caption of `attachment` (which may be "").
    pub body: String,
    pub buttons: Json<Vec<Vec<Button>>>,
    pub attempts: i32,
    /// A file, location or contact card to send, by the messenger's id.
    pub attachment: Option<Json<Attachment>>,
    /// For an edit: the outbox row whose message it edits.
    pub edits: Option<i64>,
    /// For an edit: that row's receipt (the Telegram message id), if it
    /// was delivered.
    pub edit_of: Option<String>,
    /// For an edit: whether the text stays what that row sent (only the
    /// buttons change).
    pub keeps_text: bool,
}

impl OutgoingMessage {
    /// Whether this is an edit of a message that was never delivered
    /// (failed, or pruned): there is nothing to edit.
    pub fn edits_nothing(&self) -> bool {
        self.edits.is_some() && self.edit_of.is_none()
    }
}

/// The columns of an [`OutgoingMessage`] of the outbox row `m`.
macro_rules! outgoing_columns {
    () => {
        "m.id, m.chat_id, m.body, m.buttons, m.attempts, m.attachment, m.edits, \
         (SELECT t.receipt FROM outbox t WHERE t.id = m.edits AND t.sent_at IS NOT NULL) AS edit_of, \
         coalesce((SELECT t.body = m.body FROM outbox t WHERE t.id = m.edits), false) AS keeps_text"
    };
}

// After the macro, which they use.
mod pace;
mod sender;

pub use pace::PauseScope;
pub use sender::{backoff, run_sender, take_batch, SenderConfig, SenderSession};

/// Why a delivery failed.
#[derive(Debug, Clone)]
pub enum DeliveryError {
    /// Try again later (network down, the other side failing); `after` is
    /// the wait the other side asked for, if it did.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Too many messages (Telegram's 429): try again after `after`, and
    /// hold back what the limit applies to ([`PauseScope`]) until then.
    RateLimited { after: Duration },
    /// It will never work (the user blocked the bot, the chat is gone).
    Permanent(String),
    /// Nothing is left to do (an edit of a message that is gone or that
    /// cannot be edited any more): done, quietly.
    Moot(String),
}

/// Where messages go: Telegram, the console, a file.
pub trait Channel: Send + Sync + 'static {
    /// The rows this channel delivers: those addressed to it, never others.
    fn kind(&self) -> ChannelKind;

    /// Delivers one message; the `String` is a receipt (e.g. a message id).
    fn deliver(
        &self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = Result<String, DeliveryError>> + Send;
}

/// Delivers every undelivered message to `chat_id` addressed to `channel`
/// at once, oldest first, marking each sent with its receipt: for a channel
/// that shows messages the moment they exist (the console) instead of
/// running a sender. Stops at the first message the channel cannot take,
/// which stays undelivered. Returns how many were delivered.
pub async fn deliver_all_for_chat<C: Channel>(
    pool: &PgPool,
    chat_id: i64,
    channel: &C,
) -> Result<usize, sqlx::Error> {
    let waiting: Vec<OutgoingMessage> = sqlx::query_as(concat!(
        "SELECT ",
        outgoing_columns!(),
        " FROM outbox m WHERE m.sent_at IS NULL AND m.failed_at IS NULL \
           AND m.channel = $2 AND m.chat_id = $1 ORDER BY m.id"
    ))
    .bind(chat_id)
    .bind(channel.kind())
    .fetch_all(pool)
    .await?;
    let mut delivered = 0;
    // Receipts of this round: an edit read with its message sees them.
    let mut receipts: HashMap<i64, String> = HashMap::new();
    for message in &waiting {
        let mut message = message.clone();
        if let Some(receipt) = message.edits.and_then(|id| receipts.get(&id)) {
            message.edit_of = Some(receipt.clone());
        }
        let message = &message;
        if message.edits_nothing() {
            mark_moot(pool, message.id, NOTHING_TO_EDIT).await?;
            continue;
        }
        match channel.deliver(message).await {
            Ok(receipt) => {
                let recorded = mark_sent(pool, message.id, &receipt).await?;
                crate::telemetry::message_sent(channel.kind().as_str(), recorded.age);
                receipts.insert(message.id, receipt);
            }
            Err(DeliveryError::Moot(reason)) => mark_moot(pool, message.id, &reason).await?,
            Err(error) => {
                warn!(
                    outbox = message.id,
                    ?error,
                    "the channel did not take the message"
                );
                break;
            }
        }
        delivered += 1;
    }
    Ok(delivered)
}

/// How many messages to `chat_id` through `channel` wait to be delivered.
pub async fn pending_for_chat(
    pool: &PgPool,
    channel: ChannelKind,
    chat_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM outbox \
         WHERE sent_at IS NULL AND failed_at IS NULL AND channel = $2 AND chat_id = $1",
    )
    .bind(chat_id)
    .bind(channel)
    .fetch_one(pool)
    .await
}

/// A delivery recorded.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    /// How long after its writing the message went.
    pub age: Duration,
    /// Whether more messages of the same chat and channel wait behind it
    /// (the sender looks for work again only when something may be there).
    pub more_waiting: bool,
}

/// Records a delivery.
///
/// Committed without waiting for the disk (`synchronous_commit` off for this
/// one transaction): the record is visible to every sender at once, and the
/// sooner it is, the fewer replies a `kill -9` of this process can send
/// twice. Only a crash of PostgreSQL itself within a fraction of a second
/// could lose it, and then the message is sent again, never lost.
pub async fn mark_sent(pool: &PgPool, id: i64, receipt: &str) -> Result<Recorded, sqlx::Error> {
    let row: Option<(f64, bool)> = sqlx::query_as(
        "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) \
         UPDATE outbox o SET sent_at = now(), receipt = $2, locked_until = NULL, locked_by = NULL \
         FROM relaxed WHERE o.id = $1 \
         RETURNING extract(epoch FROM clock_timestamp() - o.created_at)::float8, \
           EXISTS (SELECT 1 FROM outbox h WHERE h.chat_id = o.chat_id AND h.channel = o.channel \
                   AND h.sent_at IS NULL AND h.failed_at IS NULL AND h.id <> o.id)",
    )
    .bind(id)
    .bind(receipt)
    .fetch_optional(pool)
    .await?;
    let (age, more_waiting) = row.unwrap_or((0.0, false));
    Ok(Recorded {
        age: Duration::from_secs_f64(age.max(0.0)),
        more_waiting,
    })
}

/// Why an edit of a message that was never delivered is dropped.
const NOTHING_TO_EDIT: &str = "the message to edit was never delivered";

/// Takes a row out of the queue without a delivery: nothing was left to do
/// (an edit of a message that is gone). Kept like a sent row, with the
/// reason and no receipt, and pruned with them.
pub async fn mark_moot(pool: &PgPool, id: i64, reason: &str) -> Result<(), sqlx::Error> {
    debug!(outbox = id, %reason, "nothing to deliver");
    sqlx::query(
        "UPDATE outbox SET sent_at = now(), receipt = NULL, last_error = $2, \
         locked_until = NULL, locked_by = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes delivered messages older than `keep` (the transcript keeps the
/// conversation); keeps the queue table small.
pub async fn prune(pool: &PgPool, keep: Duration) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM outbox WHERE sent_at < now() - $1 * interval '1 millisecond'")
            .bind(keep.as_millis() as i64)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_split_into_messages_telegram_takes_and_nothing_is_lost() {
        assert_eq!(split_body("짧은 글"), ["짧은 글"]);
        assert_eq!(split_body("  \u{0}"), ["…"]);
        let exact = "가".repeat(MAX_BODY_CHARS);
        assert_eq!(split_body(&exact), std::slice::from_ref(&exact));
        let header = "[2026-000001 · 한빛정밀]\n";
        let relayed = format!("{header}{}", "나다 ".repeat(1400));
        let parts = split_body(&relayed);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_BODY_CHARS));
        assert_eq!(parts.join(" "), relayed.trim_end());
        let unbroken = "가".repeat(MAX_BODY_CHARS * 2 + 1);
        let parts = split_body(&unbroken);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), unbroken);
    }
}
