//! The desk's commands: `consultant`, `stats` and `worker` (and `tickets`,
//! in `tickets.rs`), the database and pacing flags they share, and `chat`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;

use super::tickets::{tickets, TicketAction};
use crate::app::{App, Dialogs};
use crate::channel::jsonl::JsonLinesChannel;
use crate::channel::telegram::inbox::GroupChats;
use crate::database::Database;
use crate::desk::notifier::{run_worker, WorkerConfig};
use crate::desk::outbox::SenderConfig;
use crate::desk::trends::{Figures, TrendFilter};
use crate::desk::{Desk, NewConsultant, Routing};
use crate::texts::Texts;

/// The private PostgreSQL's folder when none is given.
const DEFAULT_DATA_DIR: &str = ".onestop";

/// Where the database is: `chat`, `serve` and the desk's commands
/// (`consultant`, `tickets`, `stats`, `worker`). Global: before or after
/// the command.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The desk's PostgreSQL server (chat, serve, consultant, tickets, stats,
    /// worker). Without it, onestop starts a private one from the system's
    /// binaries in --data-dir (Unix socket only).
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true,
        global = true,
        help_heading = "Global options"
    )]
    pub database_url: Option<String>,
    /// Where the private PostgreSQL keeps its files (without --database-url).
    #[arg(
        long,
        env = "ONESTOP_DATA",
        value_name = "DIR",
        default_value = DEFAULT_DATA_DIR,
        global = true,
        help_heading = "Global options"
    )]
    pub data_dir: PathBuf,
}

impl DbArgs {
    pub async fn open(&self, max_connections: u32) -> Result<Database> {
        let mut data_dir = self.data_dir.clone();
        if self.database_url.is_none()
            && data_dir == std::path::Path::new(DEFAULT_DATA_DIR)
            && !crate::database::private_server::server_can_reach(&data_dir)
        {
            // Run as root from a folder the postgres account cannot enter
            // (a clone under /root, say): keep the data where it can.
            let fallback = PathBuf::from("/var/lib/onestop");
            eprintln!(
                "onestop: PostgreSQL's account cannot enter this folder; keeping the data in {} \
                 (choose another place with --data-dir)",
                fallback.display()
            );
            data_dir = fallback;
        }
        Database::open(self.database_url.as_deref(), &data_dir, max_connections).await
    }
}

#[derive(Debug, Subcommand)]
pub enum ConsultantAction {
    /// Register a consultant (or update one with the same messenger id).
    Add {
        /// Their messenger (Telegram) user id.
        #[arg(long = "id", value_name = "MESSENGER_ID")]
        messenger_id: i64,
        /// Their name as SMEs will see it.
        #[arg(long)]
        name: String,
        /// A queue they work; repeat or separate with commas.
        #[arg(
            long = "queue",
            value_name = "QUEUE",
            required = true,
            value_delimiter = ','
        )]
        queues: Vec<String>,
        /// The most tickets they hold at once.
        #[arg(long, default_value_t = 5)]
        capacity: i32,
    },
    /// List consultants.
    List,
    /// Deactivate a consultant; the tickets they hold go back to their queues.
    Deactivate {
        #[arg(value_name = "MESSENGER_ID")]
        messenger_id: i64,
    },
}

/// Runs a desk command on a fresh runtime.
pub fn execute(
    db: &DbArgs,
    (routing, texts): (Routing, Texts),
    command: DeskCommand,
) -> Result<ExitCode> {
    crate::app::runtime()?.block_on(async move {
        let connections = if matches!(command, DeskCommand::Worker { .. }) {
            10
        } else {
            2
        };
        let database = db.open(connections).await?;
        let desk = Desk::new(database.pool.clone(), Arc::new(routing));
        desk.set_texts(Arc::new(texts));
        let result = run(&desk, command).await;
        database.close().await;
        result
    })
}

/// The desk commands, gathered for `execute`.
#[derive(Debug)]
pub enum DeskCommand {
    Consultant(ConsultantAction),
    Tickets(TicketAction),
    Stats {
        top: i64,
        json: bool,
        /// A range of days: the trends instead of the desk now.
        range: Option<TrendFilter>,
    },
    Worker {
        deliver: String,
        pace: SenderConfig,
        /// `--http-listen`: health, readiness, metrics and the supervisor's
        /// page, with the knowledge base the page groups unanswered
        /// questions with.
        http: Option<(std::net::SocketAddr, Arc<crate::kb::KnowledgeBase>)>,
    },
}

/// `onestop chat`: the whole bot in the terminal.
pub fn chat(db: &DbArgs, dialogs: Dialogs, consultant: bool) -> Result<ExitCode> {
    crate::app::runtime()?.block_on(async move {
        let database = db.open(2).await?;
        let app = App::new(dialogs, database.pool.clone());
        let role = if consultant {
            crate::channel::console::Role::Consultant
        } else {
            crate::channel::console::Role::Sme
        };
        let stdin = std::io::stdin();
        let terminal = crate::channel::console::Terminal::new(std::io::stdout());
        let result =
            crate::channel::console::chat(&app.engine(), stdin.lock(), &terminal, role).await;
        database.close().await;
        result.map(|()| ExitCode::SUCCESS)
    })
}

async fn run(desk: &Desk, command: DeskCommand) -> Result<ExitCode> {
    match command {
        DeskCommand::Consultant(action) => consultant(desk, action).await,
        DeskCommand::Tickets(action) => tickets(desk, action).await,
        DeskCommand::Stats {
            range: Some(range),
            json,
            ..
        } => trends(desk, &range, json).await,
        DeskCommand::Stats { top, json, .. } => stats(desk, top, json).await,
        DeskCommand::Worker {
            deliver,
            pace,
            http,
        } => worker(desk, &deliver, pace, http).await,
    }
}

async fn consultant(desk: &Desk, action: ConsultantAction) -> Result<ExitCode> {
    match action {
        ConsultantAction::Add {
            messenger_id,
            name,
            queues,
            capacity,
        } => {
            let queues = queues
                .into_iter()
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty())
                .collect();
            let c = desk
                .add_consultant(NewConsultant {
                    messenger_id,
                    name,
                    queues,
                    capacity,
                })
                .await?;
            println!(
                "상담원 등록: {} (메신저 ID {}, 대기열 {}, 동시 담당 {}건)",
                c.name,
                c.messenger_id,
                c.queues.join(", "),
                c.capacity
            );
        }
        ConsultantAction::List => {
            let all = desk.consultants().await?;
            if all.is_empty() {
                println!("등록된 상담원이 없습니다. `onestop consultant add --help`를 보세요.");
            }
            for c in all {
                println!(
                    "{}\t{}\t{}\t{}건\t{}",
                    c.messenger_id,
                    c.name,
                    c.queues.join(","),
                    c.capacity,
                    if c.active { "활성" } else { "비활성" }
                );
            }
        }
        ConsultantAction::Deactivate { messenger_id } => {
            let (c, released) = desk.deactivate_consultant(messenger_id).await?;
            println!(
                "{} 상담원을 비활성화했습니다. 담당 중이던 {released}건은 대기열로 돌아갔습니다.",
                c.name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn stats(desk: &Desk, top: i64, json: bool) -> Result<ExitCode> {
    let s = desk.stats(top).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    let minutes = |m: Option<f64>| m.map_or("-".to_string(), |m| format!("{m:.1}분"));
    println!("대기 중인 접수 (대기열별):");
    if s.open_by_queue.is_empty() {
        println!("  없음");
    }
    for (queue, n) in &s.open_by_queue {
        println!("  {queue}\t{n}");
    }
    println!(
        "상담 중 {} · 해결 {} · 종료 {}",
        s.claimed, s.resolved, s.closed
    );
    println!(
        "담당까지 걸린 시간(중앙값) {} · 해결까지(중앙값) {}",
        minutes(s.median_minutes_to_claim),
        minutes(s.median_minutes_to_resolve)
    );
    match s.average_rating {
        Some(avg) => {
            let spread: Vec<String> = s
                .ratings
                .iter()
                .map(|(r, n)| format!("{r}점 {n}"))
                .collect();
            println!("만족도 평균 {avg:.2} ({})", spread.join(", "));
        }
        None => println!("만족도 응답 없음"),
    }
    println!("답하지 못한 질문 (많은 순):");
    if s.unanswered.is_empty() {
        println!("  없음");
    }
    for (question, n) in &s.unanswered {
        println!("  {n}\t{question}");
    }
    if !s.other_languages.is_empty() {
        println!("다른 언어로 온 메시지 (영어 안내와 상담원 연결을 받음):");
    }
    for (message, n) in &s.other_languages {
        println!("  {n}\t{message}");
    }
    println!("다른 기관으로 안내한 질문 (안내 항목별):");
    if s.referrals.is_empty() {
        println!("  없음");
    }
    for (id, title, n) in &s.referrals {
        println!("  {n}\t{title} ({id})");
    }
    println!(
        "보낼 메시지 {} · 보내지 못한 메시지 {}",
        s.outbox_pending, s.outbox_failed
    );
    println!(
        "처리할 메시지 {} · 처리하지 못한 메시지 {}",
        s.updates_pending, s.updates_failed
    );
    Ok(ExitCode::SUCCESS)
}

/// `onestop stats --from --to …`: the figures of the Trends page.
async fn trends(desk: &Desk, range: &TrendFilter, json: bool) -> Result<ExitCode> {
    let t = desk.trends(range).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&t)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} ~ {}에 접수된 건", t.from, t.to);
    println!("이름\t접수\t담당\t해결\t담당까지(중앙값/90%)\t해결까지(중앙값/90%)\t에스컬레이션\t재접수율\t만족도");
    print_figures("전체", &t.total);
    for g in &t.by_queue {
        print_figures(&format!("대기열 {}", g.name), &g.figures);
    }
    for g in &t.by_consultant {
        print_figures(&format!("상담원 {}", g.name), &g.figures);
    }
    println!("날짜\t접수\t담당\t해결");
    for d in &t.days {
        println!("{}\t{}\t{}\t{}", d.day, d.opened, d.claimed, d.resolved);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_figures(name: &str, f: &Figures) {
    let minutes = |m: Option<f64>| m.map_or("-".to_string(), |m| format!("{m:.1}분"));
    println!(
        "{name}\t{}\t{}\t{}\t{}/{}\t{}/{}\t{}\t{}\t{}",
        f.opened,
        f.claimed,
        f.resolved,
        minutes(f.minutes_to_claim_median),
        minutes(f.minutes_to_claim_p90),
        minutes(f.minutes_to_resolve_median),
        minutes(f.minutes_to_resolve_p90),
        f.escalated,
        f.reopen_rate
            .map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0)),
        f.average_rating
            .map_or("-".to_string(), |r| format!("{r:.2} ({}건)", f.rated)),
    );
}

async fn worker(
    desk: &Desk,
    deliver: &str,
    pace: SenderConfig,
    http: Option<(std::net::SocketAddr, Arc<crate::kb::KnowledgeBase>)>,
) -> Result<ExitCode> {
    let channel = if deliver == "stdout" || deliver == "-" {
        JsonLinesChannel::stdout()
    } else {
        let path = deliver.strip_prefix("jsonl:").unwrap_or(deliver);
        JsonLinesChannel::open(std::path::Path::new(path))?
    };
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let endpoints = match http {
        Some((addr, kb)) => Some((addr, endpoints(desk, kb, addr)?)),
        None => None,
    };
    let working = run_worker(
        desk.clone(),
        Arc::new(channel),
        WorkerConfig {
            sender: pace,
            ..Default::default()
        },
        shutdown.clone(),
    );
    let mut work = tokio::spawn(async move {
        match endpoints {
            None => working.await,
            Some((addr, router)) => {
                tokio::try_join!(working, crate::http::serve(addr, router, shutdown))?;
                Ok(())
            }
        }
    });
    eprintln!("onestop worker: delivering to {deliver}; Ctrl-C or SIGTERM stops it");
    tokio::select! {
        _ = wait_for_stop_signal() => {}
        // A part of the worker died: stop with an error, so whatever runs
        // the worker (systemd, a container runtime) starts it again.
        ended = &mut work => {
            let why = match ended {
                Ok(Ok(())) => "the worker ended".to_string(),
                Ok(Err(e)) => format!("{e:#}"),
                Err(e) => format!("the worker panicked: {e}"),
            };
            tracing::error!(reason = %why, "the worker stopped unexpectedly");
            anyhow::bail!("{why}; exiting so that it can be restarted");
        }
    }
    tracing::info!("stopping: finishing the deliveries in hand");
    let _ = stop.send(true);
    let _ = work.await;
    Ok(ExitCode::SUCCESS)
}

/// The worker's `/healthz`, `/readyz`, `/metrics` (its counts start now)
/// and the supervisor's page.
fn endpoints(
    desk: &Desk,
    kb: Arc<crate::kb::KnowledgeBase>,
    addr: std::net::SocketAddr,
) -> Result<axum::Router> {
    let handle = crate::telemetry::install()?;
    let readiness = crate::http::health::Readiness {
        pool: desk.pool().clone(),
        dialogs: "routing and texts loaded",
        receiving: None,
    };
    let page = crate::web::WebState::new(desk.clone(), kb, !addr.ip().is_loopback())?;
    Ok(crate::http::health::router(readiness)
        .merge(crate::http::metrics::router(handle, desk.clone()))
        .merge(crate::web::router(page)))
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM.
pub async fn wait_for_stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// How `onestop serve` reaches Telegram.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The bot's token from @BotFather.
    #[arg(long, env = "TELOXIDE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The Bot API server (a self-hosted one, or a fake one in tests).
    #[arg(
        long,
        env = "TELOXIDE_API_URL",
        default_value = "https://api.telegram.org"
    )]
    pub api_url: String,
    /// Long-polling wait per getUpdates call, in seconds (at most 50).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub poll_timeout: u64,
    /// How long one call to the Bot API (a send, an edit) may take before
    /// it is given up and tried again. Longer than the API's slowest honest
    /// answer: a send given up on while the API was still taking it is sent
    /// twice.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub send_timeout: std::time::Duration,
    /// Receive updates by webhook on this address (path /telegram) instead
    /// of long polling; Telegram must be told the public URL with setWebhook.
    #[arg(long, value_name = "ADDR")]
    pub webhook_listen: Option<std::net::SocketAddr>,
    /// The secret Telegram sends with each webhook call.
    #[arg(long, env = "ONESTOP_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// Chat ids told when a reload of dialogs/ is refused (comma-separated).
    #[arg(long, env = "ONESTOP_ADMINS", value_delimiter = ',')]
    pub admins: Vec<i64>,
    /// Group chats: `pointer` answers a group once with a pointer to a
    /// private chat and stays quiet after; `shared` talks in groups too,
    /// where the whole group shares one conversation.
    #[arg(long, value_enum, default_value_t = GroupChats::Pointer, value_name = "MODE")]
    pub groups: GroupChats,
}

/// How fast the outbox sender may go (`serve` and `worker`). Global:
/// before or after the command.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Delivery pace (serve, worker)")]
pub struct PaceArgs {
    /// At most this many messages per second overall (Telegram allows about 30).
    #[arg(long, default_value_t = 30, value_name = "N", global = true)]
    pub per_second: u32,
    /// At least this many milliseconds between two messages to one chat.
    #[arg(long, default_value_t = 1000, value_name = "MS", global = true)]
    pub per_chat_ms: u64,
    /// The longest wait between two tries of a message the channel did not
    /// take (network down, Bot API failing). Messages are retried until they go.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = humantime::parse_duration, global = true)]
    pub max_retry_wait: std::time::Duration,
    /// At most this many sends on the wire at once, across chats (each
    /// chat's messages still go one after another, in order). Also the most
    /// replies that can go twice if the process is killed mid-send.
    #[arg(long, default_value_t = 256, value_name = "N", global = true)]
    pub in_flight: usize,
}

impl PaceArgs {
    pub fn sender_config(&self) -> SenderConfig {
        SenderConfig {
            global_per_second: self.per_second.max(1),
            per_chat_interval: std::time::Duration::from_millis(self.per_chat_ms),
            in_flight: self.in_flight.max(1),
            max_backoff: self
                .max_retry_wait
                .max(std::time::Duration::from_millis(10)),
            ..Default::default()
        }
    }
}
