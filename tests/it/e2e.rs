//! End to end: the real `onestop serve` binary, real teloxide over HTTP to a
//! fake Bot API server on loopback, and a real PostgreSQL. SMEs and
//! consultants type and press buttons as people do; we watch what the bot
//! sends back.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::fake_telegram::{FakeTelegram, SentMessage, TOKEN};
use crate::common::pg::TestDb;
use crate::common::{onestop, run_with_db, stdout};
use onestop::app::{App, Dialogs};
use onestop::channel::telegram::inbox::{ChatPolicy, Handler, Processor};
use onestop::channel::telegram::{polling, TelegramChannel};
use onestop::desk::notifier::{run_worker, WorkerConfig};
use onestop::desk::outbox::SenderConfig;
use onestop::dialog::Input;

const WAIT: Duration = Duration::from_secs(30);

/// The default dialogs/ with clocks short enough for a test: queues open
/// around the clock and the follow-up two seconds after resolution.
fn quick_dialogs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogs"),
        dir.path(),
    );
    let routing = dir.path().join("routing.toml");
    let text = std::fs::read_to_string(&routing)
        .unwrap()
        .replace("평일 09:00-18:00", "always")
        .replace("followup_after = \"3일\"", "followup_after = \"2s\"");
    assert!(
        text.contains("\"2s\""),
        "the test expects followup_after = \"3일\" in routing.toml"
    );
    std::fs::write(routing, text).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target: PathBuf = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

struct Bot {
    child: Child,
}

impl Bot {
    fn start(db: &TestDb, fake: &FakeTelegram, dialogs: &Path) -> Bot {
        Bot::start_with(db, fake, dialogs, &[])
    }

    fn start_with(db: &TestDb, fake: &FakeTelegram, dialogs: &Path, extra: &[&str]) -> Bot {
        let mut command = onestop();
        if let Some(filter) = std::env::var_os("E2E_LOG") {
            command.env("RUST_LOG", filter);
        }
        let child = command
            .env("DATABASE_URL", &db.url)
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", fake.url())
            .args([
                "serve",
                "--poll-timeout",
                "1",
                "--per-chat-ms",
                "0",
                "--per-second",
                "1000",
            ])
            .arg("--kb")
            .arg(dialogs)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("E2E_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("onestop serve starts");
        Bot { child }
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    /// SIGKILL: no chance to clean up.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM: drains and exits 0.
    fn stop(mut self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn db() -> TestDb {
    crate::common::test_db()
}

/// Types `text` in `chat` and waits for a reply containing `expect`.
fn say(fake: &FakeTelegram, chat: i64, text: &str, expect: &str) -> SentMessage {
    let since = fake.sent_count();
    fake.push_text(chat, text);
    fake.wait_for_since(chat, since, |m| m.plain.contains(expect), WAIT)
}

/// Presses the button whose label contains `label` under `message`.
fn press(fake: &FakeTelegram, message: &SentMessage, label: &str, expect: &str) -> SentMessage {
    let data = message
        .button(label)
        .unwrap_or_else(|| panic!("no button {label:?} under {:?}", message.plain))
        .to_string();
    let since = fake.sent_count();
    fake.push_callback(message.chat_id, &data, message.message_id);
    fake.wait_for_since(message.chat_id, since, |m| m.plain.contains(expect), WAIT)
}

fn add_consultant(db: &TestDb, id: i64, name: &str, queues: &str) {
    let output = run_with_db(
        db,
        &[
            "consultant",
            "add",
            "--id",
            &id.to_string(),
            "--name",
            name,
            "--queue",
            queues,
        ],
        "",
    );
    assert!(output.status.success(), "{}", stdout(&output));
}

const SME: i64 = 7001;
const CONSULTANT: i64 = 9001;

/// Walks the intake flow up to the receipt; returns the ticket code.
fn intake(fake: &FakeTelegram, chat: i64, company: &str) -> String {
    let menu = say(fake, chat, "/start", "안녕하세요");
    let ask = press(fake, &menu, "애로사항 접수", "회사(상호) 이름");
    let region = say(fake, ask.chat_id, company, "어느 지역");
    let category = press(fake, &region, "부산", "어떤 분야");
    press(fake, &category, "자금", "자세히 적어");
    say(
        fake,
        chat,
        "운전자금 대출 연장이 막혔어요",
        "전화번호나 이메일",
    );
    say(fake, chat, "010-1234-5678", "사업자등록번호");
    let confirm = say(fake, chat, "건너뛰기", "이대로 접수할까요");
    let receipt = press(fake, &confirm, "예", "접수번호");
    receipt
        .plain
        .lines()
        .find_map(|l| l.strip_prefix("접수번호: "))
        .expect("the receipt has the code")
        .trim()
        .to_string()
}

#[test]
fn the_whole_journey_question_intake_claim_relay_resolve_rating() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let bot = Bot::start(&db, &fake, dialogs.path());

    let answer = say(&fake, SME, "창업지원금 어떻게 받아요?", "창업");
    assert!(
        answer.button("상담원 연결").is_some(),
        "{:?}",
        answer.button_labels()
    );

    let code = intake(&fake, SME, "한빛정밀");
    let card = fake.wait_for(
        CONSULTANT,
        |m| m.plain.contains(&code) && m.plain.contains("새 접수"),
        WAIT,
    );
    let claimed = press(&fake, &card, "담당하기", "맡았어요");
    assert!(claimed.plain.contains("한빛정밀"));
    fake.wait_for(SME, |m| m.plain.contains("박상담 상담원이"), WAIT);

    fake.push_text(CONSULTANT, "안녕하세요, 대출 연장 서류를 보내 주세요");
    fake.wait_for(
        SME,
        |m| m.plain.contains("대출 연장 서류를 보내 주세요"),
        WAIT,
    );
    fake.push_text(SME, "네 오늘 보낼게요");
    fake.wait_for(CONSULTANT, |m| m.plain.contains("네 오늘 보낼게요"), WAIT);

    say(
        &fake,
        CONSULTANT,
        &format!("/resolve {code} 보증 연장 절차를 안내했습니다"),
        "해결 처리했어요",
    );
    fake.wait_for(SME, |m| m.plain.contains("해결 처리되었습니다"), WAIT);
    let rating = fake.wait_for(SME, |m| m.plain.contains("잘 해결되었나요"), WAIT);
    assert_eq!(rating.button_labels(), ["1점", "2점", "3점", "4점", "5점"]);
    press(&fake, &rating, "5점", "감사합니다");

    let shown = stdout(&run_with_db(&db, &["tickets", "show", &code], ""));
    assert!(
        shown.contains("종료") && shown.contains("만족도    5점"),
        "{shown}"
    );
    bot.stop();
}

#[test]
fn of_two_consultants_pressing_claim_one_wins_and_the_other_is_told_who() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, 9001, "박상담", "center-1379");
    add_consultant(&db, 9002, "최상담", "center-1379");
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "가온식품");
    let card_a = fake.wait_for(9001, |m| m.plain.contains(&code), WAIT);
    let card_b = fake.wait_for(9002, |m| m.plain.contains(&code), WAIT);
    let since = fake.sent_count();
    fake.push_callback(9001, card_a.button("담당하기").unwrap(), card_a.message_id);
    fake.push_callback(9002, card_b.button("담당하기").unwrap(), card_b.message_id);
    let a = fake.wait_for_since(9001, since, |m| m.plain.contains(&code), WAIT);
    let b = fake.wait_for_since(9002, since, |m| m.plain.contains(&code), WAIT);
    let (winner, loser) = if a.plain.contains("맡았어요") {
        (a, b)
    } else {
        (b, a)
    };
    assert!(winner.plain.contains("맡았어요"), "{}", winner.plain);
    let winner_name = if winner.chat_id == 9001 {
        "박상담"
    } else {
        "최상담"
    };
    assert!(
        loser.plain.contains("이미") && loser.plain.contains(winner_name),
        "the loser is told who won: {}",
        loser.plain
    );
}

#[test]
fn a_kill_in_the_middle_of_a_form_and_of_a_relay_loses_nothing() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let bot = Bot::start(&db, &fake, dialogs.path());
    let menu = say(&fake, SME, "/start", "안녕하세요");
    let ask = press(&fake, &menu, "애로사항 접수", "회사(상호) 이름");
    say(&fake, ask.chat_id, "누리테크", "어느 지역");
    bot.kill();

    // Typed while the bot is down.
    fake.push_text(SME, "부산");
    let bot = Bot::start(&db, &fake, dialogs.path());
    let category = fake.wait_for(SME, |m| m.plain.contains("어떤 분야"), WAIT);
    press(&fake, &category, "자금", "자세히 적어");
    say(&fake, SME, "판로가 막혔어요", "전화번호나 이메일");
    say(&fake, SME, "nuri@tech.kr", "사업자등록번호");
    let confirm = say(&fake, SME, "건너뛰기", "이대로 접수할까요");
    assert!(
        confirm.plain.contains("누리테크") && confirm.plain.contains("부산"),
        "{}",
        confirm.plain
    );
    let receipt = press(&fake, &confirm, "예", "접수번호");
    let code = receipt
        .plain
        .lines()
        .find_map(|l| l.strip_prefix("접수번호: "))
        .unwrap()
        .trim()
        .to_string();
    let card = fake.wait_for(CONSULTANT, |m| m.plain.contains(&code), WAIT);
    press(&fake, &card, "담당하기", "맡았어요");
    bot.kill();

    // The SME writes while the bot is down; a restarted bot relays it, once.
    fake.push_text(SME, "아직 계신가요?");
    let bot = Bot::start(&db, &fake, dialogs.path());
    fake.wait_for(CONSULTANT, |m| m.plain.contains("아직 계신가요?"), WAIT);
    std::thread::sleep(Duration::from_millis(1500));
    let relayed = fake
        .sent_to(CONSULTANT)
        .iter()
        .filter(|m| m.plain.contains("아직 계신가요?"))
        .count();
    assert_eq!(relayed, 1, "relayed exactly once");
    let tickets = stdout(&run_with_db(&db, &["tickets", "list"], ""));
    assert_eq!(tickets.lines().count(), 1, "one ticket: {tickets}");
    bot.stop();
}

#[test]
fn a_duplicated_update_is_handled_once() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let _bot = Bot::start(&db, &fake, dialogs.path());
    say(&fake, SME, "/start", "안녕하세요");
    let since = fake.sent_count();
    let update = fake.push_text(SME, "G-FAIR 참가 신청은 어떻게 해요?");
    fake.wait_for_since(SME, since, |_| true, WAIT);
    fake.wait_for_ack(update, WAIT);
    fake.redeliver(update);
    say(&fake, SME, "/status", "접수");
    let answers = fake
        .sent_to(SME)
        .iter()
        .filter(|m| m.index >= since)
        .count();
    assert_eq!(
        answers,
        2,
        "one answer to the question, one to /status: {:#?}",
        fake.sent_to(SME)
    );
}

#[test]
fn someone_who_is_not_a_consultant_sees_none_of_the_consultant_side() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "한빛정밀");
    for command in [
        "/queue",
        "/mine",
        &format!("/claim {code}"),
        &format!("/resolve {code} 끝"),
    ] {
        let reply = say(&fake, 7777, command, "");
        assert!(
            reply.plain.contains("알 수 없는 명령"),
            "{command}: {}",
            reply.plain
        );
    }
    // A forged button press does nothing either.
    let since = fake.sent_count();
    fake.push_callback(7777, &format!("claim:{code}"), 1);
    let reply = fake.wait_for_since(7777, since, |_| true, WAIT);
    assert!(!reply.plain.contains("맡았어요"), "{}", reply.plain);
    let shown = stdout(&run_with_db(&db, &["tickets", "show", &code], ""));
    assert!(
        shown.contains("대기"),
        "the ticket is still waiting: {shown}"
    );
}

#[test]
fn an_api_outage_delays_replies_and_drops_none() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let _bot = Bot::start(&db, &fake, dialogs.path());
    say(&fake, SME, "/start", "안녕하세요");
    fake.set_outage(true);
    for n in 0..5 {
        fake.push_text(SME + 1 + n, "스마트공장 지원 받을 수 있나요?");
    }
    std::thread::sleep(Duration::from_secs(2));
    fake.set_outage(false);
    for n in 0..5 {
        fake.wait_for(SME + 1 + n, |_| true, WAIT);
    }
    std::thread::sleep(Duration::from_secs(1));
    for n in 0..5 {
        assert_eq!(
            fake.sent_to(SME + 1 + n).len(),
            1,
            "exactly one reply to chat {}",
            SME + 1 + n
        );
    }
}

#[test]
fn sighup_reloads_dialogs_and_a_broken_edit_is_refused_and_reported() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let bot = Bot::start_with(&db, &fake, dialogs.path(), &["--admins", "42"]);
    let question = "주차장 운영 시간이 어떻게 돼요?";
    let before = say(&fake, SME, question, "");
    assert!(!before.plain.contains("밤 10시"), "{}", before.plain);

    let faq = r#"
[[faq]]
id = "parking-hours"
category = "기타"
questions = ["주차장 운영 시간", "주차장 몇 시까지 열어요", "주차 가능한 시간", "주차장 언제 닫아요"]
answer = "센터 주차장은 밤 10시까지 엽니다."
keywords = ["주차장"]
"#;
    std::fs::write(dialogs.path().join("kb/parking.toml"), faq).unwrap();
    bot.signal(nix::sys::signal::Signal::SIGHUP);
    let mut answered = false;
    for _ in 0..50 {
        let reply = say(&fake, SME, question, "");
        if reply.plain.contains("밤 10시") {
            answered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(answered, "the new FAQ answers after SIGHUP");

    std::fs::write(
        dialogs.path().join("kb/broken.toml"),
        "[[faq]\nid = \"x\"\n",
    )
    .unwrap();
    bot.signal(nix::sys::signal::Signal::SIGHUP);
    let report = fake.wait_for(42, |m| m.plain.contains("다시 읽기에 실패"), WAIT);
    assert!(report.plain.contains("broken.toml:1:"), "{}", report.plain);
    let still = say(&fake, SME, question, "밤 10시");
    assert!(
        still.plain.contains("밤 10시"),
        "the last good version stays"
    );
    bot.stop();
}

#[test]
fn a_consultant_sends_a_knowledge_base_answer_as_a_ready_reply() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "한빛정밀");
    let card = fake.wait_for(CONSULTANT, |m| m.plain.contains(&code), WAIT);
    press(&fake, &card, "담당하기", "맡았어요");
    let found = say(
        &fake,
        CONSULTANT,
        "/kb 염수분무 시험 어디서 해요",
        "지식베이스 검색 결과",
    );
    let send = found.button("1번 답변").expect("a send button").to_string();
    let since = fake.sent_count();
    fake.push_callback(CONSULTANT, &send, found.message_id);
    let relayed = fake.wait_for_since(SME, since, |m| m.plain.contains("박상담 상담원"), WAIT);
    assert!(
        relayed.plain.len() > 40,
        "the answer itself reaches the SME: {}",
        relayed.plain
    );
    // Internal notes never reach the SME.
    let since = fake.sent_count();
    say(
        &fake,
        CONSULTANT,
        &format!("/note {code} 재무제표 확인 필요"),
        "메모를 남겼어요",
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(fake
        .sent_to(SME)
        .iter()
        .all(|m| m.index < since || !m.plain.contains("재무제표")));
}

/// POSTs `body` to the bot's webhook; returns the HTTP status code.
fn post_webhook(port: u16, secret: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[test]
fn webhook_mode_stores_the_update_before_answering_and_replies() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let bot = Bot::start_with(
        &db,
        &fake,
        dialogs.path(),
        &["--webhook-listen", &listen, "--webhook-secret", "s3cret"],
    );
    let update = r#"{"update_id": 500, "message": {"message_id": 1, "date": 1763860000,
        "chat": {"id": 7001, "type": "private", "first_name": "사용자"},
        "from": {"id": 7001, "is_bot": false, "first_name": "사용자"}, "text": "/start"}}"#;
    let mut status = 0;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            status = post_webhook(port, "wrong", update);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status, 401, "a call without the secret is refused");
    assert_eq!(post_webhook(port, "s3cret", update), 200);
    // Telegram retries a webhook call it thinks failed: the same update twice.
    assert_eq!(post_webhook(port, "s3cret", update), 200);
    fake.wait_for(SME, |m| m.plain.contains("안녕하세요"), WAIT);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(fake.sent_to(SME).len(), 1, "handled once");
    assert_eq!(
        fake.request_count("getUpdates"),
        0,
        "no polling in webhook mode"
    );
    bot.stop();
}

// ---- nothing stops the bot for everyone ---------------------------------

/// Runs SQL on the test database and returns one number (on a connection
/// of its own: the pool belongs to the runtime that made it).
fn count(db: &TestDb, sql: &str) -> i64 {
    scalar(db, sql)
}

/// Runs SQL on the test database and returns its one value.
fn scalar<T>(db: &TestDb, sql: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    use sqlx::Connection;
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut connection = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar::<_, T>(sql)
            .fetch_one(&mut connection)
            .await
            .unwrap()
    })
}

/// A private text message as JSON text (after `"update_id": N,`); `text`
/// is put in as it is, so it may hold escapes such as `\u0000`.
fn raw_message(chat: i64, text_json: &str) -> String {
    format!(
        r#""message": {{"message_id": 1, "date": 1763860000,
            "chat": {{"id": {chat}, "type": "private", "first_name": "사용자"}},
            "from": {{"id": {chat}, "is_bot": false, "first_name": "사용자"}},
            "text": {text_json}}}"#
    )
}

/// Bad input of every kind between ordinary messages: every ordinary
/// message is answered, in order, and again after a restart; what cannot
/// be handled is marked failed, reported, and its chat told.
#[test]
fn poison_updates_between_ordinary_messages_never_stop_the_bot() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let bot = Bot::start(&db, &fake, dialogs.path());
    say(&fake, 6001, "/start", "안녕하세요");

    // NUL characters in text and in button data.
    fake.push_raw_text(&raw_message(6002, r#""창업\u0000지원금 어떻게 받아요?""#));
    fake.push_raw_text(
        r#""callback_query": {"id": "cb-nul", "from": {"id": 6003, "is_bot": false, "first_name": "가"},
            "message": {"message_id": 1, "date": 0, "chat": {"id": 6003, "type": "private"}},
            "chat_instance": "ci", "data": "claim:\u0000\u0000"}"#,
    );
    // Lone surrogates, which serde refuses in a string.
    fake.push_raw_text(&raw_message(6004, r#""\ud800 스마트공장 \udfff 지원""#));
    // A reaction with neither user nor actor (teloxide panics reading it).
    fake.push_unfiltered(serde_json::json!({"message_reaction": {
        "chat": {"id": 6005, "type": "private"}, "message_id": 1, "date": 0,
        "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}}));
    // A kind nobody has heard of, and known kinds that are malformed.
    fake.push_unfiltered(serde_json::json!({"brand_new_kind": {"chat": {"id": 6006}}}));
    fake.push_raw_text(r#""message": {"message_id": 1, "date": 0, "chat": {"id": 6007, "type": 7}, "text": "안녕"}"#);
    fake.push_raw_text(r#""message": {"message_id": 1, "date": 0, "text": "어느 채팅인지 모름"}"#);
    fake.push_raw_text(r#""callback_query": "not an object""#);
    // Oversize text and a button that was never issued.
    fake.push_text(6008, &"가".repeat(20_000));
    fake.push_callback(6009, "claim:2026-999999", 1);
    // A sticker: a message without text.
    fake.push_unfiltered(serde_json::json!({"message": {"message_id": 2, "date": 0,
        "chat": {"id": 6010, "type": "private"}, "from": {"id": 6010, "is_bot": false, "first_name": "가"},
        "sticker": {"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 512,
                    "height": 512, "is_animated": false, "is_video": false}}}));

    // Ordinary messages after all that: answered, in order.
    let since = fake.sent_count();
    fake.push_text(6011, "/start");
    fake.push_text(6011, "/status");
    fake.push_text(6012, "G-FAIR 참가 신청은 어떻게 해요?");
    fake.wait_for_since(6012, since, |_| true, WAIT);
    let first = fake.wait_for_since(6011, since, |m| m.plain.contains("안녕하세요"), WAIT);
    let second = fake.wait_for_since(6011, first.index + 1, |_| true, WAIT);
    assert!(
        !second.plain.contains("안녕하세요"),
        "the /status reply comes after the greeting: {}",
        second.plain
    );

    // The poison got polite answers where it had a chat.
    let nul = fake.wait_for(6002, |_| true, WAIT);
    assert!(
        nul.plain.contains("창업"),
        "NUL removed, then answered: {}",
        nul.plain
    );
    fake.wait_for(6003, |m| m.plain.contains("버튼"), WAIT);
    fake.wait_for(6004, |_| true, WAIT);
    fake.wait_for(6007, |m| m.plain.contains("처리하지 못했어요"), WAIT);
    fake.wait_for(6008, |m| m.plain.contains("너무 길어요"), WAIT);
    // A sticker gets a friendly word (it said "비어 있어요" before issue 14).
    fake.wait_for(6010, |m| m.plain.contains("고마워요"), WAIT);
    assert!(fake.sent_to(6005).is_empty() && fake.sent_to(6006).is_empty());

    // Kept raw, and the unreadable ones marked failed, not retried.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM inbound_updates WHERE processed_at IS NULL"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM inbound_updates WHERE failed_at IS NOT NULL"
        ),
        3,
        "the malformed message, the chatless message and the broken button"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM inbound_updates WHERE position(convert_to('\\u0000', 'UTF8') IN raw) > 0"
        ),
        2,
        "the NUL escapes are kept as they came"
    );
    let stats = stdout(&run_with_db(&db, &["stats"], ""));
    assert!(stats.contains("처리하지 못한 메시지 3"), "{stats}");

    // After a restart: nothing is handled again, new messages are answered.
    bot.kill();
    let before = fake.sent_count();
    let bot = Bot::start(&db, &fake, dialogs.path());
    say(&fake, 6013, "/start", "안녕하세요");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        fake.sent_from(before).len(),
        1,
        "only the new message is answered: {:#?}",
        fake.sent_from(before)
    );
    bot.stop();
}

/// A reply Telegram cannot take for longer than any fixed number of tries
/// covers (network down) is sent once it comes back, exactly once.
#[test]
fn replies_outlive_a_long_send_outage_and_are_delivered_once() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let port = free_port();
    // Webhook mode: updates keep arriving while the Bot API is unreachable.
    let bot = Bot::start_with(
        &db,
        &fake,
        dialogs.path(),
        &[
            "--webhook-listen",
            &format!("127.0.0.1:{port}"),
            "--max-retry-wait",
            "50ms",
        ],
    );
    wait_for_port(port);
    fake.set_outage(true);
    for n in 0..5 {
        let update = format!(
            r#"{{"update_id": {}, "message": {{"message_id": 1, "date": 1763860000,
            "chat": {{"id": {}, "type": "private"}}, "from": {{"id": {}, "is_bot": false, "first_name": "가"}},
            "text": "스마트공장 지원 받을 수 있나요?"}}}}"#,
            900 + n,
            6100 + n,
            6100 + n
        );
        assert_eq!(post_webhook(port, "", &update), 200);
    }
    // More tries than the 12 after which replies used to be dropped.
    let deadline = std::time::Instant::now() + WAIT;
    while count(&db, "SELECT coalesce(min(attempts), 0)::bigint FROM outbox") <= 12 {
        assert!(
            std::time::Instant::now() < deadline,
            "the sender kept trying"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL"
        ),
        0
    );
    fake.set_outage(false);
    for n in 0..5 {
        fake.wait_for(6100 + n, |_| true, WAIT);
    }
    std::thread::sleep(Duration::from_millis(500));
    for n in 0..5 {
        assert_eq!(
            fake.sent_to(6100 + n).len(),
            1,
            "exactly one reply to chat {}",
            6100 + n
        );
    }
    bot.stop();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on port {port}");
}

#[test]
fn a_webhook_left_set_is_removed_when_polling_starts() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let bot = teloxide::Bot::new(TOKEN).set_api_url(fake.url().parse().unwrap());
        use teloxide::prelude::Requester;
        bot.set_webhook("https://old.example.kr/hook".parse().unwrap())
            .await
            .unwrap();
    });
    assert!(!fake.webhook_url().is_empty());
    let bot = Bot::start(&db, &fake, dialogs.path());
    say(&fake, SME, "/start", "안녕하세요");
    assert_eq!(fake.webhook_url(), "", "the webhook is gone");
    bot.stop();
}

#[test]
fn a_consultant_outside_a_tickets_queues_sees_nothing_of_it() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    add_consultant(&db, 9002, "최수출", "export-support");
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "한빛정밀");

    let refused = say(&fake, 9002, &format!("/show {code}"), "");
    for secret in ["한빛정밀", "010-1234-5678", "대출 연장", "center-1379"] {
        assert!(
            !refused.plain.contains(secret),
            "{secret} leaked: {}",
            refused.plain
        );
    }
    let unknown = say(&fake, 9002, "/show 2026-999999", "");
    assert_eq!(
        refused.plain.replace(&code, "#"),
        unknown.plain.replace("2026-999999", "#"),
        "a hidden ticket reads like one that does not exist"
    );
    // The queue's own consultant sees it.
    say(&fake, CONSULTANT, &format!("/show {code}"), "한빛정밀");
}

/// A group chat is told once to write in private; commands for other bots
/// are not answered anywhere; private chats go on as before.
#[test]
fn a_group_is_pointed_to_a_private_chat_once_and_other_bots_commands_are_ignored() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let group = -100_777;
    let in_group = |from: i64, text: &str| {
        fake.push_unfiltered(serde_json::json!({"message": {"message_id": 1, "date": 0,
            "chat": {"id": group, "type": "supergroup", "title": "사장님 모임"},
            "from": {"id": from, "is_bot": false, "first_name": "가"}, "text": text}}))
    };
    in_group(11, "/start@other_bot");
    in_group(12, "/start");
    let pointer = fake.wait_for(group, |_| true, WAIT);
    assert!(
        pointer.plain.contains("1:1")
            && pointer.plain.contains(&format!(
                "t.me/{}",
                crate::common::fake_telegram::BOT_USERNAME
            )),
        "{}",
        pointer.plain
    );
    in_group(13, "창업지원금 어떻게 받아요?");
    fake.push_unfiltered(serde_json::json!({"callback_query": {"id": "g1",
        "from": {"id": 14, "is_bot": false, "first_name": "가"},
        "message": {"message_id": 1, "date": 0, "chat": {"id": group, "type": "supergroup"}},
        "chat_instance": "ci", "data": "menu"}}));
    fake.push_text(SME, "/start@other_bot");
    say(&fake, SME, "/start", "안녕하세요");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        fake.sent_to(group).len(),
        1,
        "the group is told once: {:#?}",
        fake.sent_to(group)
    );
    assert_eq!(
        fake.sent_to(SME).len(),
        1,
        "a command for another bot gets no answer"
    );
}

/// The dialog engine, except that it panics on "boom" (a bug in a handler).
#[derive(Clone)]
struct PanicsOnBoom(onestop::dialog::Engine);

impl Handler for PanicsOnBoom {
    async fn handle(
        &self,
        tx: &mut sqlx::PgConnection,
        chat: i64,
        input: &Input,
    ) -> anyhow::Result<()> {
        if *input == Input::Text("boom".into()) {
            panic!("a bug in a handler");
        }
        self.0.handle(tx, chat, input).await
    }

    fn text(&self, key: &str) -> String {
        Handler::text(&self.0, key)
    }
}

/// The real pipeline in this process (polling, the inbox, the sender),
/// with a handler that panics on one message: that update fails, its chat
/// is told, and everything after it, in that chat and others, is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_panics_fails_that_update_and_the_rest_go_on() {
    use std::sync::{Arc, RwLock};
    let db = TestDb::new().await;
    let fake = FakeTelegram::start().await;
    let app = App::new(Dialogs::load(None).unwrap(), db.pool.clone());
    let bot = teloxide::Bot::new(TOKEN).set_api_url(fake.url().parse().unwrap());
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let wake = Arc::new(tokio::sync::Notify::new());
    let processor = Processor {
        handler: Arc::new(RwLock::new(PanicsOnBoom(app.engine()))),
        bot: bot.clone(),
        pool: db.pool.clone(),
        policy: ChatPolicy::default(),
    };
    let polling = tokio::spawn(polling::poll(
        bot.clone(),
        db.pool.clone(),
        Duration::from_secs(1),
        wake.clone(),
        shutdown.clone(),
    ));
    let processing = tokio::spawn(processor.run(wake, shutdown.clone()));
    let sender = SenderConfig {
        global_per_second: 1000,
        per_chat_interval: Duration::ZERO,
        ..Default::default()
    };
    let worker = tokio::spawn(run_worker(
        app.desk,
        Arc::new(TelegramChannel::new(bot)),
        WorkerConfig {
            sender,
            ..Default::default()
        },
        shutdown,
    ));

    for _ in 0..2 {
        let since = fake.sent_count();
        fake.push_text(1, "boom");
        fake.push_text(1, "/start");
        fake.push_text(2, "/start");
        let sorry = fake
            .wait_for_since_async(1, since, |m| m.plain.contains("처리하지 못했어요"), WAIT)
            .await;
        let greeting = fake
            .wait_for_since_async(1, since, |m| m.plain.contains("안녕하세요"), WAIT)
            .await;
        assert!(sorry.index < greeting.index, "answered in order");
        fake.wait_for_since_async(2, since, |m| m.plain.contains("안녕하세요"), WAIT)
            .await;
    }
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT last_error FROM inbound_updates WHERE failed_at IS NOT NULL ORDER BY update_id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("a bug in a handler"), "{reasons:?}");

    stop.send(true).unwrap();
    polling.await.unwrap();
    processing.await.unwrap();
    worker.await.unwrap().unwrap();
}

// ---- buttons that stay true ---------------------------------------------

/// Waits until `check` holds, polling; panics with `what` on timeout.
fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !check() {
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the bot's message `m` now reads `text` and has no buttons.
fn edited_to(fake: &FakeTelegram, m: &SentMessage, text: &str) -> bool {
    fake.message(m.chat_id, m.message_id)
        .is_some_and(|now| now.plain.contains(text) && now.buttons.is_empty())
}

/// How many successful edits the message `m` got.
fn edits_of(fake: &FakeTelegram, m: &SentMessage) -> usize {
    fake.edits()
        .iter()
        .filter(|e| e.chat_id == m.chat_id && e.message_id == m.message_id)
        .count()
}

#[test]
fn after_a_claim_every_consultants_card_says_who_took_it_and_has_no_buttons() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, 9001, "박상담", "center-1379");
    add_consultant(&db, 9002, "최상담", "center-1379");
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "가온식품");
    let card_a = fake.wait_for(9001, |m| m.plain.contains(&code), WAIT);
    let card_b = fake.wait_for(9002, |m| m.plain.contains(&code), WAIT);
    assert!(card_b.button("담당하기").is_some());

    press(&fake, &card_a, "담당하기", "맡았어요");
    for card in [&card_a, &card_b] {
        wait_until("the card is edited", || {
            edited_to(&fake, card, "박상담 상담원이 맡았어요")
        });
        let now = fake.message(card.chat_id, card.message_id).unwrap();
        assert!(
            now.plain.contains(&code) && now.plain.contains("가온식품"),
            "the card still says which ticket: {}",
            now.plain
        );
    }

    // The old button, pressed anyway: a short line, the callback answered,
    // nothing changes.
    let since = fake.sent_count();
    let update = fake.push_callback(9002, card_b.button("담당하기").unwrap(), card_b.message_id);
    let told = fake.wait_for_since(9002, since, |_| true, WAIT);
    assert!(
        told.plain.contains("이미 박상담 상담원이 담당 중이에요"),
        "{}",
        told.plain
    );
    assert!(!told.plain.contains("담당하고 있습니다"), "{}", told.plain);
    wait_until("the callback is answered", || {
        fake.callback_answers()
            .iter()
            .any(|a| a.callback_query_id == format!("cb-{update}"))
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(edits_of(&fake, &card_a), 1);
    assert_eq!(edits_of(&fake, &card_b), 1);
    let shown = stdout(&run_with_db(&db, &["tickets", "show", &code], ""));
    assert!(shown.contains("박상담"), "{shown}");
}

#[test]
fn a_rating_shows_on_its_question_and_a_second_press_gets_a_short_line() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "한빛정밀");
    say(&fake, CONSULTANT, &format!("/claim {code}"), "맡았어요");
    say(
        &fake,
        CONSULTANT,
        &format!("/resolve {code} 보증 연장 절차를 안내했습니다"),
        "해결 처리했어요",
    );
    let rating = fake.wait_for(SME, |m| m.plain.contains("잘 해결되었나요"), WAIT);
    press(&fake, &rating, "5점", "감사합니다");
    wait_until("the question shows the rating", || {
        edited_to(&fake, &rating, "5점을 주셨어요. 감사합니다.")
    });
    assert!(fake
        .message(SME, rating.message_id)
        .unwrap()
        .plain
        .contains("잘 해결되었나요"));

    // The same button again (a second tap, or from another device).
    let since = fake.sent_count();
    fake.push_callback(SME, rating.button("5점").unwrap(), rating.message_id);
    let again = fake.wait_for_since(SME, since, |_| true, WAIT);
    assert!(
        again.plain.contains("이미 평가해 주셨어요"),
        "{}",
        again.plain
    );
    assert!(
        !again.plain.contains("상태") && !again.plain.contains("종료"),
        "no status word: {}",
        again.plain
    );
    // A low score pressed now changes nothing either.
    let since = fake.sent_count();
    fake.push_callback(SME, rating.button("1점").unwrap(), rating.message_id);
    let low = fake.wait_for_since(SME, since, |_| true, WAIT);
    assert!(low.plain.contains("이미 평가해 주셨어요"), "{}", low.plain);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(edits_of(&fake, &rating), 1);
    let shown = stdout(&run_with_db(&db, &["tickets", "show", &code], ""));
    assert!(
        shown.contains("종료") && shown.contains("만족도    5점"),
        "{shown}"
    );
}

#[test]
fn the_commands_are_registered_for_smes_and_for_each_consultant() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let bot = Bot::start(&db, &fake, dialogs.path());
    let names = |list: serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| c["command"].as_str().unwrap().to_string())
            .collect()
    };
    let default = serde_json::json!({"type": "default"});
    let consultant = serde_json::json!({"type": "chat", "chat_id": CONSULTANT});
    wait_until("both lists are registered", || {
        fake.commands_for(&default).is_some() && fake.commands_for(&consultant).is_some()
    });
    let sme = names(fake.commands_for(&default).unwrap());
    for command in ["start", "menu", "status", "cancel"] {
        assert!(sme.contains(&command.to_string()), "{sme:?}");
    }
    assert!(!sme.contains(&"claim".to_string()), "{sme:?}");
    let theirs = names(fake.commands_for(&consultant).unwrap());
    for command in [
        "help", "queue", "mine", "claim", "resolve", "transfer", "cancel",
    ] {
        assert!(theirs.contains(&command.to_string()), "{theirs:?}");
    }
    assert!(fake
        .commands_for(&serde_json::json!({"type": "chat", "chat_id": SME}))
        .is_none());
    // The bot answers as usual meanwhile.
    say(&fake, SME, "/start", "안녕하세요");
    bot.stop();
}

#[test]
fn a_message_of_4096_characters_is_taken_and_one_of_4097_is_refused_politely() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let menu = say(&fake, SME, "/start", "안녕하세요");
    let ask = press(&fake, &menu, "애로사항 접수", "회사(상호) 이름");
    let region = say(&fake, ask.chat_id, "누리테크", "어느 지역");
    let category = press(&fake, &region, "부산", "어떤 분야");
    press(&fake, &category, "자금", "자세히 적어");
    let long = "자금난으로 어려워요. ".repeat(400);
    let too_long: String = long.chars().take(4097).collect();
    say(&fake, SME, &too_long, "너무 길어요");
    let longest: String = long.chars().take(4096).collect();
    say(&fake, SME, &longest, "전화번호나 이메일");
}

#[test]
fn a_kill_between_a_card_and_its_edit_loses_and_duplicates_nothing() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, 9001, "박상담", "center-1379");
    add_consultant(&db, 9002, "최상담", "center-1379");
    let bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "가온식품");
    let card_a = fake.wait_for(9001, |m| m.plain.contains(&code), WAIT);
    let card_b = fake.wait_for(9002, |m| m.plain.contains(&code), WAIT);
    // The cards' deliveries are recorded (a kill between Telegram taking a
    // message and its receipt being stored is the one place a send can
    // repeat: the Bot API has no idempotency key).
    wait_until("every delivery is recorded", || {
        count(&db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    });
    bot.kill();

    // Claimed while the bot is down: the edits wait in the outbox.
    let claimed = run_with_db(&db, &["tickets", "claim", "--as", "9001", &code], "");
    assert!(claimed.status.success(), "{}", stdout(&claimed));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM outbox WHERE edits IS NOT NULL AND sent_at IS NULL"
        ),
        2
    );
    // Up with the Bot API down, killed again before anything got through.
    fake.set_outage(true);
    let bot = Bot::start(&db, &fake, dialogs.path());
    std::thread::sleep(Duration::from_millis(1500));
    bot.kill();
    fake.set_outage(false);

    let bot = Bot::start(&db, &fake, dialogs.path());
    for card in [&card_a, &card_b] {
        wait_until("the card is edited", || {
            edited_to(&fake, card, "박상담 상담원이 맡았어요")
        });
    }
    fake.wait_for(SME, |m| m.plain.contains("박상담 상담원이"), WAIT);
    wait_until("every delivery is recorded", || {
        count(&db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    });
    bot.kill();
    // Once more, after everything went out: nothing is sent or edited again.
    let (sent, edits) = (fake.sent_count(), fake.edits().len());
    let bot = Bot::start(&db, &fake, dialogs.path());
    say(&fake, SME + 1, "/start", "안녕하세요");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fake.edits().len(), edits, "no edit is made twice");
    assert_eq!(fake.sent_count(), sent + 1, "only the new reply is sent");
    assert_eq!(edits_of(&fake, &card_a), 1);
    assert_eq!(edits_of(&fake, &card_b), 1);
    assert_eq!(
        fake.sent_to(SME)
            .iter()
            .filter(|m| m.plain.contains("박상담 상담원이"))
            .count(),
        1,
        "the SME is told once"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"),
        0
    );
    bot.stop();
}

#[test]
fn a_forms_prompts_lose_their_buttons_once_answered_and_the_confirmation_shows_the_answer() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let _bot = Bot::start(&db, &fake, dialogs.path());
    intake(&fake, SME, "한빛정밀");
    let sent = fake.sent_to(SME);
    let confirm = sent
        .iter()
        .find(|m| m.plain.contains("이대로 접수할까요"))
        .unwrap();
    wait_until("the confirmation shows the answer", || {
        edited_to(&fake, confirm, "→ 예")
    });
    let region = sent.iter().find(|m| m.plain.contains("어느 지역")).unwrap();
    wait_until("the region prompt has no buttons", || {
        edited_to(&fake, region, "어느 지역")
    });
    // A button of the finished form, pressed anyway: a short line, no error.
    let since = fake.sent_count();
    fake.push_callback(SME, confirm.button("예").unwrap(), confirm.message_id);
    let told = fake.wait_for_since(SME, since, |_| true, WAIT);
    assert!(
        told.plain.contains("더 이상 쓸 수 없어요"),
        "{}",
        told.plain
    );
    let tickets = stdout(&run_with_db(&db, &["tickets", "list"], ""));
    assert_eq!(tickets.lines().count(), 1, "one ticket: {tickets}");
}

#[test]
fn a_transferred_tickets_old_cards_say_where_it_went_and_the_new_queue_gets_its_own() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, 9001, "박상담", "center-1379");
    add_consultant(&db, 9002, "최수출", "export-support");
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "한빛정밀");
    let card = fake.wait_for(9001, |m| m.plain.contains(&code), WAIT);
    say(
        &fake,
        9001,
        &format!("/transfer {code} export-support 수출 건이에요"),
        "이관했어요",
    );
    wait_until("the old card says where the ticket went", || {
        edited_to(&fake, &card, "이관되었어요")
    });
    let new_card = fake.wait_for(9002, |m| m.plain.contains(&code), WAIT);
    assert!(new_card.button("담당하기").is_some());
    let since = fake.sent_count();
    fake.push_callback(9001, card.button("담당하기").unwrap(), card.message_id);
    let told = fake.wait_for_since(9001, since, |_| true, WAIT);
    assert!(
        told.plain.contains("다른 기관의 대기열로 넘어갔어요"),
        "{}",
        told.plain
    );
}

#[test]
fn a_message_of_4096_characters_reaches_the_consultant_whole() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "한빛정밀");
    say(&fake, CONSULTANT, &format!("/claim {code}"), "맡았어요");
    let long: String = "서류 준비가 어려워요.\n"
        .repeat(400)
        .chars()
        .take(4096)
        .collect();
    let since = fake.sent_count();
    fake.push_text(SME, &long);
    let last_line = long.lines().last().unwrap().to_string();
    fake.wait_for_since(CONSULTANT, since, |m| m.plain.ends_with(&last_line), WAIT);
    let relayed: Vec<String> = fake
        .sent_from(since)
        .into_iter()
        .filter(|m| m.chat_id == CONSULTANT)
        .map(|m| m.plain)
        .collect();
    assert_eq!(relayed.len(), 2, "header and text in two messages");
    let joined = relayed.join("\n");
    assert!(joined.contains(long.trim_end()), "nothing is cut");
}

/// Queues a message carrying a file from `chat`: `field` is Telegram's name
/// for it (`photo`, `document`, …).
fn push_file(fake: &FakeTelegram, chat: i64, field: &str, file_id: &str, caption: &str) {
    let file = if field == "photo" {
        serde_json::json!([
            { "file_id": format!("{file_id}-small"), "file_unique_id": "s", "width": 90, "height": 90, "file_size": 900 },
            { "file_id": file_id, "file_unique_id": "l", "width": 900, "height": 900, "file_size": 90000 }
        ])
    } else {
        serde_json::json!({ "file_id": file_id, "file_unique_id": "u", "file_size": 2048,
                            "file_name": "견적서.pdf", "mime_type": "application/pdf" })
    };
    let mut message = serde_json::json!({
        "message_id": 1_000 + fake.sent_count(),
        "date": 1_700_000_000,
        "chat": { "id": chat, "type": "private", "first_name": "테스트" },
        "from": { "id": chat, "is_bot": false, "first_name": "테스트" },
    });
    message[field] = file;
    if !caption.is_empty() {
        message["caption"] = serde_json::json!(caption);
    }
    fake.push_raw(serde_json::json!({ "message": message }));
}

#[test]
fn photos_and_documents_are_relayed_both_ways_with_captions_and_kept() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let bot = Bot::start(&db, &fake, dialogs.path());

    // Outside a ticket: the caption is answered, and the bot says it cannot open files.
    push_file(&fake, SME, "photo", "photo-outside", "");
    let note = fake.wait_for(SME, |m| m.plain.contains("열어 볼 수 없어요"), WAIT);
    assert!(
        note.button("상담원 연결").is_some(),
        "{:?}",
        note.button_labels()
    );

    let code = intake(&fake, SME, "한빛정밀");
    // Before the claim: the photo joins the ticket.
    push_file(
        &fake,
        SME,
        "photo",
        "photo-before",
        "이거 견적서 사진이에요",
    );
    fake.wait_for(SME, |m| m.plain.contains("건에 추가했어요"), WAIT);

    let card = fake.wait_for(CONSULTANT, |m| m.plain.contains(&code), WAIT);
    press(&fake, &card, "담당하기", "맡았어요");
    // After the claim: relayed to the consultant by the same file id, with the caption.
    push_file(&fake, SME, "document", "doc-from-sme", "사업자등록증이에요");
    let relayed = fake.wait_for(CONSULTANT, |m| m.file.is_some(), WAIT);
    assert_eq!(
        relayed.file,
        Some(("document".to_string(), "doc-from-sme".to_string()))
    );
    assert!(
        relayed.plain.contains(&code) && relayed.plain.contains("사업자등록증이에요"),
        "{}",
        relayed.plain
    );
    // And the other way round.
    push_file(
        &fake,
        CONSULTANT,
        "photo",
        "photo-from-consultant",
        "작성 예시예요",
    );
    let to_sme = fake.wait_for(SME, |m| m.file.is_some(), WAIT);
    assert_eq!(
        to_sme.file,
        Some(("photo".to_string(), "photo-from-consultant".to_string()))
    );
    assert!(to_sme.plain.contains("작성 예시예요"), "{}", to_sme.plain);

    // A sticker gets a friendly word, not "empty".
    fake.push_raw(serde_json::json!({ "message": {
        "message_id": 5_000, "date": 1_700_000_000,
        "chat": { "id": 7002, "type": "private" }, "from": { "id": 7002, "is_bot": false, "first_name": "새" },
        "sticker": { "file_id": "st", "file_unique_id": "st", "width": 1, "height": 1,
                     "is_animated": false, "is_video": false, "type": "regular" } } }));
    let reply = fake.wait_for(7002, |_| true, WAIT);
    assert!(reply.plain.contains("고마워요"), "{}", reply.plain);
    assert!(!reply.plain.contains("비어 있어요"), "{}", reply.plain);

    let shown = stdout(&run_with_db(&db, &["tickets", "show", &code], ""));
    for expected in [
        "[사진] 이거 견적서 사진이에요",
        "[문서] 사업자등록증이에요",
        "[사진] 작성 예시예요",
    ] {
        assert!(
            shown.contains(expected),
            "missing {expected:?} in:\n{shown}"
        );
    }
    let kept: String = scalar(
        &db,
        "SELECT attachment->>'file_id' FROM ticket_messages WHERE body = '사업자등록증이에요'",
    );
    assert_eq!(kept, "doc-from-sme");
    bot.stop();
}

#[test]
fn a_rating_can_come_with_a_comment_that_stays_with_the_ticket() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    let bot = Bot::start(&db, &fake, dialogs.path());
    let code = intake(&fake, SME, "한빛정밀");
    let card = fake.wait_for(CONSULTANT, |m| m.plain.contains(&code), WAIT);
    press(&fake, &card, "담당하기", "맡았어요");
    say(
        &fake,
        CONSULTANT,
        &format!("/resolve {code} 보증 연장 절차를 안내했습니다"),
        "해결 처리했어요",
    );
    let rating = fake.wait_for(SME, |m| m.plain.contains("잘 해결되었나요"), WAIT);
    let thanks = press(&fake, &rating, "4점", "평가해 주셔서 감사합니다");
    let ask = press(&fake, &thanks, "의견 남기기", "편하게 적어 주세요");
    assert!(ask.plain.contains(&code), "{}", ask.plain);
    say(
        &fake,
        SME,
        "상담원분이 친절하게 설명해 주셨어요",
        "소중한 의견",
    );
    let shown = stdout(&run_with_db(&db, &["tickets", "show", &code], ""));
    assert!(
        shown.contains("상담원분이 친절하게 설명해 주셨어요") && shown.contains("만족도    4점"),
        "{shown}"
    );
    // The next message is an ordinary one again.
    let answer = say(&fake, SME, "창업지원금 어떻게 받아요?", "창업");
    assert!(!answer.plain.contains("소중한 의견"), "{}", answer.plain);
    bot.stop();
}

#[test]
fn before_the_claim_messages_join_the_ticket_no_duplicate_is_opened_and_away_gets_no_cards() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    add_consultant(&db, CONSULTANT, "박상담", "center-1379");
    add_consultant(&db, 9002, "최상담", "center-1379,supervisors");
    let bot = Bot::start(&db, &fake, dialogs.path());
    say(&fake, 9002, "/away", "자리 비움");

    let code = intake(&fake, SME, "한빛정밀");
    say(&fake, SME, "혹시 언제쯤 연락 와요?", "건에 추가했어요");
    fake.push_text(SME, "추가로요, 외국인 E-9 비자 문제도 있어요");
    let menu = say(&fake, SME, "/menu", "안녕하세요");
    let open = press(&fake, &menu, "상담원 연결", "아직 진행 중이에요");
    assert!(open.plain.contains(&code), "{}", open.plain);

    let card = fake.wait_for(CONSULTANT, |m| m.plain.contains(&code), WAIT);
    assert!(
        !fake.sent_to(9002).iter().any(|m| m.plain.contains(&code)),
        "a consultant who is away got the card"
    );
    press(&fake, &card, "담당하기", "맡았어요");
    // A refused reply gives back what was typed.
    let refused = say(
        &fake,
        CONSULTANT,
        "/reply 2026-999999 서류 목록을 보내 드릴게요",
        "그대로 여기 있어요",
    );
    assert!(
        refused.plain.contains("서류 목록을 보내 드릴게요"),
        "{}",
        refused.plain
    );

    let shown = stdout(&run_with_db(&db, &["tickets", "show", &code], ""));
    assert!(
        shown.contains("혹시 언제쯤 연락 와요?") && shown.contains("외국인 E-9 비자 문제도 있어요"),
        "{shown}"
    );
    let listed = stdout(&run_with_db(&db, &["tickets", "list"], ""));
    assert_eq!(listed.matches("2026-0000").count(), 1, "{listed}");
    bot.stop();
}

#[test]
fn the_faq_menu_and_a_link_button_work_through_telegram() {
    let db = db();
    let fake = FakeTelegram::start_blocking();
    let dialogs = quick_dialogs();
    let _bot = Bot::start(&db, &fake, dialogs.path());
    let menu = say(&fake, SME, "/start", "안녕하세요");
    let sections = press(&fake, &menu, "자주 묻는 질문", "어떤 분야가 궁금하세요?");
    let funds = press(&fake, &sections, "자금", "자금 분야의 안내예요");
    let topic = funds.buttons[0][0].0.clone();
    let since = fake.sent_count();
    fake.push_callback(SME, &funds.buttons[0][0].1, funds.message_id);
    let answer = fake.wait_for_since(SME, since, |m| m.button("상담원 연결").is_some(), WAIT);
    assert!(
        !answer.plain.contains("분야의 안내"),
        "{topic} answered: {}",
        answer.plain
    );

    // A program with a web page: its link arrives as a URL button.
    let program = say(&fake, SME, "융합닷컴이 뭐야", "융합닷컴");
    assert_eq!(
        program.link("홈페이지").as_deref(),
        Some("http://www.yunghap.com/"),
        "{:?}",
        program.reply_markup
    );
    assert!(program.button("자세히").is_some(), "the card says more");

    // Forged section buttons change nothing and are answered politely.
    let since = fake.sent_count();
    fake.push_callback(SME, "faq:없는분야:0", funds.message_id);
    let missing = fake.wait_for_since(SME, since, |m| m.plain.contains("목록에 없어요"), WAIT);
    assert!(missing.plain.contains("다시 골라"), "{}", missing.plain);
    let since = fake.sent_count();
    fake.push_callback(SME, "faq:자금:01", funds.message_id);
    fake.wait_for_since(
        SME,
        since,
        |m| m.plain.contains("더 이상 쓸 수 없어요"),
        WAIT,
    );
}
