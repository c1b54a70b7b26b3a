//! What an SME answers reaches the people who need it, in words that read
//! right: a question an admin adds to the intake flow is in the SME's
//! confirmation, on the consultant's card and in `tickets show`; a yes/no
//! step hears 넹 and ㅇㅇ; a flow's `done` text is said; the particles after
//! names and codes follow how they end.

use crate::common::pg::TestDb;
use crate::common::{dialogs, path_str, run, run_with_db, stdout};

fn db() -> TestDb {
    crate::common::test_db()
}

fn chat(db: &TestDb, args: &[&str], lines: &[&str]) -> String {
    let mut all = vec!["chat"];
    all.extend_from_slice(args);
    crate::common::typed(db, &all, lines)
}

const KB: &str = r#"
[[faq]]
id = "hours"
category = "기타"
questions = ["상담 시간이 어떻게 돼요?", "몇 시까지 상담해요", "주말에도 상담하나요", "상담 가능한 시간"]
answer = "평일 9시부터 6시까지 상담합니다."
"#;

/// The default intake flow with one more question, as an admin adds it:
/// the number of employees, asked after the description.
fn intake_with_employees() -> String {
    let intake = include_str!("../../dialogs/flows/intake.toml");
    assert_eq!(intake.matches("next = \"contact\"").count(), 1);
    let mut flow = intake.replace("next = \"contact\"", "next = \"employees\"");
    flow.push_str(
        r#"

[[flow.step]]
id = "employees"
ask = "직원은 몇 명인가요?"
slot = "employees"
label = "직원 수"
next = "contact"
"#,
    );
    flow
}

const INTAKE_ANSWERS: [&str; 9] = [
    "/start",
    "3", // 애로사항 접수
    "한빛정밀",
    "부산",
    "자금",
    "운전자금 대출 연장이 막혔어요",
    "12명",
    "010-1234-5678",
    "건너뛰기",
];

#[test]
fn a_question_an_admin_adds_reaches_the_confirmation_the_card_and_the_ticket() {
    let flow = intake_with_employees();
    let dir = dialogs(&[("kb.toml", KB), ("flows/intake.toml", &flow)]);
    let kb = path_str(dir.path());
    let check = run(&["check", kb], "");
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(!stdout(&check).contains("warning"), "{}", stdout(&check));

    let db = db();
    // The console's consultant takes its seat first, so the card reaches it.
    let mut lines = vec!["/consultant", "/sme"];
    lines.extend(INTAKE_ANSWERS);
    lines.extend(["넹", "/consultant", "/queue", "1"]);
    let transcript = chat(&db, &["--kb", kb], &lines);
    assert!(transcript.contains("직원은 몇 명인가요?"), "{transcript}");
    // The confirmation lists it where it was asked: after the description.
    let confirmation = transcript
        .split("이대로 접수할까요?")
        .nth(1)
        .expect("the confirmation")
        .split("접수번호")
        .next()
        .unwrap();
    let description = confirmation.find("• 내용: 운전자금").expect(confirmation);
    let employees = confirmation.find("• 직원 수: 12명").expect(confirmation);
    let contact = confirmation
        .find("• 연락처: 010-1234-5678")
        .expect(confirmation);
    assert!(
        description < employees && employees < contact,
        "{confirmation}"
    );
    // The card of the new ticket to the queue's consultants.
    let card = transcript
        .split("[새 접수] 2026-000001")
        .nth(1)
        .unwrap_or_else(|| panic!("no card in:\n{transcript}"));
    let card = card.split("🤖").next().unwrap();
    assert!(card.contains("직원 수: 12명"), "{card}");
    // The consultant who claims it sees it too.
    let claimed = transcript
        .split("2026-000001 건을 맡았어요")
        .nth(1)
        .unwrap_or_else(|| panic!("no claim in:\n{transcript}"));
    assert!(claimed.contains("직원 수: 12명"), "{claimed}");

    let shown = stdout(&run_with_db(&db, &["tickets", "show", "2026-000001"], ""));
    assert!(
        shown.contains("직원 수") && shown.contains("12명"),
        "{shown}"
    );
    let json = stdout(&run_with_db(
        &db,
        &["tickets", "show", "2026-000001", "--json"],
        "",
    ));
    let detail: serde_json::Value = serde_json::from_str(&json).unwrap();
    let details = detail["ticket"]["details"].as_array().expect(&json);
    let slots: Vec<&str> = details
        .iter()
        .map(|d| d["slot"].as_str().unwrap())
        .collect();
    assert_eq!(
        slots,
        [
            "company",
            "region",
            "category",
            "description",
            "employees",
            "contact"
        ],
        "{json}"
    );
    assert_eq!(details[4]["label"], "직원 수", "{json}");
    assert_eq!(details[4]["value"], "12명", "{json}");
}

#[test]
fn a_step_without_a_label_is_shown_by_its_slot() {
    let flow = intake_with_employees().replace("label = \"직원 수\"\n", "");
    let dir = dialogs(&[("kb.toml", KB), ("flows/intake.toml", &flow)]);
    let db = db();
    let mut lines = INTAKE_ANSWERS.to_vec();
    lines.push("예");
    let transcript = chat(&db, &["--kb", path_str(dir.path())], &lines);
    assert!(transcript.contains("• employees: 12명"), "{transcript}");
    let shown = stdout(&run_with_db(&db, &["tickets", "show", "2026-000001"], ""));
    assert!(
        shown.contains("employees") && shown.contains("12명"),
        "{shown}"
    );
}

#[test]
fn check_warns_about_a_question_nothing_keeps_and_still_says_ok() {
    let finder = include_str!("../../dialogs/flows/finder.toml")
        .replace("next = \"@find_programs\"", "next = \"employees\"")
        + r#"
[[flow.step]]
id = "employees"
ask = "직원은 몇 명인가요?"
slot = "employees"
next = "@find_programs"
"#;
    let dir = dialogs(&[("kb.toml", KB), ("flows/finder.toml", &finder)]);
    let output = run(&["check", path_str(dir.path())], "");
    let report = stdout(&output);
    assert!(output.status.success(), "{report}");
    let line = report
        .lines()
        .find(|l| l.contains("warning:"))
        .unwrap_or_else(|| panic!("no warning in:\n{report}"));
    let at = format!("flows/finder.toml:{}:8:", finder.lines().count() - 1);
    assert!(line.contains(&at), "{line} (expected {at})");
    assert!(
        line.contains("`employees`") && line.contains("@find_programs"),
        "{line}"
    );
    assert!(report.contains(": ok ("), "{report}");
    // The default flows have nothing to warn about (the knowledge base's
    // old `as_of` dates are warned about on their own).
    let output = run(&["check", "dialogs"], "");
    let report = stdout(&output);
    let flow_warnings: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("warning") && !l.contains("[freshness]"))
        .collect();
    assert!(flow_warnings.is_empty(), "{report}");
}

#[test]
fn yes_and_no_are_heard_as_people_type_them() {
    let db = db();
    let mut lines = INTAKE_ANSWERS.to_vec();
    lines.retain(|l| *l != "12명");
    // After the first ticket, the intake asks whether this is a new topic:
    // it is (새로 접수하기).
    let mut again = lines.clone();
    again.insert(2, "2");
    let mut all = lines.clone();
    all.push("ㅇㅇ!");
    all.extend(again.iter().copied());
    all.push("아뇨");
    all.extend(again.iter().copied());
    all.push("넹 😊");
    let transcript = chat(&db, &[], &all);
    assert!(
        !transcript.contains("'예' 또는 '아니요'로 답해 주세요"),
        "{transcript}"
    );
    assert!(transcript.contains("접수번호: 2026-000001"), "{transcript}");
    assert!(transcript.contains("취소했어요"), "{transcript}");
    assert!(transcript.contains("접수번호: 2026-000002"), "{transcript}");
    assert!(!transcript.contains("2026-000003"), "{transcript}");
}

#[test]
fn the_flow_says_its_done_text_when_the_ticket_is_open() {
    let db = db();
    let mut lines = INTAKE_ANSWERS.to_vec();
    lines.retain(|l| *l != "12명");
    lines.push("네");
    let transcript = chat(&db, &[], &lines);
    let done = transcript
        .find("접수를 마쳤어요.")
        .unwrap_or_else(|| panic!("no done text in:\n{transcript}"));
    let receipt = transcript.find("접수번호: 2026-000001").expect(&transcript);
    assert!(done < receipt, "{transcript}");
}

#[test]
fn a_transfer_notice_puts_the_right_particle_after_the_agency() {
    let db = db();
    let mut lines = INTAKE_ANSWERS.to_vec();
    lines.retain(|l| *l != "12명");
    lines.extend([
        "네",
        "/consultant",
        "/claim 2026-000001",
        "/transfer 2026-000001 gwangju-myungpum",
        "/claim 2026-000001",
        "/transfer 2026-000001 innovation-centers",
        "/sme",
    ]);
    let transcript = chat(&db, &[], &lines);
    for expected in [
        "2026-000001 건을 광주 명품강소기업 사무국으로 이관했어요",
        "접수번호 2026-000001 건을 광주 명품강소기업 사무국으로 연계했습니다",
        "2026-000001 건을 창조경제혁신센터로 이관했어요",
        "접수번호 2026-000001 건을 창조경제혁신센터로 연계했습니다",
    ] {
        assert!(
            transcript.contains(expected),
            "missing {expected:?} in:\n{transcript}"
        );
    }
    assert!(!transcript.contains("(으)로"), "{transcript}");
    // The consultant is told how to resolve it with 을 after the code.
    assert!(
        transcript.contains("/resolve 2026-000001 을 보내"),
        "{transcript}"
    );
}
