//! Typo tolerance: every known word as written is filed under keys that a
//! word with one wrong, missing or extra syllable shares (지언금 and 지원금
//! both file under 지*금), and a misspelt word is corrected to the closest
//! known word by jamo similarity. `KnowledgeBase::find` asks which words to
//! correct; the query weighs a correction by how close it is.

use std::collections::HashSet;

use super::Index;
use crate::nlu::{jamo, normalize::is_syllable, Analysis, TermKind};

/// A misspelt word must be at least this close (by jamo) to a known one.
const TYPO_SIMILARITY: f64 = 0.75;

impl Index {
    /// The written words (indexes into the analyzed text's words) holding a
    /// term the knowledge base does not know, joined guesses and question
    /// words aside: candidates for typo correction.
    pub fn words_with_unknown_terms(&self, analysis: &Analysis) -> Vec<usize> {
        let mut words: Vec<usize> = analysis
            .terms
            .iter()
            .filter(|t| {
                matches!(t.kind, TermKind::Word | TermKind::Stem | TermKind::Part)
                    && !self.knows(&t.text)
                    && !self.related.contains_key(&t.text)
                    && analysis.fragmented.contains(&t.word)
            })
            .map(|t| t.word)
            .collect();
        words.dedup();
        words
    }

    /// The known word closest to a misspelt one, with its jamo similarity.
    pub fn correct_typo(&self, word: &str) -> Option<(u32, f64)> {
        let syllables = word.chars().count();
        if syllables < 2 || !word.chars().all(is_syllable) {
            return None;
        }
        let mut best: Option<(u32, f64)> = None;
        for key in typo_keys(word) {
            for &id in self.typo_keys.get(&key).into_iter().flatten() {
                let similarity = jamo::similarity(word, &self.terms[id as usize]);
                // Between equally close words, the more common one is the
                // likelier intent.
                let better = best.is_none_or(|(best_id, s)| {
                    similarity > s
                        || (similarity == s
                            && self.postings[id as usize].len()
                                > self.postings[best_id as usize].len())
                });
                if similarity >= TYPO_SIMILARITY && better {
                    best = Some((id, similarity));
                }
            }
        }
        best
    }

    /// Files the words `targets` (term ids) under their typo keys.
    pub(super) fn file_typo_keys(&mut self, targets: HashSet<u32>) {
        for id in targets {
            for key in typo_keys(&self.terms[id as usize]) {
                self.typo_keys.entry(key).or_default().push(id);
            }
        }
        for ids in self.typo_keys.values_mut() {
            ids.sort_unstable();
        }
    }
}

/// Keys under which a word is filed for typo look-up: the word with each
/// syllable blanked (one wrong syllable), and with each syllable removed (one
/// syllable too many or too few), for words of two syllables or more.
pub(super) fn typo_keys(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 || !chars.iter().all(|&c| is_syllable(c)) {
        return Vec::new();
    }
    let mut keys = Vec::with_capacity(chars.len() * 2 + 1);
    keys.push(word.to_string());
    for i in 0..chars.len() {
        let mut blanked = chars.clone();
        blanked[i] = '*';
        keys.push(blanked.into_iter().collect());
        if chars.len() >= 3 {
            let mut removed = chars.clone();
            removed.remove(i);
            keys.push(removed.into_iter().collect());
        }
    }
    keys
}
