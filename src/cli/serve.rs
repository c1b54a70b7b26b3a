//! `onestop serve`: the bot on Telegram. Updates in (polling or webhook),
//! the engine, the desk's background work and the outbox sender, until
//! SIGTERM or Ctrl-C drains them; SIGHUP reloads `dialogs/`.

use std::process::ExitCode;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use teloxide::prelude::*;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{watch, Notify};
use tracing::{error, info, warn};

use super::desk::{DbArgs, ServeArgs};
use super::KbArgs;
use crate::channel::telegram::{self, TelegramChannel};
use crate::desk::notices::Notice;
use crate::desk::notifier::{run_worker, WorkerConfig};
use crate::desk::outbox::{self, SenderConfig};
use crate::desk::Desk;
use crate::dialog::Engine;

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
    let super::Dialogs {
        kb: knowledge,
        routing,
        flows,
    } = kb.dialogs()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let database = db.open(20).await?;
        let desk = Desk::new(database.pool.clone(), Arc::new(routing));
        let engine = Arc::new(RwLock::new(Engine::new(
            Arc::new(knowledge),
            Arc::new(flows),
            desk.clone(),
        )));
        let bot = Bot::new(token).set_api_url(api_url);
        match bot.get_me().await {
            Ok(me) => info!(username = ?me.username, "connected to the Bot API"),
            // An outage delays messages; it does not stop the bot.
            Err(e) => warn!(error = %e, "the Bot API is not reachable yet; retrying as we go"),
        }
        let (stop, shutdown) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let mut tasks = tokio::task::JoinSet::new();
        match args.webhook_listen {
            Some(listen) => {
                tasks.spawn({
                    let (pool, wake, shutdown) =
                        (desk.pool().clone(), wake.clone(), shutdown.clone());
                    let secret = args.webhook_secret.clone();
                    async move {
                        if let Err(e) =
                            telegram::serve_webhook(listen, secret, pool, wake, shutdown).await
                        {
                            error!(error = %e, "the webhook endpoint stopped");
                        }
                    }
                });
            }
            None => {
                tasks.spawn(telegram::poll(
                    bot.clone(),
                    desk.pool().clone(),
                    Duration::from_secs(args.poll_timeout.clamp(0, 15)),
                    wake.clone(),
                    shutdown.clone(),
                ));
            }
        }
        tasks.spawn(telegram::process(
            engine.clone(),
            bot.clone(),
            desk.pool().clone(),
            wake.clone(),
            shutdown.clone(),
        ));
        let worker = WorkerConfig {
            sender: SenderConfig {
                global_per_second: args.per_second.max(1),
                per_chat_interval: Duration::from_millis(args.per_chat_ms),
                ..Default::default()
            },
            ..Default::default()
        };
        tasks.spawn(run_worker(
            desk.clone(),
            Arc::new(TelegramChannel::new(bot.clone())),
            worker,
            shutdown.clone(),
        ));
        tasks.spawn({
            let pool = desk.pool().clone();
            let mut shutdown = shutdown.clone();
            async move {
                loop {
                    if let Ok(n) = telegram::prune_updates(&pool).await {
                        if n > 0 {
                            info!(rows = n, "pruned processed updates");
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                        _ = shutdown.changed() => return,
                    }
                }
            }
        });
        eprintln!("onestop serve: ready");
        let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
        let mut hangup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = term.recv() => break,
                _ = hangup.recv() => reload(&kb, &engine, &desk, &args.admins).await,
            }
        }
        info!("stopping: finishing the updates and deliveries in hand");
        let _ = stop.send(true);
        while tasks.join_next().await.is_some() {}
        database.close().await;
        eprintln!("onestop serve: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Reloads `dialogs/`; a broken edit is refused, logged and reported to the
/// admins, and the last good version stays.
async fn reload(kb: &KbArgs, engine: &Arc<RwLock<Engine>>, desk: &Desk, admins: &[i64]) {
    match kb.dialogs() {
        Ok(super::Dialogs {
            kb: knowledge,
            routing,
            flows,
        }) => {
            desk.set_routing(Arc::new(routing));
            let mut engine = engine.write().unwrap();
            *engine = Engine::new(Arc::new(knowledge), Arc::new(flows), desk.clone());
            info!("dialogs reloaded");
        }
        Err(e) => {
            error!(error = %format!("{e:#}"), "reload refused; keeping the last good dialogs");
            let notice = Notice {
                body: format!("dialogs/ 다시 읽기에 실패해 이전 설정을 그대로 씁니다.\n{e:#}"),
                buttons: Vec::new(),
            };
            if let Ok(mut tx) = desk.pool().begin().await {
                for admin in admins {
                    let _ = outbox::enqueue(&mut tx, *admin, &notice, None).await;
                }
                let _ = tx.commit().await;
            }
        }
    }
}
