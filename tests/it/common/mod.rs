//! Helpers shared by the integration tests: run the real `onestop` binary,
//! write throwaway `dialogs/` folders.

#![allow(dead_code)]

pub mod fake_telegram;
pub mod pg;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The `onestop` binary built for these tests.
pub fn onestop() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onestop"));
    command.env_remove("ONESTOP_KB").env("RUST_LOG", "warn");
    command
}

/// Runs `onestop args…` with `stdin` as standard input.
pub fn run(args: &[&str], stdin: &str) -> Output {
    run_command(onestop(), args, stdin)
}

/// Runs `onestop args…` against the test database `db`.
pub fn run_with_db(db: &pg::TestDb, args: &[&str], stdin: &str) -> Output {
    let mut command = onestop();
    command.env("DATABASE_URL", &db.url);
    run_command(command, args, stdin)
}

fn run_command(mut command: Command, args: &[&str], stdin: &str) -> Output {
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("onestop starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("onestop finishes")
}

/// A fresh test database, made on a runtime of its own (for tests that
/// drive the real binary and need no runtime themselves).
pub fn test_db() -> pg::TestDb {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(pg::TestDb::new())
}

/// Runs `onestop ARGS` on `db` with `lines` typed, one per line, asserts it
/// ended well, and returns what it printed (for `chat`: the transcript).
pub fn typed(db: &pg::TestDb, args: &[&str], lines: &[&str]) -> String {
    let mut input = lines.join("\n");
    input.push('\n');
    let output = run_with_db(db, args, &input);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

/// The console (`onestop chat`) with `lines` typed: the transcript.
pub fn console(db: &pg::TestDb, lines: &[&str]) -> String {
    typed(db, &["chat"], lines)
}

/// What a command printed, asserted to have ended well.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}\n{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// The ticket code in a line like "접수되었습니다: 2026-000001 (…)".
pub fn code_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.len() == 11 && w.as_bytes()[4] == b'-')
        .unwrap_or_else(|| panic!("no ticket code in {text:?}"))
        .to_string()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes `files` (relative path, content) into a fresh temporary folder.
pub fn dialogs(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A small, valid knowledge base that is not the default one.
pub const SMALL_KB: &str = r#"
[[program]]
id = "bakery-grant"
name = "동네빵집 오븐 교체 지원"
agency = "가상시 소상공인센터"
category = "자금"
regions = ["부산"]
support = "오븐 교체 비용의 절반을 지원합니다."
eligibility = "부산의 제과점"
apply = "센터 누리집에서 신청합니다."
contact = "가상시 소상공인센터"
keywords = ["오븐", "제과점", "빵집"]
examples = ["빵집 오븐 바꾸는데 지원 있어요?", "제과점 오븐 교체 지원금", "오븐 새로 사야 하는데 도움 받을 수 있나", "빵집 장비 교체 보조금"]

[[program]]
id = "fishing-boat-export"
name = "수산물 수출 물류비 지원"
agency = "가상시 수산진흥원"
category = "수출"
support = "냉동 수산물 수출 물류비를 지원합니다."
eligibility = "수산물 가공 중소기업"
apply = "진흥원에 신청서를 냅니다."
contact = "가상시 수산진흥원"
keywords = ["수산물", "냉동", "물류비"]
examples = ["냉동 생선 수출하는데 물류비 지원 되나요", "수산물 수출 운송비 지원", "오징어 수출 배송비 도와주나요", "수산 가공품 해외 물류비"]

[[faq]]
id = "oven-grant-amount"
category = "자금"
questions = ["오븐 교체 지원 얼마까지 돼요?", "빵집 오븐 지원금 금액", "오븐 보조금 한도 알려줘", "제과점 장비 지원 최대 얼마"]
answer = "오븐 교체 비용의 절반까지 지원합니다. 한도는 센터에 문의해 주세요."
related = ["bakery-grant"]
"#;

/// The non-blank lines of `tests/data/FILE` (the labeled questions).
pub fn data_lines(file: &str) -> Vec<String> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}
