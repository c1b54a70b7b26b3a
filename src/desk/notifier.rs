//! Telling consultants about tickets: `LISTEN/NOTIFY` wakes the notifier
//! when a ticket opens or moves to another queue, and it writes a card to
//! each active consultant of that queue. A periodic sweep does the same for
//! anything a dropped connection missed, so no ticket waits unnoticed.
//!
//! Also the desk's background loop (`run_worker`): the notifier, the due
//! jobs and the outbox sender, until shutdown.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{watch, Notify};
use tracing::{info, instrument, warn};

use super::outbox::{self, Channel, SenderConfig};
use super::store::{self, Ticket};
use super::{notices, now, Desk, DeskResult};
use crate::database::outage::{self, Outage};
use crate::tasks::Supervisor;
use crate::texts::Texts;

impl Desk {
    /// Writes the cards of every open ticket whose queue has not seen it
    /// yet; returns how many tickets were announced.
    #[instrument(skip(self))]
    pub async fn announce_pending(&self) -> DeskResult<usize> {
        let mut announced = 0;
        loop {
            let mut tx = self.pool().begin().await?;
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM tickets WHERE status = 'open' \
                 AND announced_queue IS DISTINCT FROM queue ORDER BY id LIMIT 100 \
                 FOR UPDATE SKIP LOCKED",
            )
            .fetch_all(&mut *tx)
            .await?;
            if ids.is_empty() {
                return Ok(announced);
            }
            for id in &ids {
                let ticket = store::fetch_by_id(&mut tx, *id).await?;
                let why: String = sqlx::query_scalar(
                    "SELECT kind FROM ticket_events WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or_default();
                let texts = self.texts();
                let notice = notices::card(&texts, &ticket, &waiting(&texts, &ticket), &why);
                let told = store::notify_queue(&mut tx, &ticket.queue, &notice, ticket.id).await?;
                let supervisors = self.routing().supervisor_queue.clone();
                if told == 0 && ticket.queue != supervisors {
                    // Nobody is in: the supervisors see it instead.
                    info!(code = %ticket.code, queue = %ticket.queue, "nobody in the queue; told the supervisors");
                    store::notify_queue(&mut tx, &supervisors, &notice, ticket.id).await?;
                }
                sqlx::query("UPDATE tickets SET announced_queue = queue WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            announced += ids.len();
        }
    }
}

/// How long a ticket has waited, in the words of `texts`: "3분", "2시간 5분".
pub fn waiting(texts: &Texts, ticket: &Ticket) -> String {
    let minutes = (now() - ticket.created_at).num_minutes().max(0);
    match minutes {
        0 => texts.get("word_waited_just_now").to_string(),
        m if m < 60 => texts.fill("word_waited_minutes", &[("minutes", &m)]),
        m if m < 24 * 60 => texts.fill(
            "word_waited_hours",
            &[("hours", &(m / 60)), ("minutes", &(m % 60))],
        ),
        m => texts.fill(
            "word_waited_days",
            &[("days", &(m / (24 * 60))), ("hours", &((m / 60) % 24))],
        ),
    }
}

/// A length of time in the words of `texts`, for sentences that state a
/// configured time: "3일", "1일 12시간", "30분" (never "0분").
pub fn span(texts: &Texts, length: Duration) -> String {
    let minutes = (length.as_secs() / 60).max(1);
    let (days, hours, minutes) = (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(texts.fill("word_days", &[("days", &days)]));
    }
    if hours > 0 {
        parts.push(texts.fill("word_hours", &[("hours", &hours)]));
    }
    if minutes > 0 {
        parts.push(texts.fill("word_minutes", &[("minutes", &minutes)]));
    }
    parts.join(" ")
}

/// How the background loop paces itself.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub sender: SenderConfig,
    /// How often the notifier and the job runner look without being woken.
    pub sweep_every: Duration,
    /// Delivered outbox rows older than this are deleted.
    pub keep_sent: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            sender: SenderConfig::default(),
            sweep_every: Duration::from_secs(5),
            keep_sent: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Runs the notifier, the job runner and the outbox sender until `shutdown`
/// turns true. Each part survives database outages and catches up after;
/// if one part ends before shutdown (a panic), the others are stopped and
/// the error says which.
pub async fn run_worker<C: Channel>(
    desk: Desk,
    channel: Arc<C>,
    config: WorkerConfig,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let wake_sender = Arc::new(Notify::new());
    let wake_desk = Arc::new(Notify::new());
    let (connected, connection) = watch::channel(Connection {
        up: true,
        losses: 0,
    });
    let mut parts = Supervisor::new();
    parts.spawn("LISTEN", {
        let (pool, shutdown) = (desk.pool().clone(), shutdown.clone());
        let (wake_sender, wake_desk) = (wake_sender.clone(), wake_desk.clone());
        async move {
            listen(pool, wake_sender, wake_desk, connected, shutdown).await;
            Ok(())
        }
    });
    parts.spawn("outbox sender", {
        let (pool, shutdown, sender) =
            (desk.pool().clone(), shutdown.clone(), config.sender.clone());
        async move {
            let sender = Sender {
                pool,
                channel,
                config: sender,
                wake: wake_sender,
            };
            sender.run_across_outages(connection, shutdown).await;
            Ok(())
        }
    });
    parts.spawn("desk jobs", {
        let shutdown = shutdown.clone();
        async move {
            run_desk_loop(desk, config, wake_desk, shutdown).await;
            Ok(())
        }
    });
    while let Some(ended) = parts.first_to_end().await {
        if !*shutdown.borrow() {
            anyhow::bail!("{ended}");
        }
    }
    Ok(())
}

/// What the outbox sender runs with.
struct Sender<C: Channel> {
    pool: sqlx::PgPool,
    channel: Arc<C>,
    config: SenderConfig,
    wake: Arc<Notify>,
}

impl<C: Channel> Sender<C> {
    /// Runs the outbox sender until `shutdown`, started afresh after each
    /// database outage (each loss of the LISTEN loop's `connection`): a
    /// sender's session (its advisory
    /// lock) dies with the server's connections, and a sender that went on
    /// under a dead session would take messages that other senders see as
    /// free, and both would send them. So the sender is dropped the moment
    /// the connection is lost (what it had in hand could not be recorded
    /// anyway: those sends are the ones that may go twice), and started
    /// again, with a new session, once the database answers. On shutdown
    /// it finishes the messages in hand.
    async fn run_across_outages(
        self,
        mut connection: watch::Receiver<Connection>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            let losses = tokio::select! {
                up = connection.wait_for(|c| c.up) => match up {
                    Ok(c) => c.losses,
                    Err(_) => return,
                },
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            let (stop, stopped) = watch::channel(false);
            let sending = outbox::run_sender(
                self.pool.clone(),
                self.channel.clone(),
                self.config.clone(),
                self.wake.clone(),
                stopped,
            );
            tokio::pin!(sending);
            let lost = tokio::select! {
                _ = &mut sending => return,
                _ = shutdown.wait_for(|stop| *stop) => false,
                lost = connection.wait_for(|c| c.losses != losses) => lost.is_ok(),
            };
            if !lost {
                let _ = stop.send(true);
                sending.await;
                return;
            }
            info!("the database went away: the outbox sender starts again with a new session once it is back");
        }
    }
}

async fn run_desk_loop(
    desk: Desk,
    config: WorkerConfig,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut last_prune = std::time::Instant::now() - Duration::from_secs(3600);
    let mut outage = Outage::new("desk jobs");
    loop {
        if *shutdown.borrow() {
            return;
        }
        let announced = desk.announce_pending().await;
        let ran = desk.run_due_jobs().await;
        match (announced, ran) {
            (Ok(_), Ok(_)) => outage.succeeded(),
            (Err(e), _) | (_, Err(e)) if e.is_unavailable() => {
                let wait = outage.failed("announcing tickets or running due jobs failed", &e);
                outage::pause(wait, &mut shutdown).await;
                continue;
            }
            (announced, ran) => {
                outage.succeeded();
                if let Err(e) = announced {
                    warn!(error = %e, "announcing tickets failed; will retry");
                }
                if let Err(e) = ran {
                    warn!(error = %e, "running due jobs failed; will retry");
                }
            }
        }
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = std::time::Instant::now();
            match outbox::prune(desk.pool(), config.keep_sent).await {
                Ok(0) => {}
                Ok(n) => info!(rows = n, "pruned delivered outbox rows"),
                Err(e) => warn!(error = %e, "pruning the outbox failed"),
            }
        }
        // Sleep until woken, the next job, or the sweep, whichever is first.
        let mut sleep_for = config.sweep_every;
        if let Ok(Some(due)) = desk.next_job_due().await {
            let until = (due - now()).to_std().unwrap_or(Duration::ZERO);
            sleep_for = sleep_for.min(until.max(Duration::from_millis(10)));
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(sleep_for) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// The LISTEN connection's state, which tells the sender about outages.
#[derive(Debug, Clone, Copy)]
struct Connection {
    /// Connected now.
    up: bool,
    /// How many times it was lost: a loss is never missed, however soon
    /// the connection is back.
    losses: u64,
}

/// Turns NOTIFYs into wake-ups; reconnects when the connection drops (the
/// sweeps cover what was missed meanwhile), with capped backoff. Its
/// connection's state goes to `connected`.
async fn listen(
    pool: sqlx::PgPool,
    wake_sender: Arc<Notify>,
    wake_desk: Arc<Notify>,
    connected: watch::Sender<Connection>,
    mut shutdown: watch::Receiver<bool>,
) {
    let lost = || {
        connected.send_modify(|c| {
            // Counted once per loss, however many failed tries follow.
            if c.up {
                c.losses += 1;
            }
            c.up = false;
        })
    };
    let mut outage = Outage::new("LISTEN");
    loop {
        if *shutdown.borrow() {
            return;
        }
        let connected_now = tokio::select! {
            connected = PgListener::connect_with(&pool) => connected,
            _ = shutdown.changed() => return,
        };
        let mut listener = match connected_now {
            Ok(l) => l,
            Err(e) => {
                lost();
                let wait = outage.failed("LISTEN connection failed; sweeping meanwhile", &e);
                outage::pause(wait, &mut shutdown).await;
                continue;
            }
        };
        // A lost connection is reported at once (not after reconnecting).
        listener.eager_reconnect(false);
        if let Err(e) = listener
            .listen_all(["onestop_outbox", "onestop_tickets"])
            .await
        {
            lost();
            let wait = outage.failed("LISTEN failed; sweeping meanwhile", &e);
            outage::pause(wait, &mut shutdown).await;
            continue;
        }
        // Whatever was notified while not listening was missed.
        wake_sender.notify_one();
        wake_desk.notify_one();
        outage.succeeded();
        connected.send_modify(|c| c.up = true);
        loop {
            tokio::select! {
                notification = listener.try_recv() => match notification {
                    Ok(Some(n)) if n.channel() == "onestop_outbox" => wake_sender.notify_one(),
                    Ok(Some(_)) => wake_desk.notify_one(),
                    Ok(None) => {
                        // The connection was lost (sqlx connects again at
                        // the next call): the server's other connections,
                        // the sender's session among them, are likely gone
                        // too, and anything may have been missed.
                        lost();
                        break;
                    }
                    Err(e) => {
                        lost();
                        let wait = outage.failed("LISTEN connection lost", &e);
                        outage::pause(wait, &mut shutdown).await;
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}
