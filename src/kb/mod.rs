//! The knowledge base: loads and validates the `dialogs/` folder, builds the
//! index, and answers `match(question) -> outcome + ranked entries`.
//!
//! `KnowledgeBase::load` is the one loader: `onestop check` reports what it
//! finds, and the bot refuses to start (or to reload) on the same errors.

pub use crate::source::diagnostic;
pub mod index;
pub mod model;
pub(crate) mod parse;
pub mod render;
pub mod texts;

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;

pub use diagnostic::{Diagnostic, Diagnostics, Location};
pub use index::{MatchResult, Outcome, Scored, Tuning};
pub use model::{Entry, Faq, MatchingConfig, Program};
pub use texts::Texts;

use crate::nlu::{compact, normalize, Analyzer, Synonyms, TermKind};
pub use crate::source::{embedded_sources, read_dir, SourceFile};
use diagnostic::LineIndex;
use index::{decide, EntryText, Index};

/// Questions longer than this are matched on their first part only.
pub const MAX_QUESTION_CHARS: usize = 1000;

/// Top-level tables that belong to other parts of onestop (routing, flows):
/// the knowledge-base loader leaves them alone instead of calling them unknown.
/// `routing`, `queue`, `route` and `holidays` are read by
/// `crate::desk::routing::Routing::load` (its `TABLES`); `flow` by the dialog
/// engine (`dialogs/flows/`).
pub const OTHER_TABLES: &[&str] = &["routing", "queue", "route", "holidays", "flow"];

/// A loaded, validated and indexed knowledge base.
pub struct KnowledgeBase {
    pub programs: Vec<Program>,
    pub faqs: Vec<Faq>,
    pub texts: Texts,
    pub matching: MatchingConfig,
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
    pub fn load(sources: &[SourceFile]) -> Result<Self, Diagnostics> {
        let mut diags = Diagnostics::default();
        let mut programs = Vec::new();
        let mut faqs = Vec::new();
        let mut synonym_groups = Vec::new();
        let mut texts = Texts::default();
        let mut text_places: HashMap<String, Location> = HashMap::new();
        let mut matching_settings = Vec::new();
        let mut matching_places: HashMap<String, Location> = HashMap::new();

        for source in sources {
            let lines = LineIndex::new(&source.path, &source.text);
            let content = parse::parse_file(&lines, &source.text, OTHER_TABLES, &mut diags);
            programs.extend(content.programs);
            faqs.extend(content.faqs);
            synonym_groups.extend(content.synonyms);
            for (key, value) in content.texts {
                if let Some(first) = text_places.get(&key.value) {
                    diags.push(
                        key.location,
                        format!("text `{}` is already set at {first}", key.value),
                    );
                } else {
                    text_places.insert(key.value.clone(), key.location);
                    texts.set(&key.value, value);
                }
            }
            for (key, value) in content.matching {
                if let Some(first) = matching_places.get(&key.value) {
                    diags.push(
                        key.location.clone(),
                        format!("`{}` is already set at {first}", key.value),
                    );
                } else {
                    matching_places.insert(key.value.clone(), key.location.clone());
                    matching_settings.push((key, value));
                }
            }
        }
        let matching = parse::matching_config(&matching_settings);
        if matching.suggest_threshold > matching.answer_threshold {
            if let Some(at) = matching_places.get("suggest_threshold") {
                diags.push(
                    at.clone(),
                    "`suggest_threshold` must not be above `answer_threshold`",
                );
            }
        }
        if programs.is_empty() && faqs.is_empty() && diags.is_empty() {
            let place = sources
                .first()
                .map_or("(no .toml files)".to_string(), |s| s.path.clone());
            diags.push(
                Location {
                    file: place,
                    line: 1,
                    column: 1,
                },
                "the knowledge base has no [[program]] and no [[faq]] entries",
            );
        }

        // Ids are unique across programs and FAQs.
        let mut ids: HashMap<String, usize> = HashMap::new();
        let entries: Vec<Entry<'_>> = programs
            .iter()
            .map(Entry::Program)
            .chain(faqs.iter().map(Entry::Faq))
            .collect();
        for (i, entry) in entries.iter().enumerate() {
            if let Some(&first) = ids.get(entry.id()) {
                diags.push(
                    entry.location().clone(),
                    format!(
                        "duplicate id `{}`: already used at {}",
                        entry.id(),
                        entries[first].location()
                    ),
                );
            } else {
                ids.insert(entry.id().to_string(), i);
            }
        }
        for faq in &faqs {
            for (related, at) in faq.related.iter().zip(&faq.related_locations) {
                if !ids.contains_key(related) {
                    let closest = ids
                        .keys()
                        .map(|id| (strsim::jaro_winkler(id, related), id))
                        .max_by(|a, b| a.0.total_cmp(&b.0))
                        .filter(|(score, _)| *score > 0.85)
                        .map(|(_, id)| format!("; did you mean `{id}`?"))
                        .unwrap_or_default();
                    diags.push(
                        at.clone(),
                        format!(
                            "`related` refers to `{related}`, which no program or FAQ has as id{closest}"
                        ),
                    );
                }
            }
        }
        let mut synonym_owner: HashMap<String, Location> = HashMap::new();
        for group in &synonym_groups {
            for term in group {
                let key = normalize(&term.value);
                if let Some(first) = synonym_owner.get(&key) {
                    diags.push(
                        term.location.clone(),
                        format!(
                            "synonym `{}` is already in the group at {first}",
                            term.value
                        ),
                    );
                } else {
                    synonym_owner.insert(key, term.location.clone());
                }
            }
        }
        let synonyms: Vec<Vec<String>> = synonym_groups
            .iter()
            .map(|g| g.iter().map(|t| t.value.clone()).collect())
            .collect();

        let mut user_words: Vec<String> = Vec::new();
        for program in &programs {
            for text in [&program.name, &program.agency]
                .into_iter()
                .chain(&program.keywords)
            {
                user_words.extend(text.split(|c: char| !c.is_alphanumeric()).map(String::from));
            }
        }
        for faq in &faqs {
            for keyword in &faq.keywords {
                user_words.extend(
                    keyword
                        .split(|c: char| !c.is_alphanumeric())
                        .map(String::from),
                );
            }
        }
        let all_synonyms = crate::nlu::synonyms::with_built_in(&synonyms);
        user_words.extend(all_synonyms.iter().filter_map(|g| g.first().cloned()));
        let analyzer = match Analyzer::new(&user_words, Synonyms::new(&all_synonyms)) {
            Ok(analyzer) => analyzer,
            Err(error) => {
                diags.push(Location::default(), format!("{error:#}"));
                return Err(diags.sorted());
            }
        };

        check_collisions(&entries, &analyzer, &mut diags);
        if !diags.is_empty() {
            return Err(diags.sorted());
        }

        let texts_of: Vec<EntryText<'_>> = entries
            .iter()
            .map(|e| EntryText::of(*e, |id| program_name(&programs, &ids, id)))
            .collect();
        let index = Index::build(&analyzer, &texts_of, Tuning::default());
        drop(texts_of);
        drop(entries);
        Ok(Self {
            programs,
            faqs,
            texts,
            matching,
            synonyms,
            analyzer,
            index,
            ids,
        })
    }

    /// Number of entries (programs, then FAQs).
    pub fn len(&self) -> usize {
        self.programs.len() + self.faqs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i` in index order: programs first, then FAQs.
    pub fn entry(&self, i: usize) -> Entry<'_> {
        if i < self.programs.len() {
            Entry::Program(&self.programs[i])
        } else {
            Entry::Faq(&self.faqs[i - self.programs.len()])
        }
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
        let mut outcome = decide(&ranked, &self.matching);
        // 얼마예요? or 언제 해요? alone names nothing: whatever it matches
        // is a guess, offered to choose from but never answered. (너 뭐 할수
        // 있어? names the bot.)
        let names_something = analysis.terms.iter().any(|t| {
            matches!(
                t.kind,
                TermKind::Word | TermKind::Stem | TermKind::Part | TermKind::Joined
            ) || t.text == "#봇"
        });
        if outcome == Outcome::Answer && !names_something {
            outcome = Outcome::Suggest;
        }
        MatchResult { outcome, ranked }
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

/// The name of the program with this id, if there is one (`ids` indexes
/// programs first, then FAQs).
fn program_name<'a>(
    programs: &'a [Program],
    ids: &HashMap<String, usize>,
    id: &str,
) -> Option<&'a str> {
    programs.get(*ids.get(id)?).map(|p| p.name.as_str())
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

/// Two entries must not share an example question: the same letters, or the
/// same words in another order or spacing.
fn check_collisions(entries: &[Entry<'_>], analyzer: &Analyzer, diags: &mut Diagnostics) {
    let mut by_letters: HashMap<String, (usize, Location)> = HashMap::new();
    let mut by_words: HashMap<Vec<String>, (usize, Location)> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        for (example, at) in entry.examples().iter().zip(entry.example_locations()) {
            let letters = compact(&analyzer.synonyms().rewrite(&normalize(example)));
            let mut words: Vec<String> = analyzer
                .analyze(example)
                .terms
                .into_iter()
                .filter(|t| t.kind != crate::nlu::TermKind::Joined)
                .map(|t| t.text)
                .collect();
            words.sort();
            let mut report = |other: usize, first: &Location, how: &str| {
                diags.push(
                    at.clone(),
                    format!(
                        "example question \"{example}\" collides with `{}` ({first}): {how}",
                        entries[other].id()
                    ),
                );
            };
            if !letters.is_empty() {
                match by_letters.get(&letters) {
                    Some((other, first)) if *other != i => {
                        report(*other, first, "the same question");
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        by_letters.insert(letters, (i, at.clone()));
                    }
                }
            }
            if !words.is_empty() {
                match by_words.get(&words) {
                    Some((other, first)) if *other != i => {
                        report(*other, first, "the same words");
                    }
                    Some(_) => {}
                    None => {
                        by_words.insert(words, (i, at.clone()));
                    }
                }
            }
        }
    }
}
