//! What a question asks about, its aspects (`#금액`, `#신청`, `#위치`,
//! `#일정`, `#자격`, `#개요`, `#성과`, `#연락`, `#수량`, `#봇`), read from
//! cues: its question words and everyday aspect nouns, the counter after 몇
//! (몇월, 몇억, 몇 개), endings and phrases (-려면, 소개 좀, 뭐부터, 얼마나
//! 걸려), and whether it asks who may take part. The token walk hands each
//! token to `AspectCues::read`; `AspectCues::finish` adds the aspects to the
//! analysis as `Aspect` terms.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::cues::Cue;
use super::{Analysis, TermKind};

/// The aspect cues found so far in one text.
#[derive(Default)]
pub(super) struct AspectCues {
    /// In the order found; an aspect found twice counts once.
    aspects: Vec<&'static str>,
    counter: CounterCue,
    eligibility: EligibilityCue,
}

impl AspectCues {
    /// Reads the cues of one token, `surface` with its first `tag` and
    /// ko-dic `expression`, followed in the text by `rest`. Returns false
    /// for 십, 백 or 천 after 몇 (몇 십 명): only a part of the counter still
    /// to come, which the walk then reads no further.
    pub(super) fn read(&mut self, surface: &str, tag: &str, expression: &str, rest: &str) -> bool {
        self.eligibility.read(surface, tag, expression);
        match self.counter.read(surface, tag) {
            Counted::Power => return false,
            Counted::Asks(aspect) => self.aspects.push(aspect),
            Counted::Nothing => {}
        }
        if let Some(aspect) = myeot_word_aspect(surface) {
            self.aspects.push(aspect);
        }
        if let Some(aspect) = phrase_aspect(surface, tag, rest) {
            self.aspects.push(aspect);
        }
        true
    }

    /// A stop noun is no topic, but may still say what is asked (내용 asks
    /// what it is, 문의 whom to call).
    pub(super) fn read_stop_noun(&mut self, noun: &str) {
        if let Some(aspect) = aspect_of(noun) {
            self.aspects.push(aspect);
        }
    }

    /// Adds the aspects of the whole question to `analysis` (its terms all
    /// found; `text` as analyzed): those of the tokens read, of its terms,
    /// and of its phrasing, as `Aspect` terms.
    pub(super) fn finish(self, analysis: &mut Analysis, text: &str) {
        let mut aspects = self.aspects;
        for term in &analysis.terms {
            if !matches!(term.kind, TermKind::Joined | TermKind::SetAside) {
                if let Some(aspect) = aspect_of(&term.text) {
                    aspects.push(aspect);
                }
            }
        }
        // 지원해 주는 거 있어? / 받고 싶어: a question that asks nothing in
        // particular but whether there is help asks for a program.
        if aspects.is_empty() && asks_for_help(&analysis.compact) {
            aspects.push("#개요");
        }
        let asked_a_question_word = analysis.terms.iter().any(|t| t.kind == TermKind::Question);
        // 열면 안 돼 forbids; it does not ask who may.
        let forbids = analysis
            .terms
            .iter()
            .any(|t| t.kind == TermKind::Cue && t.text == Cue::Prohibition.term());
        if self.eligibility.asked(asked_a_question_word) && !forbids {
            aspects.push("#자격");
        }
        // 뭐부터 (what first) asks for the steps.
        if asks_what_first(text) {
            aspects.push("#신청");
        }
        // 뭐 asks "what is it" only when nothing more specific is asked:
        // 서류 뭐 내야돼 asks how to apply.
        if aspects.iter().any(|a| *a != "#개요") {
            aspects.retain(|a| *a != "#개요" || !analysis.terms.iter().any(|t| t.text == "무엇"));
        }
        // 얼마나 걸려요 asks how long, not how much.
        if analysis.terms.iter().any(|t| t.text == "걸리") {
            for aspect in aspects.iter_mut().filter(|a| **a == "#금액") {
                *aspect = "#일정";
            }
        }
        for aspect in aspects {
            analysis.push(aspect, TermKind::Aspect);
        }
    }
}

/// Whether a text holds 뭐부터, 뭘부터 or 무엇부터 (what first): one search
/// for 부터 and a look at what comes before it, instead of a search per
/// spelling.
fn asks_what_first(text: &str) -> bool {
    text.match_indices("부터").any(|(at, _)| {
        let before = &text[..at];
        ["뭐", "뭘", "무엇"].iter().any(|w| before.ends_with(w))
    })
}

/// Whether a question (written without spaces) asks whether there is help:
/// 지원해 주는 거 있어?, 받고 싶어 (주는거, 주는것, 주는게, 주는데, 주는곳,
/// 주는사업, 싶어, 싶은데, 싶습니다, 싶다). One search for 주는 and one for
/// 싶, each followed by a look at what comes after, instead of a search per
/// phrase.
fn asks_for_help(compact: &str) -> bool {
    let follows = |head: &str, tails: &[&str]| {
        compact.match_indices(head).any(|(at, _)| {
            tails
                .iter()
                .any(|t| compact[at + head.len()..].starts_with(t))
        })
    };
    follows("주는", &["거", "것", "게", "데", "곳", "사업"])
        || follows("싶", &["어", "은데", "습니다", "다"])
}

/// The aspect a token says by its word or its place in a phrase: the bot it
/// is typed to, 소개 좀, -(으)려면.
fn phrase_aspect(surface: &str, tag: &str, rest: &str) -> Option<&'static str> {
    // 여기, 너, 봇: the question is about the bot it is typed to.
    if tag == "NP" && matches!(surface, "여기" | "너" | "니" | "너희" | "당신")
        || matches!(surface, "봇" | "챗봇" | "채팅봇")
    {
        return Some("#봇");
    }
    // 소개 좀 (tell me about it) asks what it is; 소개해 주나 and
    // 소개받다 (introduce someone to me) ask for a service.
    if surface == "소개" {
        let rest = rest.trim_start();
        if ["좀", "해줘", "해 줘", "해주세요", "해 주세요", "부탁"]
            .iter()
            .any(|w| rest.starts_with(w))
            || !rest.chars().any(char::is_alphanumeric)
        {
            return Some("#개요");
        }
    }
    // -(으)려면 (in order to) asks what it takes: how to apply.
    if tag == "EC" && matches!(surface, "려면" | "으려면") {
        return Some("#신청");
    }
    None
}

/// What the counter after 몇 (how many) said about a token.
enum Counted {
    /// 십, 백 or 천 after 몇: the counter may still follow.
    Power,
    /// The counter asks this aspect (or 몇 천까지 a sum).
    Asks(&'static str),
    Nothing,
}

/// 몇 (how many) before a counter: 몇월 asks when, 몇억 how much.
#[derive(Default)]
struct CounterCue {
    /// The token before was 몇 (or 몇 and a power of ten).
    after_myeot: bool,
    /// 몇 and then 십, 백 or 천, whose counter may still follow.
    after_power: bool,
}

impl CounterCue {
    fn read(&mut self, surface: &str, tag: &str) -> Counted {
        let mut counted = Counted::Nothing;
        if std::mem::take(&mut self.after_myeot) {
            if is_power_of_ten(surface) {
                // 몇 십 명: the counter comes next; 몇 천까지: a sum.
                self.after_power = true;
                self.after_myeot = true;
                return Counted::Power;
            } else if let Some(aspect) = counter_aspect(surface) {
                counted = Counted::Asks(aspect);
            } else if std::mem::take(&mut self.after_power) {
                counted = Counted::Asks("#금액");
            }
        }
        self.after_power = false;
        if surface == "몇" || surface.starts_with("몇") && tag == "MM" {
            self.after_myeot = true;
        }
        counted
    }
}

/// Whether a question asks who may (eligibility) without naming it, read
/// token by token: it ends on 되다, 괜찮다 or 가능 with no question word
/// (우리 회사도 되나요, 번호 써도 괜찮아요?, UT 가능?), or says "must be" or
/// "even if not" (소재여야 돼요, 경기도 아니어도 신청할 수 있어요?). Not a
/// status (접수 됐나요).
#[derive(Default)]
struct EligibilityCue {
    ends_on_possible: bool,
    asked_which: bool,
    asks_condition: bool,
    after_not: bool,
}

impl EligibilityCue {
    fn read(&mut self, surface: &str, first_tag: &str, expression: &str) {
        if std::mem::take(&mut self.after_not)
            && first_tag == "EC"
            && matches!(surface, "어도" | "라도" | "아도" | "여도")
        {
            self.asks_condition = true;
        }
        // Question words become Question terms; these two do not.
        self.asked_which |= matches!(surface, "어떤" | "몇");
        if matches!(
            first_tag,
            "VV" | "VA" | "VX" | "XSV" | "XSA" | "VCP" | "VCN" | "NNG" | "NNP"
        ) {
            let stem = expression.split('/').next().filter(|_| expression != "*");
            let stem = stem.unwrap_or(surface);
            // 가능해요: the noun before 하다 still decides.
            if !(first_tag == "XSA" && stem == "하") {
                let past = expression != "*" && expression.contains("/EP");
                self.ends_on_possible = match first_tag {
                    "VV" | "XSV" => stem == "되" && !past,
                    "VA" => stem == "괜찮",
                    "NNG" => surface == "가능",
                    _ => false,
                };
            }
            if first_tag == "VCP" && expression != "*" && expression.contains("어야/EC") {
                self.asks_condition = true;
            }
            self.after_not = first_tag == "VCN";
        }
        // 되었나요 written out: the past ending comes as a token of its own.
        if first_tag == "EP" && matches!(surface, "었" | "았" | "였") {
            self.ends_on_possible = false;
        }
    }

    /// `asked_a_question_word`: whether the question has Question terms.
    fn asked(&self, asked_a_question_word: bool) -> bool {
        self.asks_condition || self.ends_on_possible && !asked_a_question_word && !self.asked_which
    }
}

/// The aspect a term asks about, from a small lexicon of everyday words for
/// the aspects SME support FAQs are written about (`ASPECT_LEXICON`). Every
/// term of every question is looked up, so the lexicon is a hash map, built
/// once: a `match` on the words compared a term with them one by one.
fn aspect_of(term: &str) -> Option<&'static str> {
    static WORDS: OnceLock<FxHashMap<&'static str, &'static str>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let mut words = FxHashMap::default();
        for &(aspect, lexicon) in ASPECT_LEXICON {
            for word in lexicon.split_whitespace() {
                words.entry(word).or_insert(aspect);
            }
        }
        words
    });
    words.get(term).copied()
}

/// Each aspect and the everyday words that ask about it, separated by
/// whitespace.
const ASPECT_LEXICON: &[(&str, &str)] = &[
    (
        "#금액",
        "얼마 금액 액수 한도 비용 돈 요금 예산 지원액 무료 공짜 유료 무상 \
         수강료 교육비 이용료 회비 가격 값 자부담 부담금 사업비 시험비 국비 \
         시비 수수료 억 만원 비 료 최대 최고",
    ),
    (
        "#신청",
        "방법 신청 절차 접수 서류 지원서 신청서 제출 가입 참가 참여 순서 모집",
    ),
    ("#위치", "어디 위치 주소 장소 지역"),
    (
        "#일정",
        "언제 기간 일정 마감 날짜 시기 시간 며칠 주말 공휴일 휴일 야간 밤 \
         개강 연도 년도 요일 평일 토요일 일요일",
    ),
    ("#자격", "자격 대상 요건 조건 기준"),
    ("#개요", "무엇 설명 정체 개요 내용"),
    ("#성과", "성과 실적 사례 효과 후기 케이스 결과 성공 예시"),
    (
        "#연락",
        "연락처 문의처 이메일 메일 담당자 홈페이지 전화 번호 전화번호 연락 문의",
    ),
];

/// What 몇 asks with the counter after it: 몇월 when, 몇억 how much, 몇개 how many.
fn counter_aspect(counter: &str) -> Option<&'static str> {
    // A power of ten may come first: 몇 백억, 몇 십명.
    let bare = counter.trim_start_matches(['십', '백', '천']);
    let counter = if bare.is_empty() { counter } else { bare };
    let aspect = match counter {
        "월" | "일" | "시" | "주" | "달" | "년" | "시간" | "분" | "주일" | "개월" => {
            "#일정"
        }
        "억" | "억원" | "만" | "원" | "만원" | "천" | "천만" | "백만" | "퍼센트" | "프로" => {
            "#금액"
        }
        "개" | "곳" | "군데" | "명" | "건" | "개사" | "기업" | "회사" | "업체" => {
            "#수량"
        }
        _ => return None,
    };
    Some(aspect)
}

/// 십, 백, 천 and their combinations (백만, 천만 aside: those are sums).
fn is_power_of_ten(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| matches!(c, '십' | '백' | '천'))
}

/// Words written with 몇 as one token (몇월, 며칠, 몇백억): 몇 and a counter.
fn myeot_word_aspect(word: &str) -> Option<&'static str> {
    if word == "며칠" {
        return Some("#일정");
    }
    match word.strip_prefix("몇")? {
        // 몇백, 몇천 with no counter: a sum.
        rest if is_power_of_ten(rest) => Some("#금액"),
        rest => counter_aspect(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::{asks_for_help, asks_what_first};

    /// The one-search readings find what a search per phrase finds.
    #[test]
    fn one_search_finds_each_phrase() {
        let first = ["뭐부터", "뭘부터", "무엇부터"];
        let help: Vec<&str> =
            "주는거 주는것 주는게 주는데 주는곳 주는사업 싶어 싶은데 싶습니다 싶다"
                .split(' ')
                .collect();
        for text in [
            "뭐부터 해야돼",
            "서류는 무엇부터",
            "언제부터 뭘부터",
            "부터 뭐",
            "지원해주는거있어",
            "주는 거",
            "받고싶습니다",
            "싶은 데",
            "주는주는사업",
            "싶싶다",
            "",
        ] {
            assert_eq!(
                asks_what_first(text),
                first.iter().any(|w| text.contains(w)),
                "{text}"
            );
            assert_eq!(
                asks_for_help(text),
                help.iter().any(|w| text.contains(w)),
                "{text}"
            );
        }
    }
}
