//! Talking to a person, as an SME lives it on the console of the real
//! binary: messages written while a ticket waits join it (and reach the
//! consultant once claimed), a second handoff does not open a duplicate, and
//! asking for a person in plain words starts the handoff.

use crate::common::pg::TestDb;
use crate::common::{run_with_db, stdout};

fn db() -> TestDb {
    crate::common::test_db()
}

fn chat(db: &TestDb, lines: &[&str]) -> String {
    crate::common::console(db, lines)
}

/// The intake of the default dialogs, up to the receipt of 2026-000001.
const INTAKE: &[&str] = &[
    "/start",
    "3", // 애로사항 접수
    "한빛정밀",
    "부산",
    "자금",
    "운전자금 대출 연장이 막혔어요",
    "010-1234-5678",
    "건너뛰기",
    "1", // 예
];

#[test]
fn messages_while_a_ticket_waits_join_it_and_no_duplicate_is_opened() {
    let db = db();
    let mut lines = INTAKE.to_vec();
    lines.extend([
        "혹시 언제쯤 연락 와요?",
        "추가로요, 외국인 E-9 비자 문제도 있어요",
        "/menu",
        "4", // 상담원 연결: a ticket is open already
        "1", // 기존 접수에 추가
        "/consultant",
        "/queue",
        "1", // 담당
        "/sme",
        "서류는 오늘 보낼게요",
        "그리고 대표자 변경도 있었어요",
    ]);
    let transcript = chat(&db, &lines);
    assert!(transcript.contains("접수번호: 2026-000001"), "{transcript}");
    assert_eq!(
        transcript
            .matches("접수번호 2026-000001 건에 추가했어요")
            .count(),
        1,
        "acknowledged once while waiting: {transcript}"
    );
    assert!(
        !transcript.contains("정확한 답을 드리기 어려워요"),
        "a message for the ticket got the fallback: {transcript}"
    );
    assert!(
        transcript.contains("접수번호 2026-000001 건이 아직 진행 중이에요"),
        "a second handoff says a ticket is open: {transcript}"
    );
    assert!(
        transcript.contains("이어서 보내 주시는 말씀은 접수번호 2026-000001 건에 추가할게요"),
        "{transcript}"
    );
    assert_eq!(
        transcript.matches("상담원에게 전달했어요").count(),
        1,
        "acknowledged once more after the claim: {transcript}"
    );

    let listed = stdout(&run_with_db(&db, &["tickets", "list"], ""));
    assert!(listed.contains("2026-000001"), "{listed}");
    assert!(
        !listed.contains("2026-000002"),
        "a duplicate was opened: {listed}"
    );
    let shown = stdout(&run_with_db(&db, &["tickets", "show", "2026-000001"], ""));
    for said in [
        "혹시 언제쯤 연락 와요?",
        "외국인 E-9 비자 문제도 있어요",
        "서류는 오늘 보낼게요",
        "대표자 변경도 있었어요",
    ] {
        assert!(
            shown.contains(said),
            "missing {said:?} in the transcript:\n{shown}"
        );
    }
    // The consultant got the messages written after the claim.
    let consultant = chat(&db, &["/consultant"]);
    assert!(consultant.contains("서류는 오늘 보낼게요"), "{consultant}");
}

#[test]
fn a_new_topic_can_still_open_a_second_ticket_on_purpose() {
    let db = db();
    let mut lines = INTAKE.to_vec();
    lines.extend(["/menu", "3", "2", "한빛정밀", "부산", "수출"]);
    let transcript = chat(&db, &lines);
    assert!(
        transcript.contains("접수번호 2026-000001 건이 아직 진행 중이에요"),
        "{transcript}"
    );
    assert_eq!(
        transcript.matches("회사(상호) 이름").count(),
        2,
        "새로 접수하기 starts the intake again: {transcript}"
    );
}

#[test]
fn asking_for_a_person_in_plain_words_starts_the_handoff() {
    let db = db();
    let transcript = chat(&db, &["상담원이랑 얘기하고싶어요"]);
    assert!(
        transcript.contains("상담원을 연결해 드릴게요"),
        "{transcript}"
    );
    let transcript = chat(&db, &["/menu", "직원 뽑을때 인건비 지원되나요"]);
    assert!(
        !transcript.contains("상담원을 연결해 드릴게요"),
        "a question about hiring is not a request for a person: {transcript}"
    );
}

#[test]
fn a_consultant_is_told_before_typing_in_vain_and_keeps_what_was_typed() {
    let db = db();
    let mut lines = INTAKE.to_vec();
    lines.extend([
        "/consultant",
        "/resolve 2026-000001", // still waiting: refused now, no summary asked
        "/reply 2026-000099 서류 목록을 보내 드릴게요",
        "/claim 2026-000001",
        "/transfer 2026-000001",
    ]);
    let transcript = chat(&db, &lines);
    assert!(
        !transcript.contains("2026-000001 건의 해결 내용을 한두 줄로 적어 주세요"),
        "a summary was asked for a ticket that cannot be resolved: {transcript}"
    );
    assert!(
        transcript.contains("보내신 내용은 그대로 여기 있어요:\n   서류 목록을 보내 드릴게요"),
        "a refused reply lost what was typed: {transcript}"
    );
    let choices = transcript
        .split("2026-000001 건을 어느 기관으로 넘길까요?")
        .nth(1)
        .expect("the transfer choices are shown");
    assert!(choices.contains("창조경제혁신센터"), "{choices}");
    assert!(
        !choices.contains("중소기업통합콜센터 1379"),
        "the ticket's own queue is offered: {choices}"
    );
}

#[test]
fn a_consultant_who_is_away_gets_no_cards_until_back() {
    let db = db();
    chat(&db, &["/consultant", "/away"]);
    let mut lines = INTAKE.to_vec();
    lines.push("/consultant");
    let transcript = chat(&db, &lines);
    assert!(
        !transcript.contains("[새 접수] 2026-000001"),
        "a card reached a consultant who is away: {transcript}"
    );
    let transcript = chat(&db, &["/consultant", "/back"]);
    assert!(transcript.contains("다시 오셨네요"), "{transcript}");
    assert!(
        transcript.contains("2026-000001"),
        "/back shows what waits: {transcript}"
    );
}

#[test]
fn a_consultant_finds_tickets_by_company_code_or_words_of_the_transcript() {
    let db = db();
    let mut lines = INTAKE.to_vec();
    lines.extend([
        "외국인 E-9 비자 문제도 있어요",
        "/consultant",
        "/search 비자",
        "/search 한빛 000001",
        "/search 50%_할인",
    ]);
    let transcript = chat(&db, &lines);
    assert!(
        transcript.contains("'비자' 검색 결과 1건\n   • 2026-000001 · 한빛정밀"),
        "{transcript}"
    );
    assert!(
        transcript.contains("'한빛 000001' 검색 결과 1건"),
        "{transcript}"
    );
    assert!(
        transcript.contains("'50%_할인'에 맞는 접수가 없어요"),
        "{transcript}"
    );
}

#[test]
fn status_tells_the_sme_where_the_ticket_is_and_who_has_it() {
    let db = db();
    let mut lines = INTAKE.to_vec();
    lines.extend(["/consultant", "/claim 2026-000001", "/sme", "/status"]);
    let transcript = chat(&db, &lines);
    let status = transcript
        .split("내 접수 현황이에요.")
        .nth(1)
        .expect("the status is shown");
    for expected in [
        "2026-000001 · 상담 중 · 운전자금 대출 연장이 막혔어요",
        "중소기업통합콜센터 1379 · 자금",
        "담당: 김상담 상담원",
    ] {
        assert!(
            status.contains(expected),
            "missing {expected:?} in:\n{status}"
        );
    }
}
