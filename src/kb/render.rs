//! What the bot says for a match, text and buttons together: an entry's
//! short answer (with 자세히 when its card says more, 신청 방법, its
//! related entries and its link as buttons, a person), its full card, a
//! numbered list of suggestions (one button each), or the fallback (a
//! person, the menu).

use super::index::{MatchResult, Outcome};
use super::model::{Entry, Program};
use super::KnowledgeBase;
use crate::protocol::{Button, MenuPage, Press, Reply};
use crate::texts::Texts;

/// The reply to a question, as the bot sends it.
pub fn reply(kb: &KnowledgeBase, texts: &Texts, result: &MatchResult) -> Reply {
    let handoff = Button::new(texts.get("button_handoff"), &Press::handoff());
    match result.outcome {
        Outcome::Answer => entry_reply(kb, texts, kb.entry(result.ranked[0].entry)),
        Outcome::Suggest => {
            let mut buttons: Vec<Vec<Button>> = suggestions(kb, result)
                .into_iter()
                .map(|e| {
                    let entry = kb.entry(e);
                    vec![Button::new(
                        entry.title(),
                        &Press::Entry(entry.id().to_string()),
                    )]
                })
                .collect();
            buttons.push(vec![handoff]);
            Reply::with_buttons(reply_text(kb, texts, result), buttons)
        }
        Outcome::Fallback => Reply::with_buttons(
            texts.get("fallback"),
            vec![vec![
                handoff,
                Button::new(texts.get("button_menu"), &Press::Menu(MenuPage::Start)),
            ]],
        ),
    }
}

/// An entry as an answer: its short answer, 자세히 when the card says
/// more, how to apply (a program), its related entries and its link as
/// buttons, and a person.
pub fn entry_reply(kb: &KnowledgeBase, texts: &Texts, entry: Entry<'_>) -> Reply {
    let short = short(kb, texts, entry);
    let mut first = Vec::new();
    if card(kb, texts, entry) != short {
        first.push(Button::new(
            texts.get("button_details"),
            &Press::Card(entry.id().to_string()),
        ));
    }
    first.extend(apply_button(texts, entry));
    let mut buttons = vec![first];
    buttons.extend(onward_buttons(kb, texts, entry));
    Reply::with_buttons(short, buttons)
}

/// 자세히: the entry's full card, with its related entries, its link and a
/// person.
pub fn card_reply(kb: &KnowledgeBase, texts: &Texts, entry: Entry<'_>) -> Reply {
    let buttons = onward_buttons(kb, texts, entry);
    Reply::with_buttons(card(kb, texts, entry), buttons)
}

/// The most related entries shown as buttons under an entry.
const MAX_RELATED: usize = 5;

/// The rows every view of an entry ends with: each related entry (one a
/// row, at most [`MAX_RELATED`]), the entry's web page as a link button, a
/// person.
fn onward_buttons(kb: &KnowledgeBase, texts: &Texts, entry: Entry<'_>) -> Vec<Vec<Button>> {
    let mut rows: Vec<Vec<Button>> = related(kb, entry)
        .into_iter()
        .take(MAX_RELATED)
        .map(|e| vec![Button::new(e.title(), &Press::Entry(e.id().to_string()))])
        .collect();
    match entry {
        Entry::Program(Program { url: Some(url), .. }) => {
            rows.push(vec![Button::link(texts.get("button_link"), url.clone())]);
        }
        // Each contact's web site opens from a button named for it.
        Entry::Referral(r) => rows.extend(r.contacts.iter().filter_map(|c| {
            let site = c.website.as_ref()?;
            Some(vec![Button::link(
                format!("🔗 {}", c.name),
                site.url.clone(),
            )])
        })),
        _ => {}
    }
    rows.push(vec![Button::new(
        texts.get("button_handoff"),
        &Press::handoff(),
    )]);
    rows
}

/// The entries an entry points to (a FAQ's `related`), as far as they exist.
fn related<'k>(kb: &'k KnowledgeBase, entry: Entry<'k>) -> Vec<Entry<'k>> {
    match entry {
        Entry::Program(_) | Entry::Referral(_) => Vec::new(),
        Entry::Faq(f) => f.related.iter().filter_map(|id| kb.by_id(id)).collect(),
    }
}

/// The short answer: a program's name and what it gives, a FAQ's answer;
/// the line on the facts' age after it when they are old.
pub fn short(kb: &KnowledgeBase, t: &Texts, entry: Entry<'_>) -> String {
    let mut out = match entry {
        Entry::Program(p) => format!("📌 {}\n{}", p.name, p.support.trim()),
        Entry::Faq(f) => f.answer.trim().to_string(),
        // A referral is said in full at once: who handles it and how to
        // reach them (so it has no 자세히).
        Entry::Referral(r) => super::referral::write_out(r, t),
    };
    push_as_of(kb, t, entry, &mut out);
    out
}

/// The full card: every field the entry has (운영 기관, 지원 내용, 지원
/// 대상, 신청 방법, 문의 of a program; a FAQ has its answer), and the line
/// on the facts' age. Links and related entries are buttons, not text.
pub fn card(kb: &KnowledgeBase, t: &Texts, entry: Entry<'_>) -> String {
    let mut out = match entry {
        Entry::Program(p) => {
            let fields = [
                ("label_agency", &p.agency),
                ("label_support", &p.support),
                ("label_eligibility", &p.eligibility),
                ("label_apply", &p.apply),
                ("label_contact", &p.contact),
            ];
            let mut out = format!("📌 {}", p.name);
            for (label, value) in fields {
                out.push_str(&format!("\n{}: {}", t.get(label), value.trim()));
            }
            out
        }
        Entry::Faq(f) => f.answer.trim().to_string(),
        Entry::Referral(r) => super::referral::write_out(r, t),
    };
    push_as_of(kb, t, entry, &mut out);
    out
}

fn apply_button(texts: &Texts, entry: Entry<'_>) -> Option<Button> {
    matches!(entry, Entry::Program(_)).then(|| {
        Button::new(
            texts.get("button_apply"),
            &Press::Apply(entry.id().to_string()),
        )
    })
}

/// An entry written out in full as one text, its link and related
/// entries included (a consultant sends it as a message of their own).
pub fn entry(kb: &KnowledgeBase, t: &Texts, entry: Entry<'_>) -> String {
    match entry {
        Entry::Program(p) => {
            let mut out = format!("📌 {}\n", p.name);
            out.push_str(&format!("{}: {}\n", t.get("label_agency"), p.agency));
            out.push_str(&format!("{}: {}\n", t.get("label_support"), p.support));
            out.push_str(&format!(
                "{}: {}\n",
                t.get("label_eligibility"),
                p.eligibility
            ));
            out.push_str(&format!("{}: {}\n", t.get("label_apply"), p.apply));
            out.push_str(&format!("{}: {}", t.get("label_contact"), p.contact));
            if let Some(url) = &p.url {
                out.push_str(&format!("\n🔗 {url}"));
            }
            push_as_of(kb, t, entry, &mut out);
            out
        }
        Entry::Faq(f) => {
            let mut out = f.answer.trim().to_string();
            push_as_of(kb, t, entry, &mut out);
            let related: Vec<&str> = f
                .related
                .iter()
                .filter_map(|id| kb.by_id(id))
                .map(|e| e.title())
                .collect();
            if !related.is_empty() {
                out.push_str(&format!(
                    "\n\n{}: {}",
                    t.get("label_related"),
                    related.join(", ")
                ));
            }
            out
        }
        Entry::Referral(r) => {
            let mut out = super::referral::write_out(r, t);
            push_as_of(kb, t, entry, &mut out);
            out
        }
    }
}

/// The line that says how old the entry's facts are, after its answer, when
/// its `as_of` is older than `[freshness]` allows.
fn push_as_of(kb: &KnowledgeBase, t: &Texts, entry: Entry<'_>, out: &mut String) {
    let Some(as_of) = entry.as_of().filter(|_| kb.is_stale(entry)) else {
        return;
    };
    let agency = match entry {
        Entry::Program(p) => Some(p.agency.as_str()),
        Entry::Faq(f) => f.related.iter().find_map(|id| match kb.by_id(id) {
            Some(Entry::Program(p)) => Some(p.agency.as_str()),
            _ => None,
        }),
        Entry::Referral(r) => Some(r.agency.as_str()),
    };
    // The agency's name without what follows it in brackets ("광주광역시
    // (명품강소기업 사무국)" → "광주광역시"), which reads well before 에.
    let agency = agency.map(|a| a.split(" (").next().unwrap_or(a).trim());
    let line = match agency {
        Some(agency) => t.fill(
            "sme_answer_as_of",
            &[("year", &as_of.year), ("agency", &agency)],
        ),
        None => t.fill("sme_answer_as_of_no_agency", &[("year", &as_of.year)]),
    };
    out.push_str("\n\n");
    out.push_str(&line);
}

/// The entries (by index) offered for a `Suggest` outcome: the ones its
/// decision counted (`index::offered`).
pub fn suggestions(kb: &KnowledgeBase, result: &MatchResult) -> Vec<usize> {
    super::index::offered(&result.ranked, &kb.matching)
        .iter()
        .map(|s| s.entry)
        .collect()
}

/// The text of the reply to a question.
fn reply_text(kb: &KnowledgeBase, texts: &Texts, result: &MatchResult) -> String {
    match result.outcome {
        Outcome::Answer => short(kb, texts, kb.entry(result.ranked[0].entry)),
        Outcome::Suggest => {
            let mut out = texts.get("suggest").to_string();
            for (i, &e) in suggestions(kb, result).iter().enumerate() {
                out.push_str(&format!("\n{}. {}", i + 1, kb.entry(e).title()));
            }
            out
        }
        Outcome::Fallback => texts.get("fallback").to_string(),
    }
}
