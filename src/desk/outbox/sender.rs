//! The sender: delivers outbox rows through a [`Channel`], many at once.
//!
//! Up to `in_flight` sends are on the wire at a time, each in a task of its
//! own; as soon as one ends, its slot takes the next deliverable row, so one
//! slow call holds one slot and never the rest. Per-chat order holds because
//! only the head of each chat's queue is deliverable ([`take_batch`]): the
//! chat's next row waits until the one on the wire is marked sent. Each send
//! waits its turn at the [`Pacer`] (30 a second overall, one a second per
//! chat by default) and a rate limit pauses what it applies to
//! ([`PauseScope`]). A row is reserved to this sender while it holds it; if
//! the process dies, its advisory lock goes with its connection and the row
//! is free again at once. The rows that can be sent twice are only those on
//! the wire at the instant of a kill: at most `in_flight`.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{debug, error, info_span, warn, Instrument};

use super::pace::{Pacer, PauseScope};
use super::{
    mark_moot, mark_sent, Channel, ChannelKind, DeliveryError, OutgoingMessage, Recorded,
    NOTHING_TO_EDIT,
};
use crate::database::outage::{self, Outage};

/// How fast and how persistently the sender works.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// At most this many messages per second overall (Telegram: about 30).
    pub global_per_second: u32,
    /// At least this long between two messages to one chat (Telegram: 1 s).
    pub per_chat_interval: Duration,
    /// At most this many sends on the wire at once (also the most that can
    /// be sent twice if the process is killed mid-send).
    pub in_flight: usize,
    /// How many rows one look at the outbox takes at most.
    pub batch: i64,
    /// The longest wait between two tries of a delivery that failed.
    pub max_backoff: Duration,
    /// How long a taken message stays reserved to this (live) sender: longer
    /// than a send can take, pacing and the HTTP client's timeout included.
    pub lock_for: Duration,
    /// How often to look for work when nothing wakes the sender.
    pub poll_every: Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            global_per_second: 30,
            per_chat_interval: Duration::from_secs(1),
            in_flight: 256,
            batch: 64,
            max_backoff: Duration::from_secs(60),
            lock_for: Duration::from_secs(300),
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
    connection: sqlx::PgConnection,
    /// When the session was last found holding; `None`: ask at the next round.
    checked: Option<std::time::Instant>,
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
                    connection,
                    checked: Some(std::time::Instant::now()),
                });
            }
        }
    }
}

impl SenderSession {
    /// Whether the session (and so its lock) still holds, asked on its own
    /// connection at most once per `every`. A session whose connection died
    /// (the database restarted) has lost its lock: other senders see its
    /// rows as free, so it must take nothing more.
    async fn holds(&mut self, every: Duration) -> bool {
        if self.checked.is_some_and(|at| at.elapsed() < every) {
            return true;
        }
        let asked = sqlx::query("SELECT 1").execute(&mut self.connection);
        let alive = matches!(
            tokio::time::timeout(Duration::from_secs(2), asked).await,
            Ok(Ok(_))
        );
        self.checked = Some(std::time::Instant::now());
        alive
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
/// head of each chat's queue, not held by another live sender (nor by this
/// one: a row on the wire stays its chat's head, so the chat waits).
/// Nothing at all when `session` no longer holds its lock (its connection
/// died with a database restart): other senders see its rows as free, so it
/// must not take any.
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
             AND $3 IN (SELECT sender FROM live) \
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

/// Delivers the outbox until `shutdown` turns true; then finishes the sends
/// on the wire and returns. `wake` is signalled by the notifier when new rows
/// are committed.
pub async fn run_sender<C: Channel>(
    pool: PgPool,
    channel: Arc<C>,
    config: SenderConfig,
    wake: Arc<tokio::sync::Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let pacer = Arc::new(Pacer::new(&config));
    let kind = channel.kind();
    let capacity = config.in_flight.max(1);
    let mut session: Option<SenderSession> = None;
    // Each send says, when it ends, whether its chat has more waiting.
    let mut on_the_wire: JoinSet<bool> = JoinSet::new();
    let mut outage = Outage::new("outbox sender");
    // Whether the outbox may hold work: looked at when woken (new rows, the
    // poll), when a send leaves more of its chat behind, or when the last
    // look took all it could. Not after every send: most leave nothing.
    let mut look = true;
    let mut backlog = false;
    while !*shutdown.borrow() {
        while let Some(ended) = on_the_wire.try_join_next() {
            look |= backlog || matches!(ended, Ok(true));
        }
        crate::telemetry::sends_in_flight(kind.as_str(), on_the_wire.len());
        let free = capacity.saturating_sub(on_the_wire.len());
        if look && free > 0 {
            // While a rate limit holds, rows stay in the outbox (free for
            // another process) rather than waiting here.
            if let Some(pause) = pacer.paused_for().await {
                outage::pause(pause, &mut shutdown).await;
                continue;
            }
            if let Some(current) = session.as_mut() {
                if !current.holds(SESSION_CHECK_EVERY).await {
                    warn!("the sender's session was lost with its connection; starting a new one");
                    session = None;
                }
            }
            let current = match session.as_mut() {
                Some(current) => current,
                None => match SenderSession::start(&pool).await {
                    Ok(started) => session.insert(started),
                    Err(e) => {
                        let wait = outage.failed("could not start a sender session", &e);
                        outage::pause(wait, &mut shutdown).await;
                        continue;
                    }
                },
            };
            let limit = (free as i64).min(config.batch.max(1));
            match take_batch(&pool, kind, current, limit, config.lock_for).await {
                Ok(batch) => {
                    outage.succeeded();
                    tracing::trace!(taken = batch.len(), "outbox round");
                    backlog = batch.len() as i64 == limit;
                    look = backlog;
                    for message in batch {
                        let send = deliver_one(
                            pool.clone(),
                            channel.clone(),
                            pacer.clone(),
                            config.clone(),
                            message,
                        );
                        on_the_wire.spawn(send);
                    }
                }
                Err(e) => {
                    let wait = outage.failed("could not read the outbox", &e);
                    // The session's connection may be gone with the error:
                    // it is asked at the next round.
                    if let Some(current) = session.as_mut() {
                        current.checked = None;
                    }
                    outage::pause(wait, &mut shutdown).await;
                    continue;
                }
            }
            if look && on_the_wire.len() < capacity {
                continue;
            }
        }
        tokio::select! {
            Some(ended) = on_the_wire.join_next(), if !on_the_wire.is_empty() => {
                look |= backlog || matches!(ended, Ok(true));
            }
            _ = wake.notified() => look = true,
            _ = tokio::time::sleep(config.poll_every) => look = true,
            _ = shutdown.changed() => {}
        }
    }
    debug!(
        sends = on_the_wire.len(),
        "stopping: finishing the sends on the wire"
    );
    while on_the_wire.join_next().await.is_some() {}
    crate::telemetry::sends_in_flight(kind.as_str(), 0);
}

/// How often a sender asks whether its session still holds.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(1);

/// How many times a delivery is recorded before it is given up (the row is
/// then sent again once its lock runs out).
const RECORD_TRIES: u32 = 6;

/// One send: waits its turn, delivers, and records the outcome (a rate
/// limit also pauses what it applies to). Returns whether more messages of
/// its chat wait behind it.
async fn deliver_one<C: Channel>(
    pool: PgPool,
    channel: Arc<C>,
    pacer: Arc<Pacer>,
    config: SenderConfig,
    message: OutgoingMessage,
) -> bool {
    let span = info_span!("deliver", outbox = message.id, chat = message.chat_id);
    async move {
        if message.edits_nothing() {
            if let Err(e) = mark_moot(&pool, message.id, NOTHING_TO_EDIT).await {
                warn!(error = %e, "could not record the dropped edit");
            }
            return true;
        }
        pacer.wait_turn(message.chat_id).await;
        let result = channel.deliver(&message).await;
        let kind = channel.kind().as_str();
        let mut more_waiting = true;
        let recorded = match &result {
            Ok(receipt) => record_sent(&pool, message.id, receipt)
                .await
                .map(|recorded| {
                    more_waiting = recorded.more_waiting;
                    crate::telemetry::message_sent(kind, recorded.age)
                }),
            Err(error) => {
                if let DeliveryError::RateLimited { after } = error {
                    if PauseScope::of_rate_limit(message.chat_id) == PauseScope::Everything {
                        pacer.pause_everything(*after).await;
                    }
                }
                if let Some(outcome) = failure_outcome(error) {
                    crate::telemetry::delivery_failed(kind, outcome);
                }
                mark_failed(&pool, &message, error, &config).await
            }
        };
        if let Err(e) = recorded {
            // The row stays reserved until its lock runs out, then goes again.
            warn!(error = %e, "could not record the delivery");
        }
        more_waiting
    }
    .instrument(span)
    .await
}

/// Records a delivery the channel took, trying again for a while if the
/// database does not answer: a delivery left unrecorded is sent twice.
async fn record_sent(pool: &PgPool, id: i64, receipt: &str) -> Result<Recorded, sqlx::Error> {
    let mut tries = 0;
    loop {
        tries += 1;
        match mark_sent(pool, id, receipt).await {
            Err(e) if tries < RECORD_TRIES && outage::is_unavailable(&e) => {
                debug!(error = %e, tries, "could not record a delivery yet; trying again");
                tokio::time::sleep(outage::backoff(tries)).await;
            }
            done => return done,
        }
    }
}

/// The `outcome` label of a failed delivery in `/metrics` (none for a moot
/// edit, which is no failure).
fn failure_outcome(error: &DeliveryError) -> Option<&'static str> {
    match error {
        DeliveryError::Retry { .. } => Some("retry"),
        DeliveryError::RateLimited { .. } => Some("rate_limited"),
        DeliveryError::Permanent(_) => Some("permanent"),
        DeliveryError::Moot(_) => None,
    }
}

/// Records a failed delivery: a refusal for good marks the row failed; one
/// that may pass frees it to go again after a backoff (or after the wait a
/// rate limit asked for).
async fn mark_failed(
    pool: &PgPool,
    message: &OutgoingMessage,
    error: &DeliveryError,
    config: &SenderConfig,
) -> Result<(), sqlx::Error> {
    let (reason, wait, permanent) = match error {
        DeliveryError::Permanent(reason) => (reason.clone(), Duration::ZERO, true),
        DeliveryError::Moot(reason) => return mark_moot(pool, message.id, reason).await,
        DeliveryError::RateLimited { after } => (
            format!("rate limited: retry after {} s", after.as_secs_f64()),
            *after,
            false,
        ),
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
