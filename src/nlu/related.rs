//! Near-synonyms built into onestop: the everyday words small-business
//! owners type and the administrative words support agencies write for the
//! same thing (짝꿍 회사 / 협력업체, 후기 / 사례, 갚다 / 상환). A question's
//! word also finds the entries that use one of its near-synonyms, for a
//! little less than the word itself (see `kb::index`).
//!
//! Unlike the admin synonyms in `dialogs/synonyms.toml`, which rewrite the
//! text and are specific to one knowledge base, these are general Korean and
//! apply to every knowledge base. The list is `related.txt`: one group per
//! line, words separated by ", ", `#` starts a comment.

use std::collections::HashMap;

use super::{Analyzer, TermKind};

/// The built-in groups.
pub const BUILT_IN: &str = include_str!("related.txt");

/// Groups of near-synonyms, by the search term each word becomes.
#[derive(Debug, Default, Clone)]
pub struct Related {
    /// term → the groups it belongs to.
    groups_of: HashMap<String, Vec<u32>>,
    /// Each group's terms.
    groups: Vec<Vec<String>>,
}

/// The groups of a word list in the `related.txt` format (also
/// `spellings.txt`): one group per line, words separated by commas, `#`
/// starting a comment line.
pub(crate) fn word_groups(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect()
        })
}

impl Related {
    /// Reads `text` (the `related.txt` format) into the terms `analyzer`
    /// makes of each word. Returns the groups and the words that do not make
    /// one search term (a phrase, or a word the analyzer drops).
    pub fn build(analyzer: &Analyzer, text: &str) -> (Self, Vec<String>) {
        let mut related = Related::default();
        let mut unusable = Vec::new();
        for words in word_groups(text) {
            let mut group: Vec<String> = Vec::new();
            for word in words {
                match term_of(analyzer, word) {
                    Some(term) if !group.contains(&term) => group.push(term),
                    Some(_) => {}
                    None => unusable.push(word.to_string()),
                }
            }
            if group.len() < 2 {
                continue;
            }
            let id = related.groups.len() as u32;
            for term in &group {
                related.groups_of.entry(term.clone()).or_default().push(id);
            }
            related.groups.push(group);
        }
        (related, unusable)
    }

    /// The near-synonyms of `term`, itself excluded.
    pub fn of<'a>(&'a self, term: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.groups_of
            .get(term)
            .into_iter()
            .flatten()
            .flat_map(move |&group| self.groups[group as usize].iter())
            .map(String::as_str)
            .filter(move |other| *other != term)
    }

    /// Every group's terms.
    pub fn groups(&self) -> impl Iterator<Item = &[String]> {
        self.groups.iter().map(Vec::as_slice)
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The one search term a lexicon word becomes: a noun (or a compound written
/// as one word) as itself, a verb or adjective in its -다 form as its stem.
fn term_of(analyzer: &Analyzer, word: &str) -> Option<String> {
    let analysis = analyzer.analyze(word);
    let whole = super::compact(&analysis.text);
    if analysis.terms.iter().any(|t| t.text == whole) {
        return Some(whole);
    }
    let mut main = analysis
        .terms
        .iter()
        .filter(|t| matches!(t.kind, TermKind::Word | TermKind::Stem));
    match (main.next(), main.next()) {
        (Some(term), None) => Some(term.text.clone()),
        _ => None,
    }
}
