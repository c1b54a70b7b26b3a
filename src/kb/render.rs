//! What the bot says for a match: an entry written out, a numbered list of
//! suggestions, or the fallback. Plain text, shared by every channel.

use super::index::{MatchResult, Outcome};
use super::model::Entry;
use super::KnowledgeBase;
use crate::texts::Texts;

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
            out
        }
        Entry::Faq(f) => {
            let mut out = f.answer.trim().to_string();
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

/// The entries (by index) offered for a `Suggest` outcome: the best ones,
/// as long as they are not far below the suggestion threshold.
pub fn suggestions(kb: &KnowledgeBase, result: &MatchResult) -> Vec<usize> {
    result
        .ranked
        .iter()
        .take(kb.matching.max_suggestions)
        .filter(|s| s.score as f64 >= kb.matching.suggest_threshold * 0.8)
        .map(|s| s.entry)
        .collect()
}

/// The whole reply to a question, as the bot would send it.
pub fn reply(kb: &KnowledgeBase, texts: &Texts, result: &MatchResult) -> String {
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
