//! Menus and cards worth tapping, in the console of the real binary on a
//! real PostgreSQL: the FAQ menu by section then topic (with pages), 자세히
//! only when the card says more, links shown as links, the program finder
//! ranked with its reasons (and honest when nothing is made for the SME),
//! and clean titles in the consultants' `/kb`.

use onestop::kb::{Entry, KnowledgeBase};

use crate::common::pg::TestDb;
use crate::common::{dialogs, path_str, run, stdout};

fn db() -> TestDb {
    crate::common::test_db()
}

fn chat(db: &TestDb, lines: &[&str]) -> String {
    crate::common::console(db, lines)
}

/// The number the console shows for the button labelled exactly `label`
/// in the last line of buttons that has it (`[3] 자금`).
fn number_of(transcript: &str, label: &str) -> String {
    transcript
        .lines()
        .rev()
        .filter(|l| l.trim_start().starts_with('['))
        .find_map(|line| {
            line.split("  ").find_map(|button| {
                let (number, text) = button.trim().strip_prefix('[')?.split_once("] ")?;
                (text == label).then(|| number.to_string())
            })
        })
        .unwrap_or_else(|| panic!("no button {label:?} in:\n{transcript}"))
}

/// The bot's last message(s) before it said goodbye: what the last line
/// typed was answered with.
fn last_reply(transcript: &str) -> &str {
    let before_goodbye = transcript
        .rsplit_once("🤖 이용해 주셔서")
        .map_or(transcript, |(before, _)| before);
    before_goodbye.rsplit("🤖").next().unwrap()
}

/// Types `lines`, then presses the button `label` of what they showed,
/// and types `after`: the whole transcript.
fn press_after(db: &TestDb, lines: &[&str], label: &str, after: &[&str]) -> String {
    let before = chat(db, lines);
    let number = number_of(&before, label);
    let mut all: Vec<&str> = lines.to_vec();
    all.push(&number);
    all.extend_from_slice(after);
    chat(db, &all)
}

#[test]
fn the_faq_menu_leads_to_a_section_then_an_entry() {
    let db = db();
    let menu = chat(&db, &["/start", "2"]);
    assert!(menu.contains("어떤 분야가 궁금하세요?"), "{menu}");
    for section in [
        "자금",
        "수출",
        "기술",
        "창업",
        "인력",
        "지역 센터",
        "이용 안내",
    ] {
        number_of(&menu, section);
    }
    // Not the first eight questions of the first file any more.
    assert!(!menu.contains("융복합 R&D 지원 한도"), "{menu}");

    let section = press_after(&db, &["/start", "2"], "자금", &[]);
    assert!(section.contains("자금 분야의 안내예요"), "{section}");
    number_of(&section, "분야 목록");
    // The section lists its entries by title; pressing one answers it.
    let kb = KnowledgeBase::embedded().unwrap();
    let funds = kb.section("자금").unwrap();
    let first = kb.entry(funds.page(0)[0]);
    let funds_button = number_of(&menu, "자금");
    let entry = number_of(&section, first.title());
    let answered = chat(&db, &["/start", "2", &funds_button, &entry]);
    let answer = last_reply(&answered);
    let opening = match first {
        Entry::Program(p) => p.name.clone(),
        Entry::Faq(f) => f.answer.trim().chars().take(20).collect(),
        Entry::Referral(r) => r.answer.trim().chars().take(20).collect(),
    };
    assert!(
        answer.contains(&opening),
        "{opening:?} in the answer: {answer}"
    );
    number_of(&answered, "상담원 연결");
}

#[test]
fn a_long_section_pages_with_previous_and_next() {
    let db = db();
    let start = chat(&db, &["/start", "2"]);
    let technology = number_of(&start, "기술");
    let first = chat(&db, &["/start", "2", &technology]);
    let page = last_reply(&first);
    assert!(
        page.contains("기술 분야의 안내예요") && page.contains("(1/"),
        "{page}"
    );
    assert!(!page.contains("◀ 이전"), "no page before the first: {page}");
    let next = number_of(&first, "다음 ▶");
    let second = chat(&db, &["/start", "2", &technology, &next]);
    let page2 = last_reply(&second);
    assert!(page2.contains("(2/"), "{page2}");
    assert!(page2.contains("◀ 이전"), "{page2}");
    let topics = |page: &str| -> Vec<String> {
        labels(page)
            .into_iter()
            .filter(|l| !["◀ 이전", "다음 ▶", "분야 목록", "메뉴"].contains(&l.as_str()))
            .collect()
    };
    let (one, two) = (topics(page), topics(page2));
    assert_eq!(one.len(), 8, "a full first page: {page}");
    assert!(
        one.iter().all(|t| !two.contains(t)),
        "the second page lists other topics:\n{page}\n{page2}"
    );
}

/// The labels of the buttons shown in `message` (`[1] 자금  [2] 수출`).
fn labels(message: &str) -> Vec<String> {
    message
        .lines()
        .filter(|l| l.trim_start().starts_with('['))
        .flat_map(|l| l.split("  ").map(str::to_string).collect::<Vec<_>>())
        .filter_map(|b| Some(b.trim().split_once("] ")?.1.to_string()))
        .collect()
}

#[test]
fn details_is_offered_only_when_the_card_says_more() {
    let db = db();
    // A FAQ: its answer is all there is.
    let faq = chat(&db, &["스마트팩토리 보급사업 신청방법"]);
    let faq_answer = last_reply(&faq);
    assert!(faq_answer.contains("스마트"), "{faq_answer}");
    assert!(
        !faq_answer.contains("자세히"),
        "nothing more to show: {faq_answer}"
    );

    // A program: the short answer first, the card on 자세히.
    let program = chat(&db, &["G창업교육이 뭔가요"]);
    let short = last_reply(&program);
    assert!(short.contains("G-창업교육"), "{short}");
    assert!(
        !short.contains("지원 대상:"),
        "the short answer first: {short}"
    );
    let details = number_of(&program, "자세히");
    let card = chat(&db, &["G창업교육이 뭔가요", &details]);
    let card = last_reply(&card);
    for field in [
        "운영 기관:",
        "지원 내용:",
        "지원 대상:",
        "신청 방법:",
        "문의:",
    ] {
        assert!(card.contains(field), "{field} in the card: {card}");
    }
    assert!(
        !card.contains("[1] 자세히"),
        "no 자세히 under the card: {card}"
    );
}

#[test]
fn a_program_web_page_is_a_link_and_related_programs_are_buttons() {
    let db = db();
    let answer = chat(&db, &["융합닷컴이 뭐야"]);
    let last = last_reply(&answer);
    assert!(
        last.contains("🔗 홈페이지: http://www.yunghap.com"),
        "the link, shown as a link: {last}"
    );
    // A FAQ's related program opens with a tap.
    let faq = chat(&db, &["CNS 멤버 되면 무슨 혜택 있어요?"]);
    let related = number_of(&faq, "융합닷컴과 CNS (기업 간 협력 네트워크)");
    let opened = chat(&db, &["CNS 멤버 되면 무슨 혜택 있어요?", &related]);
    let opened = last_reply(&opened);
    assert!(opened.contains("📌 융합닷컴"), "{opened}");
}

#[test]
fn the_finder_ranks_by_fit_and_gives_its_reason() {
    let db = db();
    let found = chat(&db, &["/start", "1", "경기", "초기창업", "창업"]);
    let found = last_reply(&found);
    assert!(
        found.contains("경기 · 초기창업 · 창업에 맞는 지원사업"),
        "{found}"
    );
    assert!(found.contains("→ 경기 소재 · 초기창업"), "{found}");
    // The programs made for 경기 come before those open to everyone.
    let local = found.find("경기 소재").unwrap();
    if let Some(nationwide) = found.find("→ 전국") {
        assert!(local < nationwide, "{found}");
    }
    assert!(
        found.contains("다시 찾기") && found.contains("메뉴"),
        "{found}"
    );
}

#[test]
fn the_finder_says_so_when_nothing_is_made_for_the_sme_and_offers_a_consultant() {
    let db = db();
    let transcript = chat(&db, &["/start", "1", "제주", "예비창업", "인력"]);
    let answer = last_reply(&transcript);
    assert!(
        answer.contains("제주 · 예비창업에 맞춘 인력 지원사업은 찾지 못했어요"),
        "{answer}"
    );
    // What is listed says why: open everywhere, at every stage.
    assert!(answer.contains("→ 전국 · 모든 단계"), "{answer}");
    assert!(!answer.contains("제주 소재"), "{answer}");
    number_of(&transcript, "상담원 연결");
    // 다시 찾기 starts the finder again.
    let again = number_of(&transcript, "다시 찾기");
    let restarted = chat(&db, &["/start", "1", "제주", "예비창업", "인력", &again]);
    let restarted = last_reply(&restarted);
    assert!(restarted.contains("어느 지역"), "{restarted}");
}

#[test]
fn consultants_kb_shows_titles_not_questions() {
    let db = db();
    let transcript = chat(&db, &["/consultant", "/kb 창업지원금신청어떻게해요"]);
    assert!(
        transcript.contains("창업지원금 신청 방법 ("),
        "the entry's title: {transcript}"
    );
    assert!(
        !transcript.contains("창업지원금신청어떻게해요 ("),
        "{transcript}"
    );
}

fn check(files: &[(&str, &str)]) -> (i32, String) {
    let dir = dialogs(files);
    let output = run(&["check", path_str(dir.path())], "");
    (output.status.code().unwrap(), stdout(&output))
}

#[test]
fn check_refuses_a_menu_section_or_a_link_a_button_cannot_carry() {
    let faq = |menu: &str| {
        format!(
            "[[faq]]\nid = \"faq-a\"\ncategory = \"자금\"\nmenu = \"{menu}\"\nquestions = [\"정책자금 금리가 궁금해요\"]\nanswer = \"정책자금 금리는 공고마다 달라요.\"\n"
        )
    };
    let (code, out) = check(&[("kb/a.toml", &faq("자금 안내"))]);
    assert_eq!(code, 0, "{out}");
    for bad in ["", "자금:대출", "아주아주아주아주긴분야이름이에요"] {
        let (code, out) = check(&[("kb/a.toml", &faq(bad))]);
        assert_ne!(code, 0, "{bad:?} is refused: {out}");
        assert!(out.contains("a.toml:4:") && out.contains("`menu`"), "{out}");
    }
    let program = "[[program]]\nid = \"p\"\nname = \"사업\"\nagency = \"기관\"\ncategory = \"자금\"\nsupport = \"지원해요.\"\neligibility = \"중소기업이에요.\"\napply = \"공고를 보고 신청해요.\"\ncontact = \"기관에 문의해 주세요.\"\nurl = \"www.example.com\"\nexamples = [\"사업 신청하고 싶어요\"]\n";
    let (code, out) = check(&[("kb/p.toml", program)]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("p.toml:10:") && out.contains("`url`"), "{out}");
}
