//! The dialog engine through the console channel of the real binary, on a
//! real PostgreSQL: the whole journey a newcomer walks, a form continued by a
//! new process, consultant commands refused to others, and
//! broken flow files reported with file, line and column.

use crate::common::pg::TestDb;
use crate::common::{dialogs, path_str, run, run_with_db, stdout};

fn db() -> TestDb {
    crate::common::test_db()
}

fn chat(db: &TestDb, lines: &[&str]) -> String {
    crate::common::console(db, lines)
}

#[test]
fn a_newcomer_walks_the_whole_journey_in_the_console() {
    let db = db();
    let transcript = chat(
        &db,
        &[
            "창업지원금 어떻게 받아요?",
            "/start",
            "3", // 애로사항 접수
            "한빛정밀",
            "부산",
            "자금",
            "운전자금 대출 연장이 막혔어요",
            "연락 주세요", // not a contact: asked again
            "010-1234-5678",
            "건너뛰기",
            "1", // 예
            "/consultant",
            "/queue",
            "1", // 담당
            "서류를 보내 주세요",
            "/sme",
            "네 보낼게요",
            "/consultant",
            "/resolve 2026-000001 보증 연장 안내 완료",
            "/sme",
            "/status",
        ],
    );
    for expected in [
        "창업",                       // an answer about startup grants
        "회사(상호) 이름",            // the intake flow began
        "연락처를 알아보지 못했어요", // a re-ask on a bad contact
        "이대로 접수할까요?",         // the confirmation with a summary
        "• 내용: 운전자금 대출 연장이 막혔어요",
        "접수번호: 2026-000001",                // the receipt with the code
        "2026-000001 건을 맡았어요",            // the consultant claimed it
        "김상담 상담원이 접수번호 2026-000001", // the SME was told
        "서류를 보내 주세요",                   // relayed to the SME
        "네 보낼게요",                          // relayed to the consultant
        "해결 처리되었습니다",                  // the SME was told it is resolved
        "2026-000001 · 해결",                   // and /status shows it
    ] {
        assert!(
            transcript.contains(expected),
            "missing {expected:?} in:\n{transcript}"
        );
    }
}

#[test]
fn a_form_continues_in_a_new_process_where_the_last_one_stopped() {
    let db = db();
    // The first process ends in the middle of the form (state is committed
    // after every message, so a kill at this point is the same).
    chat(&db, &["/start", "3", "가온식품", "전남"]);
    // A new process picks up at the step where it stopped.
    let transcript = chat(
        &db,
        &[
            "수출",
            "베트남 바이어와 계약서 검토가 필요해요",
            "kim@gaon.kr",
            "건너뛰기",
            "예",
        ],
    );
    assert!(transcript.contains("어떤 점이 어려우신지"), "{transcript}");
    assert!(transcript.contains("접수번호: 2026-000001"), "{transcript}");
    let listed = stdout(&run_with_db(&db, &["tickets", "show", "2026-000001"], ""));
    assert!(
        listed.contains("가온식품") && listed.contains("전남") && listed.contains("수출"),
        "{listed}"
    );
    assert!(listed.contains("kim@gaon.kr"), "{listed}");
}

#[test]
fn back_and_cancel_work_anywhere_in_a_form_and_nothing_is_saved_on_cancel() {
    let db = db();
    let transcript = chat(
        &db,
        &[
            "/start",
            "3",
            "잘못쓴회사",
            "/back",
            "바른회사",
            "서울",
            "취소",
        ],
    );
    assert_eq!(
        transcript.matches("회사(상호) 이름").count(),
        2,
        "back returns to the previous question: {transcript}"
    );
    assert!(transcript.contains("취소했어요"), "{transcript}");
    let listed = stdout(&run_with_db(&db, &["tickets", "list"], ""));
    assert!(
        listed.trim().is_empty(),
        "a cancelled form opened a ticket: {listed}"
    );
}

#[test]
fn odd_messages_get_a_polite_answer() {
    let db = db();
    let long = "가".repeat(4097);
    let transcript = chat(
        &db,
        &[
            "",
            "😀😀😀",
            "hello, how do I renew my visa?",
            &long,
            "/없는명령",
        ],
    );
    assert!(transcript.contains("메시지가 비어 있어요"), "{transcript}");
    assert!(transcript.contains("너무 길어요"), "{transcript}");
    assert!(transcript.contains("알 수 없는 명령"), "{transcript}");
    assert!(
        transcript.contains("상담원"),
        "the fallback offers a consultant: {transcript}"
    );
    let stats = stdout(&run_with_db(&db, &["stats"], ""));
    assert!(
        stats.contains("renew my visa"),
        "fallback questions are counted: {stats}"
    );
}

#[test]
fn consultant_commands_are_not_for_smes() {
    let db = db();
    let transcript = chat(
        &db,
        &["/queue", "/claim 2026-000001", "/resolve 2026-000001 끝"],
    );
    assert_eq!(
        transcript.matches("알 수 없는 명령").count(),
        3,
        "an SME sees none of the consultant commands: {transcript}"
    );
    assert!(!transcript.contains("대기 중인 접수"), "{transcript}");
}

#[test]
fn the_program_finder_lists_programs_that_fit() {
    let db = db();
    let transcript = chat(&db, &["/start", "1", "광주", "성장", "수출"]);
    assert!(
        transcript.contains("광주 · 성장 · 수출에 맞는 지원사업"),
        "{transcript}"
    );
    // The region's own program comes first.
    assert!(transcript.contains("\n   1. 광주"), "{transcript}");
}

fn check_folder(files: &[(&str, &str)]) -> (i32, String) {
    let dir = dialogs(files);
    let output = run(&["check", path_str(dir.path())], "");
    (output.status.code().unwrap(), stdout(&output))
}

const KB: &str = r#"
[[faq]]
id = "hours"
category = "기타"
questions = ["상담 시간이 어떻게 돼요?", "몇 시까지 상담해요", "주말에도 상담하나요", "상담 가능한 시간"]
answer = "평일 9시부터 6시까지 상담합니다."
"#;

#[test]
fn broken_flows_are_reported_with_file_line_and_column() {
    let flow = r#"[[flow]]
id = "intake"
title = "접수"
start = "company"

[[flow.step]]
id = "company"
ask = "회사 이름은요?"
slot = "company"
next = "regoin"

[[flow.step]]
id = "region"
ask = "지역은요?"
slot = "region"
type = "region"
next = "@open_ticket"

[[flow.step]]
id = "orphan"
slot = "x"
type = "colour"
next = "region"
"#;
    let (code, report) = check_folder(&[("kb.toml", KB), ("flows/intake.toml", flow)]);
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains("flows/intake.toml:10:8") && report.contains("unknown step `regoin`"),
        "{report}"
    );
    assert!(report.contains("did you mean `region`"), "{report}");
    assert!(report.contains("step `orphan` has no prompt"), "{report}");
    assert!(report.contains("unknown step type `colour`"), "{report}");
    assert!(report.contains("never asks for `category`"), "{report}");
}

#[test]
fn unreachable_steps_and_unknown_keys_in_flows_are_reported() {
    let flow = r#"[[flow]]
id = "finder"
title = "찾기"
start = "region"

[[flow.step]]
id = "region"
ask = "지역은요?"
slot = "region"
type = "region"
next = "@cancel"

[[flow.step]]
id = "island"
ask = "아무도 오지 않는 곳"
slot = "x"
next = "@cancel"
"#;
    let (code, report) = check_folder(&[("kb.toml", KB), ("flows/finder.toml", flow)]);
    assert_eq!(code, 1);
    assert!(report.contains("flows/finder.toml:14:6"), "{report}");
    assert!(report.contains("`island` can never be reached"), "{report}");

    let typo = "[[flow]]\nid = \"a\"\ntitle = \"a\"\nstart = \"s\"\n\n[[flow.step]]\nid = \"s\"\nask = \"?\"\nslot = \"x\"\nnxet = \"@cancel\"\n";
    let (code, report) = check_folder(&[("kb.toml", KB), ("flows/a.toml", typo)]);
    assert_eq!(code, 1);
    assert!(
        report.contains("flows/a.toml:10:1") && report.contains("nxet"),
        "{report}"
    );
}

#[test]
fn on_the_console_a_claimed_card_shows_as_edited() {
    let db = db();
    let transcript = chat(
        &db,
        &[
            "/consultant",
            "/sme",
            "/start",
            "3", // 애로사항 접수
            "한빛정밀",
            "부산",
            "자금",
            "운전자금 대출 연장이 막혔어요",
            "010-1234-5678",
            "건너뛰기",
            "1", // 예
            "/consultant",
            "1", // 담당하기 on the card
        ],
    );
    assert!(
        transcript
            .lines()
            .any(|l| l.contains("(수정됨) [새 접수] 2026-000001")),
        "{transcript}"
    );
    // The form's prompts closed as they were answered; the last one shows
    // the answer pressed.
    assert!(transcript.contains("(수정됨: 버튼 닫힘)"), "{transcript}");
    assert!(transcript.contains("→ 예"), "{transcript}");
    assert!(
        transcript.contains("✅ 김상담 상담원이 맡았어요"),
        "{transcript}"
    );
}
