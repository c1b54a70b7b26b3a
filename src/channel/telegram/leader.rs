//! Who polls. Of several `serve` processes on one database exactly one
//! calls `getUpdates` (Telegram answers two pollers with 409 Conflict): the
//! holder of a Postgres session advisory lock, taken on a connection of its
//! own. The others stand by and try the lock every [`TRY_EVERY`]; when the
//! leader dies its connection closes, Postgres frees the lock, and a
//! standby takes over. A leader that cannot reach its connection any more
//! stops polling at once, since the lock may be gone with it. Everything
//! else (processing, jobs, the outbox) runs in every process and is shared
//! through row locks.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use teloxide::prelude::*;
use tokio::sync::{watch, Notify};
use tracing::{info, warn};

use super::polling;
use crate::database::outage::{self, Outage};

/// The advisory lock of the poller: `pg_try_advisory_lock(7392, 1)`.
const LEADER_LOCK: (i32, i32) = (7392, 1);

/// How often a standby tries to take the lead.
pub const TRY_EVERY: Duration = Duration::from_millis(500);

/// How often the leader makes sure its lock's connection is alive, and how
/// long that check may take.
const CHECK_EVERY: Duration = Duration::from_secs(1);
const CHECK_WITHIN: Duration = Duration::from_secs(2);

/// What this process does about receiving updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiving {
    /// Not yet known (the database not reached yet).
    Starting,
    /// It polls: it holds the lock.
    Leader,
    /// Another process polls; this one takes over when it dies.
    Standby,
    /// Telegram posts updates to every instance's webhook endpoint.
    Webhook,
}

impl Receiving {
    pub fn as_str(self) -> &'static str {
        match self {
            Receiving::Starting => "starting",
            Receiving::Leader => "leader",
            Receiving::Standby => "standby",
            Receiving::Webhook => "webhook",
        }
    }
}

/// What polling needs once this process leads.
pub struct Poller {
    pub bot: Bot,
    pub pool: PgPool,
    pub timeout: Duration,
    /// Signalled when updates are stored.
    pub wake: Arc<Notify>,
}

/// Polls while this process holds the lead, stands by otherwise, until
/// `shutdown`; `role` tells the rest of the process which it is. On
/// shutdown the leader finishes its poll and lets the lock go.
pub async fn poll_when_leader(
    poller: Poller,
    role: watch::Sender<Receiving>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let Some(mut lock) = take_the_lead(&poller.pool, &role, &mut shutdown).await else {
            return;
        };
        role.send_replace(Receiving::Leader);
        crate::telemetry::leader(true);
        info!("leading: this process polls Telegram");
        eprintln!("onestop serve: polling (leader)");
        let (stop_polling, polling_stops) = watch::channel(false);
        let polling = tokio::spawn(polling::poll(
            poller.bot.clone(),
            poller.pool.clone(),
            poller.timeout,
            poller.wake.clone(),
            polling_stops,
        ));
        let lost = hold(&mut lock, &mut shutdown).await;
        let _ = stop_polling.send(true);
        if lost {
            // Without the lock another process may poll already: this one
            // stops at once, even in the middle of a call (a batch not
            // stored is not acknowledged, and comes again).
            polling.abort();
        }
        let _ = polling.await;
        drop(lock);
        role.send_replace(Receiving::Standby);
        crate::telemetry::leader(false);
        if !lost {
            return;
        }
        warn!("lost the connection that holds the lead; stopped polling, standing by");
    }
}

/// Waits until this process holds the lock; `None` on shutdown.
async fn take_the_lead(
    pool: &PgPool,
    role: &watch::Sender<Receiving>,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<PgConnection> {
    let mut connection: Option<PgConnection> = None;
    let mut outage = Outage::new("lead");
    loop {
        if *shutdown.borrow() {
            return None;
        }
        let mut wait = TRY_EVERY;
        if connection.is_none() {
            // Out of the pool: the lock lives and dies with this connection.
            let acquired = tokio::select! {
                acquired = pool.acquire() => acquired,
                _ = shutdown.changed() => return None,
            };
            match acquired {
                Ok(c) => connection = Some(c.detach()),
                Err(e) => wait = outage.failed("no connection to try the lead on", &e),
            }
        }
        if let Some(c) = connection.as_mut() {
            let taken = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1, $2)")
                .bind(LEADER_LOCK.0)
                .bind(LEADER_LOCK.1)
                .fetch_one(&mut *c)
                .await;
            match taken {
                Ok(true) => {
                    outage.succeeded();
                    return connection;
                }
                Ok(false) => {
                    outage.succeeded();
                    if *role.borrow() != Receiving::Standby {
                        role.send_replace(Receiving::Standby);
                        crate::telemetry::leader(false);
                        info!("standing by: another process polls Telegram");
                        eprintln!("onestop serve: standing by");
                    }
                }
                Err(e) => {
                    wait = outage.failed("could not try the lead", &e);
                    connection = None;
                }
            }
        }
        outage::pause(wait, shutdown).await;
    }
}

/// Holds the lead until shutdown (`false`) or until its connection fails
/// (`true`: the lock may be gone, someone else may poll now).
async fn hold(lock: &mut PgConnection, shutdown: &mut watch::Receiver<bool>) -> bool {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = shutdown.changed() => return false,
        }
        let alive = tokio::time::timeout(CHECK_WITHIN, sqlx::query("SELECT 1").execute(&mut *lock));
        match alive.await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                warn!(error = %e, "the lead's connection failed");
                return true;
            }
            Err(_) => {
                warn!("the lead's connection did not answer");
                return true;
            }
        }
    }
}
