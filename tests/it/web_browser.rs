//! The supervisor's page in a real browser: Debian's headless Chromium,
//! driven over the WebDriver protocol by chromedriver, against the real
//! `onestop worker --http-listen` on a real PostgreSQL. A supervisor signs
//! in by typing the token, opens every page, and sees a ticket's HTML as
//! text (no script runs). Screenshots of each page are kept in
//! `$TMPDIR/onestop-web-screenshots/`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::common::pg::TestDb;
use crate::common::{ok, onestop, run_with_db};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key WebDriver names an element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `url` answers at all (the server is up), for at most a minute.
async fn wait_until_up(http: &reqwest::Client, url: &str, process: &mut Child) {
    for _ in 0..600 {
        if http.get(url).send().await.is_ok() {
            return;
        }
        if let Ok(Some(status)) = process.try_wait() {
            panic!("{url}: the server exited with {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered");
}

/// A WebDriver session in headless Chromium.
struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: Running,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        let port = free_port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (apt-get install chromium chromium-driver)");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        wait_until_up(&http, &format!("{base}/status"), &mut driver).await;
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1100",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let answer = http
            .post(format!("{base}/session"))
            .body(capabilities.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {answer}"))
            .to_string();
        Browser {
            http,
            session: format!("{base}/session/{session}"),
            _driver: Running(driver),
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if !body.is_null() {
            request = request.body(body.to_string());
        }
        let answer = request.send().await.unwrap().text().await.unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        answer["value"].clone()
    }

    async fn go(&self, url: &str) {
        let answer = self
            .call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
        assert!(answer.is_null(), "{url}: {answer}");
    }

    /// The element `css` selects; panics if there is none.
    async fn find(&self, css: &str) -> String {
        let answer = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        answer[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {answer}"))
            .to_string()
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        let answer = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{element}/text"),
                Value::Null,
            )
            .await;
        answer.as_str().unwrap_or_default().to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            json!({}),
        )
        .await;
    }

    async fn title(&self) -> String {
        self.call(reqwest::Method::GET, "/title", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's title once `want` holds of it (a click that submits a
    /// form may return before the next page has loaded), or the last one
    /// read after ten seconds.
    async fn title_once(&self, want: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let title = self.title().await;
            if want(&title) || std::time::Instant::now() > deadline {
                return title;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether a script opened an alert.
    async fn alert_open(&self) -> bool {
        self.call(reqwest::Method::GET, "/alert/text", Value::Null)
            .await
            .as_str()
            .is_some()
    }

    /// Saves a screenshot of the page as `name.png`.
    async fn screenshot(&self, name: &str) {
        let data = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("a screenshot"))
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
        let dir = std::env::temp_dir().join("onestop-web-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// A desk with a few tickets, one of them with HTML and SQL in its text.
fn fill_desk(db: &TestDb) -> String {
    let consultant = [
        "consultant",
        "add",
        "--id",
        "501",
        "--name",
        "박상담",
        "--queue",
        "gyeonggi-center",
        "--capacity",
        "3",
    ];
    ok(run_with_db(db, &consultant, ""));
    let mut evil_code = String::new();
    for (chat, description) in [
        (
            "7001",
            "<script>alert('x')</script>'); DROP TABLE tickets; --",
        ),
        ("7002", "운전자금 대출 연장 문의"),
        ("7003", "수출 바우처 문의"),
    ] {
        let opened = ok(run_with_db(
            db,
            &[
                "tickets",
                "open",
                "--company",
                "<b>한빛</b>",
                "--region",
                "경기",
                "--category",
                "자금",
                "--description",
                description,
                "--contact",
                "010-1234-5678",
                "--chat",
                chat,
            ],
            "",
        ));
        if chat == "7001" {
            evil_code = crate::common::code_in(&opened);
        }
    }
    ok(run_with_db(db, &["tickets", "claim", "--as", "501"], ""));
    evil_code
}

#[tokio::test]
async fn a_supervisor_signs_in_and_reads_every_page_in_a_real_browser() {
    let db = TestDb::new().await;
    let evil = fill_desk(&db);
    let token = ok(run_with_db(&db, &["supervisor", "add", "감독관"], ""))
        .trim()
        .to_string();
    let port = free_port();
    let deliveries = tempfile::tempdir().unwrap();
    let mut worker = onestop()
        .env("DATABASE_URL", &db.url)
        .args(["worker", "--http-listen", &port.to_string(), "--deliver"])
        .arg(deliveries.path().join("out.jsonl"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let site = format!("http://127.0.0.1:{port}");
    wait_until_up(&http, &format!("{site}/signin"), &mut worker).await;
    let _worker = Running(worker);

    let browser = Browser::start().await;
    browser.go(&format!("{site}/now")).await;
    assert!(
        browser.title().await.contains("로그인"),
        "refused first: {}",
        browser.title().await
    );
    browser.screenshot("signin").await;
    browser.type_into("#token", &token).await;
    browser.click("button[type=submit]").await;
    let title = browser.title_once(|t| t.starts_with("지금")).await;
    assert!(title.starts_with("지금"), "{title}");
    let queues = browser.text("#queues").await;
    assert!(queues.contains("gyeonggi-center"), "{queues}");
    assert!(browser.text("#consultants").await.contains("박상담"));
    browser.screenshot("now").await;

    browser.go(&format!("{site}/tickets/{evil}")).await;
    let shown = browser.text("#ticket").await;
    assert!(
        shown.contains("<script>alert('x')</script>'); DROP TABLE tickets; --"),
        "the text as typed: {shown}"
    );
    assert!(
        shown.contains("<b>한빛</b>") && shown.contains("010-****-5678"),
        "{shown}"
    );
    assert!(!browser.alert_open().await, "no script ran");
    browser.screenshot("ticket").await;

    browser.click("nav a[href='/trends']").await;
    let title = browser.title_once(|t| t.starts_with("추세")).await;
    assert!(title.starts_with("추세"), "{title}");
    browser.find("figure svg polyline").await;
    assert!(browser.text("#total").await.contains("3"));
    browser.screenshot("trends").await;

    browser.click("nav a[href='/unanswered']").await;
    let title = browser
        .title_once(|t| t.starts_with("답하지 못한 질문"))
        .await;
    assert!(title.starts_with("답하지 못한 질문"), "{title}");
    browser.screenshot("unanswered").await;

    browser.click("header form button").await;
    let title = browser.title_once(|t| t.contains("로그인")).await;
    assert!(title.contains("로그인"), "signed out: {title}");
    browser.go(&format!("{site}/now")).await;
    assert!(browser.title().await.contains("로그인"), "signed out");
    let _ = browser.http.delete(&browser.session).send().await;
}
