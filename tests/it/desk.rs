//! The help desk on a real PostgreSQL: routing, the claim queue under
//! concurrency, transfers, SLA and follow-up jobs, the outbox, and bad
//! requests that must change nothing. Each test has a fresh database.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::pg::TestDb;
use chrono::{Datelike, Utc};
use onestop::desk::notifier::{run_worker, WorkerConfig};
use onestop::desk::outbox::{Channel, DeliveryError, OutgoingMessage, SenderConfig};
use onestop::desk::{kst, Desk, DeskError, NewConsultant, NewTicket, Routing};
use onestop::kb::SourceFile;

fn default_routing() -> Arc<Routing> {
    Arc::new(Routing::embedded().expect("the default routing loads"))
}

/// A routing with one-second clocks and a queue open around the clock.
fn quick_routing(extra_queues: &str) -> Arc<Routing> {
    routing_with_clocks("1s", extra_queues)
}

/// The same routing with clocks that never run out during a test.
fn calm_routing() -> Arc<Routing> {
    routing_with_clocks("1h", "")
}

fn routing_with_clocks(clock: &str, extra_queues: &str) -> Arc<Routing> {
    let text = format!(
        r#"
[routing]
default_queue = "desk"
supervisor_queue = "chiefs"
escalate_after = "{clock}"
lease = "{clock}"
followup_after = "{clock}"

[[queue]]
id = "desk"
name = "테스트 창구"
hours = "always"

[[queue]]
id = "chiefs"
name = "상담 책임자"
hours = "always"
{extra_queues}
"#
    );
    let routing = Routing::load(&[SourceFile {
        path: "routing.toml".into(),
        text,
    }])
    .unwrap_or_else(|d| panic!("test routing: {d}"));
    Arc::new(routing)
}

fn intake(chat: i64, region: &str, category: &str) -> NewTicket {
    NewTicket {
        requester_chat: chat,
        company: format!("테스트상사{chat}"),
        region: region.into(),
        category: category.into(),
        description: "수출 계약서 검토가 필요합니다".into(),
        contact: "010-1234-5678".into(),
        business_number: None,
    }
}

async fn consultant(desk: &Desk, id: i64, queues: &[&str], capacity: i32) {
    desk.add_consultant(NewConsultant {
        messenger_id: id,
        name: format!("상담원{id}"),
        queues: queues.iter().map(|q| q.to_string()).collect(),
        capacity,
    })
    .await
    .unwrap();
}

/// The outbox messages to a chat, oldest first.
async fn outbox_to(db: &TestDb, chat: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM outbox WHERE chat_id = $1 ORDER BY id")
        .bind(chat)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

/// Everything a bad request could have touched.
async fn snapshot(db: &TestDb) -> (String, i64, i64, i64, i64) {
    let tickets: String = sqlx::query_scalar(
        "SELECT coalesce(string_agg(concat_ws('|', code, status, queue, consultant_id, rating, priority), ';' ORDER BY id), '') FROM tickets",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let count = |table: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    (
        tickets,
        count("ticket_events").await,
        count("ticket_messages").await,
        count("outbox").await,
        count("jobs").await,
    )
}

#[tokio::test]
async fn tickets_are_routed_by_category_and_region_and_the_sme_gets_the_code() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), default_routing());
    let gwangju_export = desk
        .open_ticket(intake(1, "광주광역시", "수출"))
        .await
        .unwrap();
    let busan_export = desk.open_ticket(intake(2, "부산", "수출")).await.unwrap();
    let busan_money = desk.open_ticket(intake(3, "부산", "자금")).await.unwrap();
    assert_eq!(gwangju_export.queue, "gwangju-myungpum");
    assert_eq!(gwangju_export.region, "광주");
    assert_eq!(busan_export.queue, "export-support");
    assert_eq!(busan_money.queue, desk.routing().default_queue);

    let year = Utc::now().with_timezone(&kst()).year();
    for t in [&gwangju_export, &busan_export, &busan_money] {
        let (prefix, number) = t.code.split_once('-').unwrap();
        assert_eq!(prefix, year.to_string());
        assert_eq!(number.len(), 6, "{}", t.code);
        assert!(number.chars().all(|c| c.is_ascii_digit()));
    }
    assert_ne!(gwangju_export.code, busan_export.code);
    let told = outbox_to(&db, 1).await;
    assert_eq!(told.len(), 1);
    assert!(told[0].contains(&gwangju_export.code), "{}", told[0]);
    assert!(told[0].contains("광주 명품강소기업"), "{}", told[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_consultants_claim_a_thousand_tickets_each_exactly_once() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    const CAPACITY: i32 = 3;
    for id in 1..=32 {
        consultant(&desk, id, &["desk"], CAPACITY).await;
    }
    for n in 0..1000 {
        desk.open_ticket(intake(10_000 + n, "서울", "자금"))
            .await
            .unwrap();
    }

    // Each consultant works from two places at once (phone and PC), claiming
    // until full, then resolving what they hold.
    let over_capacity = Arc::new(Mutex::new(Vec::new()));
    let mut workers = tokio::task::JoinSet::new();
    for id in 1..=32i64 {
        for _ in 0..2 {
            let desk = desk.clone();
            let over = over_capacity.clone();
            workers.spawn(async move {
                let mut claimed = Vec::new();
                loop {
                    match desk.claim_next(id).await {
                        Ok(Some(ticket)) => {
                            let held = desk.held_by(id).await.unwrap().len();
                            if held > CAPACITY as usize {
                                over.lock().unwrap().push((id, held));
                            }
                            claimed.push(ticket.code);
                        }
                        Ok(None) => break,
                        Err(DeskError::AtCapacity { .. }) => {
                            for t in desk.held_by(id).await.unwrap() {
                                // The other device may resolve it first.
                                let _ = desk.resolve(id, &t.code, "처리했습니다").await;
                            }
                        }
                        Err(e) => panic!("claim failed: {e}"),
                    }
                }
                claimed
            });
        }
    }
    let mut all = Vec::new();
    while let Some(claimed) = workers.join_next().await {
        all.extend(claimed.unwrap());
    }
    assert!(
        over_capacity.lock().unwrap().is_empty(),
        "{:?}",
        over_capacity.lock().unwrap()
    );
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 1000, "every ticket claimed once");
    assert_eq!(unique.len(), 1000, "no ticket claimed twice");
    let claim_events: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE e.kind = 'claimed') FROM tickets t \
         LEFT JOIN ticket_events e ON e.ticket_id = t.id GROUP BY t.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(claim_events.len(), 1000);
    assert!(
        claim_events.iter().all(|n| *n == 1),
        "one claim event per ticket"
    );
    let max_held: Option<i64> = sqlx::query_scalar(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM tickets WHERE status = 'claimed' GROUP BY consultant_id) x",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(max_held.unwrap_or(0) <= i64::from(CAPACITY));
    let drifted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consultants c WHERE c.held <> \
         (SELECT count(*) FROM tickets t WHERE t.consultant_id = c.id AND t.status = 'claimed')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        drifted, 0,
        "every consultant's seat count matches the tickets they hold"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_consultants_pressing_claim_at_once_one_wins_and_the_other_learns_who() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 1, &["desk"], 5).await;
    consultant(&desk, 2, &["desk"], 5).await;
    for round in 0..20 {
        let ticket = desk
            .open_ticket(intake(500 + round, "대전", "기술"))
            .await
            .unwrap();
        let (a, b) = tokio::join!(desk.claim(1, &ticket.code), desk.claim(2, &ticket.code));
        let (winner, loser) = match (a, b) {
            (Ok(t), Err(e)) | (Err(e), Ok(t)) => (t, e),
            other => panic!("exactly one must win: {other:?}"),
        };
        let name = winner.consultant_name.clone().unwrap();
        match loser {
            DeskError::AlreadyClaimed { by, .. } => {
                assert_eq!(by, name, "round {round}: winner {winner:?}")
            }
            e => panic!("the loser should be told who won, got {e}"),
        }
        assert!(loser_message_names(&name));
        desk.resolve(winner.consultant_messenger.unwrap(), &winner.code, "완료")
            .await
            .unwrap();
    }
}

fn loser_message_names(name: &str) -> bool {
    let e = DeskError::AlreadyClaimed {
        code: "2026-000001".into(),
        by: name.into(),
    };
    e.to_string().contains(name)
}

#[tokio::test]
async fn a_consultant_at_capacity_cannot_claim_more() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 7, &["desk"], 2).await;
    for n in 0..3 {
        desk.open_ticket(intake(n, "서울", "인력")).await.unwrap();
    }
    let first = desk.claim_next(7).await.unwrap().unwrap();
    desk.claim_next(7).await.unwrap().unwrap();
    // A claim brings its event, the consultant's lease and the SME's notice.
    let detail = desk.show(&first.code).await.unwrap();
    assert_eq!(detail.events.last().unwrap().kind, "claimed");
    assert!(detail.events.last().unwrap().actor.ends_with(":상담원7"));
    let leases: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE ticket_id = $1 AND kind = 'lease' AND done_at IS NULL",
    )
    .bind(first.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(leases, 1);
    let told = outbox_to(&db, first.requester_chat).await;
    assert!(
        told.iter().any(|m| m.contains(&format!(
            "상담원7 상담원이 접수번호 {} 건을 맡았습니다",
            first.code
        ))),
        "{told:#?}"
    );
    let before = snapshot(&db).await;
    match desk.claim_next(7).await {
        Err(DeskError::AtCapacity { capacity: 2 }) => {}
        other => panic!("expected AtCapacity, got {other:?}"),
    }
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn bad_requests_get_a_clear_error_and_change_nothing() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), default_routing());
    consultant(&desk, 1, &["center-1379"], 3).await;
    consultant(&desk, 2, &["center-1379"], 3).await;
    consultant(&desk, 3, &["center-1379"], 3).await;
    let ticket = desk.open_ticket(intake(42, "부산", "자금")).await.unwrap();
    desk.claim(1, &ticket.code).await.unwrap();
    desk.deactivate_consultant(3).await.unwrap();
    let before = snapshot(&db).await;

    let unknown = desk.claim(1, "2026-999999").await.unwrap_err();
    assert!(matches!(unknown, DeskError::UnknownTicket(_)));
    assert!(unknown.to_string().contains("2026-999999"));
    assert!(matches!(
        desk.claim(99, &ticket.code).await.unwrap_err(),
        DeskError::NotConsultant(99)
    ));
    assert!(matches!(
        desk.claim_next(3).await.unwrap_err(),
        DeskError::Deactivated(_)
    ));
    let nowhere = desk
        .transfer(1, &ticket.code, "center-1397", "")
        .await
        .unwrap_err();
    assert!(matches!(nowhere, DeskError::UnknownQueue { .. }));
    assert!(nowhere.to_string().contains("center-1379"), "{nowhere}");
    assert!(matches!(
        desk.rate(42, &ticket.code, 7).await.unwrap_err(),
        DeskError::BadRating(7)
    ));
    assert!(matches!(
        desk.rate(42, &ticket.code, 0).await.unwrap_err(),
        DeskError::BadRating(0)
    ));
    // Not resolved yet, and not the requester's.
    assert!(matches!(
        desk.rate(42, &ticket.code, 5).await.unwrap_err(),
        DeskError::WrongStatus { .. }
    ));
    assert!(matches!(
        desk.rate(43, &ticket.code, 5).await.unwrap_err(),
        DeskError::UnknownTicket(_)
    ));
    // Someone else's ticket.
    assert!(matches!(
        desk.reply(2, &ticket.code, "제가 답할게요")
            .await
            .unwrap_err(),
        DeskError::NotHolder { .. }
    ));
    assert!(matches!(
        desk.resolve(2, &ticket.code, "끝").await.unwrap_err(),
        DeskError::NotHolder { .. }
    ));
    assert!(matches!(
        desk.resolve(1, &ticket.code, "   ").await.unwrap_err(),
        DeskError::Invalid(_)
    ));
    assert!(matches!(
        desk.reply(1, &ticket.code, "").await.unwrap_err(),
        DeskError::Invalid(_)
    ));
    assert_eq!(
        snapshot(&db).await,
        before,
        "refused requests changed nothing"
    );
}

#[tokio::test]
async fn intake_is_checked_and_refusals_store_nothing() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), default_routing());
    let cases: Vec<(NewTicket, &str)> = vec![
        (
            NewTicket {
                region: "아틀란티스".into(),
                ..intake(1, "", "자금")
            },
            "지역",
        ),
        (
            NewTicket {
                category: "요리".into(),
                ..intake(1, "서울", "")
            },
            "분야",
        ),
        (
            NewTicket {
                description: "  ".into(),
                ..intake(1, "서울", "자금")
            },
            "내용",
        ),
        (
            NewTicket {
                description: "가".repeat(4097),
                ..intake(1, "서울", "자금")
            },
            "4096자",
        ),
        (
            NewTicket {
                company: "".into(),
                ..intake(1, "서울", "자금")
            },
            "회사",
        ),
        (
            NewTicket {
                contact: "".into(),
                ..intake(1, "서울", "자금")
            },
            "연락",
        ),
        (
            NewTicket {
                business_number: Some("220-81-62518".into()),
                ..intake(1, "서울", "자금")
            },
            "검증 숫자",
        ),
        (
            NewTicket {
                business_number: Some("12345".into()),
                ..intake(1, "서울", "자금")
            },
            "10자리",
        ),
    ];
    for (new, says) in cases {
        let error = desk.open_ticket(new).await.unwrap_err();
        assert!(
            error.to_string().contains(says),
            "{error} should mention {says}"
        );
    }
    assert_eq!(snapshot(&db).await.3, 0, "no outbox row");
    let ok = desk
        .open_ticket(NewTicket {
            business_number: Some("2208162517".into()),
            ..intake(1, "서울특별시", "마케팅")
        })
        .await
        .unwrap();
    assert_eq!(ok.business_number.as_deref(), Some("220-81-62517"));
    assert_eq!(ok.category, "판로·마케팅");
    assert_eq!(ok.region, "서울");
}

#[tokio::test]
async fn text_that_looks_like_sql_or_markup_is_kept_verbatim() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), default_routing());
    let nasty =
        "'); DROP TABLE tickets; -- <script>alert(1)</script> *굵게* _기울임_ `코드` \\n 😀";
    let ticket = desk
        .open_ticket(NewTicket {
            description: nasty.into(),
            company: "<b>주식회사</b> O'Neil".into(),
            ..intake(9, "제주", "기타")
        })
        .await
        .unwrap();
    let detail = desk.show(&ticket.code).await.unwrap();
    assert_eq!(detail.ticket.description, nasty);
    assert_eq!(detail.ticket.company, "<b>주식회사</b> O'Neil");
    assert_eq!(detail.messages[0].body, nasty);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn transfer_moves_the_ticket_and_its_new_queue_sees_it() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), default_routing());
    consultant(&desk, 1, &["center-1379"], 3).await;
    consultant(&desk, 2, &["gyeonggi-textile"], 3).await;
    let ticket = desk.open_ticket(intake(77, "경기", "자금")).await.unwrap();
    // 자금 × 경기 goes to the Gyeonggi center; a 1379 consultant cannot take it.
    assert_eq!(ticket.queue, "gyeonggi-center");
    assert!(matches!(
        desk.claim(1, &ticket.code).await.unwrap_err(),
        DeskError::NotYourQueue { .. }
    ));
    consultant(&desk, 3, &["gyeonggi-center"], 3).await;
    desk.claim(3, &ticket.code).await.unwrap();
    let moved = desk
        .transfer(3, &ticket.code, "gyeonggi-textile", "섬유 업종")
        .await
        .unwrap();
    assert_eq!(moved.status, "open");
    assert_eq!(moved.queue, "gyeonggi-textile");
    assert_eq!(desk.announce_pending().await.unwrap(), 1);
    let cards = outbox_to(&db, 2).await;
    assert_eq!(cards.len(), 1);
    assert!(cards[0].contains(&ticket.code));
    assert!(cards[0].starts_with("[이관된 접수]"), "{}", cards[0]);
    let claimed = desk.claim_next(2).await.unwrap().unwrap();
    assert_eq!(claimed.code, ticket.code);
    let sme = outbox_to(&db, 77).await;
    assert!(
        sme.iter().any(|m| m.contains("경기섬유종합지원센터")),
        "{sme:#?}"
    );
    let kinds: Vec<String> = desk
        .show(&ticket.code)
        .await
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["opened", "claimed", "transferred", "claimed"]);
}

#[tokio::test]
async fn messages_relay_both_ways_and_notes_stay_internal() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 5, &["desk"], 3).await;
    let ticket = desk.open_ticket(intake(300, "울산", "인력")).await.unwrap();
    // Before a consultant takes it, the SME's words wait in the transcript.
    desk.sme_message(300, "추가로 자료 보내요")
        .await
        .unwrap()
        .unwrap();
    assert!(outbox_to(&db, 5).await.is_empty());
    desk.claim(5, &ticket.code).await.unwrap();
    desk.reply(5, &ticket.code, "자료 확인했습니다")
        .await
        .unwrap();
    desk.note(5, &ticket.code, "내부 메모: 재무제표 확인 필요")
        .await
        .unwrap();
    desk.sme_message(300, "감사합니다").await.unwrap().unwrap();

    let to_sme = outbox_to(&db, 300).await;
    assert!(to_sme.iter().any(|m| m.contains("자료 확인했습니다")));
    assert!(
        !to_sme.iter().any(|m| m.contains("내부 메모")),
        "notes never reach the SME"
    );
    let to_consultant = outbox_to(&db, 5).await;
    assert_eq!(to_consultant.len(), 1);
    assert!(to_consultant[0].contains("감사합니다"));
    let authors: Vec<String> = desk
        .show(&ticket.code)
        .await
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.author)
        .collect();
    assert_eq!(authors, ["sme", "sme", "consultant", "note", "sme"]);
    assert!(desk.sme_message(301, "안녕하세요").await.unwrap().is_none());
}

#[tokio::test]
async fn unclaimed_tickets_escalate_to_the_queue_then_to_supervisors() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), quick_routing(""));
    consultant(&desk, 1, &["desk"], 3).await;
    consultant(&desk, 9, &["chiefs"], 3).await;
    let ticket = desk.open_ticket(intake(11, "강원", "자금")).await.unwrap();
    assert_eq!(desk.run_due_jobs().await.unwrap(), 0, "nothing is due yet");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(desk.run_due_jobs().await.unwrap(), 1);
    let reminders = outbox_to(&db, 1).await;
    assert!(reminders
        .iter()
        .any(|m| m.contains("대기 지연") && m.contains(&ticket.code)));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.run_due_jobs().await.unwrap();
    let detail = desk.show(&ticket.code).await.unwrap();
    assert_eq!(detail.ticket.queue, "chiefs");
    assert_eq!(detail.ticket.escalation, 2);
    desk.announce_pending().await.unwrap();
    assert!(outbox_to(&db, 9)
        .await
        .iter()
        .any(|m| m.contains(&ticket.code)));
    // A claimed ticket does not escalate, and replies renew the lease: with
    // a two-second lease, two gaps of 1.2 s outlast it only if the reply
    // between them renewed it (each gap may stretch by 0.8 s on a busy
    // machine and still prove it).
    let desk = Desk::new(db.pool.clone(), routing_with_lease("1s", "2s"));
    let other = desk.open_ticket(intake(12, "강원", "자금")).await.unwrap();
    desk.claim(1, &other.code).await.unwrap();
    desk.reply(1, &other.code, "확인 중입니다").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    desk.reply(1, &other.code, "조금만 기다려 주세요")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    desk.run_due_jobs().await.unwrap();
    let other = desk.show(&other.code).await.unwrap().ticket;
    assert_eq!(other.escalation, 0);
    assert_eq!(other.status, "claimed", "replies renew the lease");
}

#[tokio::test]
async fn a_silent_consultant_loses_the_ticket_back_to_the_queue() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), quick_routing(""));
    consultant(&desk, 1, &["desk"], 3).await;
    let ticket = desk.open_ticket(intake(21, "세종", "창업")).await.unwrap();
    desk.claim(1, &ticket.code).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.run_due_jobs().await.unwrap();
    let released = desk.show(&ticket.code).await.unwrap();
    assert_eq!(released.ticket.status, "open");
    assert_eq!(released.ticket.consultant_id, None);
    assert!(released.events.iter().any(|e| e.kind == "released"));
    assert!(outbox_to(&db, 1)
        .await
        .iter()
        .any(|m| m.contains("대기열로 돌려보냈습니다")));
    assert!(outbox_to(&db, 21)
        .await
        .iter()
        .any(|m| m.contains("다른 상담원")));
    // It can be claimed again.
    assert_eq!(desk.claim_next(1).await.unwrap().unwrap().code, ticket.code);
}

#[tokio::test]
async fn the_follow_up_asks_for_a_rating_and_a_low_one_reopens() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), quick_routing(""));
    consultant(&desk, 1, &["desk"], 3).await;
    let low = desk.open_ticket(intake(31, "전북", "판로")).await.unwrap();
    let high = desk.open_ticket(intake(32, "전남", "판로")).await.unwrap();
    for t in [&low, &high] {
        desk.claim(1, &t.code).await.unwrap();
        desk.resolve(1, &t.code, "판로 상담 완료").await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.run_due_jobs().await.unwrap();
    let buttons: serde_json::Value = sqlx::query_scalar(
        "SELECT buttons FROM outbox WHERE chat_id = 31 ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let data: Vec<&str> = buttons[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["data"].as_str().unwrap())
        .collect();
    assert_eq!(data.len(), 5, "five rating buttons");
    assert_eq!(data[0], format!("rate:{}:1", low.code));

    let reopened = desk.rate(31, &low.code, 2).await.unwrap();
    assert_eq!(reopened.status, "open");
    assert_eq!(reopened.rating, Some(2));
    assert!(
        reopened.priority > low.priority,
        "a reopened ticket goes first"
    );
    let closed = desk.rate(32, &high.code, 5).await.unwrap();
    assert_eq!(closed.status, "closed");
    let stats = desk.stats(5).await.unwrap();
    assert_eq!(stats.ratings, vec![(2, 1), (5, 1)]);
    assert_eq!(stats.average_rating, Some(3.5));
}

#[tokio::test]
async fn outside_business_hours_the_sme_is_told_when_someone_will_answer() {
    let db = TestDb::new().await;
    // Open one hour a week, on a day that is not today.
    let today = Utc::now()
        .with_timezone(&kst())
        .weekday()
        .num_days_from_monday();
    let day = if today == 0 { "화" } else { "월" };
    let routing = quick_routing(&format!(
        "[[queue]]\nid = \"weekly\"\nname = \"주간 창구\"\nhours = \"{day} 09:00-10:00\"\n\n\
         [[route]]\ncategory = \"수출\"\nqueue = \"weekly\"\n"
    ));
    let desk = Desk::new(db.pool.clone(), routing);
    desk.open_ticket(intake(41, "서울", "수출")).await.unwrap();
    desk.open_ticket(intake(42, "서울", "자금")).await.unwrap();
    let closed = outbox_to(&db, 41).await;
    assert!(closed[0].contains("상담 시간이 아니에요"), "{}", closed[0]);
    assert!(closed[0].contains("오전 9시"), "{}", closed[0]);
    let open = outbox_to(&db, 42).await;
    assert!(!open[0].contains("상담 시간이 아니에요"), "{}", open[0]);
}

/// A channel that fails as told and records what it delivered.
#[derive(Default)]
struct RecordingChannel {
    delivered: Mutex<Vec<(i64, i64, String)>>,
    /// chat id → how many more attempts fail (u32::MAX: always, permanently).
    failures: Mutex<HashMap<i64, u32>>,
}

impl Channel for RecordingChannel {
    /// It stands in for the messenger: it takes the rows of chats that
    /// have no other channel.
    fn kind(&self) -> onestop::desk::outbox::ChannelKind {
        onestop::desk::outbox::ChannelKind::Telegram
    }

    async fn deliver(&self, message: &OutgoingMessage) -> Result<String, DeliveryError> {
        {
            let mut failures = self.failures.lock().unwrap();
            if let Some(left) = failures.get_mut(&message.chat_id) {
                if *left == u32::MAX {
                    return Err(DeliveryError::Permanent(
                        "bot was blocked by the user".into(),
                    ));
                }
                if *left > 0 {
                    *left -= 1;
                    return Err(DeliveryError::Retry {
                        reason: "connection reset".into(),
                        after: Some(Duration::from_millis(10)),
                    });
                }
            }
        }
        let mut delivered = self.delivered.lock().unwrap();
        delivered.push((message.id, message.chat_id, message.body.clone()));
        Ok(format!("msg-{}", delivered.len()))
    }
}

fn fast_worker(sweep: Duration) -> WorkerConfig {
    WorkerConfig {
        sender: SenderConfig {
            global_per_second: 10_000,
            per_chat_interval: Duration::ZERO,
            poll_every: sweep,
            ..Default::default()
        },
        sweep_every: sweep,
        ..Default::default()
    }
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..400 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_retries_keeps_each_chats_order_and_records_permanent_failures() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 1, &["desk"], 10).await;
    let channel = Arc::new(RecordingChannel::default());
    channel.failures.lock().unwrap().insert(100, 2);
    channel.failures.lock().unwrap().insert(200, u32::MAX);
    // Chat 100: three messages in order (received, claimed, a reply).
    let t = desk.open_ticket(intake(100, "서울", "자금")).await.unwrap();
    desk.claim(1, &t.code).await.unwrap();
    desk.reply(1, &t.code, "세 번째 메시지").await.unwrap();
    desk.open_ticket(intake(200, "서울", "자금")).await.unwrap();

    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(run_worker(
        desk.clone(),
        channel.clone(),
        fast_worker(Duration::from_millis(100)),
        shutdown,
    ));
    wait_until("everything is delivered or failed", async || {
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        pending == 0
    })
    .await;
    stop.send(true).unwrap();
    worker.await.unwrap().unwrap();

    let delivered = channel.delivered.lock().unwrap().clone();
    let to_100: Vec<i64> = delivered
        .iter()
        .filter(|d| d.1 == 100)
        .map(|d| d.0)
        .collect();
    assert_eq!(to_100.len(), 3, "{delivered:#?}");
    assert!(
        to_100.windows(2).all(|w| w[0] < w[1]),
        "in order: {to_100:?}"
    );
    let ids: HashSet<i64> = delivered.iter().map(|d| d.0).collect();
    assert_eq!(ids.len(), delivered.len(), "nothing delivered twice");
    let (attempts, failed): (i32, bool) = sqlx::query_as(
        "SELECT attempts, failed_at IS NOT NULL FROM outbox WHERE chat_id = 100 ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((attempts, failed), (3, false));
    let blocked: (Option<String>, bool) =
        sqlx::query_as("SELECT last_error, failed_at IS NOT NULL FROM outbox WHERE chat_id = 200")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(blocked.1, "a permanent failure is recorded, not dropped");
    assert!(blocked.0.unwrap().contains("blocked"));
    assert_eq!(desk.stats(1).await.unwrap().outbox_failed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_wakes_the_notifier_long_before_the_sweep() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 1, &["desk"], 10).await;
    let channel = Arc::new(RecordingChannel::default());
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    // Sweeps once a minute: only NOTIFY can make this test pass in time.
    let worker = tokio::spawn(run_worker(
        desk.clone(),
        channel.clone(),
        fast_worker(Duration::from_secs(60)),
        shutdown,
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ticket = desk.open_ticket(intake(600, "경북", "자금")).await.unwrap();
    wait_until("the card reaches the consultant", async || {
        channel
            .delivered
            .lock()
            .unwrap()
            .iter()
            .any(|d| d.1 == 1 && d.2.contains(&ticket.code))
    })
    .await;
    stop.send(true).unwrap();
    worker.await.unwrap().unwrap();
}

#[tokio::test]
async fn deactivating_a_consultant_returns_their_tickets_to_the_queue() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 1, &["desk"], 3).await;
    let ticket = desk.open_ticket(intake(51, "충북", "기술")).await.unwrap();
    desk.claim(1, &ticket.code).await.unwrap();
    let (_, released) = desk.deactivate_consultant(1).await.unwrap();
    assert_eq!(released, 1);
    assert_eq!(desk.show(&ticket.code).await.unwrap().ticket.status, "open");
    assert!(!desk.is_consultant(1).await.unwrap());
}

#[tokio::test]
async fn stats_list_unanswered_questions_with_personal_data_masked() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    for _ in 0..3 {
        desk.record_unanswered("주차 과태료 이의신청 어떻게 해요")
            .await
            .unwrap();
    }
    desk.record_unanswered("010-9876-5432로 전화 주세요")
        .await
        .unwrap();
    let stats = desk.stats(10).await.unwrap();
    assert_eq!(
        stats.unanswered[0],
        ("주차 과태료 이의신청 어떻게 해요".to_string(), 3)
    );
    assert!(stats
        .unanswered
        .iter()
        .any(|(q, _)| q.contains("010-****-5432")));
    assert!(!stats.unanswered.iter().any(|(q, _)| q.contains("9876")));
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Screen {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_edit_waits_for_its_message_and_one_of_a_message_never_delivered_is_dropped() {
    use onestop::channel::console::Terminal;
    use onestop::desk::outbox;
    use onestop::protocol::{Button, Press, Reply};
    let db = TestDb::new().await;
    let pool = &db.pool;
    onestop::desk::addressing::address_chats(pool, &[5, 6], outbox::ChannelKind::Console)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let question = Reply::with_buttons(
        "고르세요",
        vec![vec![
            Button::new("예", &Press::Yes),
            Button::new("아니요", &Press::No),
        ]],
    );
    let shown = outbox::enqueue(&mut tx, 5, &question, None).await.unwrap();
    // Written before its message went out: it waits behind it.
    outbox::enqueue_edit(&mut tx, shown, &Reply::text("고르세요\n→ 예"))
        .await
        .unwrap();
    let lost = outbox::enqueue(&mut tx, 6, &Reply::text("안 가는 메시지"), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("UPDATE outbox SET failed_at = now() WHERE id = $1")
        .bind(lost)
        .execute(pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    outbox::enqueue_edit(&mut tx, lost, &Reply::text("고친 글"))
        .await
        .unwrap();
    assert_eq!(
        outbox::enqueue_edit(&mut tx, 999_999, &Reply::text("없는 글"))
            .await
            .unwrap(),
        None,
        "an edit of a row that is gone is not written"
    );
    tx.commit().await.unwrap();

    let screen = Screen::default();
    let terminal = Terminal::new(screen.clone());
    outbox::deliver_all_for_chat(pool, 5, &terminal)
        .await
        .unwrap();
    outbox::deliver_all_for_chat(pool, 6, &terminal)
        .await
        .unwrap();
    let printed = String::from_utf8(screen.0.lock().unwrap().clone()).unwrap();
    let question_at = printed.find("🤖 고르세요").expect(&printed);
    let edit_at = printed.find("(수정됨) 고르세요").expect(&printed);
    assert!(question_at < edit_at, "{printed}");
    assert!(!printed.contains("고친 글"), "{printed}");
    let (pending, dropped): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL), \
                count(*) FILTER (WHERE edits IS NOT NULL AND receipt IS NULL AND sent_at IS NOT NULL) \
         FROM outbox",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        (pending, dropped),
        (0, 1),
        "nothing waits; the edit of the lost one is dropped"
    );
}

#[tokio::test]
async fn cards_go_only_to_consultants_who_are_in_and_an_empty_queue_tells_the_supervisors() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 501, &["desk"], 3).await;
    consultant(&desk, 502, &["desk"], 3).await;
    consultant(&desk, 509, &["chiefs"], 3).await;

    desk.set_away(502, true).await.unwrap();
    desk.open_ticket(intake(41, "서울", "수출")).await.unwrap();
    desk.announce_pending().await.unwrap();
    assert!(outbox_to(&db, 501)
        .await
        .iter()
        .any(|b| b.contains("2026-000001")));
    assert!(
        outbox_to(&db, 502).await.is_empty(),
        "a consultant who is away got a card"
    );
    assert!(
        outbox_to(&db, 509).await.is_empty(),
        "the supervisors were told while someone was in"
    );

    // Nobody in: the supervisors see the next ticket.
    desk.set_away(501, true).await.unwrap();
    desk.open_ticket(intake(42, "서울", "수출")).await.unwrap();
    desk.announce_pending().await.unwrap();
    assert!(!outbox_to(&db, 501)
        .await
        .iter()
        .any(|b| b.contains("2026-000002")));
    assert!(outbox_to(&db, 509)
        .await
        .iter()
        .any(|b| b.contains("2026-000002")));

    // Back: cards come again, and what was held stays held meanwhile.
    desk.set_away(502, false).await.unwrap();
    desk.open_ticket(intake(43, "서울", "수출")).await.unwrap();
    desk.announce_pending().await.unwrap();
    assert!(outbox_to(&db, 502)
        .await
        .iter()
        .any(|b| b.contains("2026-000003")));
}

#[tokio::test]
async fn a_note_by_the_holder_renews_the_lease() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), calm_routing());
    consultant(&desk, 601, &["desk"], 3).await;
    let ticket = desk.open_ticket(intake(61, "서울", "수출")).await.unwrap();
    desk.claim(601, &ticket.code).await.unwrap();
    let lease_due = || async {
        sqlx::query_scalar::<_, chrono::DateTime<Utc>>(
            "SELECT due_at FROM jobs WHERE kind = 'lease' AND done_at IS NULL",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap()
    };
    let first = lease_due().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.note(601, &ticket.code, "서류 확인 중").await.unwrap();
    let renewed = lease_due().await;
    assert!(
        renewed > first + chrono::Duration::milliseconds(900),
        "the lease did not start again: {first} → {renewed}"
    );
}

/// The test routing with an escalation clock and a lease of its own.
fn routing_with_lease(escalate: &str, lease: &str) -> Arc<Routing> {
    let text = format!(
        "[routing]\ndefault_queue = \"desk\"\nsupervisor_queue = \"chiefs\"\n\
         escalate_after = \"{escalate}\"\nlease = \"{lease}\"\nfollowup_after = \"1h\"\n\n\
         [[queue]]\nid = \"desk\"\nname = \"테스트 창구\"\nhours = \"always\"\n\n\
         [[queue]]\nid = \"chiefs\"\nname = \"상담 책임자\"\nhours = \"always\"\n"
    );
    Arc::new(
        Routing::load(&[SourceFile {
            path: "routing.toml".into(),
            text,
        }])
        .unwrap_or_else(|d| panic!("test routing: {d}")),
    )
}

/// The test routing with its clocks spelled out.
fn routing_with(escalate: &str, followup: &str, close: &str) -> Arc<Routing> {
    let text = format!(
        "[routing]\ndefault_queue = \"desk\"\nsupervisor_queue = \"chiefs\"\n\
         escalate_after = \"{escalate}\"\nlease = \"1h\"\nfollowup_after = \"{followup}\"\n\
         close_unrated_after = \"{close}\"\n\n\
         [[queue]]\nid = \"desk\"\nname = \"테스트 창구\"\nhours = \"always\"\n\n\
         [[queue]]\nid = \"chiefs\"\nname = \"상담 책임자\"\nhours = \"always\"\n"
    );
    Arc::new(
        Routing::load(&[SourceFile {
            path: "routing.toml".into(),
            text,
        }])
        .unwrap_or_else(|d| panic!("test routing: {d}")),
    )
}

#[tokio::test]
async fn a_resolved_ticket_nobody_rates_closes_itself() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), routing_with("1h", "1s", "1s"));
    consultant(&desk, 1, &["desk"], 3).await;
    let ticket = desk.open_ticket(intake(71, "서울", "기술")).await.unwrap();
    desk.claim(1, &ticket.code).await.unwrap();
    desk.resolve(1, &ticket.code, "시험 성적서 발급 안내")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.run_due_jobs().await.unwrap(); // the rating is asked for
    assert_eq!(
        desk.show(&ticket.code).await.unwrap().ticket.status,
        "resolved"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.run_due_jobs().await.unwrap();
    let closed = desk.show(&ticket.code).await.unwrap();
    assert_eq!(closed.ticket.status, "closed");
    assert_eq!(closed.ticket.rating, None);
    assert!(closed.events.iter().any(|e| e.kind == "closed"));
}

#[tokio::test]
async fn the_sme_hears_the_configured_follow_up_time_and_about_an_escalation() {
    let db = TestDb::new().await;
    let desk = Desk::new(db.pool.clone(), routing_with("1s", "2일", "7일"));
    consultant(&desk, 1, &["desk"], 3).await;
    let resolved = desk.open_ticket(intake(81, "서울", "기술")).await.unwrap();
    desk.claim(1, &resolved.code).await.unwrap();
    desk.resolve(1, &resolved.code, "안내 완료").await.unwrap();
    assert!(
        outbox_to(&db, 81)
            .await
            .iter()
            .any(|m| m.contains("2일 뒤에 문제가 잘 해결되었는지")),
        "{:?}",
        outbox_to(&db, 81).await
    );

    let waiting = desk.open_ticket(intake(82, "서울", "기술")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.run_due_jobs().await.unwrap(); // the queue is reminded
    tokio::time::sleep(Duration::from_millis(1100)).await;
    desk.run_due_jobs().await.unwrap(); // the supervisors take it
    assert_eq!(
        desk.show(&waiting.code).await.unwrap().ticket.queue,
        "chiefs"
    );
    assert!(
        outbox_to(&db, 82)
            .await
            .iter()
            .any(|m| m.contains("상담 책임자에게 알렸어요")),
        "{:?}",
        outbox_to(&db, 82).await
    );
}
