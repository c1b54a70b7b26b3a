//! The desk's commands: `consultant`, `tickets`, `stats` and `worker`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use std::io::Write;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;

use crate::app::{App, Dialogs};
use crate::channel::jsonl::JsonLinesChannel;
use crate::channel::telegram::inbox::GroupChats;
use crate::database::Database;
use crate::desk::notifier::{run_worker, WorkerConfig};
use crate::desk::outbox::SenderConfig;
use crate::desk::{show_time, Desk, NewConsultant, NewTicket, Routing, TicketFilter, TicketStatus};
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

#[derive(Debug, Subcommand)]
pub enum TicketAction {
    /// List tickets, newest first.
    ///
    /// One line per ticket: code, status, queue, company, region, category,
    /// when it was opened (Korea time), consultant and the start of the
    /// description, separated by tabs. The filters combine: every one given
    /// must hold.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many tickets (the newest).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
        limit: i64,
        /// One JSON object per line, with every field of the ticket.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV (RFC 4180) with a header row: the table's columns, the whole
        /// description.
        #[arg(long)]
        csv: bool,
    },
    /// Write tickets with their whole history as JSON lines (an admin export).
    ///
    /// One line per ticket, newest first: the ticket's fields (code, status,
    /// queue, company, region, category, description, contact,
    /// business_number, requester_chat, consultant_name, rating, created_at,
    /// claimed_at, resolved_at, closed_at, …), then "events" (the event log:
    /// at, actor, kind, detail) and "messages" (the transcript: at, author —
    /// sme, consultant, bot or note —, consultant_name, body), each in the
    /// order they happened. Times are UTC, RFC 3339.
    ///
    /// Personal data (contacts, business numbers, what SMEs wrote) is written
    /// as stored: keep the file as safe as the database. Takes the filters of
    /// `tickets list`; without --limit, every ticket that matches.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many tickets (the newest).
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
        limit: Option<i64>,
        /// Write to this file (replaced) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Show a ticket with its event log and transcript.
    Show {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// Open a ticket, as the intake dialog does.
    Open {
        #[arg(long)]
        company: String,
        /// One of the 17 시·도 (서울, 부산, …, 제주).
        #[arg(long)]
        region: String,
        /// 기술, 자금, 판로·마케팅, 수출, 인력, 창업 or 기타.
        #[arg(long)]
        category: String,
        /// What the problem is.
        #[arg(long)]
        description: String,
        /// A phone number or email.
        #[arg(long)]
        contact: String,
        /// 사업자등록번호 (checked by its check digit).
        #[arg(long)]
        business_number: Option<String>,
        /// The SME's chat id, where replies go.
        #[arg(long, default_value_t = 0)]
        chat: i64,
    },
    /// Claim a ticket: the named one, or the next of your queues.
    Claim {
        /// The consultant's messenger id.
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        code: Option<String>,
    },
    /// Move a ticket to another queue.
    Transfer {
        code: String,
        queue: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Resolve a ticket you hold; the summary goes to the SME.
    Resolve {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(long)]
        summary: String,
    },
    /// Reopen a resolved or closed ticket.
    Reopen {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Write to the SME of a ticket you hold.
    Reply {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Leave an internal note (the SME never sees it).
    Note {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Record the SME's 1–5 follow-up rating (1–2 reopens the ticket).
    Rate {
        code: String,
        #[arg(allow_negative_numbers = true)]
        score: i64,
        /// The SME's chat id (only they may rate their ticket).
        #[arg(long, default_value_t = 0)]
        chat: i64,
    },
}

/// The filters of `tickets list` and `tickets export`.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only tickets in this status: open, claimed, resolved or closed.
    #[arg(long)]
    status: Option<String>,
    /// Only tickets in this queue (an id of dialogs/routing.toml).
    #[arg(long)]
    queue: Option<String>,
    /// Only tickets of this consultant (who holds the ticket, or held it when
    /// it was resolved): their messenger id or name.
    #[arg(long, value_name = "ID_OR_NAME")]
    consultant: Option<String>,
    /// Only tickets opened on or after this day (Korea time).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    from: Option<NaiveDate>,
    /// Only tickets opened on or before this day, the whole day (Korea time).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    to: Option<NaiveDate>,
    /// Only tickets where every one of these words (any case) is in the
    /// company, the code, the description or the transcript. Quote several
    /// words: --search "대출 연장".
    #[arg(long, value_name = "WORDS")]
    search: Vec<String>,
}

impl FilterArgs {
    /// What clap cannot check alone: a range that ends before it starts.
    fn check_values(&self) -> Result<(), String> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from > to => Err(format!(
                "--from {from} is after --to {to}: the range would be empty"
            )),
            _ => Ok(()),
        }
    }

    fn filter(self, limit: Option<i64>) -> Result<TicketFilter> {
        let status = match self.status {
            Some(status) => Some(
                status
                    .trim()
                    .parse::<TicketStatus>()
                    .map_err(anyhow::Error::msg)?,
            ),
            None => None,
        };
        Ok(TicketFilter {
            status,
            queue: self.queue,
            requester_chat: None,
            consultant: self.consultant,
            created_from: self.from,
            created_to: self.to,
            search: self.search,
            limit,
        })
    }
}

/// A day as `YYYY-MM-DD`, strictly (e.g. 2026-03-09).
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err("expected a date as YYYY-MM-DD, e.g. 2026-03-09".to_string());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| "no such day in the calendar (YYYY-MM-DD, e.g. 2026-03-09)".to_string())
}

impl TicketAction {
    /// What clap cannot check alone: the subcommand's name and what is
    /// wrong, for clap's error.
    pub fn check_values(&self) -> Result<(), (&'static str, String)> {
        match self {
            TicketAction::List { filter, .. } => filter.check_values().map_err(|e| ("list", e)),
            TicketAction::Export { filter, .. } => filter.check_values().map_err(|e| ("export", e)),
            _ => Ok(()),
        }
    }
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
    Stats { top: i64, json: bool },
    Worker { deliver: String, pace: SenderConfig },
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
        DeskCommand::Stats { top, json } => stats(desk, top, json).await,
        DeskCommand::Worker { deliver, pace } => worker(desk, &deliver, pace).await,
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

async fn tickets(desk: &Desk, action: TicketAction) -> Result<ExitCode> {
    match action {
        TicketAction::List {
            filter,
            limit,
            json,
            csv,
        } => {
            let tickets = desk.list(&filter.filter(Some(limit))?).await?;
            let format = if json {
                ListFormat::Json
            } else if csv {
                ListFormat::Csv
            } else {
                ListFormat::Table
            };
            print_list(&tickets, format)?;
        }
        TicketAction::Export { filter, limit, out } => {
            let details = desk.details(&filter.filter(limit)?).await?;
            export(&details, out.as_deref())?;
        }
        TicketAction::Show { code, json } => print_detail(&desk.show(&code).await?, json)?,
        change => change_ticket(desk, change).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The `tickets` subcommands that change a ticket: each prints what it did.
async fn change_ticket(desk: &Desk, action: TicketAction) -> Result<()> {
    match action {
        TicketAction::List { .. } | TicketAction::Show { .. } | TicketAction::Export { .. } => {}
        TicketAction::Open {
            company,
            region,
            category,
            description,
            contact,
            business_number,
            chat,
        } => {
            let t = desk
                .open_ticket(NewTicket {
                    requester_chat: chat,
                    company,
                    region,
                    category,
                    description,
                    contact,
                    business_number,
                })
                .await?;
            println!("접수되었습니다: {} (대기열 {})", t.code, t.queue);
        }
        TicketAction::Claim { consultant, code } => claim(desk, consultant, code).await?,
        TicketAction::Transfer {
            code,
            queue,
            consultant,
            reason,
        } => {
            let t = desk.transfer(consultant, &code, &queue, &reason).await?;
            println!("{} 건을 '{}' 대기열로 이관했습니다.", t.code, t.queue);
        }
        TicketAction::Resolve {
            code,
            consultant,
            summary,
        } => {
            let t = desk.resolve(consultant, &code, &summary).await?;
            println!("{} 건을 해결 처리했습니다.", t.code);
        }
        TicketAction::Reopen {
            code,
            consultant,
            reason,
        } => {
            let t = desk.reopen(consultant, &code, &reason).await?;
            println!("{} 건을 다시 열었습니다.", t.code);
        }
        TicketAction::Reply {
            code,
            consultant,
            text,
        } => {
            let t = desk.reply(consultant, &code, &text.join(" ")).await?;
            println!("{} 건의 SME에게 보냈습니다.", t.code);
        }
        TicketAction::Note {
            code,
            consultant,
            text,
        } => {
            desk.note(consultant, &code, &text.join(" ")).await?;
            println!("{code} 건에 메모를 남겼습니다.");
        }
        TicketAction::Rate { code, score, chat } => {
            let t = desk.rate(chat, &code, score).await?;
            let what = if t.status == TicketStatus::Open {
                "다시 열었습니다"
            } else {
                "종료했습니다"
            };
            println!("{} 건 만족도 {score}점: {what}", t.code);
        }
    }
    Ok(())
}

/// `tickets claim`: the ticket named, or the next one waiting.
async fn claim(desk: &Desk, consultant: i64, code: Option<String>) -> Result<()> {
    let claimed = match code {
        Some(code) => Some(desk.claim(consultant, &code).await?),
        None => desk.claim_next(consultant).await?,
    };
    match claimed {
        Some(t) => println!(
            "{} 건을 담당합니다 ({} · {})",
            t.code, t.company, t.category
        ),
        None => println!("대기열에 기다리는 접수 건이 없습니다."),
    }
    Ok(())
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

async fn worker(desk: &Desk, deliver: &str, pace: SenderConfig) -> Result<ExitCode> {
    let channel = if deliver == "stdout" || deliver == "-" {
        JsonLinesChannel::stdout()
    } else {
        let path = deliver.strip_prefix("jsonl:").unwrap_or(deliver);
        JsonLinesChannel::open(std::path::Path::new(path))?
    };
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let mut work = tokio::spawn(run_worker(
        desk.clone(),
        Arc::new(channel),
        WorkerConfig {
            sender: pace,
            ..Default::default()
        },
        shutdown,
    ));
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
    /// Long-polling wait per getUpdates call, in seconds (teloxide's HTTP
    /// client gives up after 17).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub poll_timeout: u64,
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
}

impl PaceArgs {
    pub fn sender_config(&self) -> SenderConfig {
        SenderConfig {
            global_per_second: self.per_second.max(1),
            per_chat_interval: std::time::Duration::from_millis(self.per_chat_ms),
            max_backoff: self
                .max_retry_wait
                .max(std::time::Duration::from_millis(10)),
            ..Default::default()
        }
    }
}

/// How `tickets list` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListFormat {
    Table,
    Json,
    Csv,
}

/// The columns of `tickets list`, as the CSV header names them.
const LIST_COLUMNS: [&str; 9] = [
    "code",
    "status",
    "queue",
    "company",
    "region",
    "category",
    "created_at",
    "consultant",
    "description",
];

/// The values of a ticket's row in [`LIST_COLUMNS`] order: the status in
/// Korean and the time in Korea, as the table shows them.
fn list_row(t: &crate::desk::Ticket) -> [String; 9] {
    [
        t.code.clone(),
        t.status.label().to_string(),
        t.queue.clone(),
        t.company.clone(),
        t.region.clone(),
        t.category.clone(),
        show_time(t.created_at),
        t.consultant_name.clone().unwrap_or_default(),
        t.description.clone(),
    ]
}

/// The start of a text on one line, for the table: whitespace runs (tabs
/// and newlines included) become one space, and long texts are cut.
fn one_line(text: &str, at_most: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= at_most {
        return flat;
    }
    let mut cut: String = flat.chars().take(at_most).collect();
    cut.push('…');
    cut
}

/// A CSV field (RFC 4180): quoted when it holds a quote, a comma or a line
/// break, with quotes doubled.
fn csv_field(value: &str) -> String {
    if value.contains(['"', ',', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A CSV record, ended by CRLF.
fn csv_record<S: AsRef<str>>(fields: &[S]) -> String {
    let fields: Vec<String> = fields.iter().map(|f| csv_field(f.as_ref())).collect();
    format!("{}\r\n", fields.join(","))
}

/// `tickets list`: one line (or JSON object, or CSV record) per ticket.
fn print_list(tickets: &[crate::desk::Ticket], format: ListFormat) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if format == ListFormat::Csv {
        out.write_all(csv_record(&LIST_COLUMNS).as_bytes())?;
    }
    for t in tickets {
        match format {
            ListFormat::Json => writeln!(out, "{}", serde_json::to_string(&t)?)?,
            ListFormat::Csv => out.write_all(csv_record(&list_row(t)).as_bytes())?,
            ListFormat::Table => {
                let mut row = list_row(t);
                if row[7].is_empty() {
                    row[7] = "-".to_string();
                }
                row[8] = one_line(&row[8], 40);
                for field in &mut row[..8] {
                    *field = one_line(field, usize::MAX);
                }
                writeln!(out, "{}", row.join("\t"))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One line of `tickets export`.
#[derive(serde::Serialize)]
struct ExportLine<'a> {
    #[serde(flatten)]
    ticket: &'a crate::desk::Ticket,
    events: &'a [crate::desk::tickets::Event],
    messages: &'a [crate::desk::tickets::Message],
}

/// `tickets export`: one JSON line per ticket, to `out` or standard output.
fn export(details: &[crate::desk::TicketDetail], out: Option<&std::path::Path>) -> Result<()> {
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for d in details {
        let line = ExportLine {
            ticket: &d.ticket,
            events: &d.events,
            messages: &d.messages,
        };
        serde_json::to_writer(&mut sink, &line)?;
        sink.write_all(b"\n")?;
    }
    sink.flush()?;
    if let Some(path) = out {
        eprintln!("{} tickets written to {}", details.len(), path.display());
    }
    Ok(())
}

/// `label` followed by spaces to `width` columns (a Hangul syllable takes two).
fn pad(label: &str, width: usize) -> String {
    let used: usize = label
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum();
    format!("{label}{}", " ".repeat(width.saturating_sub(used)))
}

/// `tickets show`: a ticket with its event log and transcript.
fn print_detail(detail: &crate::desk::TicketDetail, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(detail)?);
        return Ok(());
    }
    let t = &detail.ticket;
    println!("접수번호  {}", t.code);
    println!("상태      {}", t.status.label());
    println!("대기열    {}", t.queue);
    println!("회사      {}", t.company);
    println!("지역/분야 {} / {}", t.region, t.category);
    println!("연락처    {}", t.contact);
    if let Some(number) = &t.business_number {
        println!("사업자    {number}");
    }
    for d in t.extra_details() {
        println!("{}  {}", pad(&d.label, 8), d.value);
    }
    if let Some(name) = &t.consultant_name {
        println!("담당      {name}");
    }
    if let Some(rating) = t.rating {
        println!("만족도    {rating}점");
    }
    println!("접수 시각 {}", show_time(t.created_at));
    println!("\n내용:\n{}", t.description);
    println!("\n이력:");
    for e in &detail.events {
        println!(
            "  {}  {:<12} {:<28} {}",
            show_time(e.at),
            e.kind,
            e.actor,
            e.detail
        );
    }
    println!("\n대화:");
    for m in &detail.messages {
        let who = match m.author.as_str() {
            "sme" => "SME".to_string(),
            "note" => format!("메모·{}", m.consultant_name.as_deref().unwrap_or("")),
            "consultant" => m.consultant_name.clone().unwrap_or_default(),
            other => other.to_string(),
        };
        println!("  {}  [{who}] {}", show_time(m.at), m.body);
    }
    Ok(())
}
