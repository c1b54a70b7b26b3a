//! `onestop tickets list` and `tickets export` as an admin uses them: the
//! global options before or after the command, the filters (days in Korea
//! time, status, queue, consultant, words), CSV that reads back, an export
//! of whole transcripts, and bad values refused like clap refuses.

use std::process::{Output, Stdio};

use serde_json::Value;

use crate::common::pg::TestDb;
use crate::common::{
    code_in, dialogs, ok, onestop, path_str, run, run_with_db, stderr, stdout, SMALL_KB,
};

/// The codes of `tickets list` (the first column of the table), in order.
fn codes(table: &str) -> Vec<String> {
    table
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

fn open(db: &TestDb, company: &str, region: &str, category: &str, description: &str) -> String {
    code_in(&ok(run_with_db(
        db,
        &[
            "tickets",
            "open",
            "--company",
            company,
            "--region",
            region,
            "--category",
            category,
            "--description",
            description,
            "--contact",
            "010-1234-5678",
            "--chat",
            "4242",
        ],
        "",
    )))
}

/// Moves a ticket's creation to `at` (RFC 3339), to test day ranges.
fn opened_at(runtime: &tokio::runtime::Runtime, db: &TestDb, code: &str, at: &str) {
    let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
    runtime.block_on(async {
        sqlx::query("UPDATE tickets SET created_at = $1 WHERE code = $2")
            .bind(at)
            .bind(code)
            .execute(&db.pool)
            .await
            .unwrap();
    });
}

/// The description with every character CSV must quote.
const AWKWARD: &str = "수출용 \"냉동\" 포장, 라벨 문의\n둘째 줄, 끝\r\n셋째";

/// Three tickets on three days around Korean midnights, one claimed and
/// talked about:
/// - a: 한빛정밀 (경기 → gyeonggi-center), 2026-03-01 00:10 KST, claimed
///   by 박상담 (501), two replies and a note "ACME 계열사 확인";
/// - b: Acme Foods (서울 기술 → tech-convergence), 2026-03-31 23:50 KST,
///   the awkward description;
/// - c: 다온식품 (서울 자금 → center-1379), 2026-04-01 00:05 KST.
struct Desk {
    _runtime: tokio::runtime::Runtime,
    db: TestDb,
    a: String,
    b: String,
    c: String,
}

fn desk() -> Desk {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new());
    ok(run_with_db(
        &db,
        &[
            "consultant",
            "add",
            "--id",
            "501",
            "--name",
            "박상담",
            "--queue",
            "gyeonggi-center",
        ],
        "",
    ));
    let a = open(
        &db,
        "한빛정밀",
        "경기",
        "자금",
        "운전자금 대출 연장이 막혔어요",
    );
    let b = open(&db, "Acme Foods", "서울", "기술", AWKWARD);
    let c = open(&db, "다온식품", "서울", "자금", "판로 개척 상담");
    ok(run_with_db(
        &db,
        &["tickets", "claim", "--as", "501", &a],
        "",
    ));
    for text in ["첫째: 보증서 사본을 보내 주세요", "둘째: 받았습니다"] {
        ok(run_with_db(
            &db,
            &["tickets", "reply", &a, "--as", "501", text],
            "",
        ));
    }
    ok(run_with_db(
        &db,
        &[
            "tickets",
            "note",
            &a,
            "--as",
            "501",
            "셋째: ACME 계열사 확인",
        ],
        "",
    ));
    opened_at(&runtime, &db, &a, "2026-02-28T15:10:00Z");
    opened_at(&runtime, &db, &b, "2026-03-31T14:50:00Z");
    opened_at(&runtime, &db, &c, "2026-03-31T15:05:00Z");
    Desk {
        _runtime: runtime,
        db,
        a,
        b,
        c,
    }
}

impl Desk {
    fn run(&self, args: &[&str]) -> Output {
        run_with_db(&self.db, args, "")
    }

    /// The codes `tickets list FILTERS…` lists, newest first.
    fn listed(&self, filters: &[&str]) -> Vec<String> {
        let mut args = vec!["tickets", "list"];
        args.extend_from_slice(filters);
        codes(&ok(self.run(&args)))
    }
}

#[test]
fn the_database_options_work_before_and_after_the_command() {
    let desk = desk();
    let url = desk.db.url.as_str();
    let without_env = |args: &[&str]| {
        ok(onestop()
            .env_remove("DATABASE_URL")
            .env_remove("ONESTOP_DATA")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap())
    };
    let before = without_env(&["--database-url", url, "tickets", "list"]);
    assert_eq!(
        codes(&before),
        [desk.c.as_str(), desk.b.as_str(), desk.a.as_str()],
        "{before}"
    );
    let between = without_env(&["tickets", "--database-url", url, "list"]);
    let after = without_env(&["tickets", "list", "--database-url", url]);
    assert_eq!(before, between);
    assert_eq!(before, after);
    let shown = without_env(&["tickets", "show", &desk.a, "--database-url", url]);
    assert!(shown.contains("보증서 사본"), "{shown}");
    let stats = without_env(&["stats", "--database-url", url]);
    assert_eq!(stats, without_env(&["--database-url", url, "stats"]));
}

#[test]
fn the_data_dir_works_before_and_after_the_command() {
    let data = tempfile::tempdir().unwrap();
    let dir = path_str(data.path());
    let cli = |args: &[&str]| {
        ok(onestop()
            .env_remove("DATABASE_URL")
            .env_remove("ONESTOP_DATA")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap())
    };
    let opened = cli(&[
        "tickets",
        "open",
        "--company",
        "한빛정밀",
        "--region",
        "경기",
        "--category",
        "자금",
        "--description",
        "운전자금",
        "--contact",
        "031-123-4567",
        "--data-dir",
        dir,
    ]);
    let code = code_in(&opened);
    let before = cli(&["--data-dir", dir, "tickets", "list"]);
    assert_eq!(codes(&before), [code.as_str()], "{before}");
    assert_eq!(before, cli(&["tickets", "--data-dir", dir, "list"]));
    assert_eq!(before, cli(&["tickets", "list", "--data-dir", dir]));
    let shown = cli(&["tickets", "show", &code, "--data-dir", dir]);
    assert!(shown.contains("운전자금"), "{shown}");
    assert!(
        !data.path().join("pgdata/postmaster.pid").exists(),
        "the private PostgreSQL is still running"
    );
}

#[test]
fn the_kb_option_works_before_and_after_the_command() {
    let kb = dialogs(&[("kb/small.toml", SMALL_KB)]);
    let kb = path_str(kb.path());
    let question = "빵집 오븐 교체하는데 지원금 있나요";
    let before = ok(run(&["--kb", kb, "ask", question], ""));
    assert!(before.contains("오븐"), "{before}");
    assert_eq!(before, ok(run(&["ask", "--kb", kb, question], "")));
    assert_eq!(before, ok(run(&["ask", question, "--kb", kb], "")));
    // `check` without a folder checks the --kb one.
    let checked = ok(run(&["check", "--kb", kb], ""));
    assert!(checked.contains("1 files, 2 programs"), "{checked}");
}

#[test]
fn list_filters_pick_the_right_tickets() {
    let desk = desk();
    let (a, b, c) = (desk.a.as_str(), desk.b.as_str(), desk.c.as_str());
    // Days are Korean days; --to takes its whole day.
    assert_eq!(
        desk.listed(&["--from", "2026-03-01", "--to", "2026-03-31"]),
        [b, a]
    );
    assert_eq!(desk.listed(&["--from", "2026-04-01"]), [c]);
    assert_eq!(desk.listed(&["--to", "2026-03-01"]), [a]);
    assert!(desk.listed(&["--to", "2026-02-28"]).is_empty());
    assert_eq!(
        desk.listed(&["--from", "2026-03-31", "--to", "2026-03-31"]),
        [b]
    );
    assert_eq!(desk.listed(&["--status", "claimed"]), [a]);
    assert_eq!(desk.listed(&["--status", "open"]), [c, b]);
    assert_eq!(desk.listed(&["--queue", "center-1379"]), [c]);
    assert_eq!(desk.listed(&["--consultant", "501"]), [a]);
    assert_eq!(desk.listed(&["--consultant", "박상담"]), [a]);
    // Words: any case, in the company, the description, the code or the
    // transcript (the note), every word needed.
    assert_eq!(desk.listed(&["--search", "acme"]), [b, a]);
    assert_eq!(desk.listed(&["--search", "ACME 계열사"]), [a]);
    assert_eq!(desk.listed(&["--search", "보증서"]), [a]);
    assert_eq!(desk.listed(&["--search", "냉동"]), [b]);
    assert_eq!(desk.listed(&["--search", c]), [c]);
    assert!(desk.listed(&["--search", "acme 판로"]).is_empty());
    // Filters combine.
    assert_eq!(desk.listed(&["--search", "acme", "--status", "open"]), [b]);
    assert_eq!(desk.listed(&["--limit", "1"]), [c]);
    // The table shows the consultant and the description on one line.
    let table = ok(desk.run(&["tickets", "list", "--search", "acme"]));
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains("박상담"), "{table}");
    assert!(
        table.contains("수출용 \"냉동\" 포장, 라벨 문의 둘째 줄"),
        "{table}"
    );
    // --json: one object per line, every field.
    let json = ok(desk.run(&["tickets", "list", "--json", "--status", "claimed"]));
    let tickets: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["code"], a);
    assert_eq!(tickets[0]["consultant_name"], "박상담");
}

/// Reads CSV as RFC 4180 writes it: quoted fields, doubled quotes, CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, ch) => field.push(ch),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, ch) => field.push(ch),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record has no line end"
    );
    records
}

#[test]
fn csv_reads_back_with_quotes_commas_and_line_breaks() {
    let desk = desk();
    let csv = ok(desk.run(&["tickets", "list", "--csv"]));
    let records = parse_csv(&csv);
    assert_eq!(
        records[0],
        [
            "code",
            "status",
            "queue",
            "company",
            "region",
            "category",
            "created_at",
            "consultant",
            "description"
        ]
    );
    assert_eq!(records.len(), 4, "{csv}");
    let b = &records[2];
    assert_eq!(b[0], desk.b);
    assert_eq!(b[3], "Acme Foods");
    assert_eq!(b[6], "2026-03-31 23:50", "created in Korea time");
    assert_eq!(b[8], AWKWARD, "the description reads back whole");
    let a = &records[3];
    assert_eq!((a[0].as_str(), a[7].as_str()), (desk.a.as_str(), "박상담"));
    // The filters apply to CSV too; the header comes even when nothing matches.
    let none = parse_csv(&ok(desk.run(&[
        "tickets",
        "list",
        "--csv",
        "--to",
        "2026-01-01",
    ])));
    assert_eq!(none.len(), 1);
}

#[test]
fn export_writes_one_json_line_per_ticket_with_the_transcript_in_order() {
    let desk = desk();
    let all = ok(desk.run(&["tickets", "export"]));
    let lines: Vec<Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let exported: Vec<&str> = lines.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(
        exported,
        [desk.c.as_str(), desk.b.as_str(), desk.a.as_str()]
    );
    let a = &lines[2];
    assert_eq!(a["company"], "한빛정밀");
    assert_eq!(a["contact"], "010-1234-5678", "personal data as stored");
    assert_eq!(a["status"], "claimed");
    assert_eq!(a["consultant_name"], "박상담");
    let messages = a["messages"].as_array().unwrap();
    let said: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| (m["author"].as_str().unwrap(), m["body"].as_str().unwrap()))
        .collect();
    assert_eq!(
        said,
        [
            ("sme", "운전자금 대출 연장이 막혔어요"),
            ("consultant", "첫째: 보증서 사본을 보내 주세요"),
            ("consultant", "둘째: 받았습니다"),
            ("note", "셋째: ACME 계열사 확인"),
        ]
    );
    assert!(messages[1..]
        .iter()
        .all(|m| m["consultant_name"] == "박상담"));
    let times: Vec<chrono::DateTime<chrono::Utc>> = messages
        .iter()
        .map(|m| m["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let kinds: Vec<&str> = a["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"opened"), "{kinds:?}");
    assert!(kinds.contains(&"claimed"), "{kinds:?}");
    assert_eq!(lines[1]["description"], AWKWARD);
    assert_eq!(lines[1]["messages"][0]["body"], AWKWARD);

    // The filters of `list`, and --out writes the same lines to a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("march.jsonl");
    let to_file = desk.run(&[
        "tickets",
        "export",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--out",
        path_str(&file),
    ]);
    assert!(ok(to_file).is_empty(), "nothing on standard output");
    let march = std::fs::read_to_string(&file).unwrap();
    let expected: Vec<&str> = all.lines().skip(1).collect();
    assert_eq!(march.lines().collect::<Vec<_>>(), expected);
    let searched = ok(desk.run(&["tickets", "export", "--search", "보증서"]));
    assert_eq!(
        searched.lines().collect::<Vec<_>>(),
        [all.lines().nth(2).unwrap()]
    );
}

#[test]
fn bad_filter_values_are_refused_clearly() {
    let desk = desk();
    let refused = |args: &[&str], code: i32, says: &[&str]| {
        let output = desk.run(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "{args:?}: {}", stdout(&output));
        for word in says {
            assert!(
                stderr(&output).contains(word),
                "{args:?}: {:?} should say {word:?}",
                stderr(&output)
            );
        }
    };
    // Like clap: exit 2, the value and the expected form.
    refused(
        &["tickets", "list", "--from", "2026-3-1"],
        2,
        &["'2026-3-1'", "--from", "YYYY-MM-DD"],
    );
    refused(
        &["tickets", "export", "--to", "2026-02-30"],
        2,
        &["'2026-02-30'", "--to", "YYYY-MM-DD"],
    );
    refused(
        &[
            "tickets",
            "list",
            "--from",
            "2026-04-01",
            "--to",
            "2026-03-01",
        ],
        2,
        &["--from 2026-04-01 is after --to 2026-03-01"],
    );
    refused(&["tickets", "list", "--limit", "0"], 2, &["--limit"]);
    refused(
        &["tickets", "list", "--csv", "--json"],
        2,
        &["--csv", "--json"],
    );
    // Values only the desk can check: exit 1, as other refusals of the desk.
    refused(
        &["tickets", "list", "--status", "done"],
        1,
        &["알 수 없는 상태 'done'", "open, claimed, resolved, closed"],
    );
    refused(
        &["tickets", "export", "--consultant", "김없음"],
        1,
        &["'김없음'", "상담원이 없습니다"],
    );
}
