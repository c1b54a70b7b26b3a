//! `onestop serve`: the bot on Telegram. Updates in (polling or webhook),
//! the engine, the desk's background work and the outbox sender, until
//! SIGTERM or Ctrl-C drains them; SIGHUP reloads `dialogs/`. The bot's
//! commands are registered at start, after each reload, and for consultants
//! added or deactivated meanwhile (looked at every 30 s).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use teloxide::prelude::*;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{watch, Notify};
use tracing::{error, info, warn};

use super::desk::{DbArgs, PaceArgs, ServeArgs};
use super::observe::ObserveArgs;
use super::KbArgs;
use crate::app::App;
use crate::channel::telegram::inbox::{self, ChatPolicy, Processor};
use crate::channel::telegram::leader::{self, Poller, Receiving};
use crate::channel::telegram::{commands, polling, TelegramChannel};
use crate::desk::notifier::{run_worker, WorkerConfig};
use crate::desk::outbox;
use crate::protocol::Reply;
use crate::tasks::Supervisor;

pub fn run(
    kb: KbArgs,
    db: DbArgs,
    pace: PaceArgs,
    observe: ObserveArgs,
    args: ServeArgs,
) -> Result<ExitCode> {
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
        let bot = Bot::with_client(token, bot_api_client(args.send_timeout)?).set_api_url(api_url);
        let (stop, shutdown) = watch::channel(false);
        let reloaded = Arc::new(Notify::new());
        // Counting starts before anything happens that is counted.
        let metrics = match observe.http_listen {
            Some(_) => Some(crate::telemetry::install()?),
            None => None,
        };
        let (receiving, receiving_now) = watch::channel(Receiving::Starting);
        let mut tasks = start_parts(
            &app,
            &bot,
            &args,
            pace.sender_config(),
            receiving,
            &shutdown,
        );
        if let (Some(addr), Some(metrics)) = (observe.http_listen, metrics) {
            let router = endpoints(&app, receiving_now, metrics, addr)?;
            tasks.spawn("http", crate::http::serve(addr, router, shutdown.clone()));
        }
        tasks.spawn(
            "commands",
            commands::keep_registered(
                bot.clone(),
                app.desk.clone(),
                COMMANDS_EVERY,
                reloaded.clone(),
                shutdown.clone(),
            ),
        );
        eprintln!("onestop serve: ready");
        let died = wait_for_stop_or_death(&kb, &app, &args.admins, &reloaded, &mut tasks).await?;
        match &died {
            None => info!("stopping: finishing the updates and deliveries in hand"),
            Some(why) => error!(reason = %why, "a part of the bot stopped; stopping the rest"),
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
            Some(why) => bail!("{why}; exiting so that the bot can be restarted"),
        }
    })
}

/// teloxide's HTTP client with our timeout for one call (teloxide's own
/// gives up after 17 s, and a send the API was still taking went twice),
/// through `TELOXIDE_PROXY` when it is set, as teloxide does.
fn bot_api_client(send_timeout: Duration) -> Result<reqwest::Client> {
    let mut builder =
        teloxide::net::default_reqwest_settings().timeout(send_timeout.max(Duration::from_secs(1)));
    if let Ok(proxy) = std::env::var("TELOXIDE_PROXY") {
        let proxy = reqwest::Proxy::all(&proxy)
            .with_context(|| format!("TELOXIDE_PROXY `{proxy}` is not a proxy address"))?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .context("building the HTTP client for the Bot API")
}

/// `/healthz`, `/readyz`, `/metrics` and the supervisor's page, on one
/// listener.
fn endpoints(
    app: &App,
    receiving: watch::Receiver<Receiving>,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
    addr: std::net::SocketAddr,
) -> Result<axum::Router> {
    let readiness = crate::http::health::Readiness {
        pool: app.desk.pool().clone(),
        dialogs: "loaded",
        receiving: Some(receiving),
    };
    // The page groups unanswered questions with the knowledge base loaded
    // at start (a reload does not regroup them).
    let kb = app.engine().kb.clone();
    let page = crate::web::WebState::new(app.desk.clone(), kb, !addr.ip().is_loopback())?;
    Ok(crate::http::health::router(readiness)
        .merge(crate::http::metrics::router(metrics, app.desk.clone()))
        .merge(crate::web::router(page)))
}

/// How often the set of active consultants is looked at for commands to
/// register or remove.
const COMMANDS_EVERY: Duration = Duration::from_secs(30);

/// Starts every part of the bot under one supervisor: who the bot is,
/// receiving (polling when this process leads, or the webhook), processing, the desk's worker with
/// the Telegram sender, and pruning.
fn start_parts(
    app: &App,
    bot: &Bot,
    args: &ServeArgs,
    sender: outbox::SenderConfig,
    receiving: watch::Sender<Receiving>,
    shutdown: &watch::Receiver<bool>,
) -> Supervisor {
    let desk = &app.desk;
    let policy = ChatPolicy {
        groups: args.groups,
        ..Default::default()
    };
    let wake = Arc::new(Notify::new());
    let mut tasks = Supervisor::new();
    tasks.spawn(
        "getMe",
        learn_who_we_are(bot.clone(), policy.username.clone(), shutdown.clone()),
    );
    match args.webhook_listen {
        Some(listen) => {
            receiving.send_replace(Receiving::Webhook);
            let (pool, wake, shutdown) = (desk.pool().clone(), wake.clone(), shutdown.clone());
            let secret = args.webhook_secret.clone();
            tasks.spawn(
                "webhook",
                polling::serve_webhook(listen, secret, pool, wake, shutdown),
            );
        }
        None => {
            // Of several processes on this database, one polls at a time.
            let poller = Poller {
                bot: bot.clone(),
                pool: desk.pool().clone(),
                timeout: Duration::from_secs(args.poll_timeout.clamp(0, 50)),
                wake: wake.clone(),
            };
            let poll = leader::poll_when_leader(poller, receiving, shutdown.clone());
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
    let processing = processor.run(wake, shutdown.clone());
    tasks.spawn("processing", async move {
        processing.await;
        Ok(())
    });
    let worker = WorkerConfig {
        sender,
        ..Default::default()
    };
    let channel = Arc::new(TelegramChannel::new(bot.clone()));
    tasks.spawn(
        "desk worker",
        run_worker(desk.clone(), channel, worker, shutdown.clone()),
    );
    tasks.spawn(
        "pruning",
        prune_hourly(desk.pool().clone(), shutdown.clone()),
    );
    tasks
}

/// Asks the Bot API who the bot is (for commands addressed to it, and the
/// pointer to a private chat), retrying through an outage, which delays
/// this but does not stop the bot. Then waits for shutdown, so that its end
/// is not taken for a failure.
async fn learn_who_we_are(
    bot: Bot,
    username: Arc<std::sync::OnceLock<String>>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
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
            _ = shutdown.changed() => return Ok(()),
        }
        wait = (wait * 2).min(Duration::from_secs(30));
    }
    let _ = shutdown.changed().await;
    Ok(())
}

/// Deletes handled updates every hour.
async fn prune_hourly(pool: sqlx::PgPool, mut shutdown: watch::Receiver<bool>) -> Result<()> {
    loop {
        match inbox::prune(&pool).await {
            Ok(0) => {}
            Ok(n) => info!(rows = n, "pruned handled updates"),
            Err(e) => warn!(error = %format!("{e:#}"), "pruning handled updates failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

/// Runs until SIGTERM or Ctrl-C (`None`) or until a part of the bot ends
/// (`Some(why)`); SIGHUP reloads `dialogs/` meanwhile.
async fn wait_for_stop_or_death(
    kb: &KbArgs,
    app: &App,
    admins: &[i64],
    reloaded: &Notify,
    tasks: &mut Supervisor,
) -> Result<Option<String>> {
    let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut hangup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(None),
            _ = term.recv() => return Ok(None),
            _ = hangup.recv() => {
                if reload(kb, app, admins).await {
                    // The commands' descriptions are texts.
                    reloaded.notify_one();
                }
            }
            ended = tasks.first_to_end() => {
                return Ok(Some(ended.map_or("every task ended".to_string(), |e| e.to_string())));
            }
        }
    }
}

/// Reloads `dialogs/`; a broken edit is refused, logged and reported to the
/// admins, and the last good version stays. Whether it reloaded.
async fn reload(kb: &KbArgs, app: &App, admins: &[i64]) -> bool {
    match kb.dialogs() {
        Ok(dialogs) => {
            app.reload(dialogs);
            info!("dialogs reloaded");
            true
        }
        Err(e) => {
            error!(error = %format!("{e:#}"), "reload refused; keeping the last good dialogs");
            let error = format!("{e:#}");
            let body = app
                .desk
                .texts()
                .fill("admin_reload_failed", &[("error", &error)]);
            let notice = Reply::text(body);
            if let Ok(mut tx) = app.desk.pool().begin().await {
                for admin in admins {
                    let _ = outbox::enqueue(&mut tx, *admin, &notice, None).await;
                }
                let _ = tx.commit().await;
            }
            false
        }
    }
}
