//! The outbox: every message the desk sends is a row written in the same
//! transaction as the change that causes it. The sender takes the oldest
//! unsent message of each chat (so a chat's messages keep their order),
//! delivers it through a [`Channel`], and marks it sent. A failure that may
//! pass (the network, the other side down, a rate limit) is retried with
//! capped backoff for as long as it takes; only a refusal that will never
//! change (the user blocked the bot) marks the row failed, and is reported.
//! A row a sender took but never finished (a crash) is taken again once its
//! lock runs out. Text is cleaned of what Postgres or Telegram refuse before
//! it is stored; a text longer than one message is written as several.
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
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::{watch, Mutex};
use tracing::{debug, error, info_span, warn, Instrument};

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

/// Why a delivery failed.
#[derive(Debug, Clone)]
pub enum DeliveryError {
    /// Try again later (network down, rate limited); `after` is the wait the
    /// other side asked for, if it did.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
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

/// How fast and how persistently the sender works.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// At most this many messages per second overall (Telegram: about 30).
    pub global_per_second: u32,
    /// At least this long between two messages to one chat (Telegram: 1 s).
    pub per_chat_interval: Duration,
    /// How many messages one round takes.
    pub batch: i64,
    /// The longest wait between two tries of a delivery that failed.
    pub max_backoff: Duration,
    /// How long a taken message stays reserved to this sender.
    pub lock_for: Duration,
    /// How often to look for work when nothing wakes the sender.
    pub poll_every: Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            global_per_second: 30,
            per_chat_interval: Duration::from_secs(1),
            batch: 64,
            max_backoff: Duration::from_secs(60),
            lock_for: Duration::from_secs(60),
            poll_every: Duration::from_secs(1),
        }
    }
}

/// The advisory-lock namespace of senders: a running sender holds
/// `pg_advisory_lock(SENDER_LOCKS, its id)` on a session of its own.
const SENDER_LOCKS: i32 = 7391;

/// A sender's claim to be alive: an advisory lock held on its own
/// connection. When the process dies, the connection and the lock go, and
/// the messages it had taken are free again at once.
pub struct SenderSession {
    pub id: i32,
    _connection: sqlx::PgConnection,
}

impl SenderSession {
    pub async fn start(pool: &PgPool) -> Result<Self, sqlx::Error> {
        // Out of the pool: when the session ends, the connection closes and
        // the lock with it.
        let mut connection = pool.acquire().await?.detach();
        loop {
            let id = (rand_u32() >> 1) as i32;
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
                .bind(SENDER_LOCKS)
                .bind(id)
                .fetch_one(&mut connection)
                .await?;
            if locked {
                return Ok(Self {
                    id,
                    _connection: connection,
                });
            }
        }
    }
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    hasher.finish() as u32
}

/// Takes up to `limit` deliverable messages addressed to `channel`: the
/// head of each chat's queue, not held by another live sender.
pub async fn take_batch(
    pool: &PgPool,
    channel: ChannelKind,
    session: &SenderSession,
    limit: i64,
    lock_for: Duration,
) -> Result<Vec<OutgoingMessage>, sqlx::Error> {
    sqlx::query_as(concat!(
        "WITH live AS (SELECT objid::bigint AS sender FROM pg_locks \
                       WHERE locktype = 'advisory' AND classid = $4 AND objsubid = 2 AND granted) \
         UPDATE outbox m SET locked_until = now() + $2 * interval '1 millisecond', locked_by = $3, \
                attempts = m.attempts + 1 \
         WHERE m.id IN ( \
           SELECT o.id FROM outbox o \
           WHERE o.channel = $5 AND o.sent_at IS NULL AND o.failed_at IS NULL \
             AND o.not_before <= now() \
             AND (o.locked_until IS NULL OR o.locked_until < now() \
                  OR o.locked_by IS NULL OR o.locked_by NOT IN (SELECT sender FROM live)) \
             AND o.id = (SELECT min(h.id) FROM outbox h \
                         WHERE h.channel = o.channel AND h.chat_id = o.chat_id \
                           AND h.sent_at IS NULL AND h.failed_at IS NULL) \
           ORDER BY o.id LIMIT $1 FOR UPDATE SKIP LOCKED) \
         RETURNING ",
        outgoing_columns!()
    ))
    .bind(limit)
    .bind(lock_for.as_millis() as i64)
    .bind(i64::from(session.id))
    .bind(SENDER_LOCKS)
    .bind(channel)
    .fetch_all(pool)
    .await
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
                let age = mark_sent(pool, message.id, &receipt).await?;
                crate::telemetry::message_sent(channel.kind().as_str(), age);
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

/// Records a delivery; returns how long after its writing it went.
pub async fn mark_sent(pool: &PgPool, id: i64, receipt: &str) -> Result<Duration, sqlx::Error> {
    let age: Option<f64> = sqlx::query_scalar(
        "UPDATE outbox SET sent_at = now(), receipt = $2, locked_until = NULL, locked_by = NULL \
         WHERE id = $1 RETURNING extract(epoch FROM clock_timestamp() - created_at)::float8",
    )
    .bind(id)
    .bind(receipt)
    .fetch_optional(pool)
    .await?;
    Ok(Duration::from_secs_f64(age.unwrap_or(0.0).max(0.0)))
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

async fn mark_failed(
    pool: &PgPool,
    message: &OutgoingMessage,
    error: &DeliveryError,
    config: &SenderConfig,
) -> Result<(), sqlx::Error> {
    let (reason, wait, permanent) = match error {
        DeliveryError::Permanent(reason) => (reason.clone(), Duration::ZERO, true),
        DeliveryError::Moot(reason) => return mark_moot(pool, message.id, reason).await,
        DeliveryError::Retry { reason, after } => {
            let backoff = backoff(message.attempts, config.max_backoff);
            (
                reason.clone(),
                after.map_or(backoff, |a| a.max(backoff)),
                false,
            )
        }
    };
    if permanent {
        error!(outbox = message.id, chat = message.chat_id, %reason, "delivery refused for good; the message is kept as failed");
    } else {
        warn!(outbox = message.id, attempts = message.attempts, ?wait, %reason, "delivery failed; will retry");
    }
    sqlx::query(
        "UPDATE outbox SET locked_until = NULL, last_error = $2, \
         not_before = now() + $3 * interval '1 millisecond', \
         failed_at = CASE WHEN $4 THEN now() ELSE NULL END WHERE id = $1",
    )
    .bind(message.id)
    .bind(reason)
    .bind(wait.as_millis() as i64)
    .bind(permanent)
    .execute(pool)
    .await?;
    Ok(())
}

/// 1 s, 2 s, 4 s, … up to `max`.
pub fn backoff(attempts: i32, max: Duration) -> Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    Duration::from_secs(1u64 << exponent.min(12)).min(max)
}

/// Spaces sends: globally, and per chat.
struct Pacer {
    global_interval: Duration,
    next_global: Mutex<Instant>,
    per_chat_interval: Duration,
    last_per_chat: Mutex<HashMap<i64, Instant>>,
}

impl Pacer {
    fn new(config: &SenderConfig) -> Self {
        Self {
            global_interval: Duration::from_secs_f64(
                1.0 / f64::from(config.global_per_second.max(1)),
            ),
            next_global: Mutex::new(Instant::now()),
            per_chat_interval: config.per_chat_interval,
            last_per_chat: Mutex::new(HashMap::new()),
        }
    }

    async fn wait_turn(&self, chat_id: i64) {
        let chat_ready = {
            let last = self.last_per_chat.lock().await;
            last.get(&chat_id).map(|at| *at + self.per_chat_interval)
        };
        if let Some(ready) = chat_ready {
            tokio::time::sleep_until(ready.into()).await;
        }
        let slot = {
            let mut next = self.next_global.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.global_interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
        let mut last = self.last_per_chat.lock().await;
        last.insert(chat_id, Instant::now());
        if last.len() > 10_000 {
            let horizon = self.per_chat_interval;
            last.retain(|_, at| at.elapsed() < horizon);
        }
    }
}

/// Delivers the outbox until `shutdown` turns true; then finishes the
/// messages in hand and returns. `wake` is signalled by the notifier when
/// new rows are committed.
pub async fn run_sender<C: Channel>(
    pool: PgPool,
    channel: Arc<C>,
    config: SenderConfig,
    wake: Arc<tokio::sync::Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let pacer = Arc::new(Pacer::new(&config));
    let kind = channel.kind();
    let mut session: Option<SenderSession> = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if session.is_none() {
            match SenderSession::start(&pool).await {
                Ok(s) => session = Some(s),
                Err(e) => {
                    warn!(error = %e, "could not start a sender session; retrying");
                    pause_unless_stopped(Duration::from_secs(1), &mut shutdown).await;
                    continue;
                }
            }
        }
        let taken = take_batch(
            &pool,
            kind,
            session.as_ref().unwrap(),
            config.batch,
            config.lock_for,
        )
        .await;
        tracing::trace!(taken = ?taken.as_ref().map(Vec::len), "outbox round");
        let batch = match taken {
            Ok(batch) => batch,
            Err(e) => {
                warn!(error = %e, "could not read the outbox; retrying");
                // The session's connection may be gone with the error.
                session = None;
                pause_unless_stopped(Duration::from_secs(1), &mut shutdown).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(config.poll_every) => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        deliver_batch(&pool, &channel, &pacer, &config, batch).await;
    }
}

/// Sleeps for `pause`, or less if shutdown is asked for.
async fn pause_unless_stopped(pause: Duration, shutdown: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(pause) => {}
        _ = shutdown.changed() => {}
    }
}

/// Sends the messages of one batch at once (paced per chat and overall) and
/// records each outcome; returns when every one is recorded.
async fn deliver_batch<C: Channel>(
    pool: &PgPool,
    channel: &Arc<C>,
    pacer: &Arc<Pacer>,
    config: &SenderConfig,
    batch: Vec<OutgoingMessage>,
) {
    debug!(messages = batch.len(), "delivering");
    let mut deliveries = tokio::task::JoinSet::new();
    for message in batch {
        let pool = pool.clone();
        let channel = channel.clone();
        let pacer = pacer.clone();
        let config = config.clone();
        let span = info_span!("deliver", outbox = message.id, chat = message.chat_id);
        deliveries.spawn(
            async move {
                if message.edits_nothing() {
                    if let Err(e) = mark_moot(&pool, message.id, NOTHING_TO_EDIT).await {
                        warn!(error = %e, "could not record the dropped edit");
                    }
                    return;
                }
                pacer.wait_turn(message.chat_id).await;
                let result = channel.deliver(&message).await;
                let kind = channel.kind().as_str();
                let recorded = match &result {
                    Ok(receipt) => mark_sent(&pool, message.id, receipt)
                        .await
                        .map(|age| crate::telemetry::message_sent(kind, age)),
                    Err(error) => {
                        let retried = matches!(error, DeliveryError::Retry { .. });
                        if !matches!(error, DeliveryError::Moot(_)) {
                            crate::telemetry::delivery_failed(kind, retried);
                        }
                        mark_failed(&pool, &message, error, &config).await
                    }
                };
                if let Err(e) = recorded {
                    // The lock runs out and the message is taken again.
                    warn!(error = %e, "could not record the delivery");
                }
            }
            .instrument(span),
        );
    }
    while deliveries.join_next().await.is_some() {}
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
