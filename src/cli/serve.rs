//! `onestop serve`: the bot on Telegram. Updates in (polling or webhook),
//! the engine, the desk's background work and the outbox sender, until
//! SIGTERM or Ctrl-C drains them; SIGHUP reloads `dialogs/`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use teloxide::prelude::*;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{watch, Notify};
use tracing::{error, info, warn};

use super::desk::{DbArgs, ServeArgs};
use super::KbArgs;
use crate::app::App;
use crate::channel::telegram::inbox::{self, ChatPolicy, Processor};
use crate::channel::telegram::{polling, TelegramChannel};
use crate::desk::notifier::{run_worker, WorkerConfig};
use crate::desk::outbox;
use crate::protocol::Reply;
use crate::tasks::Supervisor;

pub fn run(kb: KbArgs, db: DbArgs, args: ServeArgs) -> Result<ExitCode> {
    let Some(token) = args.token.clone().filter(|t| !t.trim().is_empty()) else {
        bail!(
            "no bot token: set TELOXIDE_TOKEN (or --token) to the token @BotFather gave you. \
             To try the bot without Telegram, run `onestop chat`"
        );
    };
    let api_url: url::Url = args.api_url.parse().with_context(|| {
        format!(
            "--api-url / TELOXIDE_API_URL `{}` is not a URL",
            args.api_url
        )
    })?;
    let dialogs = kb.dialogs()?;
    crate::app::runtime()?.block_on(async move {
        let database = db.open(20).await?;
        let app = App::new(dialogs, database.pool.clone());
        let desk = app.desk.clone();
        let bot = Bot::new(token).set_api_url(api_url);
        let policy = ChatPolicy {
            groups: args.groups,
            ..Default::default()
        };
        let (stop, shutdown) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let mut tasks = Supervisor::new();
        // Who the bot is (for commands addressed to it, and the pointer to
        // a private chat); an outage delays this, it does not stop the bot.
        tasks.spawn("getMe", {
            let (bot, username, mut shutdown) =
                (bot.clone(), policy.username.clone(), shutdown.clone());
            async move {
                let mut wait = Duration::from_millis(500);
                loop {
                    match bot.get_me().await {
                        Ok(me) => {
                            info!(username = ?me.username, "connected to the Bot API");
                            if let Some(name) = me.username.clone() {
                                let _ = username.set(name);
                            }
                            break;
                        }
                        Err(e) => warn!(error = %e, "the Bot API is not reachable yet; retrying"),
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => break,
                    }
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
                // Done; stays "running" until shutdown so that its end is not
                // taken for a failure.
                let _ = shutdown.changed().await;
                Ok(())
            }
        });
        match args.webhook_listen {
            Some(listen) => {
                let (pool, wake, shutdown) = (desk.pool().clone(), wake.clone(), shutdown.clone());
                let secret = args.webhook_secret.clone();
                tasks.spawn(
                    "webhook",
                    polling::serve_webhook(listen, secret, pool, wake, shutdown),
                );
            }
            None => {
                let poll = polling::poll(
                    bot.clone(),
                    desk.pool().clone(),
                    Duration::from_secs(args.poll_timeout.clamp(0, 15)),
                    wake.clone(),
                    shutdown.clone(),
                );
                tasks.spawn("polling", async move {
                    poll.await;
                    Ok(())
                });
            }
        }
        let processor = Processor {
            handler: app.engine.clone(),
            bot: bot.clone(),
            pool: desk.pool().clone(),
            policy,
        };
        tasks.spawn("processing", {
            let (wake, shutdown) = (wake.clone(), shutdown.clone());
            async move {
                processor.run(wake, shutdown).await;
                Ok(())
            }
        });
        let worker = WorkerConfig {
            sender: args.pace.sender_config(),
            ..Default::default()
        };
        tasks.spawn(
            "desk worker",
            run_worker(
                desk.clone(),
                Arc::new(TelegramChannel::new(bot.clone())),
                worker,
                shutdown.clone(),
            ),
        );
        tasks.spawn("pruning", {
            let pool = desk.pool().clone();
            let mut shutdown = shutdown.clone();
            async move {
                loop {
                    match inbox::prune(&pool).await {
                        Ok(0) => {}
                        Ok(n) => info!(rows = n, "pruned handled updates"),
                        Err(e) => {
                            warn!(error = %format!("{e:#}"), "pruning handled updates failed")
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                        _ = shutdown.changed() => return Ok(()),
                    }
                }
            }
        });
        eprintln!("onestop serve: ready");
        let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
        let mut hangup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
        let died = loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break None,
                _ = term.recv() => break None,
                _ = hangup.recv() => reload(&kb, &app, &args.admins).await,
                ended = tasks.first_to_end() => break Some(ended),
            }
        };
        match &died {
            None => info!("stopping: finishing the updates and deliveries in hand"),
            Some(ended) => {
                let why = ended
                    .as_ref()
                    .map_or("every task ended".to_string(), ToString::to_string);
                error!(reason = %why, "a part of the bot stopped; stopping the rest");
            }
        }
        let _ = stop.send(true);
        let aborted = tasks.drain(Duration::from_secs(30)).await;
        if aborted > 0 {
            warn!(tasks = aborted, "stopped tasks that did not finish in time");
        }
        database.close().await;
        match died {
            None => {
                eprintln!("onestop serve: stopped");
                Ok(ExitCode::SUCCESS)
            }
            Some(ended) => {
                let why = ended.map_or("every task ended".to_string(), |e| e.to_string());
                bail!("{why}; exiting so that the bot can be restarted")
            }
        }
    })
}

/// Reloads `dialogs/`; a broken edit is refused, logged and reported to the
/// admins, and the last good version stays.
async fn reload(kb: &KbArgs, app: &App, admins: &[i64]) {
    match kb.dialogs() {
        Ok(dialogs) => {
            app.reload(dialogs);
            info!("dialogs reloaded");
        }
        Err(e) => {
            error!(error = %format!("{e:#}"), "reload refused; keeping the last good dialogs");
            let notice = Reply {
                body: format!("dialogs/ 다시 읽기에 실패해 이전 설정을 그대로 씁니다.\n{e:#}"),
                buttons: Vec::new(),
            };
            if let Ok(mut tx) = app.desk.pool().begin().await {
                for admin in admins {
                    let _ = outbox::enqueue(&mut tx, *admin, &notice, None).await;
                }
                let _ = tx.commit().await;
            }
        }
    }
}
