//! Tests of the analyzer against the real ko-dic dictionary.

use super::*;

fn terms(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer
        .analyze(text)
        .terms
        .into_iter()
        .map(|t| t.text)
        .collect()
}

fn plain() -> Analyzer {
    Analyzer::plain().expect("the embedded dictionary loads")
}

#[test]
fn drops_particles_and_endings() {
    let found = terms(&plain(), "창업지원금은 어디에서 신청하나요?");
    assert!(found.contains(&"신청".to_string()), "{found:?}");
    for dropped in ["은", "에서", "나요", "하"] {
        assert!(
            !found.contains(&dropped.to_string()),
            "{dropped} in {found:?}"
        );
    }
}

#[test]
fn spoken_requests_and_wishes_name_nothing() {
    // 알켜줘 is the spoken 알려줘 and 바래요 a polite wish: neither is a
    // topic, so neither weighs against the question as an unknown word.
    let analyzer = plain();
    assert_eq!(
        terms(&analyzer, "신청방법 알켜줘"),
        terms(&analyzer, "신청방법 알려줘")
    );
    let wish = terms(&analyzer, "지원 바래요");
    assert_eq!(wish, vec!["지원".to_string()], "{wish:?}");
}

#[test]
fn polite_openings_and_closings_name_nothing() {
    // 문의 드립니다 is read 문 (a door) + 의 by ko-dic, and 다름이 아니라
    // (the thing is) as 다르다 (to differ): no polite phrase is what is
    // asked.
    let analyzer = plain();
    for (polite, plain_question) in [
        ("염수분무 시험 기간 문의 드립니다", "염수분무 시험 기간"),
        ("염수분무 시험 기간 문의드려요", "염수분무 시험 기간"),
        ("다름이 아니라 염수분무 시험 기간", "염수분무 시험 기간"),
        // 주세요 after a space is a proper noun to ko-dic; 수고 greets.
        (
            "수고하십니다 염수분무 시험 기간 알려 주세요",
            "염수분무 시험 기간",
        ),
        (
            "말씀 좀 여쭙겠습니다 염수분무 시험 기간",
            "염수분무 시험 기간",
        ),
        ("염수분무 시험 기간 답변 부탁드립니다", "염수분무 시험 기간"),
        ("염수분무 시험 기간 고맙습니다", "염수분무 시험 기간"),
    ] {
        assert_eq!(
            terms(&analyzer, polite),
            terms(&analyzer, plain_question),
            "{polite}"
        );
    }
    // 뭐가 달라요 keeps its 다르다.
    assert!(terms(&analyzer, "뭐가 달라요").contains(&"다르".to_string()));
}

#[test]
fn a_synonym_written_with_a_joining_symbol_is_found() {
    // 지-페어 is 지페어 with a hyphen, as users write G-FAIR; the synonym
    // is found once the halves are glued.
    let synonyms = Synonyms::new(&[vec!["G-FAIR".to_string(), "지페어".to_string()]]);
    let analyzer = Analyzer::new(&[], synonyms).unwrap();
    assert_eq!(
        terms(&analyzer, "지-페어 일정"),
        terms(&analyzer, "G-FAIR 일정")
    );
}

#[test]
fn reduces_inflected_verbs_to_their_stems() {
    let found = terms(&plain(), "지원금 받으려면 어떻게 해야 돼요");
    assert!(found.contains(&"받".to_string()), "{found:?}");
    assert!(
        found.contains(&"방법".to_string()),
        "어떻게 → 방법: {found:?}"
    );
    assert!(!found.iter().any(|t| t.contains("려면")), "{found:?}");
}

#[test]
fn spaced_and_unspaced_compounds_meet() {
    let analyzer = plain();
    let joined = terms(&analyzer, "창업지원금");
    let spaced = terms(&analyzer, "창업 지원금");
    let split = terms(&analyzer, "창업지원 금");
    for found in [&joined, &spaced, &split] {
        assert!(found.contains(&"창업".to_string()), "{found:?}");
        assert!(found.contains(&"지원".to_string()), "{found:?}");
    }
    assert!(spaced.contains(&"창업지원금".to_string()), "{spaced:?}");
    assert!(split.contains(&"창업지원금".to_string()), "{split:?}");
}

#[test]
fn a_lamp_written_onto_its_noun_is_one_word() {
    // ko-dic reads the 등 of 형광등 and 무드등 as "and so on".
    let analyzer = plain();
    let fluorescent = terms(&analyzer, "형광등 사용하지 마세요");
    assert!(
        fluorescent.contains(&"형광등".to_string()),
        "{fluorescent:?}"
    );
    let mood = terms(&analyzer, "무드등 켜줘");
    assert!(mood.contains(&"무드등".to_string()), "{mood:?}");
    // Spaced, it is "and so on" and joins nothing.
    let documents = terms(&analyzer, "서류 등을 내요");
    assert!(!documents.iter().any(|t| t.contains('등')), "{documents:?}");
}

#[test]
fn user_words_keep_knowledge_base_names_whole() {
    let found = terms(&plain(), "소상공인 지원");
    assert!(
        !found.contains(&"소상공인".to_string()),
        "ko-dic alone: {found:?}"
    );
    let analyzer = Analyzer::new(&["소상공인".to_string()], Synonyms::default()).unwrap();
    let found = terms(&analyzer, "소상공인 지원 받고 싶어요");
    assert!(found.contains(&"소상공인".to_string()), "{found:?}");
}

#[test]
fn a_keyword_ko_dic_misreads_before_another_word_is_read_whole() {
    // Alone, ko-dic reads 가게 (a shop) as a noun; before another word,
    // as 가 (go) + 게, so "가게 이름" named no shop.
    let found = terms(&plain(), "가게 이름 지어주세요");
    assert!(
        !found.contains(&"가게".to_string()),
        "ko-dic alone: {found:?}"
    );
    let analyzer = Analyzer::new(&["가게".to_string()], Synonyms::default()).unwrap();
    for question in [
        "가게 이름 지어주세요",
        "우리 가게 오픈 준비중이에요",
        "가게에 cctv 달려면",
    ] {
        let found = terms(&analyzer, question);
        assert!(found.contains(&"가게".to_string()), "{question}: {found:?}");
    }
    // A keyword that is no noun alone is left to ko-dic: 어디 stays a
    // pronoun (a question word), not a proper noun.
    let analyzer = Analyzer::new(&["어디".to_string()], Synonyms::default()).unwrap();
    let morphemes = analyzer.morphemes("어디 가면 돼요");
    assert_eq!(morphemes[0], ("어디".to_string(), "NP".to_string()));
}

#[test]
fn everyday_business_nouns_ko_dic_misreads_are_read_whole() {
    // ko-dic alone reads 보고서 (a report) as 보 (see) + 고서, 매장 (a
    // shop) as an adverb and 알바 after another word as 알 (know) + 바:
    // every knowledge base knows them as words (nouns.txt).
    let analyzer = plain();
    for (question, noun) in [
        ("보고서 언제 내야 돼요", "보고서"),
        ("지원 받고 나서 결과보고서 써야되나요", "보고서"),
        ("매장 운영 지원 있나요", "매장"),
        ("이번에 알바 뽑는데 지원돼요?", "알바"),
    ] {
        let found = terms_of(TermKind::Word, &analyzer, question);
        assert!(found.contains(&noun.to_string()), "{question}: {found:?}");
        let stems = terms_of(TermKind::Stem, &analyzer, question);
        assert!(
            !stems.contains(&"보".to_string()) && !stems.contains(&"알".to_string()),
            "{question}: {stems:?}"
        );
    }
    // A listed noun is found first in unspaced text, so none may start a
    // longer everyday word: 확인서 would take 확인서류 apart, 홍보비
    // 홍보비용, 할부 해야할부분.
    for (question, word) in [
        ("확인서류 준비", "서류"),
        ("홍보비용 지원", "비용"),
        ("정산금액 확인", "금액"),
        ("이거 해야할부분이 뭐예요", "부분"),
    ] {
        let found = terms_of(TermKind::Word, &analyzer, question);
        assert!(found.contains(&word.to_string()), "{question}: {found:?}");
    }
    // Nouns ko-dic reads whole in every place stay ko-dic's: the list
    // holds only the ones it misreads.
    let reading = kodic_reading(plain_segmenter().unwrap(), "보고서");
    assert!(matches!(reading, KodicReading::Split(_)));
}

#[test]
fn a_verb_ko_dic_reads_as_a_noun_before_its_ending_is_a_stem() {
    // 내야 돼요 (must hand in) typed without the space is read 내야 (the
    // infield), 내면 되나요 as 내면 (the inside), 내는 방법 as 내 (my) +
    // 는: each is the verb 내다, like the spaced 내야 되나요.
    let analyzer = plain();
    for question in [
        "서류 뭐뭐 내야돼요",
        "서류 내면되나요",
        "서류 내야하나요",
        "서류 내야 되나요",
        "비용 내는 방법",
    ] {
        let stems = terms_of(TermKind::Stem, &analyzer, question);
        assert!(stems.contains(&"내".to_string()), "{question}: {stems:?}");
        let words = terms_of(TermKind::Word, &analyzer, question);
        assert!(
            !words.iter().any(|w| w.starts_with('내')),
            "{question}: {words:?}"
        );
    }
    let stems = terms_of(TermKind::Stem, &analyzer, "물건 사면돼요");
    assert_eq!(stems, vec!["사".to_string()]);
    // My shop and the inner world are no verbs.
    assert!(terms_of(TermKind::Stem, &analyzer, "내 가게 이름").is_empty());
    let words = terms_of(TermKind::Word, &analyzer, "내면 세계");
    assert!(words.contains(&"내면".to_string()), "{words:?}");
}

#[test]
fn naming_is_read_as_making_up_a_name_not_as_an_auxiliary() {
    // ko-dic reads 지어 of 이름 지어주세요 as the auxiliary 지다 (as in
    // 만들어지다), which names nothing; after a noun it is 짓다.
    let analyzer = plain();
    for question in ["가게 이름 지어주세요", "상호 지어줄 수 있나요"] {
        let stems = terms_of(TermKind::Stem, &analyzer, question);
        assert_eq!(stems, vec!["짓".to_string()], "{question}");
    }
    let stems = terms_of(TermKind::Stem, &analyzer, "언제 만들어지나요");
    assert!(!stems.contains(&"짓".to_string()), "{stems:?}");
}

#[test]
fn a_misspelt_negation_names_nothing() {
    // 않되나요 for 안 되나요: ko-dic reads the 않 as a noun.
    let analyzer = plain();
    for (misspelt, spelt) in [
        ("창업 지원금 신청 않되나요", "창업 지원금 신청 안되나요"),
        ("신청 않돼요?", "신청 안돼요?"),
    ] {
        assert_eq!(
            terms(&analyzer, misspelt),
            terms(&analyzer, spelt),
            "{misspelt}"
        );
    }
}

#[test]
fn synonyms_are_read_as_their_canonical_form() {
    let synonyms = Synonyms::new(&[vec!["연구개발".into(), "R&D".into(), "알앤디".into()]]);
    let analyzer = Analyzer::new(&[], synonyms).unwrap();
    let a = terms(&analyzer, "R&D 자금");
    let b = terms(&analyzer, "알앤디자금 있어?");
    assert!(
        a.contains(&"연구".to_string()) || a.contains(&"연구개발".to_string()),
        "{a:?}"
    );
    assert!(a.contains(&"자금".to_string()) && b.contains(&"자금".to_string()));
    let shared = a.iter().filter(|t| b.contains(t)).count();
    assert!(shared >= 2, "{a:?} vs {b:?}");
}

#[test]
fn odd_messages_give_no_terms_and_no_panic() {
    let analyzer = plain();
    for text in ["", "   ", "😀😀😀", "ㅋㅋㅋㅋ", "?!", &"가".repeat(4000)] {
        let _ = analyzer.analyze(text);
    }
    assert!(terms(&analyzer, "😀🙏").is_empty());
    assert!(terms(&analyzer, "").is_empty());
}

#[test]
fn latin_words_are_lowercased_and_kept_whole() {
    let found = terms(&plain(), "UT 프로그램 G-FAIR 참가, R&D 과제");
    for term in ["ut", "gfair", "rd", "프로그램", "참가", "과제"] {
        assert!(found.contains(&term.to_string()), "{term} in {found:?}");
    }
    assert!(!found.contains(&"g".to_string()) && !found.contains(&"d".to_string()));
}

#[test]
fn question_words_are_kept_as_weak_terms() {
    let analysis = plain().analyze("신청 언제까지 해요? 어디서 해요? 얼마나 줘요?");
    for question in ["언제", "어디", "얼마"] {
        let term = analysis.terms.iter().find(|t| t.text == question);
        assert_eq!(term.map(|t| t.kind), Some(TermKind::Question), "{question}");
    }
}

/// The terms of `kind` the analyzer finds in `text`.
fn terms_of(kind: TermKind, analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer
        .analyze(text)
        .terms
        .into_iter()
        .filter(|t| t.kind == kind)
        .map(|t| t.text)
        .collect()
}

fn aspects(analyzer: &Analyzer, text: &str) -> Vec<String> {
    terms_of(TermKind::Aspect, analyzer, text)
}

/// Whether `text` asks `aspect` (among others).
fn asks(analyzer: &Analyzer, text: &str, aspect: &str) -> bool {
    aspects(analyzer, text).iter().any(|a| a == aspect)
}

#[test]
fn aspects_come_from_question_words_and_everyday_nouns() {
    let a = plain();
    assert_eq!(aspects(&a, "창업지원금 얼마나 줘요"), ["#금액"]);
    assert_eq!(aspects(&a, "교육비 있어요?"), ["#금액"]);
    assert_eq!(aspects(&a, "센터 위치가 어디예요"), ["#위치"]);
    assert_eq!(aspects(&a, "신청 마감 언제까지임"), ["#신청", "#일정"]);
    assert!(asks(&a, "지원 대상 자격 알려줘", "#자격"));
    assert!(aspects(&a, "창업 멘토링 프로그램").is_empty());
}

#[test]
fn endings_and_phrases_say_what_is_asked() {
    let a = plain();
    // -(으)려면 and 뭐부터 ask for the steps.
    assert_eq!(
        aspects(&a, "창업지원금 받으려면 뭐부터 해야돼요"),
        ["#신청"]
    );
    assert_eq!(aspects(&a, "스마트공장 하려면"), ["#신청"]);
    // Asking whether there is help, or saying what one wants, asks for a program.
    assert_eq!(aspects(&a, "염수테스트 지원해주는거 알려줘요"), ["#개요"]);
    assert_eq!(aspects(&a, "스마트팩토리 도입 지원 받고싶어"), ["#개요"]);
    // ... but not when something in particular is asked.
    assert_eq!(aspects(&a, "전화하고 싶은데 번호가 뭐예요"), ["#연락"]);
    assert!(aspects(&a, "수출 지원 있어요?").is_empty());
    // 소개 좀 asks what it is; 소개해 주나 asks whether someone is introduced.
    assert_eq!(aspects(&a, "G페어 전시회 소개 좀 해줘"), ["#개요"]);
    assert_eq!(aspects(&a, "G페어 소개?"), ["#개요"]);
    assert!(!asks(
        &a,
        "해외사무소에서 현지 바이어 소개도 해주나",
        "#개요"
    ));
    assert!(!asks(&a, "벤처캐피탈 소개받는 방법", "#개요"));
}

#[test]
fn asking_whether_one_may_asks_who_is_eligible() {
    let a = plain();
    let eligibility = |text: &str| asks(&a, text, "#자격");
    // Ending on 되다 or 가능, with no question word.
    assert!(eligibility("서울 기업인데 유티 프로그램 되나"));
    assert!(eligibility("우리 회사도 지원되나요"));
    assert!(eligibility("직원 2명뿐인 작은 회사도 UT 가능?"));
    assert!(eligibility("신청 가능해요?"));
    // Asking leave: -어도 괜찮아요?
    assert!(eligibility("휴대폰 번호 써도 괜찮아요?"));
    // "Must be" and "even if not", however the question ends.
    assert!(eligibility("대표가 여자여야 하나요"));
    assert!(eligibility("경기도 회사 아니어도 신청할 수 있어요?"));
    // 되다 with a question word asks that question, and other verbs nothing.
    assert!(!eligibility("절차가 어떻게 되나요"));
    assert!(!eligibility("지원금 얼마나 돼요"));
    assert!(!eligibility("어떤 내용 말해야 접수가 돼요"));
    // A finished 되다 asks how things stand.
    assert!(!eligibility("어제 넣은 애로 접수 됐나요"));
    assert!(!eligibility("어제 넣은 애로 접수 되었나요"));
    assert!(!eligibility("되는 회사 목록 보여줘"));
    assert!(!eligibility("서류 뭐 내야돼"));
}

#[test]
fn what_a_question_sets_aside_is_not_what_it_asks_about() {
    let a = plain();
    let kind_of = |text: &str, word: &str| {
        a.analyze(text)
            .terms
            .into_iter()
            .find(|t| t.text == word)
            .map(|t| t.kind)
    };
    let question = "융합과제 되면 자금 말고 또 뭐 해줌";
    assert_eq!(kind_of(question, "자금"), Some(TermKind::SetAside));
    assert_eq!(kind_of(question, "융합"), Some(TermKind::Word));
    // Written together, and a phrase of two nouns with its joined form.
    assert_eq!(kind_of("돈말고 다른거", "돈"), Some(TermKind::SetAside));
    // What is set aside is not asked about either.
    assert!(aspects(&a, "돈말고 다른거").is_empty());
    let question = "자동 응답 말고 진짜 직원이랑 대화하고 싶어요";
    assert_eq!(kind_of(question, "응답"), Some(TermKind::SetAside));
    assert_eq!(kind_of(question, "자동응답"), Some(TermKind::SetAside));
    assert_eq!(kind_of(question, "직원"), Some(TermKind::Word));
    // A lamp set aside is the lamp, not its first half alone.
    let question = "형광등말고 다른 조명 써요";
    assert_eq!(kind_of(question, "형광등"), Some(TermKind::SetAside));
    assert_eq!(kind_of(question, "조명"), Some(TermKind::Word));
    // 말이에요 (말 the noun) sets nothing aside.
    assert_eq!(kind_of("창업 지원 말이에요", "창업"), Some(TermKind::Word));
}

#[test]
fn here_you_and_bot_ask_about_the_bot_itself() {
    let a = plain();
    let about_the_bot = |text: &str| asks(&a, text, "#봇");
    assert!(about_the_bot("여기서 무슨 상담 받을 수 있어요?"));
    assert!(about_the_bot("너 뭐 할수 있어?"));
    // Set aside, the bot is still what the question is about.
    assert!(about_the_bot("챗봇 말고 사람 좀"));
    // 여기 only as a word of its own: 여기저기, 거기 and 어디 say nothing
    // of the bot.
    assert!(!about_the_bot(
        "여기저기 다 물어봤는데 창업 지원 어디서 받아요"
    ));
    assert!(!about_the_bot("거기 센터 위치 알려줘"));
}

#[test]
fn how_many_asks_by_its_counter() {
    let a = plain();
    assert!(asks(&a, "모집 공고 몇월에 떠요", "#일정"));
    assert!(asks(&a, "사업비 몇억이에요", "#금액"));
    assert!(asks(&a, "센터 몇 군데 있어요", "#수량"));
    // A power of ten may stand between 몇 and the counter.
    assert!(asks(&a, "예산 몇백억 들어가요", "#금액"));
    assert!(asks(&a, "몇천까지 나와요", "#금액"));
    assert!(asks(&a, "교육생 몇십명 뽑아요", "#수량"));
    assert_eq!(aspects(&a, "교육생 몇 천 명 뽑아요"), ["#수량"]);
    // 얼마나 걸려요 asks how long, not how much.
    assert_eq!(aspects(&a, "시험 얼마나 걸려요"), ["#일정"]);
}

#[test]
fn words_ko_dic_cannot_read_whole_are_marked_as_likely_typos() {
    let a = plain();
    // 지언금 → 지언 + 금: a typo of 지원금.
    assert_eq!(a.analyze("창업 지언금 신청").fragmented, [1]);
    // Real words are not typos, however close to a known word they are.
    assert!(a.analyze("성공 케이스 있어요").fragmented.is_empty());
    assert!(a.analyze("부천 도시 지사").fragmented.is_empty());
}

#[test]
fn prepared_text_is_not_rewritten_twice() {
    let synonyms = Synonyms::new(&[vec!["창조경제혁신센터".into(), "혁신센터".into()]]);
    let a = Analyzer::new(&[], synonyms).unwrap();
    let first = a.analyze("혁신센터 어디");
    assert_eq!(first.text, "창조경제혁신센터 어디");
    let again = a.analyze_prepared(first.text.clone());
    assert_eq!(again.text, first.text);
}

#[test]
fn built_in_near_synonyms_become_search_terms() {
    let analyzer = plain();
    // Every word is checked with the default knowledge base's analyzer in
    // tests/it/understanding.rs; ko-dic alone splits a few names.
    let (related, _) = Related::build(&analyzer, related::BUILT_IN);
    assert!(related.len() > 100, "{} groups", related.len());
    // A verb in its -다 form meets the stem a question makes of it.
    let stems: Vec<&str> = related.of("갚").collect();
    assert!(stems.contains(&"상환"), "{stems:?}");
    let nouns: Vec<&str> = related.of("후기").collect();
    assert!(nouns.contains(&"사례"), "{nouns:?}");
}

#[test]
fn near_synonym_groups_skip_phrases_and_keep_their_own_words() {
    let analyzer = plain();
    let text = "# 주석\n상환, 갚다, 돌려주다\n\n목록, 리스트, 여러 단어 구절\n외톨이\n";
    let (related, unusable) = Related::build(&analyzer, text);
    assert_eq!(related.len(), 2, "the single word is not a group");
    assert_eq!(unusable, vec!["여러 단어 구절".to_string()]);
    assert!(related.of("목록").any(|t| t == "리스트"));
    assert!(!related.of("목록").any(|t| t == "목록"));
}

fn cues(analyzer: &Analyzer, text: &str) -> Vec<String> {
    terms_of(TermKind::Cue, analyzer, text)
}

#[test]
fn a_prohibition_is_one_cue_however_it_is_said() {
    let a = plain();
    for forbids in [
        "그 파일은 지우지마",
        "회사 메일은 지우지 마세요",
        "계정은 더 이상 만들지 말아줘",
        "밤에는 등산하지 마십시오",
        "첨부 파일은 열면 안돼",
        "회의 중에 전화 받으면 안 됩니다.",
        "외부 반출 금지.",
        "사무실 흡연은 금지되어 있어",
        "사무실에서 통화는 삼가주세요",
        "과도한 야근은 자제해주시기 바랍니다.",
        "외부 메일은 사용 못하게 해",
    ] {
        assert_eq!(cues(&a, forbids), ["#금지"], "{forbids}");
    }
    for allows in [
        "그 파일은 지워줘",
        "첨부 파일 열어도 돼?",
        "오늘은 야근 안 할래",
        // Not A but B: what is set aside, not a prohibition.
        "카드로 결제하지 말고 현금으로 내",
        // Must, not must not.
        "여름엔 음식 조리 안하면 안돼",
    ] {
        assert!(
            cues(&a, allows).is_empty(),
            "{allows}: {:?}",
            cues(&a, allows)
        );
    }
    // ko-dic reads 마십시오 as 마시다 (to drink): no stem of it is kept.
    let found = terms(&a, "밤에는 등산하지 마십시오");
    assert!(!found.contains(&"마시".to_string()), "{found:?}");
}

#[test]
fn a_prohibition_does_not_ask_who_may() {
    let a = plain();
    assert!(!asks(&a, "첨부 파일은 열면 안 돼", "#자격"));
    assert!(asks(&a, "우리 회사도 되나요", "#자격"));
    assert!(asks(&a, "번호 써도 괜찮아요?", "#자격"));
}

#[test]
fn a_comparison_is_a_cue() {
    let a = plain();
    assert_eq!(cues(&a, "둘 중에 뭐가 더 빨라?"), ["#비교"]);
    assert_eq!(cues(&a, "노트북보다는 데스크톱이 낫지"), ["#비교"]);
    assert!(cues(&a, "둘 중에 뭐가 빨라?").is_empty());
    assert_eq!(cues(&a, "그 계정은 더 이상 쓰지 마"), ["#금지"]);
}

#[test]
fn a_day_word_names_the_day_before_a_verb_as_before_a_noun() {
    // ko-dic tags 어제 an adverb before 보낸 and a noun before 메일.
    let analyzer = plain();
    for text in [
        "어제 보낸 메일",
        "어제 메일",
        "내일 가도 돼요",
        "오늘 신청 가능해요",
        "매년 신청해야 하나요",
    ] {
        let found = terms(&analyzer, text);
        let day = text.split(' ').next().unwrap().to_string();
        assert!(found.contains(&day), "{text}: {found:?}");
    }
}

#[test]
fn particles_written_apart_and_counted_times_name_nothing() {
    // ko-dic reads 보단 and 까지 written apart as nouns, and 번 after a
    // number word as 벌다 (to earn) + ㄴ.
    let analyzer = plain();
    assert_eq!(
        terms(&analyzer, "몇 번 신청 가능해요"),
        terms(&analyzer, "몇번 신청 가능해요")
    );
    for (text, misread) in [
        ("두 번 확인해요", "벌"),
        ("한 번 더 보내 주세요", "벌"),
        ("최대 몇 개 까지 만들어요", "까지"),
        ("메일 보단 전화가 좋아요", "보단"),
    ] {
        let found = terms(&analyzer, text);
        assert!(!found.contains(&misread.to_string()), "{text}: {found:?}");
    }
    // 돈을 번 is 벌다 all the same.
    assert!(terms(&analyzer, "돈을 번 사람").contains(&"벌".to_string()));
    // 보단 compares, as 보다 does.
    assert!(terms(&analyzer, "메일 보단 전화가 좋아요").contains(&"#비교".to_string()));
}
