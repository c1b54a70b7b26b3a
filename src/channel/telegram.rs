//! Telegram through teloxide: updates are stored in Postgres (keyed by
//! update id) before they are acknowledged, processed once each in order per
//! chat by the dialog engine, and replies leave through the outbox sender.
//! Long polling by default; with `--webhook-listen` an own axum endpoint
//! answers Telegram only after the update is stored.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use teloxide::prelude::*;
use teloxide::types::{
    AllowedUpdate, InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, UpdateKind,
};
use teloxide::{ApiError, RequestError};
use tokio::sync::{watch, Notify};
use tracing::{info, info_span, warn, Instrument};

use crate::desk::outbox::{Channel, DeliveryError, OutgoingMessage};
use crate::dialog::{Engine, Input};

/// Delivers outbox messages with `sendMessage`.
pub struct TelegramChannel {
    bot: Bot,
}

impl TelegramChannel {
    pub fn new(bot: Bot) -> Self {
        Self { bot }
    }
}

fn keyboard(rows: &[Vec<crate::desk::Button>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .map(|b| InlineKeyboardButton::callback(b.text.clone(), b.data.clone()))
            .collect::<Vec<_>>()
    }))
}

impl Channel for TelegramChannel {
    async fn deliver(&self, message: &OutgoingMessage) -> Result<String, DeliveryError> {
        let mut request = self
            .bot
            .send_message(ChatId(message.chat_id), &message.body);
        if !message.buttons.0.is_empty() {
            request = request.reply_markup(keyboard(&message.buttons.0));
        }
        match request.await {
            Ok(sent) => Ok(sent.id.0.to_string()),
            Err(error) => Err(classify(error)),
        }
    }
}

/// Which failures are worth retrying.
fn classify(error: RequestError) -> DeliveryError {
    match error {
        RequestError::RetryAfter(wait) => DeliveryError::Retry {
            reason: "rate limited by Telegram".into(),
            after: Some(wait.duration()),
        },
        RequestError::Api(
            api @ (ApiError::BotBlocked
            | ApiError::ChatNotFound
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots),
        ) => DeliveryError::Permanent(api.to_string()),
        other => DeliveryError::Retry {
            reason: other.to_string(),
            after: None,
        },
    }
}

/// What onestop keeps of an update: enough to handle it, in a shape of its
/// own (teloxide's `Update` does not read back what it writes).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredUpdate {
    pub chat: i64,
    /// A message's text ("" for a photo, sticker, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A pressed button's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_id: Option<String>,
}

impl StoredUpdate {
    /// `None` for updates the bot does not handle (edits, channel posts, …).
    pub fn from_update(update: &Update) -> Option<Self> {
        match &update.kind {
            UpdateKind::Message(m) => Some(Self {
                chat: m.chat.id.0,
                text: Some(m.text().unwrap_or("").to_string()),
                button: None,
                callback_id: None,
            }),
            UpdateKind::CallbackQuery(q) => Some(Self {
                chat: match &q.message {
                    Some(MaybeInaccessibleMessage::Regular(m)) => m.chat.id.0,
                    Some(MaybeInaccessibleMessage::Inaccessible(m)) => m.chat.id.0,
                    None => q.from.id.0 as i64,
                },
                text: None,
                button: Some(q.data.clone().unwrap_or_default()),
                callback_id: Some(q.id.0.clone()),
            }),
            _ => None,
        }
    }

    fn input(&self) -> Option<Input> {
        match (&self.text, &self.button) {
            (_, Some(data)) => Some(Input::Button(data.clone())),
            (Some(text), None) => Some(Input::Text(text.clone())),
            (None, None) => None,
        }
    }
}

/// Stores updates; those already stored are left alone (a redelivery).
pub async fn store_updates(pool: &PgPool, updates: &[Update]) -> Result<()> {
    let mut tx = pool.begin().await?;
    for update in updates {
        let Some(stored) = StoredUpdate::from_update(update) else {
            continue;
        };
        let chat = stored.chat;
        let payload = serde_json::to_value(&stored).context("serializing an update")?;
        sqlx::query(
            "INSERT INTO inbound_updates (update_id, chat_id, payload) VALUES ($1, $2, $3) \
             ON CONFLICT (update_id) DO NOTHING",
        )
        .bind(i64::from(update.id.0))
        .bind(chat)
        .bind(sqlx::types::Json(payload))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Long polling: each batch is stored before the next `getUpdates`
/// acknowledges it, so a crash loses nothing.
pub async fn poll(
    bot: Bot,
    pool: PgPool,
    timeout: Duration,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut offset: i64 =
        sqlx::query_scalar("SELECT coalesce(max(update_id) + 1, 0) FROM inbound_updates")
            .fetch_one(&pool)
            .await
            .unwrap_or(0);
    let mut failures = 0u32;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let request = bot
            .get_updates()
            .offset(offset as i32)
            .timeout(timeout.as_secs() as u32)
            .allowed_updates([AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
        let updates = tokio::select! {
            result = request.send() => result,
            _ = shutdown.changed() => return,
        };
        match updates {
            Ok(updates) => {
                failures = 0;
                if updates.is_empty() {
                    continue;
                }
                tracing::debug!(updates = updates.len(), offset, "received updates");
                let next = updates
                    .iter()
                    .map(|u| i64::from(u.id.0) + 1)
                    .max()
                    .unwrap_or(offset);
                match store_updates(&pool, &updates).await {
                    Ok(()) => {
                        offset = offset.max(next);
                        wake.notify_one();
                    }
                    Err(e) => {
                        // Not acknowledged: Telegram sends them again.
                        warn!(error = %e, "could not store updates; not acknowledging them");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            Err(RequestError::RetryAfter(wait)) => tokio::time::sleep(wait.duration()).await,
            Err(e) => {
                failures += 1;
                let wait = Duration::from_millis(200 * u64::from(failures.min(25)));
                warn!(error = %e, ?wait, "getUpdates failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }
}

/// Webhook mode: Telegram posts updates here; the answer is 200 only after
/// the update is stored, so Telegram retries anything not stored.
pub async fn serve_webhook(
    listen: SocketAddr,
    secret: Option<String>,
    pool: PgPool,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    let state = (pool, wake, secret);
    let app = axum::Router::new()
        .route(
            "/telegram",
            post(
                |axum::extract::State((pool, wake, secret)): axum::extract::State<(
                    PgPool,
                    Arc<Notify>,
                    Option<String>,
                )>,
                 headers: HeaderMap,
                 body: axum::body::Bytes| async move {
                    if let Some(secret) = &secret {
                        let given = headers
                            .get("x-telegram-bot-api-secret-token")
                            .and_then(|v| v.to_str().ok());
                        if given != Some(secret.as_str()) {
                            return StatusCode::UNAUTHORIZED;
                        }
                    }
                    let Ok(update) = serde_json::from_slice::<Update>(&body) else {
                        // Not an update we can read: acknowledged, logged.
                        warn!("ignoring a webhook body that is not an update");
                        return StatusCode::OK;
                    };
                    match store_updates(&pool, &[update]).await {
                        Ok(()) => {
                            wake.notify_one();
                            StatusCode::OK
                        }
                        Err(e) => {
                            warn!(error = %e, "could not store a webhook update");
                            StatusCode::SERVICE_UNAVAILABLE
                        }
                    }
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    info!(%listen, "webhook endpoint ready at /telegram");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.changed().await;
        })
        .await?;
    Ok(())
}

/// Processes stored updates: once each, in order within a chat, chats in
/// parallel. On shutdown it finishes the updates in hand and returns.
pub async fn process(
    engine: Arc<RwLock<Engine>>,
    bot: Bot,
    pool: PgPool,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let busy: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        let pending: Vec<(i64, i64)> = match sqlx::query_as(
            "SELECT update_id, chat_id FROM inbound_updates WHERE processed_at IS NULL \
             ORDER BY update_id LIMIT 1000",
        )
        .fetch_all(&pool)
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                warn!(error = %e, "could not read stored updates; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut by_chat: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (update, chat) in pending {
            by_chat.entry(chat).or_default().push(update);
        }
        for (chat, updates) in by_chat {
            if !busy.lock().unwrap().insert(chat) {
                continue;
            }
            let engine = engine.read().unwrap().clone();
            let (bot, pool, busy, wake) = (bot.clone(), pool.clone(), busy.clone(), wake.clone());
            tasks.spawn(async move {
                for update in updates {
                    let span = info_span!("update", update, chat);
                    if let Err(e) = handle_stored(&engine, &bot, &pool, update)
                        .instrument(span)
                        .await
                    {
                        warn!(update, chat, error = %e, "processing failed; will retry");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        break;
                    }
                }
                busy.lock().unwrap().remove(&chat);
                // Anything that arrived for this chat meanwhile.
                wake.notify_one();
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

/// One stored update, in one transaction with everything it causes.
async fn handle_stored(engine: &Engine, bot: &Bot, pool: &PgPool, update_id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    let row: Option<(i64, sqlx::types::Json<Value>)> = sqlx::query_as(
        "SELECT chat_id, payload FROM inbound_updates WHERE update_id = $1 AND processed_at IS NULL \
         FOR UPDATE SKIP LOCKED",
    )
    .bind(update_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((chat, payload)) = row else {
        return Ok(()); // done already, or in another worker's hands
    };
    tracing::debug!(update_id, chat, "processing an update");
    let stored: Option<StoredUpdate> = serde_json::from_value(payload.0).ok();
    let callback = stored.as_ref().and_then(|s| s.callback_id.clone());
    let input = stored.as_ref().and_then(StoredUpdate::input);
    if let Some(input) = input {
        if let Err(e) = engine.handle(&mut tx, chat, &input).await {
            // Roll back what the update did, and tell the user instead of
            // leaving them without an answer; the update counts as handled.
            drop(tx);
            warn!(error = %e, "the engine failed on an update");
            let mut tx = pool.begin().await?;
            apologize(&mut tx, chat).await?;
            mark_processed(&mut tx, update_id).await?;
            tx.commit().await?;
            return Ok(());
        }
    }
    mark_processed(&mut tx, update_id).await?;
    tx.commit().await?;
    if let Some(id) = callback {
        // Stops the button's spinner; best effort.
        let _ = bot
            .answer_callback_query(teloxide::types::CallbackQueryId(id))
            .await;
    }
    Ok(())
}

async fn mark_processed(tx: &mut PgConnection, update_id: i64) -> Result<()> {
    sqlx::query("UPDATE inbound_updates SET processed_at = now() WHERE update_id = $1")
        .bind(update_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn apologize(tx: &mut PgConnection, chat: i64) -> Result<()> {
    let notice = crate::desk::notices::Notice {
        body: "죄송해요, 메시지를 처리하다 문제가 생겼어요. 잠시 뒤 다시 보내 주세요.".into(),
        buttons: Vec::new(),
    };
    crate::desk::outbox::enqueue(tx, chat, &notice, None).await?;
    Ok(())
}

/// Deletes processed updates older than a day: the table stays small, and
/// Telegram never redelivers that far back.
pub async fn prune_updates(pool: &PgPool) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM inbound_updates WHERE processed_at < now() - interval '1 day' \
         AND update_id < (SELECT max(update_id) FROM inbound_updates)",
    )
    .execute(pool)
    .await?
    .rows_affected())
}
