//! The supervisor's page over plain HTTP, served by the real router on
//! loopback against a real PostgreSQL: sign-in with a token from
//! `onestop supervisor add`, refusals (no token, a revoked one, a forged
//! cookie), SQL and HTML in a ticket and in query parameters shown
//! verbatim, personal data masked, the figures of *Trends* equal to
//! `onestop stats --json`, the groups of unanswered questions and their
//! exports, CSV downloads and the audit log.

use std::sync::{Arc, OnceLock};

use onestop::desk::{Desk, NewConsultant, NewTicket, Routing};
use onestop::kb::KnowledgeBase;
use onestop::web::{auth, serve_on, WebState};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use tokio::sync::watch;

use crate::common::pg::TestDb;
use crate::common::{ok, run_with_db, stdout};

fn kb() -> Arc<KnowledgeBase> {
    static KB: OnceLock<Arc<KnowledgeBase>> = OnceLock::new();
    KB.get_or_init(|| Arc::new(KnowledgeBase::embedded().unwrap()))
        .clone()
}

/// The page on loopback over a fresh database.
struct Site {
    base: String,
    http: reqwest::Client,
    db: TestDb,
    desk: Desk,
    _stop: watch::Sender<bool>,
}

/// An answer read whole.
struct Answer {
    status: StatusCode,
    set_cookie: Option<String>,
    content_type: String,
    body: String,
}

impl Site {
    async fn start() -> Site {
        let db = TestDb::new().await;
        let desk = Desk::new(db.pool.clone(), Arc::new(Routing::embedded().unwrap()));
        let state = WebState::new(desk.clone(), kb(), false).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, shutdown) = watch::channel(false);
        tokio::spawn(serve_on(listener, state, shutdown));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Site {
            base,
            http,
            db,
            desk,
            _stop: stop,
        }
    }

    async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_string())
        };
        let set_cookie = header(SET_COOKIE);
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let body = response.text().await.unwrap();
        Answer {
            status,
            set_cookie,
            content_type,
            body,
        }
    }

    /// GET `path` with `cookie` (a `name=value` pair) if given.
    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let answer = Self::read(request.send().await.unwrap()).await;
        assert_no_internals(&answer.body);
        answer
    }

    /// Signs in with `token`.
    async fn sign_in(&self, token: &str) -> Answer {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .finish();
        let response = self
            .http
            .post(format!("{}/signin", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        Self::read(response).await
    }

    /// A signed-in session's cookie for a new supervisor `name`.
    async fn session(&self, name: &str) -> String {
        let token = auth::add_supervisor(&self.db.pool, name).await.unwrap();
        let answer = self.sign_in(&token).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        cookie_pair(&answer.set_cookie.unwrap())
    }

    async fn audit(&self) -> Vec<(Option<String>, String, String)> {
        sqlx::query_as("SELECT supervisor, action, detail FROM audit_log ORDER BY id")
            .fetch_all(&self.db.pool)
            .await
            .unwrap()
    }
}

/// The `name=value` part of a Set-Cookie header.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_string()
}

/// Text as a browser shows it: HTML's entities read back.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// No answer shows what the server is made of.
fn assert_no_internals(body: &str) {
    for leak in [
        "sqlx",
        "panicked",
        "error returned from database",
        "src/",
        "Failed to",
        "minijinja",
    ] {
        assert!(!body.contains(leak), "an answer shows {leak:?}: {body}");
    }
}

fn ticket(chat: i64, company: &str, description: &str) -> NewTicket {
    NewTicket {
        requester_chat: chat,
        company: company.into(),
        region: "경기".into(),
        category: "자금".into(),
        description: description.into(),
        contact: "010-1234-5678".into(),
        business_number: None,
    }
}

#[tokio::test]
async fn only_a_current_token_signs_in_and_every_page_refuses_without_it() {
    let site = Site::start().await;
    let added = run_with_db(&site.db, &["supervisor", "add", "김감독"], "");
    let token = ok(added).trim().to_string();
    assert_eq!(token.len(), 64, "{token}");
    let again = run_with_db(&site.db, &["supervisor", "add", "김감독"], "");
    assert!(!again.status.success(), "a second token for one name");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_sha256 FROM supervisors")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&token));

    for path in [
        "/now",
        "/now.csv?table=queues",
        "/trends",
        "/unanswered",
        "/tickets/2026-000001",
    ] {
        let refused = site.get(path, None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            refused.body.contains("name=\"token\""),
            "{path}: {}",
            refused.body
        );
        assert!(!refused.body.contains("대기열"), "{path}");
    }
    let wrong = site.sign_in(&"0".repeat(64)).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.set_cookie.is_none());

    let signed = site.sign_in(&format!(" {token}\n")).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let set_cookie = signed.set_cookie.unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "loopback: {set_cookie}");
    let cookie = cookie_pair(&set_cookie);
    let now = site.get("/now", Some(&cookie)).await;
    assert_eq!(now.status, StatusCode::OK);
    assert!(now.body.contains("대기열") && now.body.contains("김감독"));

    let (name, secret) = cookie.split_once('=').unwrap();
    let mut flipped = secret.to_string().into_bytes();
    flipped[0] = if flipped[0] == b'a' { b'b' } else { b'a' };
    let forged = [
        format!("{name}={}", String::from_utf8(flipped).unwrap()),
        format!("{name}={}", "f".repeat(64)),
        format!("{name}=' OR '1'='1"),
        format!("{name}={token}"),
    ];
    for cookie in &forged {
        let refused = site.get("/now", Some(cookie)).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{cookie}");
    }

    ok(run_with_db(
        &site.db,
        &["supervisor", "remove", "김감독"],
        "",
    ));
    let after = site.get("/now", Some(&cookie)).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token's session"
    );
    let revoked = site.sign_in(&token).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    let listed = stdout(&run_with_db(&site.db, &["supervisor", "list"], ""));
    assert!(
        listed.contains("김감독") && listed.contains("removed"),
        "{listed}"
    );
    assert!(!listed.contains(&token));

    let actions: Vec<String> = site.audit().await.into_iter().map(|a| a.1).collect();
    assert_eq!(actions, ["sign_in_refused", "sign_in", "sign_in_refused"]);
}

#[tokio::test]
async fn sql_and_html_in_tickets_and_in_query_parameters_are_shown_verbatim() {
    let site = Site::start().await;
    let cookie = site.session("감독").await;
    let evil = "<script>alert('x')</script>'); DROP TABLE tickets; -- 연락 010-9876-5432";
    let opened = site
        .desk
        .open_ticket(ticket(7001, "<b>굵은상사</b>", evil))
        .await
        .unwrap();
    let page = site
        .get(&format!("/tickets/{}", opened.code), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"));
    let shown = unescape(&page.body);
    assert!(
        shown.contains("<script>alert('x')</script>'); DROP TABLE tickets; --"),
        "{}",
        page.body
    );
    assert!(shown.contains("<b>굵은상사</b>"));
    assert!(!page.body.contains("<script>") && !page.body.contains("<b>굵은"));
    assert!(page.body.contains("010-****-5432") && page.body.contains("010-****-5678"));
    assert!(!page.body.contains("9876") && !page.body.contains("1234-5678"));

    let strange = [
        (
            "/tickets/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            StatusCode::NOT_FOUND,
            "<script>alert(1)</script>",
        ),
        (
            "/tickets/'%20OR%201=1%20--",
            StatusCode::NOT_FOUND,
            "' OR 1=1 --",
        ),
        (
            "/trends?from=%3Cb%3E1%3C%2Fb%3E",
            StatusCode::BAD_REQUEST,
            "<b>1</b>",
        ),
        (
            "/trends?consultant='%3B%20DROP%20TABLE%20tickets%3B%20--",
            StatusCode::BAD_REQUEST,
            "'; DROP TABLE tickets; --",
        ),
        (
            "/trends?from=2026-03-01&to=2025-01-01",
            StatusCode::BAD_REQUEST,
            "2025-01-01",
        ),
        ("/now.csv?table=%3Ci%3E", StatusCode::BAD_REQUEST, "<i>"),
        (
            "/unanswered/export?term=%3Cu%3E&format=faq",
            StatusCode::NOT_FOUND,
            "<u>",
        ),
        ("/no/such/page", StatusCode::NOT_FOUND, "없는 페이지"),
    ];
    for (path, status, shown) in strange {
        let answer = site.get(path, Some(&cookie)).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert!(
            unescape(&answer.body).contains(shown),
            "{path}: {}",
            answer.body
        );
        for tag in ["<script>", "<b>1", "<i>", "<u>"] {
            assert!(!answer.body.contains(tag), "{path}: {}", answer.body);
        }
    }
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(tickets, 1, "nothing was executed");
}

#[tokio::test]
async fn the_now_page_shows_waits_sla_breaches_and_what_each_consultant_holds() {
    let site = Site::start().await;
    let cookie = site.session("감독").await;
    site.desk
        .add_consultant(NewConsultant {
            messenger_id: 501,
            name: "박상담".into(),
            queues: vec!["gyeonggi-center".into()],
            capacity: 2,
        })
        .await
        .unwrap();
    let late = site
        .desk
        .open_ticket(ticket(1, "오래된상사", "대출 문의"))
        .await
        .unwrap();
    let fresh = site
        .desk
        .open_ticket(ticket(2, "새상사", "대출 문의"))
        .await
        .unwrap();
    let held = site
        .desk
        .open_ticket(ticket(3, "잡힌상사", "대출 문의"))
        .await
        .unwrap();
    site.desk.claim(501, &held.code).await.unwrap();
    sqlx::query("UPDATE tickets SET created_at = now() - interval '10 days' WHERE code = $1")
        .bind(&late.code)
        .execute(&site.db.pool)
        .await
        .unwrap();
    let now = site.get("/now", Some(&cookie)).await;
    assert_eq!(now.status, StatusCode::OK);
    assert!(
        now.body.contains("<meta http-equiv=\"refresh\""),
        "refreshes itself"
    );
    let queue_row = now
        .body
        .split("<tr>")
        .find(|row| row.contains("gyeonggi-center"))
        .expect("the queue's row");
    assert!(
        queue_row.contains(&late.code) && queue_row.contains("10일"),
        "{queue_row}"
    );
    assert!(queue_row.contains("⚠ 1"), "one past its SLA: {queue_row}");
    let overdue = now.body.split("id=\"overdue\"").nth(1).unwrap();
    assert!(overdue.contains(&late.code) && !overdue.contains(&fresh.code));
    assert!(now.body.contains("박상담") && now.body.contains("1 / 2"));

    let csv = site.get("/now.csv?table=overdue", Some(&cookie)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].starts_with(&format!("{},gyeonggi-center,오래된상사,", late.code)));
    let audit = site.audit().await;
    assert_eq!(audit.last().unwrap().1, "export");
    assert_eq!(audit.last().unwrap().2, "now overdue");
}

#[tokio::test]
async fn a_ticket_page_shows_events_transcript_notes_attachments_and_rating() {
    let site = Site::start().await;
    let cookie = site.session("감독").await;
    site.desk
        .add_consultant(NewConsultant {
            messenger_id: 501,
            name: "박상담".into(),
            queues: vec!["gyeonggi-center".into()],
            capacity: 2,
        })
        .await
        .unwrap();
    let t = site
        .desk
        .open_ticket(ticket(9, "한빛정밀", "운전자금 대출 연장"))
        .await
        .unwrap();
    site.desk.claim(501, &t.code).await.unwrap();
    site.desk
        .reply(501, &t.code, "서류를 보내 주세요")
        .await
        .unwrap();
    site.desk
        .note(501, &t.code, "내부 메모: 담보 확인")
        .await
        .unwrap();
    site.desk.resolve(501, &t.code, "안내 완료").await.unwrap();
    site.desk.rate(9, &t.code, 4).await.unwrap();
    sqlx::query(
        "INSERT INTO ticket_messages (ticket_id, author, body, attachment) VALUES ($1, 'sme', '견적서', \
         '{\"kind\": \"document\", \"file_id\": \"BQACAgIAAx\", \"file_name\": \"견적서.pdf\"}')",
    )
    .bind(t.id)
    .execute(&site.db.pool)
    .await
    .unwrap();
    let page = site
        .get(&format!("/tickets/{}", t.code), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "운전자금 대출 연장",
        "서류를 보내 주세요",
        "내부 메모: 담보 확인",
        "메모 · 박상담",
        "4점 / 5점",
        "<td>박상담</td><td>claimed</td>",
        "resolved",
        "document 견적서.pdf (파일 ID BQACAgIAAx)",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    assert!(
        !page.body.contains("sme:9"),
        "the SME's chat id is not shown"
    );
    let csv = site
        .get(
            &format!("/tickets/{}?csv=transcript", t.code),
            Some(&cookie),
        )
        .await;
    assert!(csv.body.contains("내부 메모: 담보 확인"), "{}", csv.body);
}

#[tokio::test]
async fn the_trends_page_shows_the_figures_of_stats_json() {
    let site = Site::start().await;
    let cookie = site.session("감독").await;
    site.desk
        .add_consultant(NewConsultant {
            messenger_id: 501,
            name: "박상담".into(),
            queues: vec!["gyeonggi-center".into()],
            capacity: 5,
        })
        .await
        .unwrap();
    for chat in 1..=4 {
        let t = site
            .desk
            .open_ticket(ticket(chat, "상사", "대출 문의"))
            .await
            .unwrap();
        if chat <= 3 {
            site.desk.claim(501, &t.code).await.unwrap();
        }
        if chat <= 2 {
            site.desk.resolve(501, &t.code, "완료").await.unwrap();
            site.desk.rate(chat, &t.code, chat + 2).await.unwrap();
        }
    }
    let today = chrono::Utc::now()
        .with_timezone(&onestop::desk::kst())
        .date_naive()
        .to_string();
    let json = ok(run_with_db(
        &site.db,
        &["stats", "--from", &today, "--to", &today, "--json"],
        "",
    ));
    let stats: serde_json::Value = serde_json::from_str(&json).unwrap();
    let total = &stats["total"];
    assert_eq!(total["opened"], 4);
    assert_eq!(total["claimed"], 3);
    assert_eq!(total["resolved"], 2);
    assert_eq!(total["average_rating"], 3.5);
    assert_eq!(stats["by_consultant"][0]["name"], "박상담");

    let query = format!("from={today}&to={today}");
    let page = site.get(&format!("/trends?{query}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg") && page.body.contains("<polyline"));
    assert!(page.body.contains("3.5점 (2건)"), "{}", page.body);
    let csv = site
        .get(&format!("/trends.csv?table=total&{query}"), Some(&cookie))
        .await;
    let row: Vec<String> = csv
        .body
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let names = [
        "opened",
        "claimed",
        "resolved",
        "minutes_to_claim_median",
        "minutes_to_claim_p90",
        "minutes_to_resolve_median",
        "minutes_to_resolve_p90",
        "escalated",
        "reopened",
        "reopen_rate",
        "rated",
        "average_rating",
    ];
    assert_eq!(row.len(), names.len() + 1, "{row:?}");
    for (name, cell) in names.iter().zip(&row[1..]) {
        let in_json = total[name].as_f64();
        assert_eq!(
            cell.parse::<f64>().ok(),
            in_json,
            "{name}: the CSV and stats --json agree"
        );
    }
    let days = site
        .get(&format!("/trends.csv?table=days&{query}"), Some(&cookie))
        .await;
    assert!(
        days.body.contains(&format!("{today},4,3,2")),
        "{}",
        days.body
    );
}

#[tokio::test]
async fn unanswered_questions_are_grouped_without_small_talk_and_export() {
    let site = Site::start().await;
    let cookie = site.session("감독").await;
    for (question, times) in [
        ("수출 바우처 환율 보전 되나요", 3),
        ("수출 바우처 잔액 확인", 2),
        ("바우처 기간 연장하고 싶어요", 1),
        ("ㅋㅋㅋ", 5),
        ("고마워", 4),
        ("메뉴", 4),
        ("what is this", 2),
    ] {
        for _ in 0..times {
            sqlx::query(
                "INSERT INTO unanswered_questions (question) VALUES ($1) ON CONFLICT (question) \
                 DO UPDATE SET times = unanswered_questions.times + 1",
            )
            .bind(question)
            .execute(&site.db.pool)
            .await
            .unwrap();
        }
    }
    let page = site.get("/unanswered", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    for absent in ["ㅋㅋㅋ", "고마워", "메뉴", "what is this"] {
        assert!(!page.body.contains(absent), "{absent} is left out");
    }
    let first = page.body.split("<tr>").nth(2).expect("a group");
    assert!(first.contains("<strong>바우처</strong>"), "{first}");
    assert!(
        first.contains(">6<") && first.contains(">3<"),
        "6 times, 3 questions: {first}"
    );

    let lines = site
        .get(
            "/unanswered/export?term=%EB%B0%94%EC%9A%B0%EC%B2%98&format=test",
            Some(&cookie),
        )
        .await;
    assert_eq!(lines.status, StatusCode::OK);
    assert_eq!(
        lines.body.lines().collect::<Vec<_>>(),
        [
            "수출 바우처 환율 보전 되나요\tfallback",
            "수출 바우처 잔액 확인\tfallback",
            "바우처 기간 연장하고 싶어요\tfallback",
        ]
    );
    let faq = site
        .get(
            "/unanswered/export?term=%EB%B0%94%EC%9A%B0%EC%B2%98&format=faq",
            Some(&cookie),
        )
        .await;
    let parsed: toml::Table = faq.body.parse().expect("the FAQ draft is TOML");
    let entry = &parsed["faq"].as_array().unwrap()[0];
    assert_eq!(entry["questions"].as_array().unwrap().len(), 3);
    let exports: Vec<String> = site.audit().await.into_iter().map(|a| a.2).collect();
    assert!(
        exports.contains(&"unanswered faq 바우처".to_string()),
        "{exports:?}"
    );
}
