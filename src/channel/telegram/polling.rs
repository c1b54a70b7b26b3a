//! Receiving updates: long polling (`getUpdates`, read raw so that an update
//! the client library cannot parse is kept and skipped instead of stopping
//! the reader) and the webhook endpoint. Either way an update is stored
//! before Telegram is told it arrived, so a crash loses nothing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use teloxide::prelude::*;
use tokio::sync::{watch, Notify};
use tracing::{info, warn};

use super::inbox;
use super::wire::{self, Batch, RawUpdate};

/// Long polling until `shutdown`: each batch is stored before the next
/// `getUpdates` acknowledges it. A webhook left set (which makes Telegram
/// refuse `getUpdates`) is removed, and the log says so.
pub async fn poll(
    bot: Bot,
    pool: sqlx::PgPool,
    timeout: Duration,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    clear_webhook(&bot).await;
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
        let answer = tokio::select! {
            answer = get_updates(&bot, offset, timeout) => answer,
            _ = shutdown.changed() => return,
        };
        let wait = match answer {
            Ok(Batch::Updates {
                updates,
                unreadable,
            }) => {
                failures = 0;
                for entry in &unreadable {
                    warn!(
                        entry,
                        "getUpdates returned an entry without an update_id; skipping it"
                    );
                }
                if updates.is_empty() {
                    continue;
                }
                tracing::debug!(updates = updates.len(), offset, "received updates");
                let next = updates.iter().map(|u| u.id + 1).max().unwrap_or(offset);
                match inbox::store(&pool, &updates).await {
                    Ok(()) => {
                        offset = offset.max(next);
                        wake.notify_one();
                        continue;
                    }
                    Err(e) => {
                        // Not acknowledged: Telegram sends them again.
                        warn!(error = %format!("{e:#}"), "could not store updates; not acknowledging them");
                        Duration::from_secs(1)
                    }
                }
            }
            Ok(Batch::Refused {
                retry_after: Some(seconds),
                ..
            }) => Duration::from_secs(seconds),
            Ok(Batch::Refused {
                code, description, ..
            }) if code == 409 && description.contains("webhook") => {
                warn!(%description, "getUpdates refused while a webhook is set");
                clear_webhook(&bot).await;
                Duration::from_millis(200)
            }
            Ok(Batch::Refused {
                code, description, ..
            }) => {
                failures += 1;
                let wait = Duration::from_millis(200 * u64::from(failures.min(25)));
                warn!(code, %description, ?wait, "getUpdates refused; retrying");
                wait
            }
            Err(e) => {
                failures += 1;
                let wait = Duration::from_millis(200 * u64::from(failures.min(25)));
                warn!(error = %format!("{e:#}"), ?wait, "getUpdates failed; retrying");
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One `getUpdates` call, its answer split but not parsed.
async fn get_updates(bot: &Bot, offset: i64, timeout: Duration) -> Result<Batch> {
    let mut url = bot.api_url();
    url.path_segments_mut()
        .map_err(|()| anyhow!("the Bot API address cannot take a path"))?
        .pop_if_empty()
        .push(&format!("bot{}", bot.token()))
        .push("getUpdates");
    let body = serde_json::json!({
        "offset": offset,
        "timeout": timeout.as_secs(),
        "allowed_updates": ["message", "callback_query"],
    });
    let response = bot
        .client()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        // The client's own limit is for short calls; a long poll may wait
        // `timeout` before answering.
        .timeout(timeout + Duration::from_secs(10))
        .send()
        .await
        .context("calling getUpdates")?;
    let status = response.status();
    let bytes = response.bytes().await.context("reading getUpdates")?;
    wire::split_batch(&bytes).map_err(|e| anyhow!("getUpdates answered HTTP {status}: {e}"))
}

/// Removes a webhook left set (Telegram refuses `getUpdates` while one is).
async fn clear_webhook(bot: &Bot) {
    match bot.get_webhook_info().await {
        Ok(info) => {
            let Some(url) = info.url else {
                return;
            };
            match bot.delete_webhook().await {
                Ok(_) => {
                    info!(webhook = %url, "a webhook was set; removed it to receive updates by polling")
                }
                Err(e) => {
                    warn!(error = %e, "could not remove the webhook; polling will be refused")
                }
            }
        }
        Err(e) => warn!(error = %e, "could not ask Telegram whether a webhook is set"),
    }
}

/// Webhook mode: Telegram posts updates here; the answer is 200 only after
/// the update is stored, so Telegram retries anything not stored.
pub async fn serve_webhook(
    listen: SocketAddr,
    secret: Option<String>,
    pool: sqlx::PgPool,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    type State = (sqlx::PgPool, Arc<Notify>, Option<String>);
    let app = axum::Router::new()
        .route(
            "/telegram",
            post(
                |axum::extract::State((pool, wake, secret)): axum::extract::State<State>,
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
                    let json = String::from_utf8_lossy(&body).into_owned();
                    let Some(id) = wire::update_id(&json) else {
                        // Nothing to key it by: acknowledged and reported.
                        warn!(body = %json.chars().take(200).collect::<String>(),
                              "ignoring a webhook body without an update_id");
                        return StatusCode::OK;
                    };
                    match inbox::store(&pool, &[RawUpdate { id, json }]).await {
                        Ok(()) => {
                            wake.notify_one();
                            StatusCode::OK
                        }
                        Err(e) => {
                            warn!(error = %format!("{e:#}"), "could not store a webhook update");
                            StatusCode::SERVICE_UNAVAILABLE
                        }
                    }
                },
            ),
        )
        .with_state((pool, wake, secret));
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
