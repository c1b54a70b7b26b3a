//! The inbox: every update is stored as it came (keyed by update id) before
//! Telegram is told it arrived, then handled once, in order per chat, in one
//! transaction with everything it causes.
//!
//! Nothing in here may stop the bot for everyone: an update that cannot be
//! read, keeps failing, or panics its handler is marked failed with its
//! error after a bounded number of attempts, its chat gets a polite word,
//! and the other chats go on.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::{PgConnection, PgPool};
use teloxide::prelude::*;
use tokio::sync::{watch, Notify};
use tracing::{debug, error, info, info_span, warn, Instrument};

use super::wire::{self, Inbound, RawUpdate};
use crate::database::outage::{self, Outage};
use crate::desk::outbox;
use crate::dialog::{Engine, Input};
use crate::protocol::{without_control_characters, Reply};

/// How many failed tries an update gets before it is marked failed. A
/// failure is the handler's error, or a restart of the bot while the update
/// was next in its chat (the update may be what crashed it); a panic fails
/// the update at once.
pub const MAX_ATTEMPTS: i32 = 5;

/// What handles an update's input: the dialog engine in production; the
/// pipeline does not care which.
pub trait Handler: Clone + Send + Sync + 'static {
    /// Handles `input` from `chat` inside `tx` (replies go to the outbox there).
    fn handle<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        chat: i64,
        input: &'a Input,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// One of the bot's texts (after the overrides of `dialogs/`).
    fn text(&self, key: &str) -> String;
}

impl Handler for Engine {
    fn handle<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        chat: i64,
        input: &'a Input,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        Engine::handle(self, tx, chat, input)
    }

    fn text(&self, key: &str) -> String {
        self.desk.texts().get(key).to_string()
    }
}

/// What the bot does with group chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GroupChats {
    /// Answer a group once with a pointer to a private chat, then stay quiet.
    #[default]
    Pointer,
    /// Talk in groups too; a whole group shares one conversation.
    Shared,
}

/// Who the bot talks to.
#[derive(Debug, Clone, Default)]
pub struct ChatPolicy {
    pub groups: GroupChats,
    /// The bot's @username, once `getMe` has told it: commands addressed to
    /// another bot (`/start@other_bot`) are ignored.
    pub username: Arc<OnceLock<String>>,
}

/// What to do with one readable update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Handle(Input),
    /// Tell the group, once, to write in a private chat.
    PointToPrivateChat,
    Skip(&'static str),
}

impl ChatPolicy {
    pub fn route(&self, inbound: &Inbound) -> Route {
        let (chat, input) = match inbound {
            Inbound::Ignored { .. } => {
                return Route::Skip("a kind of update the bot does not handle")
            }
            Inbound::Message {
                chat,
                text,
                attachment: Some(attachment),
                ..
            } => (
                chat,
                Input::Attachment {
                    attachment: attachment.clone(),
                    caption: text.clone(),
                },
            ),
            Inbound::Message {
                chat,
                text,
                other: Some(what),
                ..
            } if text.trim().is_empty() => (chat, Input::Other { what: what.clone() }),
            Inbound::Message { chat, text, .. } => {
                let Some(text) = self.own_command(text) else {
                    return Route::Skip("a command for another bot");
                };
                (chat, Input::Text(text))
            }
            Inbound::Button { chat, data, .. } => (chat, Input::Button(data.clone())),
        };
        if !chat.private && self.groups == GroupChats::Pointer {
            return Route::PointToPrivateChat;
        }
        Route::Handle(input)
    }

    /// `text` with a command's `@thisbot` removed; `None` when the command
    /// is addressed to another bot.
    fn own_command(&self, text: &str) -> Option<String> {
        let Some(command) = text.strip_prefix('/') else {
            return Some(text.to_owned());
        };
        let word_end = command.find(char::is_whitespace).unwrap_or(command.len());
        let Some((name, addressee)) = command[..word_end].split_once('@') else {
            return Some(text.to_owned());
        };
        match self.username.get() {
            Some(me) if !addressee.eq_ignore_ascii_case(me) => None,
            _ => Some(format!("/{name}{}", &command[word_end..])),
        }
    }
}

/// Stores updates; those already stored are left alone (a redelivery).
/// Kinds the bot does not handle are kept, already marked processed.
pub async fn store(pool: &PgPool, updates: &[RawUpdate]) -> Result<()> {
    let mut tx = pool.begin().await?;
    for update in updates {
        let (chat, kind, ignored) = match wire::read(&update.json) {
            Ok(inbound) => (
                inbound.chat(),
                inbound.kind().to_owned(),
                matches!(inbound, Inbound::Ignored { .. }),
            ),
            // Handled (and failed, with a word to its chat) by the processor.
            Err(e) => (e.chat, e.kind, false),
        };
        sqlx::query(
            "INSERT INTO inbound_updates (update_id, chat_id, kind, raw, processed_at) \
             VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) \
             ON CONFLICT (update_id) DO NOTHING",
        )
        .bind(update.id)
        .bind(chat)
        .bind(short(&kind, 64))
        .bind(update.json.as_bytes())
        .bind(ignored)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("storing update {}", update.id))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Text for a column: cleaned of what Postgres refuses, at most `max` characters.
fn short(text: &str, max: usize) -> String {
    without_control_characters(text).chars().take(max).collect()
}

/// Where updates queue for handling: one lane per chat (kept in order), and
/// one for each update without a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Lane {
    Chat(i64),
    Alone(i64),
}

/// Frees a lane when its task ends, however it ends.
struct LaneGuard {
    lane: Lane,
    busy: Arc<Mutex<HashSet<Lane>>>,
    wake: Arc<Notify>,
}

impl Drop for LaneGuard {
    fn drop(&mut self) {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.lane);
        // Anything that arrived for this lane meanwhile.
        self.wake.notify_one();
    }
}

/// Everything the processor needs.
#[derive(Clone)]
pub struct Processor<H: Handler> {
    /// The current handler (swapped on reload).
    pub handler: Arc<std::sync::RwLock<H>>,
    pub bot: Bot,
    pub pool: PgPool,
    pub policy: ChatPolicy,
}

/// How one update's handling ended.
enum Handled {
    Done,
    /// Not done; tried again later (the error is recorded).
    Retry,
}

impl<H: Handler> Processor<H> {
    fn current(&self) -> H {
        self.handler
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Handles stored updates: once each, in order within a chat, chats in
    /// parallel. On shutdown it finishes the updates in hand and returns.
    pub async fn run(self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        self.count_updates_in_hand_at_start().await;
        let busy: Arc<Mutex<HashSet<Lane>>> = Arc::default();
        let mut tasks = tokio::task::JoinSet::new();
        let mut outage = Outage::new("inbox");
        loop {
            while tasks.try_join_next().is_some() {}
            if *shutdown.borrow() {
                break;
            }
            let pending: Vec<(i64, Option<i64>)> = match sqlx::query_as(
                "SELECT update_id, chat_id FROM inbound_updates WHERE processed_at IS NULL \
                 ORDER BY update_id LIMIT 1000",
            )
            .fetch_all(&self.pool)
            .await
            {
                Ok(rows) => {
                    outage.succeeded();
                    rows
                }
                Err(e) => {
                    let wait = outage.failed("could not read stored updates", &e);
                    outage::pause(wait, &mut shutdown).await;
                    continue;
                }
            };
            let mut lanes: BTreeMap<Lane, Vec<i64>> = BTreeMap::new();
            for (update, chat) in pending {
                let lane = chat.map_or(Lane::Alone(update), Lane::Chat);
                lanes.entry(lane).or_default().push(update);
            }
            for (lane, updates) in lanes {
                if !busy.lock().unwrap_or_else(|p| p.into_inner()).insert(lane) {
                    continue;
                }
                let guard = LaneGuard {
                    lane,
                    busy: busy.clone(),
                    wake: wake.clone(),
                };
                let processor = self.clone();
                tasks.spawn(async move {
                    let _guard = guard;
                    processor.run_lane(lane, updates).await;
                });
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => {}
            }
        }
        // Drain: finish what is in hand.
        while tasks.join_next().await.is_some() {}
    }

    /// Counts a try against every update that was next in its chat when
    /// the last process stopped: if one of them crashed it (an abort, not
    /// a panic), the bot would otherwise crash on it again at every start.
    async fn count_updates_in_hand_at_start(&self) {
        let counted = sqlx::query(
            "UPDATE inbound_updates SET attempts = attempts + 1, \
                    last_error = coalesce(last_error, 'in hand when the bot stopped') \
             WHERE processed_at IS NULL AND (chat_id IS NULL OR update_id IN ( \
                 SELECT min(update_id) FROM inbound_updates \
                 WHERE processed_at IS NULL AND chat_id IS NOT NULL GROUP BY chat_id))",
        )
        .execute(&self.pool)
        .await;
        match counted {
            Ok(done) if done.rows_affected() > 0 => {
                info!(
                    updates = done.rows_affected(),
                    "counted a try against the updates next in their chats at start"
                )
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "could not count the updates in hand at start"),
        }
    }

    /// One lane's updates, in order; stops at the first that must be retried.
    async fn run_lane(&self, lane: Lane, updates: Vec<i64>) {
        let chat = match lane {
            Lane::Chat(chat) => Some(chat),
            Lane::Alone(_) => None,
        };
        for update in updates {
            let span = info_span!("update", update, chat);
            // Its own task: a panic in the handler ends that task only.
            let processor = self.clone();
            let outcome = tokio::spawn(
                async move { processor.process_one(update).await }.instrument(span.clone()),
            )
            .await;
            let outcome = match outcome {
                Ok(Ok(handled)) => handled,
                Ok(Err(e)) if outage::is_unavailable_any(&e) => {
                    // The processor's loop reports the outage, once.
                    debug!(parent: &span, error = %format!("{e:#}"), "the database is away; will retry the update");
                    Handled::Retry
                }
                Ok(Err(e)) => {
                    warn!(parent: &span, error = %format!("{e:#}"), "could not process an update; will retry");
                    Handled::Retry
                }
                Err(join) => {
                    let reason = format!("the handler {}", crate::tasks::why_it_ended(join));
                    match self.give_up(update, chat, &reason).await {
                        Ok(()) => Handled::Done,
                        Err(e) => {
                            warn!(parent: &span, error = %e, "could not mark a failed update; will retry");
                            Handled::Retry
                        }
                    }
                }
            };
            if let Handled::Retry = outcome {
                tokio::time::sleep(Duration::from_millis(500)).await;
                return;
            }
        }
    }

    /// One stored update: read, routed and handled in one transaction with
    /// everything it causes.
    async fn process_one(&self, update_id: i64) -> Result<Handled> {
        let started = std::time::Instant::now();
        let mut tx = self.pool.begin().await?;
        // Only the first unhandled update of its chat: with several
        // processes, an earlier one may be in another's hands, and this one
        // waits for it (the chat's order holds across processes).
        let row: Option<Attempt> = sqlx::query_as(
            "SELECT attempts, raw, last_error, chat_id, \
                    extract(epoch FROM clock_timestamp() - received_at)::float8 AS waited \
             FROM inbound_updates u \
             WHERE update_id = $1 AND processed_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM inbound_updates e WHERE e.chat_id = u.chat_id \
                               AND e.update_id < u.update_id AND e.processed_at IS NULL) \
             FOR UPDATE SKIP LOCKED",
        )
        .bind(update_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(Attempt {
            attempts,
            raw,
            last_error,
            chat_id: chat,
            waited,
        }) = row
        else {
            // Done already, in another process's hands, or behind one that is.
            return Ok(Handled::Done);
        };
        if attempts >= MAX_ATTEMPTS {
            drop(tx);
            let last = last_error.as_deref().unwrap_or("no error recorded");
            let reason = format!("gave up after {MAX_ATTEMPTS} attempts: {last}");
            self.give_up(update_id, chat, &reason).await?;
            return Ok(Handled::Done);
        }
        let raw = String::from_utf8_lossy(&raw);
        let inbound = match wire::read(&raw) {
            Ok(inbound) => inbound,
            Err(e) => {
                drop(tx);
                self.give_up(update_id, e.chat.or(chat), &e.to_string())
                    .await?;
                return Ok(Handled::Done);
            }
        };
        let handler = self.current();
        match (self.policy.route(&inbound), inbound.chat()) {
            (Route::Handle(input), Some(chat)) => {
                tracing::debug!(update_id, chat, "handling an update");
                if let Err(e) = handler.handle(&mut tx, chat, &input).await {
                    drop(tx);
                    if outage::is_unavailable_any(&e) {
                        // Not the update's fault: no try is counted
                        // against it, however long the outage.
                        return Err(e);
                    }
                    let reason = format!("{e:#}");
                    record_error(&self.pool, update_id, &reason).await?;
                    warn!(error = %reason, attempts, "the handler failed on an update; will retry");
                    return Ok(Handled::Retry);
                }
            }
            (Route::PointToPrivateChat, Some(chat)) => {
                self.point_to_private_chat(&mut tx, &handler, chat).await?
            }
            (route, _) => {
                tracing::debug!(
                    update_id,
                    ?route,
                    kind = inbound.kind(),
                    "skipping an update"
                );
            }
        }
        mark_processed(&mut tx, update_id).await?;
        tx.commit().await?;
        let waited = Duration::from_secs_f64(waited.max(0.0));
        crate::telemetry::update_processed(waited + started.elapsed());
        if let Inbound::Button { callback_id, .. } = &inbound {
            // Stops the button's spinner; best effort.
            let _ = self
                .bot
                .answer_callback_query(teloxide::types::CallbackQueryId(callback_id.clone()))
                .await;
        }
        Ok(Handled::Done)
    }

    /// Tells a group, the first time only, to write in a private chat.
    async fn point_to_private_chat(
        &self,
        tx: &mut PgConnection,
        handler: &H,
        chat: i64,
    ) -> Result<()> {
        let first_time =
            sqlx::query("INSERT INTO group_chats (chat_id) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(chat)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        if first_time {
            let mut body = handler.text("group_pointer");
            if let Some(me) = self.policy.username.get() {
                body.push_str(&format!("\nhttps://t.me/{me}"));
            }
            outbox::enqueue(tx, chat, &Reply::text(body), None).await?;
        }
        Ok(())
    }

    /// Marks an update failed for good and tells its chat, if it has one.
    async fn give_up(&self, update_id: i64, chat: Option<i64>, reason: &str) -> Result<()> {
        error!(update_id, chat, reason, "an update failed; skipping it");
        let mut tx = self.pool.begin().await?;
        let marked = sqlx::query(
            "UPDATE inbound_updates SET processed_at = now(), failed_at = now(), last_error = $2 \
             WHERE update_id = $1 AND processed_at IS NULL",
        )
        .bind(update_id)
        .bind(short(reason, 2000))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 1 {
            crate::telemetry::update_failed();
        }
        if let (1, Some(chat)) = (marked, chat) {
            let sorry = Reply::text(self.current().text("failed_update"));
            outbox::enqueue(&mut tx, chat, &sorry, None).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A stored update as a new attempt at it begins.
#[derive(sqlx::FromRow)]
struct Attempt {
    attempts: i32,
    raw: Vec<u8>,
    last_error: Option<String>,
    chat_id: Option<i64>,
    /// Seconds since it was stored.
    waited: f64,
}

/// Counts a failed try of an update, with its reason.
async fn record_error(pool: &PgPool, update_id: i64, reason: &str) -> Result<()> {
    sqlx::query(
        "UPDATE inbound_updates SET last_error = $2, attempts = attempts + 1 WHERE update_id = $1",
    )
    .bind(update_id)
    .bind(short(reason, 2000))
    .execute(pool)
    .await?;
    Ok(())
}

async fn mark_processed(tx: &mut PgConnection, update_id: i64) -> Result<()> {
    sqlx::query("UPDATE inbound_updates SET processed_at = now() WHERE update_id = $1")
        .bind(update_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Deletes handled updates older than a day (failed ones after 30 days, so
/// `stats` can report them): the table stays small, and Telegram never
/// redelivers that far back. The newest row stays: it remembers the offset.
pub async fn prune(pool: &PgPool) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM inbound_updates WHERE update_id < (SELECT max(update_id) FROM inbound_updates) \
         AND ((failed_at IS NULL AND processed_at < now() - interval '1 day') \
              OR failed_at < now() - interval '30 days')",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::telegram::wire::Chat;

    fn text(chat: i64, private: bool, text: &str) -> Inbound {
        Inbound::Message {
            chat: Chat { id: chat, private },
            from: Some(1),
            text: text.into(),
            attachment: None,
            other: None,
        }
    }

    fn policy(groups: GroupChats) -> ChatPolicy {
        let policy = ChatPolicy {
            groups,
            ..Default::default()
        };
        policy.username.set("onestop_bot".into()).unwrap();
        policy
    }

    #[test]
    fn commands_for_another_bot_are_skipped_and_ours_lose_the_address() {
        let p = policy(GroupChats::Shared);
        assert_eq!(
            p.route(&text(1, true, "/start@other_bot")),
            Route::Skip("a command for another bot")
        );
        assert_eq!(
            p.route(&text(1, true, "/show@OneStop_Bot 2026-000001")),
            Route::Handle(Input::Text("/show 2026-000001".into()))
        );
        assert_eq!(
            p.route(&text(1, true, "메일 주소는 a@b.kr 예요")),
            Route::Handle(Input::Text("메일 주소는 a@b.kr 예요".into()))
        );
    }

    #[test]
    fn groups_get_a_pointer_unless_configured_to_share() {
        assert_eq!(
            policy(GroupChats::Pointer).route(&text(-5, false, "/start")),
            Route::PointToPrivateChat
        );
        assert_eq!(
            policy(GroupChats::Pointer).route(&text(-5, false, "/start@other_bot")),
            Route::Skip("a command for another bot")
        );
        assert_eq!(
            policy(GroupChats::Shared).route(&text(-5, false, "/start")),
            Route::Handle(Input::Text("/start".into()))
        );
    }
}
