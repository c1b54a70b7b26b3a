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
use crate::database::outage::Outage;

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
    let mut outage = Outage::new("receiving");
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
                if let Err(e) = store_batch(&pool, &updates, &mut offset).await {
                    outage.failed("could not store updates; not acknowledging them", &e)
                } else {
                    outage.succeeded();
                    if !updates.is_empty() {
                        wake.notify_one();
                    }
                    continue;
                }
            }
            Ok(refused) => {
                failures += 1;
                after_refusal(&bot, refused, failures).await
            }
            Err(e) => {
                failures += 1;
                let wait = backoff(failures);
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

/// 200 ms more for each failure in a row, up to 5 s.
fn backoff(failures: u32) -> Duration {
    Duration::from_millis(200 * u64::from(failures.min(25)))
}

/// Stores a batch; on success moves `offset` past it (the next `getUpdates`
/// acknowledges it). Not stored (the error is returned): not acknowledged,
/// so Telegram sends it again.
async fn store_batch(
    pool: &sqlx::PgPool,
    updates: &[RawUpdate],
    offset: &mut i64,
) -> Result<(), String> {
    let Some(next) = updates.iter().map(|u| u.id + 1).max() else {
        return Ok(());
    };
    tracing::debug!(updates = updates.len(), offset, "received updates");
    crate::telemetry::updates_received(updates.len());
    match inbox::store(pool, updates).await {
        Ok(()) => {
            crate::telemetry::updates_stored(updates.len());
            *offset = (*offset).max(next);
            Ok(())
        }
        Err(e) => Err(format!("{e:#}")),
    }
}

/// How long to wait after Telegram refused `getUpdates`; a webhook left set
/// is removed first.
async fn after_refusal(bot: &Bot, refused: Batch, failures: u32) -> Duration {
    let Batch::Refused {
        code,
        description,
        retry_after,
    } = refused
    else {
        return Duration::ZERO;
    };
    if let Some(seconds) = retry_after {
        return Duration::from_secs(seconds);
    }
    if code == 409 && description.contains("webhook") {
        warn!(%description, "getUpdates refused while a webhook is set");
        clear_webhook(bot).await;
        return Duration::from_millis(200);
    }
    let wait = backoff(failures);
    warn!(code, %description, ?wait, "getUpdates refused; retrying");
    wait
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
                    crate::telemetry::updates_received(1);
                    match inbox::store(&pool, &[RawUpdate { id, json }]).await {
                        Ok(()) => {
                            crate::telemetry::updates_stored(1);
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
