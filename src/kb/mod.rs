//! The knowledge base: loads and validates the `dialogs/` folder, builds the
//! index, and answers `match(question) -> outcome + ranked entries`.
//!
//! `KnowledgeBase::load` is the one loader: `onestop check` reports what it
//! finds, and the bot refuses to start (or to reload) on the same errors.

pub use crate::source::diagnostic;
pub mod index;
mod load;
pub mod menu;
pub mod model;
pub(crate) mod parse;
pub mod referral;
pub mod render;

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;

pub use diagnostic::{Diagnostic, Diagnostics, Location};
pub use index::{MatchResult, Outcome, Scored, Tuning};
pub use model::{AsOf, Entry, Faq, FreshnessConfig, MatchingConfig, Program};
pub use referral::{Contact, PhoneNumber, Referral, Website};

use crate::nlu::{Analyzer, TermKind};
use crate::source::Document;
pub use crate::source::{embedded_sources, read_dir, SourceFile};
use index::{decide, EntryText, Index};
use load::program_name;

/// Questions longer than this are matched on their first part only.
pub const MAX_QUESTION_CHARS: usize = 1000;

/// A loaded, validated and indexed knowledge base.
pub struct KnowledgeBase {
    pub programs: Vec<Program>,
    pub faqs: Vec<Faq>,
    /// Topics other institutions handle (`referral.rs`).
    pub referrals: Vec<Referral>,
    pub matching: MatchingConfig,
    /// `[freshness]`: when an entry's `as_of` is too old.
    pub freshness: FreshnessConfig,
    /// What `onestop check` warns about without failing: entries whose
    /// `as_of` is older than `freshness` allows (counted to the day of
    /// loading).
    pub warnings: Vec<Diagnostic>,
    pub synonyms: Vec<Vec<String>>,
    analyzer: Analyzer,
    index: Index,
    ids: HashMap<String, usize>,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("programs", &self.programs.len())
            .field("faqs", &self.faqs.len())
            .field("referrals", &self.referrals.len())
            .finish()
    }
}

impl KnowledgeBase {
    /// The embedded defaults. They are checked by the test suite, so an
    /// error here means a broken build.
    pub fn embedded() -> Result<Self> {
        Self::load(&embedded_sources())
            .map_err(|diags| anyhow::anyhow!("the embedded knowledge base has errors:\n{diags}"))
    }

    /// Loads a `dialogs/` folder from disk.
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let sources = read_dir(dir)?;
        Self::load(&sources).map_err(|diags| {
            anyhow::anyhow!("{} has {} error(s):\n{diags}", dir.display(), diags.len())
        })
    }

    /// Validates and indexes `sources`; every problem is reported at once.
    /// Other parts' tables in the same files are left alone.
    pub fn load(sources: &[SourceFile]) -> Result<Self, Diagnostics> {
        let mut diags = Diagnostics::default();
        let documents = crate::source::parse(sources, &mut diags);
        match Self::read(&documents, &mut diags) {
            Some(kb) if diags.is_empty() => Ok(kb),
            _ => Err(diags.sorted()),
        }
    }

    /// The knowledge base of documents parsed once for every part; problems
    /// go to `diags`, and `None` means there were some.
    pub fn read(documents: &[Document<'_>], diags: &mut Diagnostics) -> Option<Self> {
        load::read(documents, diags)
    }

    /// Whether `entry`'s `as_of` is older than `[freshness]` allows, today.
    pub fn is_stale(&self, entry: Entry<'_>) -> bool {
        entry
            .as_of()
            .is_some_and(|a| a.older_than(self.freshness.warn_after_years, load::today()))
    }

    /// Number of entries (programs, then FAQs, then referrals).
    pub fn len(&self) -> usize {
        self.programs.len() + self.faqs.len() + self.referrals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i` in index order: programs first, then FAQs, then referrals.
    pub fn entry(&self, i: usize) -> Entry<'_> {
        let faqs = self.programs.len();
        let referrals = faqs + self.faqs.len();
        if i < faqs {
            Entry::Program(&self.programs[i])
        } else if i < referrals {
            Entry::Faq(&self.faqs[i - faqs])
        } else {
            Entry::Referral(&self.referrals[i - referrals])
        }
    }

    /// Every entry's id, in no particular order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.keys().map(String::as_str)
    }

    /// The entry with this id.
    pub fn by_id(&self, id: &str) -> Option<Entry<'_>> {
        self.ids.get(id).map(|&i| self.entry(i))
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn vocabulary_size(&self) -> usize {
        self.index.vocabulary_size()
    }

    /// Rebuilds the index with other weights (for tuning experiments).
    pub fn retune(&mut self, tuning: Tuning) {
        let entries: Vec<EntryText<'_>> = (0..self.len())
            .map(|i| {
                EntryText::of(self.entry(i), |id| {
                    program_name(&self.programs, &self.ids, id)
                })
            })
            .collect();
        let index = Index::build(&self.analyzer, &entries, tuning);
        drop(entries);
        self.index = index;
    }

    /// Matches one question: the outcome and the ranked entries.
    pub fn find(&self, question: &str) -> MatchResult {
        let question: String = question.chars().take(MAX_QUESTION_CHARS).collect();
        let mut analysis = self.analyzer.analyze(&question);
        let unknown = self.index.words_with_unknown_terms(&analysis);
        if !unknown.is_empty() {
            if let Some(corrected) = self.correct_typos(&analysis.text, &unknown) {
                tracing::debug!(%corrected, "corrected typos");
                analysis = self.analyzer.analyze_prepared(corrected);
            }
        }
        let ranked = self.index.rank(&analysis);
        // 얼마예요? or 언제 해요? alone names nothing: whatever it matches
        // is a guess, offered to choose from but never answered. (너 뭐 할수
        // 있어? names the bot.)
        let names_something = analysis.terms.iter().any(|t| {
            matches!(
                t.kind,
                TermKind::Word | TermKind::Stem | TermKind::Part | TermKind::Joined
            ) || t.text == "#봇"
        });
        let mut result = MatchResult {
            outcome: Outcome::Fallback,
            ranked,
            names_something,
        };
        result.outcome = Self::outcome_under(&result, &self.matching);
        result
    }

    /// The outcome `result` would have under the thresholds of `matching`:
    /// what `onestop test` weighs other thresholds with.
    pub fn outcome_under(result: &MatchResult, matching: &MatchingConfig) -> Outcome {
        match decide(&result.ranked, matching) {
            Outcome::Answer if !result.names_something => Outcome::Suggest,
            outcome => outcome,
        }
    }
}

impl KnowledgeBase {
    /// Rewrites misspelt words to the known words they are closest to.
    ///
    /// A typo breaks segmentation (지언금 becomes 지/언/금), so the search is
    /// done per written word: the word without its last one or two syllables
    /// (the particle or ending) is compared with the knowledge base's words by
    /// jamo. Returns `None` when nothing was corrected.
    fn correct_typos(&self, text: &str, unknown_words: &[usize]) -> Option<String> {
        let mut changed = false;
        let words: Vec<String> = text
            .split(' ')
            .enumerate()
            .map(|(i, word)| {
                let syllables: Vec<char> = word
                    .chars()
                    .take_while(|&c| crate::nlu::normalize::is_syllable(c))
                    .collect();
                if syllables.len() < 2 || !unknown_words.contains(&i) {
                    return word.to_string();
                }
                let shortest = syllables.len().saturating_sub(2).max(2);
                let prefixes: Vec<String> = (shortest..=syllables.len())
                    .rev()
                    .map(|n| syllables[..n].iter().collect())
                    .collect();
                // A known word before a particle or an ending is no typo
                // (상담해요); before anything else it may be (상담시깐).
                if prefixes
                    .iter()
                    .any(|p| self.index.knows(p) && is_particle_or_ending(&word[p.len()..]))
                {
                    return word.to_string();
                }
                let best = prefixes
                    .iter()
                    .filter(|p| is_particle_or_ending(&word[p.len()..]))
                    .filter_map(|p| {
                        self.index
                            .correct_typo(p)
                            .map(|(id, similarity)| (p, id, similarity))
                    })
                    .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.len().cmp(&a.0.len())));
                match best {
                    Some((prefix, id, _)) => {
                        changed = true;
                        format!("{}{}", self.index.term(id), &word[prefix.len()..])
                    }
                    None => word.to_string(),
                }
            })
            .collect();
        changed.then(|| words.join(" "))
    }
}

/// Whether what follows a word looks like a particle or an ending (so the
/// word before it may be corrected as a whole), rather than another word.
fn is_particle_or_ending(rest: &str) -> bool {
    let hangul: String = rest
        .chars()
        .take_while(|&c| crate::nlu::normalize::is_syllable(c))
        .collect();
    hangul.is_empty()
        || matches!(
            hangul.as_str(),
            "은" | "는"
                | "이"
                | "가"
                | "을"
                | "를"
                | "에"
                | "의"
                | "도"
                | "로"
                | "와"
                | "과"
                | "만"
                | "요"
                | "좀"
                | "랑"
                | "해"
                | "하"
                | "함"
                | "임"
                | "으로"
                | "에서"
                | "에게"
                | "한테"
                | "이랑"
                | "하고"
                | "부터"
                | "까지"
                | "해요"
                | "하는"
                | "하려"
                | "했어"
                | "인가"
                | "이요"
                | "예요"
                | "이에"
        )
}
