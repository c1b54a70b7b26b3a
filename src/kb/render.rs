//! What the bot says for a match, text and buttons together: an entry
//! written out (with 자세히 / 신청 방법 / a person), a numbered list of
//! suggestions (one button each), or the fallback (a person, the menu).

use super::index::{MatchResult, Outcome};
use super::model::Entry;
use super::KnowledgeBase;
use crate::protocol::{Button, MenuPage, Press, Reply};
use crate::texts::Texts;

/// The reply to a question, as the bot sends it.
pub fn reply(kb: &KnowledgeBase, texts: &Texts, result: &MatchResult) -> Reply {
    let handoff = Button::new(texts.get("button_handoff"), &Press::handoff());
    match result.outcome {
        Outcome::Answer => {
            let entry = kb.entry(result.ranked[0].entry);
            let mut buttons = vec![Button::new(
                texts.get("button_details"),
                &Press::Entry(entry.id().to_string()),
            )];
            buttons.extend(apply_button(texts, entry));
            buttons.push(handoff);
            Reply::with_buttons(reply_text(kb, texts, result), vec![buttons])
        }
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

/// An entry the SME asked to see: written out, with how to apply (for a
/// program) and a person.
pub fn entry_reply(kb: &KnowledgeBase, texts: &Texts, entry: Entry<'_>) -> Reply {
    let mut buttons: Vec<Button> = apply_button(texts, entry).into_iter().collect();
    buttons.push(Button::new(texts.get("button_handoff"), &Press::handoff()));
    Reply::with_buttons(self::entry(kb, texts, entry), vec![buttons])
}

fn apply_button(texts: &Texts, entry: Entry<'_>) -> Option<Button> {
    matches!(entry, Entry::Program(_)).then(|| {
        Button::new(
            texts.get("button_apply"),
            &Press::Apply(entry.id().to_string()),
        )
    })
}

/// An entry written out in full.
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

/// The entries (by index) offered for a `Suggest` outcome: the best ones,
/// as long as their confidence is not far below the suggestion threshold.
pub fn suggestions(kb: &KnowledgeBase, result: &MatchResult) -> Vec<usize> {
    result
        .ranked
        .iter()
        .take(kb.matching.max_suggestions)
        .filter(|s| s.confidence as f64 >= kb.matching.suggest_threshold * 0.8)
        .map(|s| s.entry)
        .collect()
}

/// The text of the reply to a question.
fn reply_text(kb: &KnowledgeBase, texts: &Texts, result: &MatchResult) -> String {
    match result.outcome {
        Outcome::Answer => entry(kb, texts, kb.entry(result.ranked[0].entry)),
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
