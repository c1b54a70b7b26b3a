//! Operating onestop: several processes on one database. The real `serve`
//! and `worker` binaries against a real PostgreSQL and the fake Bot API.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::fake_telegram::{FakeTelegram, TOKEN};
use crate::common::pg::TestDb;
use crate::common::{onestop, run_with_db, stdout};
use onestop::channel::jsonl::Delivered;
use onestop::desk::outbox::ChannelKind;

pub(crate) const WAIT: Duration = Duration::from_secs(60);

pub(crate) fn dialogs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogs")
}

/// A running `onestop` process, killed when dropped; what it writes to
/// standard error is kept (and shown with `E2E_LOG`).
pub(crate) struct Process {
    pub(crate) child: Child,
    pub(crate) said: Arc<Mutex<Vec<String>>>,
}

impl Process {
    pub(crate) fn spawn(mut command: Command) -> Process {
        if let Some(filter) = std::env::var_os("E2E_LOG") {
            command.env("RUST_LOG", filter);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("onestop starts");
        let said: Arc<Mutex<Vec<String>>> = Arc::default();
        let stderr = child.stderr.take().unwrap();
        let keep = said.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("E2E_LOG").is_some() {
                    eprintln!("{line}");
                }
                keep.lock().unwrap().push(line);
            }
        });
        Process { child, said }
    }

    /// How many lines of standard error contain `text`.
    pub(crate) fn said(&self, text: &str) -> usize {
        self.said
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(text))
            .count()
    }

    /// `onestop serve` on `db` against `fake`, with `extra` arguments.
    pub(crate) fn serve(db: &TestDb, fake: &FakeTelegram, extra: &[&str]) -> Process {
        let mut command = onestop();
        command
            .env("DATABASE_URL", &db.url)
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", fake.url())
            .args(["serve", "--poll-timeout", "1", "--per-chat-ms", "0"])
            .args(["--per-second", "1000", "--kb"])
            .arg(dialogs_dir())
            .args(extra);
        Process::spawn(command)
    }

    /// `onestop worker --deliver FILE` on `db`.
    fn worker(db: &TestDb, file: &Path) -> Process {
        let mut command = onestop();
        command
            .env("DATABASE_URL", &db.url)
            .args(["worker", "--per-second", "1000", "--per-chat-ms", "0"])
            .arg("--deliver")
            .arg(file);
        Process::spawn(command)
    }

    /// SIGKILL: no chance to clean up.
    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn delivered(path: &Path) -> Vec<Delivered> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
        Err(_) => Vec::new(),
    }
}

pub(crate) fn scalar(runtime: &tokio::runtime::Runtime, db: &TestDb, sql: &str) -> i64 {
    runtime.block_on(async {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&db.pool)
            .await
            .unwrap()
    })
}

/// Waits until `done`, panicking with `what` after [`WAIT`].
pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

const TELEGRAM_SMES: std::ops::Range<i64> = 7001..7031;
const FILE_CHATS: std::ops::Range<i64> = 500..510;

#[test]
fn a_worker_delivering_to_a_file_beside_serve_never_takes_a_telegram_reply() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new());
    let fake = FakeTelegram::start_blocking();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deliveries.jsonl");
    // A consultant on Telegram, and chats handed to another system.
    let added = run_with_db(
        &db,
        &[
            "consultant",
            "add",
            "--id",
            "9001",
            "--name",
            "박상담",
            "--queue",
            "center-1379,gyeonggi-center",
        ],
        "",
    );
    assert!(added.status.success(), "{}", stdout(&added));
    let file_chats: Vec<i64> = FILE_CHATS.collect();
    runtime.block_on(async {
        onestop::desk::addressing::address_chats(&db.pool, &file_chats, ChannelKind::Jsonl)
            .await
            .unwrap()
    });

    let _serve = Process::serve(&db, &fake, &[]);
    let _worker = Process::worker(&db, &file);
    // SMEs greet the bot on Telegram while tickets of the file's chats open.
    for chat in TELEGRAM_SMES {
        fake.push_text(chat, "/start");
    }
    let desk = onestop::desk::Desk::new(
        db.pool.clone(),
        std::sync::Arc::new(onestop::desk::Routing::embedded().unwrap()),
    );
    runtime.block_on(async {
        for chat in FILE_CHATS {
            desk.open_ticket(onestop::desk::NewTicket {
                requester_chat: chat,
                company: format!("회사{chat}"),
                region: "경기".into(),
                category: "자금".into(),
                description: format!("애로 {chat}"),
                contact: "010-0000-0000".into(),
                business_number: None,
            })
            .await
            .unwrap();
        }
    });
    for chat in TELEGRAM_SMES {
        fake.push_text(chat, "정책자금 신청 방법 알려주세요");
    }
    wait_until("every SME is answered and every row delivered", || {
        TELEGRAM_SMES
            .into_iter()
            .all(|chat| fake.sent_to(chat).len() >= 2)
            && scalar(
                &runtime,
                &db,
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
            ) == 0
    });

    let lines = delivered(&file);
    let in_file: std::collections::BTreeSet<i64> = lines.iter().map(|d| d.chat_id).collect();
    assert_eq!(
        in_file,
        FILE_CHATS.collect(),
        "the file holds the receipts of its own chats and nothing else"
    );
    for chat in TELEGRAM_SMES {
        let sent = fake.sent_to(chat);
        assert!(
            sent.iter().any(|m| m.plain.contains("안녕하세요")),
            "chat {chat} got its greeting on Telegram: {sent:#?}"
        );
        assert!(sent.len() >= 2, "chat {chat} got its answer: {sent:#?}");
    }
    // The consultant's cards about the file's tickets went to Telegram.
    assert_eq!(fake.sent_to(9001).len(), FILE_CHATS.count());
    let telegram_rows = scalar(
        &runtime,
        &db,
        "SELECT count(*) FROM outbox WHERE channel = 'telegram'",
    );
    assert_eq!(
        telegram_rows as usize,
        fake.sent().len(),
        "every Telegram row reached Telegram, once"
    );
}

pub(crate) const POLLING: &str = "onestop serve: polling (leader)";
pub(crate) const STANDING_BY: &str = "onestop serve: standing by";

/// Sends `/start` from every chat of `chats` and waits until each got one
/// more greeting than it had.
fn greet_all(fake: &FakeTelegram, chats: std::ops::Range<i64>) {
    let before: Vec<usize> = chats.clone().map(|c| greetings(fake, c)).collect();
    for chat in chats.clone() {
        fake.push_text(chat, "/start");
    }
    for (chat, before) in chats.zip(before) {
        wait_until(&format!("chat {chat} is greeted"), || {
            greetings(fake, chat) > before
        });
    }
}

pub(crate) fn greetings(fake: &FakeTelegram, chat: i64) -> usize {
    fake.sent_to(chat)
        .iter()
        .filter(|m| m.plain.contains("안녕하세요"))
        .count()
}

#[test]
fn two_serves_on_one_database_poll_one_at_a_time_and_the_standby_takes_over() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new());
    let fake = FakeTelegram::start_blocking();
    let first = Process::serve(&db, &fake, &[]);
    wait_until("the first process leads", || first.said(POLLING) == 1);
    let second = Process::serve(&db, &fake, &[]);
    wait_until("the second stands by", || second.said(STANDING_BY) == 1);

    greet_all(&fake, 100..120);
    greet_all(&fake, 100..120);
    assert_eq!(second.said(POLLING), 0, "only the leader polls");
    assert_eq!(fake.conflicts(), 0, "no two polls at once");

    // A reply the Bot API took at the instant of a kill, before it was
    // recorded, is sent again (no idempotency key): kill between sends.
    wait_until("every reply is recorded as sent", || {
        scalar(
            &runtime,
            &db,
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
        ) == 0
    });
    first.kill();
    // Written while nobody polls: the standby picks them up.
    greet_all(&fake, 100..120);
    assert_eq!(second.said(POLLING), 1, "the standby took over");
    let third = Process::serve(&db, &fake, &[]);
    wait_until("a newcomer stands by", || third.said(STANDING_BY) == 1);
    greet_all(&fake, 100..120);
    assert_eq!(third.said(POLLING), 0);
    for chat in 100..120 {
        assert_eq!(
            greetings(&fake, chat),
            4,
            "chat {chat}: each /start answered once"
        );
    }
    assert!(
        fake.conflicts() <= 1,
        "at most the dead leader's last poll ended in a conflict: {}",
        fake.conflicts()
    );
}

/// A port nobody listens on now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GETs `path` from the process listening on `port`: (status, body).
pub(crate) fn get(port: u16, path: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    })
}

/// Waits until the process on `port` answers HTTP at all.
pub(crate) fn wait_for_http(port: u16) {
    wait_until("the HTTP endpoints listen", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// The value of the sample `name` (with its labels, as rendered) in a
/// Prometheus text page; `None` when the page has no such line.
pub(crate) fn sample(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[test]
fn health_readiness_and_metrics_tell_what_the_bot_did() {
    let db = crate::common::test_db();
    let fake = FakeTelegram::start_blocking();
    let (leader_port, standby_port) = (free_port(), free_port());
    let leader_listen = leader_port.to_string();
    let leader = Process::serve(&db, &fake, &["--http-listen", &leader_listen]);
    wait_until("the first process leads", || leader.said(POLLING) == 1);
    let standby_listen = format!("127.0.0.1:{standby_port}");
    let standby = Process::serve(&db, &fake, &["--http-listen", &standby_listen]);
    wait_until("the second stands by", || standby.said(STANDING_BY) == 1);
    wait_for_http(leader_port);
    wait_for_http(standby_port);

    assert_eq!(get(leader_port, "/healthz"), (200, "ok\n".to_string()));
    let (status, ready) = get(leader_port, "/readyz");
    assert_eq!(status, 200, "{ready}");
    let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["receiving"], "leader");
    let (status, ready) = get(standby_port, "/readyz");
    assert_eq!(status, 200, "a standby is ready to take over: {ready}");
    assert!(ready.contains("\"standby\""), "{ready}");

    greet_all(&fake, 300..325);
    for chat in 300..310 {
        fake.push_text(chat, "정책자금 신청 방법 알려주세요");
    }
    wait_until("the questions are answered", || {
        (300..310).all(|chat| fake.sent_to(chat).len() >= 2)
    });
    let page = get(leader_port, "/metrics").1;
    let processed = sample(&page, "onestop_updates_processed_total").unwrap_or(0.0)
        + sample(
            &get(standby_port, "/metrics").1,
            "onestop_updates_processed_total",
        )
        .unwrap_or(0.0);
    assert_eq!(
        processed, 35.0,
        "both processes together handled every update once:\n{page}"
    );
    assert_eq!(sample(&page, "onestop_updates_received_total"), Some(35.0));
    assert_eq!(sample(&page, "onestop_updates_stored_total"), Some(35.0));
    assert_eq!(sample(&page, "onestop_poller_leader"), Some(1.0));
    assert_eq!(
        sample(&get(standby_port, "/metrics").1, "onestop_poller_leader"),
        Some(0.0)
    );
    let questions: f64 = ["answer", "suggest", "fallback"]
        .iter()
        .filter_map(|o| {
            sample(
                &page,
                &format!("onestop_questions_total{{outcome=\"{o}\"}}"),
            )
        })
        .sum();
    assert!(questions >= 1.0, "the questions were counted:\n{page}");
    assert!(
        page.contains("onestop_update_processing_seconds_bucket"),
        "processing latency is a histogram:\n{page}"
    );
    wait_until("the outbox is empty", || {
        let page = get(leader_port, "/metrics").1;
        sample(&page, "onestop_outbox_pending{channel=\"telegram\"}") == Some(0.0)
    });
    let sent = |port| {
        sample(
            &get(port, "/metrics").1,
            "onestop_messages_sent_total{channel=\"telegram\"}",
        )
        .unwrap_or(0.0)
    };
    assert_eq!(
        sent(leader_port) + sent(standby_port),
        fake.sent().len() as f64,
        "the processes sent what the Bot API received"
    );
    let page = get(leader_port, "/metrics").1;
    assert_eq!(
        sample(&page, "onestop_tickets_open{queue=\"center-1379\"}"),
        Some(0.0),
        "every queue is listed, open or not:\n{page}"
    );
}

#[test]
fn json_logs_mask_personal_data() {
    let db = crate::common::test_db();
    let fake = FakeTelegram::start_blocking();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut command = onestop();
    command
        .env("DATABASE_URL", &db.url)
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .args(["serve", "--log-format", "json", "--webhook-listen", &listen]);
    let serve = Process::spawn(command);
    wait_for_http(port);
    // A body without an update_id is logged (cut short) and acknowledged.
    let body = r#"{"message":{"text":"제 번호는 010-1234-5678, 메일은 kim@example.com"}}"#;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{listen}/telegram"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status.as_u16(), 200);
    wait_until("the body is logged", || serve.said("webhook body") == 1);
    let lines = serve.said.lock().unwrap().clone();
    let logged: Vec<serde_json::Value> = lines
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let line = logged
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains("webhook body"))
        })
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let text = line.to_string();
    assert!(text.contains("010-****-5678"), "{text}");
    assert!(text.contains("k***@example.com"), "{text}");
    assert!(!lines
        .iter()
        .any(|l| l.contains("1234-5678") || l.contains("kim@")));
}
