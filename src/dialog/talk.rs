//! Messages that are not questions for the knowledge base: small talk
//! ("안녕하세요", "감사합니다", "ㅋㅋ", "네", "짜증나"), who the bot is, the
//! way back to the menu ("메뉴", "처음으로", "취소"), and questions the desk
//! answers from its own facts: when consultants answer ("상담원 언제
//! 연결돼요?", "주말에도 답해요?") and how the SME's tickets stand ("내 접수
//! 어떻게 됐어요?"). They get short replies of their own and are not counted
//! as unanswered questions.
//!
//! Small talk is recognised only when it is (nearly) the whole message: the
//! message, without spaces and punctuation, ends with one of the phrases
//! below and what comes before it is only filler ("아", "진짜", "이 봇",
//! "네"). So "감사 지원사업 있나요", "취소하면 위약금 있어요?" and "메뉴 개발
//! 지원" stay questions for the knowledge base.

use super::person;
use crate::nlu::{compact, normalize};

/// What a message that is not a question says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Talk {
    Greeting,
    Thanks,
    Bye,
    Laughter,
    Agreement,
    /// Insults or frustration: a calm reply that offers a person.
    Frustration,
    /// "너 누구야", "뭐 할 수 있어?".
    WhoAreYou,
    /// "메뉴", "처음으로".
    Menu,
    /// "취소" outside a form.
    Cancel,
}

const GREETING: &[&str] = &[
    "안녕",
    "안녕하세요",
    "안녕하세용",
    "안녕하십니까",
    "안녕요",
    "안뇽",
    "ㅎㅇ",
    "하이",
    "하이요",
    "하이루",
    "hi",
    "헬로",
    "헬로우",
    "방가",
    "방가워요",
    "반가워",
    "반가워요",
    "반갑습니다",
    "여보세요",
    "저기요",
    "좋은아침",
    "좋은아침이에요",
];

const THANKS: &[&str] = &[
    "고마워",
    "고마워요",
    "고마워용",
    "고맙습니다",
    "고맙네요",
    "고맙다",
    "감사",
    "감사요",
    "감사합니다",
    "감사해요",
    "감사드립니다",
    "감사드려요",
    "감사하다",
    "감사했습니다",
    "땡큐",
    "땡큐요",
    "땡스",
    "ㄱㅅ",
    "ㄳ",
    "ㄱㅅㄱㅅ",
    "ㄱㅅㅇ",
    "도움됐어요",
    "도움이됐어요",
    "도움이되었어요",
    "도움이되었습니다",
    "도움됐습니다",
    "덕분이에요",
];

const BYE: &[&str] = &[
    "안녕히계세요",
    "안녕히가세요",
    "잘가",
    "잘가요",
    "바이",
    "바이바이",
    "빠이",
    "수고하세요",
    "수고하셨습니다",
    "수고하셨어요",
    "수고많으세요",
    "다음에또올게요",
    "이만갈게요",
];

const AGREEMENT: &[&str] = &[
    "ㅇㅋ",
    "ㅇㅇ",
    "오케이",
    "오키",
    "ok",
    "okay",
    "넵",
    "네",
    "넹",
    "넴",
    "예",
    "응",
    "웅",
    "알겠어",
    "알겠어요",
    "알겠습니다",
    "알았어",
    "알았어요",
    "알았습니다",
    "좋아",
    "좋아요",
    "좋습니다",
    "좋네요",
    "그래",
    "그래요",
    "그렇군요",
    "그렇구나",
    "아하",
    "확인했어요",
    "확인했습니다",
    "이해했어요",
    "이해했습니다",
];

const FRUSTRATION: &[&str] = &[
    "짜증",
    "짜증나",
    "짜증나요",
    "짜증나네",
    "짜증나네요",
    "짜증난다",
    "바보",
    "바보야",
    "바보네",
    "바보냐",
    "바보같아",
    "바보같네",
    "멍청이",
    "멍청해",
    "멍청하네",
    "멍청하다",
    "쓸모없네",
    "쓸모없어",
    "쓸모없다",
    "쓸모없네요",
    "쓸모가없네",
    "쓸모가없어",
    "쓸데없네",
    "쓰레기",
    "쓰레기네",
    "답답해",
    "답답해요",
    "답답하네",
    "답답하네요",
    "답답하다",
    "최악",
    "최악이네",
    "최악이야",
    "최악이다",
    "엉터리",
    "엉터리네",
    "장난해",
    "장난하냐",
    "뭐하는거야",
    "뭐하는거임",
    "왜이래",
    "왜이래요",
    "못알아듣네",
    "못알아듣네요",
    "말을못알아듣네",
    "말귀를못알아듣네",
    "하나도모르네",
    "아무것도모르네",
    "도움이안되네",
    "도움안되네",
    "도움이하나도안되네",
    "도움이안돼",
    "열받네",
    "화나네",
    "화나요",
    "어이없네",
    "어이없다",
    "황당하네",
    "노답",
    "꺼져",
    "ㅅㅂ",
    "시발",
    "씨발",
    "ㅂㅅ",
    "병신",
];

const WHO: &[&str] = &[
    "누구야",
    "누구세요",
    "누구예요",
    "누구에요",
    "누구니",
    "뭐야",
    "정체가뭐야",
    "사람이야",
    "사람이에요",
    "봇이야",
    "봇이에요",
    "로봇이야",
    "뭐하는봇이야",
    "뭐하는봇이에요",
    "뭐할수있어",
    "뭐할수있어요",
    "뭘할수있어",
    "뭘할수있어요",
    "뭐할수있나요",
    "뭘할수있나요",
    "무엇을할수있나요",
    "뭐해줄수있어",
    "뭐해줄수있어요",
    "뭘도와줄수있어",
    "뭘도와줄수있어요",
    "무엇을도와줄수있나요",
    "뭐도와줘",
    "뭐도와줘요",
    "도움말",
    "사용법",
    "사용법알려줘",
    "사용법알려주세요",
    "어떻게써",
    "어떻게써요",
    "어떻게사용해요",
];

const MENU: &[&str] = &[
    "메뉴",
    "메뉴보기",
    "메뉴보여줘",
    "메뉴보여주세요",
    "메인",
    "메인메뉴",
    "전체메뉴",
    "처음",
    "처음으로",
    "처음으로가기",
    "처음으로돌아가기",
    "처음화면",
    "첫화면",
    "홈",
    "시작",
    "시작하기",
    "돌아가기",
    "menu",
    "start",
];

const CANCEL: &[&str] = &[
    "취소",
    "취소할게요",
    "취소해줘",
    "취소해주세요",
    "취소요",
    "그만",
    "그만할게요",
    "그만해",
    "중단",
];

/// Words that may come before a phrase without changing what it says.
const FILLERS: &[&str] = &[
    "아",
    "앗",
    "오",
    "와",
    "음",
    "흠",
    "네",
    "넵",
    "예",
    "아하",
    "아이고",
    "에휴",
    "하",
    "하아",
    "휴",
    "진짜",
    "정말",
    "정말로",
    "진심",
    "너무",
    "넘",
    "많이",
    "완전",
    "되게",
    "참",
    "개",
    "존나",
    "졸라",
    "겁나",
    "왜이렇게",
    "왜케",
    "봇",
    "챗봇",
    "이봇",
    "이챗봇",
    "너",
    "넌",
    "너는",
    "니가",
    "너가",
    "당신",
    "당신은",
    "이거",
    "이건",
    "얘",
    "님",
    "그럼",
    "그냥",
    "일단",
    "여기",
];

/// What `text` says, if it is small talk or a way back to the menu.
pub fn recognise(text: &str) -> Option<Talk> {
    let letters = compact(&normalize(text));
    if !letters.is_empty() && letters.chars().all(|c| matches!(c, 'ㅋ' | 'ㅎ')) {
        return Some(Talk::Laughter);
    }
    let core = letters.trim_end_matches(['ㅋ', 'ㅎ', 'ㅠ', 'ㅜ']);
    let core = if core.is_empty() { &letters } else { core };
    if is_laughter(core) {
        return Some(Talk::Laughter);
    }
    // "ㅇㅋ" ends in ㅋ too: the phrase may take the trailing letters.
    let said = |phrases: &[&str], also: &[&[&str]]| {
        phrases.iter().any(|p| {
            [core, letters.as_str()].iter().any(|text| {
                text.strip_suffix(p)
                    .is_some_and(|before| only_fillers(before, also))
            })
        })
    };
    KINDS
        .iter()
        .find(|kind| said(kind.phrases, kind.also))
        .map(|kind| kind.talk)
}

/// One kind of small talk: its phrases, and other phrases that may come
/// before them besides the fillers.
struct Kind {
    talk: Talk,
    phrases: &'static [&'static str],
    also: &'static [&'static [&'static str]],
}

/// In the order tried: longer and more particular phrases first ("안녕히
/// 계세요" is no greeting, "감사합니다 수고하세요" is a goodbye).
const KINDS: &[Kind] = &[
    Kind {
        talk: Talk::Bye,
        phrases: BYE,
        also: &[THANKS],
    },
    Kind {
        talk: Talk::Thanks,
        phrases: THANKS,
        also: &[AGREEMENT],
    },
    Kind {
        talk: Talk::Greeting,
        phrases: GREETING,
        also: &[],
    },
    Kind {
        talk: Talk::Frustration,
        phrases: FRUSTRATION,
        also: &[],
    },
    Kind {
        talk: Talk::WhoAreYou,
        phrases: WHO,
        also: &[],
    },
    Kind {
        talk: Talk::Menu,
        phrases: MENU,
        also: &[],
    },
    Kind {
        talk: Talk::Cancel,
        phrases: CANCEL,
        also: &[],
    },
    Kind {
        talk: Talk::Agreement,
        phrases: AGREEMENT,
        also: &[AGREEMENT],
    },
];

/// 하하, 헤헤, 크크, 히히, 호호: one syllable of laughter twice or more.
fn is_laughter(core: &str) -> bool {
    let mut chars = core.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    matches!(first, '하' | '헤' | '히' | '크' | '호' | '흐')
        && core.chars().count() >= 2
        && chars.all(|c| c == first)
}

/// Whether `before` is made of filler words only (or of phrases of `also`).
fn only_fillers(before: &str, also: &[&[&str]]) -> bool {
    if before.is_empty() {
        return true;
    }
    FILLERS
        .iter()
        .chain(also.iter().flat_map(|words| words.iter()))
        .any(|w| {
            before
                .strip_prefix(w)
                .is_some_and(|rest| only_fillers(rest, also))
        })
}

/// Someone at the desk.
const DESK_PERSON: &[&str] = &[
    "상담원",
    "상담사",
    "상담직원",
    "상담선생님",
    "상담하는분",
    "담당자",
    "직원분",
];

/// When, or a time the desk may be closed.
const WHEN: &[&str] = &[
    "언제",
    "몇시",
    "시간",
    "주말",
    "토요일",
    "일요일",
    "공휴일",
    "휴일",
    "명절",
    "연휴",
    "밤",
    "새벽",
    "저녁",
    "야간",
    "퇴근",
    "평일",
    "오늘",
    "내일",
    "지금",
];

/// Times the desk may be closed.
const OFF_TIME: &[&str] = &[
    "주말",
    "토요일",
    "일요일",
    "공휴일",
    "휴일",
    "명절",
    "연휴",
    "밤",
    "새벽",
    "야간",
    "퇴근",
];

/// Words of a desk's working: answering, opening, taking messages.
const WORKING: &[&str] = &[
    "답변",
    "답장",
    "답해",
    "답주",
    "답줘",
    "대답",
    "회신",
    "상담",
    "운영",
    "문의",
    "연결",
    "남겨",
    "접수",
    "해요",
    "하나요",
    "하세요",
    "하니",
    "열어",
    "돼요",
    "되나요",
    "되요",
    "가능",
];

/// Answering.
const ANSWER: &[&str] = &["답변", "답장", "답해", "답주", "답줘", "대답", "회신"];

/// The desk's hours by name.
const HOURS: &[&str] = &[
    "상담시간",
    "상담가능시간",
    "상담하는시간",
    "상담받을수있는시간",
    "응답시간",
    "답변시간",
    "업무시간",
    "상담원근무시간",
];

/// Whether `text` asks when consultants work or will answer: "상담원 언제
/// 연결돼요?", "상담 시간이 어떻게 돼요", "주말에도 답해요?", "공휴일에도
/// 해요?". A question about a program's dates ("G-FAIR 언제 열려요?",
/// "수출 상담회 일정") is not.
pub fn asks_hours(text: &str) -> bool {
    let letters = compact(&normalize(text));
    let length = letters.chars().count();
    let has = |words: &[&str]| words.iter().any(|w| letters.contains(w));
    // A fair's consultations, or the 1379 phone line: the knowledge base's.
    if has(&["상담회", "1379", "콜센터", "전화", "통화"]) {
        return false;
    }
    let about_hours = has(HOURS)
        || (has(DESK_PERSON) && has(WHEN))
        || (has(ANSWER) && has(WHEN) && length <= 14)
        || (letters.contains("상담") && has(WHEN) && length <= 12)
        || (has(OFF_TIME) && has(WORKING) && length <= 10);
    // "상담원 지금 연결해 주세요" asks for a person now, not for the hours
    // (a question of when, "언제", never counts as asking for a person).
    about_hours && (has(HOURS) || !person::asks_for_person(text))
}

/// Whether `text`, written while the SME's ticket waits, asks when they
/// will hear back: [`asks_hours`], or "언제쯤 연락 와요?", "몇 시에 연결돼요".
pub fn asks_when_answered(text: &str) -> bool {
    let letters = compact(&normalize(text));
    let has = |words: &[&str]| words.iter().any(|w| letters.contains(w));
    asks_hours(text)
        || (has(&["언제", "몇시"])
            && has(&[
                "연락", "답", "연결", "배정", "맡", "상담", "와요", "오나", "기다",
            ])
            && letters.chars().count() <= 15)
}

/// What comes with a ticket of one's own.
const MINE: &[&str] = &[
    "내접수",
    "제접수",
    "접수한",
    "접수했",
    "접수건",
    "접수하신",
    "내애로",
    "제애로",
    "내문의",
    "제문의",
    "문의한거",
    "신고한거",
    "올린거",
    "남긴거",
];

/// How it stands.
const PROGRESS: &[&str] = &[
    "어떻게됐",
    "어떻게되었",
    "어떻게돼",
    "어떻게되고",
    "어케됐",
    "확인",
    "진행",
    "상태",
    "현황",
    "처리됐",
    "처리되었",
    "처리된",
    "결과",
    "조회",
    "됐나",
    "됐어",
    "답이없",
    "연락이없",
    "소식이없",
];

/// Asking for the state of one's tickets in a word or two.
const STATUS_ALONE: &[&str] = &[
    "내접수",
    "내접수현황",
    "접수현황",
    "접수조회",
    "접수확인",
    "진행상황",
    "진행상태",
    "처리상황",
    "처리상태",
    "처리현황",
];

/// Whether `text` asks how the SME's own tickets stand: "내 접수 어떻게
/// 됐어요?", "접수한 거 확인", "진행 상황". Asking how to report a problem
/// ("애로사항 접수 어떻게 해요") is not.
pub fn asks_status(text: &str) -> bool {
    let letters = compact(&normalize(text));
    let length = letters.chars().count();
    let has = |words: &[&str]| words.iter().any(|w| letters.contains(w));
    let alone = STATUS_ALONE.iter().any(|p| {
        letters.strip_prefix(p).is_some_and(|rest| {
            rest.is_empty()
                || ["요", "좀", "보여줘", "보여주세요", "알려줘", "알려주세요"].contains(&rest)
        })
    });
    alone || (has(MINE) && has(PROGRESS) && length <= 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_talk_is_recognised() {
        for (text, talk) in [
            ("ㅎㅇ", Talk::Greeting),
            ("안녕", Talk::Greeting),
            ("안녕하세요!", Talk::Greeting),
            ("하이", Talk::Greeting),
            ("안녕하세요~ ㅎㅎ", Talk::Greeting),
            ("고마워", Talk::Thanks),
            ("감사합니다", Talk::Thanks),
            ("네 감사합니다!", Talk::Thanks),
            ("정말 고마워요ㅠㅠ", Talk::Thanks),
            ("땡큐", Talk::Thanks),
            ("감사합니다 수고하세요", Talk::Bye),
            ("안녕히 계세요", Talk::Bye),
            ("ㅋㅋ", Talk::Laughter),
            ("ㅎㅎ", Talk::Laughter),
            ("ㅋㅋㅋㅋㅋ", Talk::Laughter),
            ("하하하", Talk::Laughter),
            ("ㅇㅋ", Talk::Agreement),
            ("네", Talk::Agreement),
            ("넵!", Talk::Agreement),
            ("알겠어요", Talk::Agreement),
            ("좋아요", Talk::Agreement),
            ("아 네 알겠습니다", Talk::Agreement),
            ("짜증나", Talk::Frustration),
            ("바보야", Talk::Frustration),
            ("쓸모없네", Talk::Frustration),
            ("이 봇 진짜 쓸모없네", Talk::Frustration),
            ("너 바보야?", Talk::Frustration),
            ("아 진짜 짜증나네요", Talk::Frustration),
            ("말을 못 알아듣네", Talk::Frustration),
            ("너 누구야", Talk::WhoAreYou),
            ("뭐 할 수 있어?", Talk::WhoAreYou),
            ("넌 뭐야", Talk::WhoAreYou),
            ("메뉴", Talk::Menu),
            ("처음으로", Talk::Menu),
            ("메뉴 보여줘", Talk::Menu),
            ("취소", Talk::Cancel),
            ("취소할게요", Talk::Cancel),
        ] {
            assert_eq!(recognise(text), Some(talk), "{text}");
        }
    }

    #[test]
    fn questions_are_not_small_talk() {
        for text in [
            "감사 지원사업 있나요",
            "회계 감사 비용 지원",
            "취소하면 위약금 있어요?",
            "메뉴 개발 지원",
            "신메뉴 개발 지원사업",
            "감사합니다 그런데 창업 지원금은요?",
            "안녕하세요 창업지원금 어떻게 받아요?",
            "자금 사정이 답답해요 대출 지원 있나요",
            "쓸모없는 재고 처리 지원",
            "네 그럼 G-FAIR 참가 신청은요?",
            "시작하는 기업 지원",
            "창업 처음인데 뭐부터 해요",
            "G-FAIR 참가 신청",
            "R&D 지원",
            "UT",
            "예비창업",
            "",
            "1",
        ] {
            assert_eq!(recognise(text), None, "{text}");
        }
    }

    #[test]
    fn questions_about_the_desks_hours_are_recognised() {
        for text in [
            "상담원 언제 연결돼요?",
            "상담 시간이 어떻게 돼요",
            "주말에도 답해요?",
            "공휴일에도 해요?",
            "상담원은 몇 시에 답해줘요?",
            "상담원 답 언제쯤 줘요",
            "밤에 남겨도 되나요",
            "상담 가능 시간이 어떻게 돼요",
            "상담원분들 퇴근하면 답장 내일 와요?",
            "지금 상담 돼요?",
            "답변 언제 와요",
        ] {
            assert!(asks_hours(text), "{text}");
        }
        for text in [
            "G-FAIR 언제 열려요?",
            "수출 상담회 일정 언제예요",
            "창업지원금 신청 언제까지예요?",
            "주말 근무 인건비 지원되나요",
            "상담원 연결",
            "상담원 지금 연결해 주세요",
            "담당자 연락처 알려줘",
            "스마트공장 지원 언제 발표해요",
            "1379 주말에도 되나요",
            "1379 상담시깐 언제에요",
            "콜센터 운영시간 알려줘",
            "감사합니다",
        ] {
            assert!(!asks_hours(text), "{text}");
        }
    }

    /// The labeled questions of tests/data keep going to the knowledge base,
    /// but for those about the desk's own facts (and "너 뭐 할 수 있어?").
    #[test]
    fn labeled_questions_stay_with_the_knowledge_base() {
        for file in ["covered.tsv", "holdout.tsv", "typos.tsv", "uncovered.tsv"] {
            let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).expect("tests/data");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let (label, question) = line.split_once('\t').unwrap_or(("", line));
                let talk = recognise(question);
                let allowed_talk = match label {
                    "faq-bot-what-can-do" => talk == Some(Talk::WhoAreYou),
                    "" => talk == Some(Talk::Laughter),
                    _ => false,
                };
                assert!(talk.is_none() || allowed_talk, "{line}: {talk:?}");
                assert!(
                    !asks_hours(question) || label == "faq-bot-consultant-hours",
                    "{line}: hours"
                );
                assert!(
                    !asks_status(question) || label == "faq-bot-check-status",
                    "{line}: status"
                );
                assert!(
                    !crate::nlu::is_foreign(question) || label.is_empty(),
                    "{line}: foreign"
                );
            }
        }
    }

    #[test]
    fn waiting_smes_asking_when_get_the_hours() {
        for text in [
            "혹시 언제쯤 연락 와요?",
            "몇 시에 연결돼요",
            "상담원 언제 와요",
        ] {
            assert!(asks_when_answered(text), "{text}");
        }
        for text in [
            "서류는 오늘 보낼게요",
            "추가로요, 외국인 E-9 비자 문제도 있어요",
        ] {
            assert!(!asks_when_answered(text), "{text}");
        }
    }

    #[test]
    fn questions_about_ones_tickets_are_recognised() {
        for text in [
            "내 접수 어떻게 됐어요?",
            "접수한 거 확인",
            "접수한거 어떻게 됐는지 확인하고 싶어",
            "진행 상황",
            "내 접수 현황 보여줘",
            "지난주에 접수했는데 아직 답이 없어요",
            "제가 올린 거 처리됐나요",
        ] {
            assert!(asks_status(text), "{text}");
        }
        for text in [
            "애로사항 접수 어떻게 해요",
            "G-FAIR 참가 신청 확인",
            "접수 방법 알려줘",
            "수출 바우처 진행 상황 알려줘",
            "특허 출원 진행 상황이 궁금해요",
            "감사합니다",
        ] {
            assert!(!asks_status(text), "{text}");
        }
    }
}
