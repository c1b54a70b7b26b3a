//! The desk's voice in the knowledge base: no entry cites where its facts
//! came from, every default entry says when its facts were true (`as_of`),
//! where they came from (`sources`, for admins) and how to list it
//! (`title`); an old `as_of` adds a line to the answer and a warning to
//! `onestop check`, and a malformed one is an error at its place.

use onestop::kb::{Entry, KnowledgeBase};

use crate::common::{dialogs, path_str, run, stdout, SMALL_KB};

/// Words that cite a source: an answer speaks as the desk, never as a
/// reader of articles.
const SOURCE_WORDS: &[&str] = &["기사", "보도", "자료", "출처", "언론"];

/// Everything of an entry an SME reads.
fn shown_texts(entry: Entry<'_>) -> Vec<(&'static str, &str)> {
    match entry {
        Entry::Program(p) => vec![
            ("name", p.name.as_str()),
            ("title", entry.title()),
            ("agency", p.agency.as_str()),
            ("support", p.support.as_str()),
            ("eligibility", p.eligibility.as_str()),
            ("apply", p.apply.as_str()),
            ("contact", p.contact.as_str()),
        ],
        Entry::Faq(f) => vec![("title", entry.title()), ("answer", f.answer.as_str())],
        Entry::Referral(r) => {
            let mut shown = vec![
                ("title", entry.title()),
                ("agency", r.agency.as_str()),
                ("answer", r.answer.as_str()),
            ];
            for contact in &r.contacts {
                shown.push(("contact", contact.name.as_str()));
                shown.extend(contact.note.as_deref().map(|n| ("contact note", n)));
            }
            shown
        }
    }
}

#[test]
fn no_default_entry_cites_its_sources() {
    let kb = KnowledgeBase::embedded().unwrap();
    let mut found = Vec::new();
    for i in 0..kb.len() {
        let entry = kb.entry(i);
        for (field, text) in shown_texts(entry) {
            for word in SOURCE_WORDS {
                if text.contains(word) {
                    found.push(format!("{}.{field}: {word} in {text:?}", entry.id()));
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_default_entry_has_a_title_an_as_of_and_sources() {
    let kb = KnowledgeBase::embedded().unwrap();
    let mut missing = Vec::new();
    for i in 0..kb.len() {
        let entry = kb.entry(i);
        let title = match entry {
            Entry::Program(p) => p.title.as_deref(),
            Entry::Faq(f) => f.title.as_deref(),
            Entry::Referral(r) => Some(r.title.as_str()),
        };
        if title.is_none_or(|t| t.trim().is_empty()) {
            missing.push(format!("{}: title", entry.id()));
        }
        if entry.as_of().is_none() {
            missing.push(format!("{}: as_of", entry.id()));
        }
        if entry.sources().is_empty() {
            missing.push(format!("{}: sources", entry.id()));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// SMALL_KB with `extra` lines added to the bakery program and to its FAQ.
fn small_kb_with(program_extra: &str, faq_extra: &str) -> String {
    SMALL_KB
        .replacen(
            "apply = \"센터 누리집에서 신청합니다.\"",
            &format!("apply = \"센터 누리집에서 신청합니다.\"\n{program_extra}"),
            1,
        )
        .replacen(
            "related = [\"bakery-grant\"]",
            &format!("related = [\"bakery-grant\"]\n{faq_extra}"),
            1,
        )
}

#[test]
fn an_old_as_of_adds_the_year_to_the_answer_and_a_warning_to_check() {
    let kb = small_kb_with(
        "as_of = \"2015-03\"\nsources = [\"000_seed.txt\"]\ntitle = \"빵집 오븐 교체 지원\"",
        "as_of = 2099-01-01\ntitle = \"오븐 지원 한도\"",
    );
    let dir = dialogs(&[("kb/small.toml", &kb)]);
    let folder = path_str(dir.path());

    let answer = run(
        &[
            "--kb",
            folder,
            "ask",
            "--explain",
            "빵집 오븐 바꾸는데 지원 있어요?",
        ],
        "",
    );
    let text = stdout(&answer);
    assert!(answer.status.success(), "{text}");
    assert!(
        text.contains("2015년 기준 정보예요. 최신 공고는 가상시 소상공인센터에 확인해 주세요."),
        "{text}"
    );
    // The title is what lists show.
    assert!(text.contains("bakery-grant  빵집 오븐 교체 지원"), "{text}");
    // The sources are for admins only.
    assert!(!text.contains("000_seed.txt"), "{text}");

    // A FAQ whose as_of is not old says nothing about its age.
    let faq = run(&["--kb", folder, "ask", "오븐 보조금 한도 알려줘"], "");
    let text = stdout(&faq);
    assert!(text.contains("절반까지"), "{text}");
    assert!(!text.contains("기준 정보예요"), "{text}");

    let check = run(&["check", folder], "");
    let report = stdout(&check);
    assert_eq!(check.status.code(), Some(0), "{report}");
    let warning = report
        .lines()
        .find(|l| l.contains("warning:"))
        .unwrap_or_else(|| panic!("no warning in {report}"));
    assert!(
        warning.contains("/kb/small.toml:3:6: warning:"),
        "{warning}"
    );
    assert!(
        warning.contains("bakery-grant") && warning.contains("2015-03"),
        "{warning}"
    );
    assert_eq!(report.matches("warning:").count(), 1, "{report}");
    assert!(report.contains(": ok ("), "{report}");
}

#[test]
fn freshness_warn_after_years_sets_the_age() {
    let kb = small_kb_with("as_of = \"2015\"", "");
    // Far enough: no warning and no line.
    let settings = "[freshness]\nwarn_after_years = 100\n";
    let dir = dialogs(&[("kb/small.toml", &kb), ("bot.toml", settings)]);
    let folder = path_str(dir.path());
    let check = run(&["check", folder], "");
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(!stdout(&check).contains("warning"), "{}", stdout(&check));
    let answer = run(
        &["--kb", folder, "ask", "빵집 오븐 바꾸는데 지원 있어요?"],
        "",
    );
    assert!(
        !stdout(&answer).contains("기준 정보예요"),
        "{}",
        stdout(&answer)
    );
}

#[test]
fn a_bad_as_of_or_freshness_is_an_error_at_its_place() {
    let kb = small_kb_with("as_of = \"2014-13\"", "as_of = \"작년\"");
    let settings = "[freshness]\nwarn_after_years = 0\n";
    let dir = dialogs(&[("kb/small.toml", &kb), ("bot.toml", settings)]);
    let check = run(&["check", path_str(dir.path())], "");
    let report = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{report}");
    let line_of = |needle: &str| kb.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for needle in ["as_of = \"2014-13\"", "as_of = \"작년\""] {
        let at = format!("kb/small.toml:{}:9: error:", line_of(needle));
        let line = report
            .lines()
            .find(|l| l.contains(&at))
            .unwrap_or_else(|| panic!("no error at {at} in {report}"));
        assert!(
            line.contains("`as_of`") && line.contains("YYYY-MM-DD"),
            "{line}"
        );
    }
    assert!(
        report.contains("bot.toml:2:20: error: `warn_after_years`"),
        "{report}"
    );
}
