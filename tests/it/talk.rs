//! Messages that are not questions for the knowledge base, as an SME lives
//! them on the console of the real binary: small talk gets a short reply and
//! is not counted as unanswered, questions about when consultants answer get
//! the desk's own hours, and a message in English gets an English reply with
//! a consultant button, while program names and acronyms still find their
//! entries.

use std::path::Path;

use chrono::{Duration, Utc};

use crate::common::pg::TestDb;
use crate::common::{path_str, run_with_db, stdout};

fn db() -> TestDb {
    crate::common::test_db()
}

fn chat_with(db: &TestDb, args: &[&str], lines: &[&str]) -> String {
    crate::common::typed(db, args, lines)
}

fn chat(db: &TestDb, lines: &[&str]) -> String {
    chat_with(db, &["chat"], lines)
}

/// What `onestop stats` lists under "답하지 못한 질문", up to the next
/// heading.
fn unanswered(db: &TestDb) -> String {
    let stats = stdout(&run_with_db(db, &["stats"], ""));
    let list = stats
        .split("답하지 못한 질문")
        .nth(1)
        .unwrap_or_else(|| panic!("no unanswered list in {stats}"));
    list.split("\n보낼 메시지")
        .next()
        .unwrap()
        .split("다른 언어로 온 메시지")
        .next()
        .unwrap()
        .split("다른 기관으로 안내한 질문")
        .next()
        .unwrap()
        .to_string()
}

/// The fallback of the default texts.
const FALLBACK: &str = "정확한 답을 드리기 어려워요";

#[test]
fn small_talk_gets_short_replies_and_is_not_counted_as_unanswered() {
    let db = db();
    let transcript = chat(
        &db,
        &[
            "ㅎㅇ",
            "너 누구야",
            "ㅋㅋ",
            "짜증나",
            "메뉴",
            "취소",
            "ㅇㅋ",
            "고마워요",
            "운전면허 갱신 어디서해요?",
        ],
    );
    for reply in [
        "지원사업 찾기, 자주 묻는 질문, 애로사항 접수를 도와드려요",
        "원스톱 지원 창구의 상담 봇이에요",
        "😊",
        "불편을 드려 죄송해요",
        "무엇을 도와드릴까요?",
        "진행 중인 일이 없어요",
        "네, 좋아요",
        "천만에요!",
    ] {
        assert!(
            transcript.contains(reply),
            "missing {reply:?}:\n{transcript}"
        );
    }
    assert_eq!(
        transcript.matches(FALLBACK).count(),
        1,
        "only the real question gets the fallback: {transcript}"
    );
    // The frustrated SME is offered a person, the menu has its buttons.
    let frustrated = transcript.split("불편을 드려 죄송해요").nth(1).unwrap();
    assert!(
        frustrated
            .split("무엇을 도와드릴까요?")
            .next()
            .unwrap()
            .contains("상담원 연결"),
        "{transcript}"
    );
    let menu = transcript.split("무엇을 도와드릴까요?").nth(1).unwrap();
    assert!(menu.contains("지원사업 찾기"), "{transcript}");

    let listed = unanswered(&db);
    assert!(listed.contains("운전면허 갱신"), "{listed}");
    for talk in [
        "ㅎㅇ",
        "누구야",
        "ㅋㅋ",
        "짜증나",
        "메뉴",
        "취소",
        "ㅇㅋ",
        "고마워요",
    ] {
        assert!(
            !listed.contains(talk),
            "{talk:?} was counted as unanswered: {listed}"
        );
    }
}

#[test]
fn questions_that_only_look_like_small_talk_still_reach_the_knowledge_base() {
    let db = db();
    let transcript = chat(
        &db,
        &[
            "G-FAIR 참가 신청",
            "취소하면 위약금 있어요?",
            "감사 지원사업 있나요",
        ],
    );
    assert!(transcript.contains("G-FAIR KOREA"), "{transcript}");
    assert!(!transcript.contains("Hello!"), "{transcript}");
    assert!(!transcript.contains("천만에요"), "{transcript}");
    assert!(
        !transcript.contains("진행 중인 일이 없어요"),
        "{transcript}"
    );
}

/// The default dialogs with `routing` as routing.toml and `holidays` as
/// holidays.toml.
fn dialogs_with_routing(routing: &str, holidays: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogs"),
        dir.path(),
    );
    std::fs::write(dir.path().join("routing.toml"), routing).unwrap();
    std::fs::write(dir.path().join("holidays.toml"), holidays).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn routing(hours: &str) -> String {
    format!(
        r#"[routing]
default_queue = "desk"
supervisor_queue = "desk"

[[queue]]
id = "desk"
name = "시험 상담 창구"
hours = "{hours}"
"#
    )
}

#[test]
fn the_hours_question_is_answered_from_the_routing() {
    // Open every day, but today and tomorrow (in Korea) are holidays: closed
    // now, and the answer says so.
    let today = (Utc::now() + Duration::hours(9)).date_naive();
    let holidays = format!(
        "[holidays]\ndates = [\n  {{ date = {today}, name = \"시험 휴일\" }},\n  {{ date = {}, name = \"시험 휴일 다음 날\" }},\n]\n",
        today.succ_opt().unwrap()
    );
    let closed = dialogs_with_routing(&routing("매일 09:00-18:00"), &holidays);
    let db = db();
    let transcript = chat_with(
        &db,
        &["chat", "--kb", path_str(closed.path())],
        &[
            "상담원 언제 연결돼요?",
            "공휴일에도 해요?",
            // Found by the matcher: the knowledge base's entry about the
            // consultants' hours gives way to the desk's facts.
            "지금 새벽인데 접수해도 됨?",
        ],
    );
    assert_eq!(
        transcript
            .matches("상담원은 매일 오전 9시부터 오후 6시까지 답변해요. 공휴일에는 쉬어요. 지금은 상담 시간이 아니에요.")
            .count(),
        3,
        "{transcript}"
    );
    assert!(
        transcript.contains("오전 9시부터 답변드려요"),
        "{transcript}"
    );
    assert!(
        transcript.contains("상담원 연결"),
        "the handoff is offered: {transcript}"
    );
    assert!(
        !transcript.contains("상담원을 연결해 드릴게요"),
        "asking when is not asking for a person now: {transcript}"
    );
    assert!(
        !transcript.contains("안내된 자료가 없어"),
        "the knowledge base's own entry answered: {transcript}"
    );

    let always = dialogs_with_routing(&routing("always"), "");
    let transcript = chat_with(
        &db,
        &["chat", "--kb", path_str(always.path())],
        &["주말에도 답해요?", "상담 가능 시간이 어떻게 돼요"],
    );
    assert_eq!(
        transcript
            .matches("상담원은 24시간 답변해요. 지금은 상담 시간이라")
            .count(),
        2,
        "{transcript}"
    );
    let listed = unanswered(&db);
    assert!(!listed.contains("언제"), "{listed}");
}

#[test]
fn the_default_desks_hours_and_the_smes_tickets_are_the_desks_own() {
    let db = db();
    let transcript = chat(&db, &["상담 시간이 어떻게 돼요", "내 접수 어떻게 됐어요?"]);
    assert!(
        transcript.contains(
            "상담원은 평일 오전 9시부터 오후 6시까지 답변해요. 주말과 공휴일에는 쉬어요."
        ),
        "{transcript}"
    );
    assert!(
        transcript.contains("아직 접수하신 건이 없어요"),
        "{transcript}"
    );
    let transcript = chat(
        &db,
        &[
            "/start",
            "3", // 애로사항 접수
            "한빛정밀",
            "부산",
            "자금",
            "운전자금 대출 연장이 막혔어요",
            "010-1234-5678",
            "건너뛰기",
            "1", // 예
            "혹시 언제쯤 연락 와요?",
            "/menu",
            "접수한 거 확인",
        ],
    );
    assert!(
        transcript.contains("접수번호 2026-000001 건에 추가했어요"),
        "{transcript}"
    );
    assert!(
        transcript.contains("상담원은 평일 오전 9시부터 오후 6시까지 답변해요"),
        "a waiting SME asking when hears the hours: {transcript}"
    );
    assert!(
        transcript.contains("내 접수 현황이에요.\n   • 2026-000001"),
        "{transcript}"
    );
}

#[test]
fn a_message_in_english_gets_an_english_reply_and_a_consultant() {
    let db = db();
    let transcript = chat(
        &db,
        &[
            "Hello, can you help me apply for a startup grant?",
            "1", // Talk to a consultant
        ],
    );
    assert!(
        transcript.contains("I can only read Korean"),
        "{transcript}"
    );
    assert!(
        transcript.contains("[1] Talk to a consultant"),
        "{transcript}"
    );
    assert!(!transcript.contains(FALLBACK), "{transcript}");
    assert!(
        transcript.contains("상담원을 연결해 드릴게요"),
        "the button starts the handoff: {transcript}"
    );
    let listed = unanswered(&db);
    assert!(
        !listed.contains("startup grant"),
        "counted as an unanswered Korean question: {listed}"
    );
    let stats = stdout(&run_with_db(&db, &["stats"], ""));
    assert!(stats.contains("startup grant"), "{stats}");

    // Acronyms and program names are not English.
    let transcript = chat(&db, &["/menu", "UT", "R&D 지원"]);
    assert!(!transcript.contains("Hello!"), "{transcript}");
    assert!(transcript.contains("UT"), "{transcript}");
    assert!(transcript.contains("R&D"), "{transcript}");
}
