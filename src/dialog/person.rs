//! Whether a message asks for a person: "상담원이랑 얘기하고싶어요",
//! "사람 연결해 주세요", "직원분 바꿔 주세요", "전화 상담 돼요?", or just
//! "상담원". Such a message starts the handoff instead of going to the
//! knowledge base.
//!
//! A word for a person alone is not enough when it is about something else
//! ("직원 뽑을 때 인건비 지원돼요?" asks about hiring, "담당자 연락처" about a
//! contact): it must stand alone or come with a way of asking to talk.

use crate::nlu::{compact, normalize};

/// Words for someone at the desk. `직원` alone means employees, so only the
/// polite `직원분` counts; `사람` is handled on its own (below).
const DESK_PERSON: &[&str] = &[
    "상담원",
    "상담사",
    "상담직원",
    "상담선생님",
    "직원분",
    "담당자",
    "담당직원",
    "상담하는분",
    "상담해주는분",
    "상담해주시는분",
];

/// Ways of asking to talk, written without spaces.
const TALK: &[&str] = &[
    "연결",
    "얘기",
    "이야기",
    "대화",
    "통화",
    "바꿔",
    "불러",
    "상담받",
    "상담하",
    "상담할",
    "만나",
    "물어보",
    "묻고",
];

/// Asking whether someone is there.
const THERE: &[&str] = &[
    "있나요",
    "있어요",
    "있음",
    "없나요",
    "없어요",
    "계세요",
    "계신가요",
];

/// `사람` as someone to talk with, not people in general ("사람 많이 뽑으면").
const A_PERSON: &[&str] = &[
    "사람이랑",
    "사람하고",
    "사람과",
    "사람한테",
    "사람좀",
    "실제사람",
    "진짜사람",
];

/// Phrases that ask for a person wherever they stand: "챗봇 말고 사람 좀".
const ANYWHERE: &[&str] = &["말고사람", "봇말고", "사람바꿔", "사람불러"];

/// Phrases that ask for a person when they are (nearly) the whole message:
/// "연결해 주세요", "전화 상담 가능해요?", but not "1379 전화상담 비용 들어?".
const ALONE: &[&str] = &[
    "상담원",
    "상담사",
    "상담연결",
    "전화상담",
    "연결해주세요",
    "연결해줘",
    "연결부탁",
];

/// Asking when: "상담원 언제 연결돼요?" asks for the desk's hours
/// (`talk::asks_hours`), not for a person now.
const WHEN: &[&str] = &["언제", "몇시"];

/// Whether `text` asks to talk with a person.
pub fn asks_for_person(text: &str) -> bool {
    let letters = compact(&normalize(text));
    let length = letters.chars().count();
    let has = |words: &[&str]| words.iter().any(|w| letters.contains(w));
    if has(WHEN) {
        return false;
    }
    let alone = ALONE
        .iter()
        .any(|p| letters.contains(p) && length <= p.chars().count() + 4);
    alone
        || has(ANYWHERE)
        || (has(DESK_PERSON) && (has(TALK) || has(THERE)))
        || (has(A_PERSON) && has(TALK))
}

#[cfg(test)]
mod tests {
    use super::asks_for_person;

    #[test]
    fn the_ways_people_ask_for_a_person_are_understood() {
        for text in [
            "상담원이랑 얘기하고싶어요",
            "상담원",
            "상담원요",
            "상담원 연결",
            "사람이랑 얘기할래요",
            "사람 좀 불러주세요",
            "직원분 바꿔 주세요",
            "전화 상담 가능해요?",
            "연결해 주세요",
            "담당자랑 통화하고 싶어요",
            "상담사 있나요?",
            "실제 사람하고 대화하고 싶어요",
            "상담받고 싶은데 상담원 연결 돼요?",
            "상담사님 계세요?",
            "상담원 바꿔줘요ㅠㅠ",
            "챗봇 말고 사람 좀",
            "실제 사람한테 물어보고싶은데",
            "진짜 상담하는 분 바꿔주세요",
        ] {
            assert!(asks_for_person(text), "{text}");
        }
    }

    #[test]
    fn questions_that_merely_mention_people_go_to_the_knowledge_base() {
        for text in [
            "직원 뽑을때 인건비 지원되나요",
            "담당자 연락처 알려줘",
            "사람 많이 뽑으면 세금 혜택 있어요?",
            "수출 상담회 일정 알려주세요",
            "1379 전화상담 비용 들어?",
            "제품 불량때문에 미치겠는데 기술 애로 전화상담 창구 있나요ㅠ",
            "통상사무소가 현지 수입업체 검증해서 연결해줘요?",
            "상담원분들 퇴근하면 답장 내일 와요?",
            "1379 번호 뭔지 아는사람",
            "섬유공장 숙련공이 없어서 큰일인데 사람 키워주는 지원 없나요",
            "창업지원금 어떻게 받아요?",
            "상담원 언제 연결돼요?",
            "상담원 몇 시까지 연결돼요?",
            "",
            "ㅋㅋ",
        ] {
            assert!(!asks_for_person(text), "{text}");
        }
    }
}
