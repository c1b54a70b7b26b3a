//! The desk through the real binary: a ticket worked from the command line
//! on the private PostgreSQL, bad input refused with exit code 1 and no
//! change, and the worker killed in the middle of delivering and restarted
//! without losing or repeating a message.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::pg::TestDb;
use crate::common::{code_in, ok, onestop, run_with_db, stderr, stdout};
use onestop::channel::jsonl::Delivered;

/// `onestop args…` against `db`.
fn run_on(db: &TestDb, args: &[&str]) -> Output {
    run_with_db(db, args, "")
}

fn open_args<'a>(chat: &'a str, description: &'a str) -> Vec<&'a str> {
    vec![
        "tickets",
        "open",
        "--company",
        "한빛정밀",
        "--region",
        "경기",
        "--category",
        "자금",
        "--description",
        description,
        "--contact",
        "031-123-4567",
        "--chat",
        chat,
    ]
}

#[test]
fn a_ticket_is_worked_from_the_cli_on_the_private_postgres() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let cli = |args: &[&str]| {
        onestop()
            .env_remove("DATABASE_URL")
            .env("ONESTOP_DATA", data_dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    ok(cli(&[
        "consultant",
        "add",
        "--id",
        "501",
        "--name",
        "박상담",
        "--queue",
        "gyeonggi-center",
        "--capacity",
        "2",
    ]));
    let opened = ok(cli(&open_args("9001", "운전자금 대출 연장이 막혔어요")));
    let code = code_in(&opened);
    assert!(opened.contains("gyeonggi-center"), "{opened}");
    let listed = ok(cli(&["tickets", "list", "--status", "open"]));
    assert!(
        listed.contains(&code) && listed.contains("한빛정밀"),
        "{listed}"
    );
    ok(cli(&["tickets", "claim", "--as", "501"]));
    ok(cli(&[
        "tickets",
        "reply",
        &code,
        "--as",
        "501",
        "서류를",
        "보내",
        "주세요",
    ]));
    ok(cli(&[
        "tickets",
        "note",
        &code,
        "--as",
        "501",
        "보증서 확인 필요",
    ]));
    ok(cli(&[
        "tickets",
        "resolve",
        &code,
        "--as",
        "501",
        "--summary",
        "보증 연장 안내 완료",
    ]));
    ok(cli(&["tickets", "rate", &code, "5", "--chat", "9001"]));
    let shown = ok(cli(&["tickets", "show", &code]));
    for expected in [
        "종료",
        "박상담",
        "서류를 보내 주세요",
        "보증서 확인 필요",
        "만족도    5점",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing in:\n{shown}"
        );
    }
    let kinds: Vec<&str> = ["opened", "claimed", "resolved", "rated", "closed"].to_vec();
    for kind in kinds {
        assert!(shown.contains(kind), "event {kind} missing in:\n{shown}");
    }
    let stats = ok(cli(&["stats"]));
    assert!(stats.contains("만족도 평균 5.00"), "{stats}");
    // The private server stopped with the last command.
    let pid_file = data.path().join("pgdata/postmaster.pid");
    assert!(
        !pid_file.exists(),
        "the private PostgreSQL is still running"
    );
}

#[test]
fn bad_cli_input_exits_1_with_a_clear_message_and_changes_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new());
    ok(run_on(
        &db,
        &[
            "consultant",
            "add",
            "--id",
            "1",
            "--name",
            "김상담",
            "--queue",
            "gyeonggi-center",
        ],
    ));
    ok(run_on(
        &db,
        &[
            "consultant",
            "add",
            "--id",
            "2",
            "--name",
            "이퇴사",
            "--queue",
            "gyeonggi-center",
        ],
    ));
    ok(run_on(&db, &["consultant", "deactivate", "2"]));
    let code = code_in(&ok(run_on(
        &db,
        &open_args("77", "'); DELETE FROM tickets; -- <b>급해요</b>"),
    )));
    let before = ok(run_on(&db, &["tickets", "show", &code, "--json"]));
    assert!(
        before.contains("'); DELETE FROM tickets; -- <b>급해요</b>"),
        "{before}"
    );

    let refusals: Vec<(Vec<&str>, &str)> = vec![
        (vec!["tickets", "show", "2026-999999"], "2026-999999"),
        (
            vec!["tickets", "claim", "--as", "1", "2099-000001"],
            "접수 건이 없습니다",
        ),
        (
            vec!["tickets", "claim", "--as", "3", &code],
            "등록된 상담원이 아닙니다",
        ),
        (vec!["tickets", "claim", "--as", "2", &code], "비활성화"),
        (
            vec!["tickets", "transfer", &code, "mars-office", "--as", "1"],
            "대기열은 없습니다",
        ),
        (
            vec!["tickets", "rate", &code, "7", "--chat", "77"],
            "1부터 5까지",
        ),
        (
            vec!["tickets", "rate", &code, "-1", "--chat", "77"],
            "1부터 5까지",
        ),
        (
            vec!["tickets", "resolve", &code, "--as", "1", "--summary", "끝"],
            "상태",
        ),
        (
            vec!["tickets", "list", "--status", "done"],
            "알 수 없는 상태",
        ),
        (
            vec![
                "consultant",
                "add",
                "--id",
                "4",
                "--name",
                "최",
                "--queue",
                "nowhere",
            ],
            "nowhere",
        ),
        (
            vec![
                "tickets",
                "open",
                "--company",
                "x",
                "--region",
                "서울",
                "--category",
                "자금",
                "--description",
                "y",
                "--contact",
                "z",
                "--business-number",
                "123-45-67890",
            ],
            "사업자등록번호",
        ),
    ];
    for (args, says) in refusals {
        let output = run_on(&db, &args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?} should fail: {}",
            stdout(&output)
        );
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {:?} should say {says:?}",
            stderr(&output)
        );
    }
    let after = ok(run_on(&db, &["tickets", "show", &code, "--json"]));
    assert_eq!(before, after, "refused commands changed the ticket");
    let listed = ok(run_on(&db, &["tickets", "list"]));
    assert_eq!(listed.lines().count(), 1, "no ticket was added: {listed}");
}

fn start_worker(db: &TestDb, deliveries: &std::path::Path) -> Child {
    let mut command: Command = onestop();
    command
        .env("DATABASE_URL", &db.url)
        .args([
            "worker",
            "--per-second",
            "400",
            "--per-chat-ms",
            "0",
            "--deliver",
        ])
        .arg(deliveries)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command.spawn().expect("the worker starts")
}

fn delivered(path: &std::path::Path) -> Vec<Delivered> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn killing_the_worker_mid_delivery_loses_and_repeats_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new());
    let dir = tempfile::tempdir().unwrap();
    let deliveries = dir.path().join("deliveries.jsonl");
    ok(run_on(
        &db,
        &[
            "consultant",
            "add",
            "--id",
            "1",
            "--name",
            "김상담",
            "--queue",
            "center-1379,gyeonggi-center",
        ],
    ));
    ok(run_on(
        &db,
        &[
            "consultant",
            "add",
            "--id",
            "2",
            "--name",
            "이상담",
            "--queue",
            "center-1379,gyeonggi-center",
        ],
    ));

    // Tickets keep arriving while the worker is killed and restarted.
    let desk = onestop::desk::Desk::new(
        db.pool.clone(),
        std::sync::Arc::new(onestop::desk::Routing::embedded().unwrap()),
    );
    let open_some = |from: i64, n: i64| {
        runtime.block_on(async {
            for chat in from..from + n {
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
        })
    };
    // These people are reached through the file, not Telegram.
    let chats: Vec<i64> = [1, 2]
        .into_iter()
        .chain(1000..1150)
        .chain(2000..2100)
        .collect();
    runtime
        .block_on(onestop::desk::addressing::address_chats(
            &db.pool,
            &chats,
            onestop::desk::outbox::ChannelKind::Jsonl,
        ))
        .unwrap();
    open_some(1000, 150);
    let mut worker = start_worker(&db, &deliveries);
    let deadline = Instant::now() + Duration::from_secs(60);
    while delivered(&deliveries).len() < 60 {
        assert!(Instant::now() < deadline, "the worker delivered nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
    worker.kill().unwrap(); // SIGKILL, mid-batch
    worker.wait().unwrap();
    let at_kill = delivered(&deliveries).len();
    open_some(2000, 100);
    let mut worker = start_worker(&db, &deliveries);

    let expected = || -> i64 {
        runtime.block_on(async {
            sqlx::query_scalar("SELECT count(*) FROM outbox")
                .fetch_one(&db.pool)
                .await
                .unwrap()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pending: i64 = runtime.block_on(async {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL \
                 UNION ALL SELECT count(*) FROM tickets WHERE announced_queue IS DISTINCT FROM queue",
            )
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .into_iter()
            .sum()
        });
        if pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{pending} messages still pending"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGTERM: a clean stop.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(worker.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(
        worker.wait().unwrap().success(),
        "SIGTERM stops the worker cleanly"
    );

    let lines = delivered(&deliveries);
    assert!(at_kill < lines.len());
    let ids: Vec<i64> = lines.iter().map(|d| d.outbox_id).collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a message was delivered twice");
    // 250 receipts to SMEs + 250 cards to each of two consultants.
    assert_eq!(expected(), 750);
    assert_eq!(ids.len() as i64, expected(), "a message was lost");
    let mut last_per_chat: HashMap<i64, i64> = HashMap::new();
    for d in &lines {
        if let Some(previous) = last_per_chat.insert(d.chat_id, d.outbox_id) {
            assert!(previous < d.outbox_id, "chat {} out of order", d.chat_id);
        }
    }
}
