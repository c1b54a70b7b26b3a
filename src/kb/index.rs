//! The search index over programs and FAQs, and the matcher.
//!
//! A question is scored against every entry that shares a term with it, from
//! three signals, each between 0 and 1:
//!
//! - coverage: how much of the question (its terms weighted by rarity) the
//!   entry explains anywhere in its text;
//! - closeness: the cosine similarity between the question and the entry's
//!   closest example question;
//! - letter pairs: the overlap of Hangul/Latin letter pairs with the closest
//!   example, written without spaces, which catches what segmentation misses.
//!
//! Then the question's aspect (what it asks: 금액, 신청, 위치, 일정, …, see
//! `nlu`) steers between a program and its FAQs: entries whose example
//! questions ask it less than the candidate that asks it most are lowered.
//!
//! A question's word also finds the entries that use one of its built-in
//! near-synonyms (`nlu::related`: 후기 finds 사례), for `RELATED` of its
//! weight, counted once per entry with the best of the word and its
//! near-synonyms.
//!
//! Words not in the knowledge base weigh as much as its rarest words, so a
//! question about something else (여권 발급) is mostly unexplained and falls
//! back to a consultant instead of getting a confident wrong answer.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use serde::Serialize;

use super::model::{Entry, MatchingConfig};
use crate::nlu::{jamo, normalize::is_syllable, Analysis, Analyzer, TermKind};

/// The matcher's weights, tuned on labeled questions (tests/data).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Weights of the three signals; they add up to 1.
    pub coverage: f32,
    pub closeness: f32,
    pub pairs: f32,
    /// How much each part of an entry says about what it covers.
    pub agency_field: f32,
    pub body_field: f32,
    /// How much the name of a program a FAQ is `related` to counts for the
    /// FAQ: a question that names the program and asks one of its details
    /// is about that FAQ.
    pub related_field: f32,
    /// How much a term counts by how it was found, in `TermKind` order.
    pub kinds: [f32; 7],
    /// How much an entry with many words is held back (BM25's b): long
    /// entries explain many questions a little.
    pub length_norm: f32,
    /// How much an entry whose example questions ask about the question's
    /// aspect (금액, 신청, 위치, 일정, …) is raised, and how much one whose
    /// examples never do is lowered, for questions that have an aspect.
    pub aspect_boost: f32,
    pub aspect_penalty: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        // Tuned on the odd lines of tests/data/covered.tsv with the even
        // lines held out (`cargo run --release --example tune`): odd 0.899,
        // even 0.911; chosen among the settings within 0.01 of the best odd
        // score for doing best on the even lines and on tests/data/holdout.tsv,
        // which no tuning run sees. Coverage carries most of the weight,
        // letter pairs next.
        Self {
            coverage: 0.5,
            closeness: 0.2,
            pairs: 0.3,
            agency_field: 0.7,
            body_field: 0.4,
            related_field: 0.8,
            kinds: [1.0, 0.7, 0.8, 0.4, 0.7, 1.0, 0.2],
            length_norm: 0.0,
            aspect_boost: 0.0,
            aspect_penalty: 0.3,
        }
    }
}

impl Tuning {
    fn kind(&self, kind: TermKind) -> f32 {
        self.kinds[kind as usize]
    }
}

const TITLE_FIELD: f32 = 1.0;

/// How much a near-synonym (`nlu::related`) of a question's word counts
/// against the word itself.
const RELATED: f32 = 0.7;
/// A misspelt word must be at least this close (by jamo) to a known one.
const TYPO_SIMILARITY: f64 = 0.75;
/// Entries kept from the coverage pass for the finer signals.
const CANDIDATES: usize = 16;
/// Entries tied on coverage with all the candidates also kept, at most.
const TIED_CANDIDATES: usize = 48;

/// The outcome the bot acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Confident: send the best entry.
    Answer,
    /// A short list to choose from.
    Suggest,
    /// Not covered: offer a consultant.
    Fallback,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answer => "answer",
            Outcome::Suggest => "suggest",
            Outcome::Fallback => "fallback",
        }
    }
}

/// One ranked entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Index into `KnowledgeBase::entry`.
    pub entry: usize,
    pub score: f32,
    /// The best cosine, and apart from it the best letter-pair overlap
    /// (Dice), of the entry's example questions with the question.
    pub closeness: f32,
    pub pairs: f32,
}

/// The matcher's verdict on one question.
#[derive(Debug, Clone)]
pub struct MatchResult {
    pub outcome: Outcome,
    /// Best first; for `Suggest` the first `max_suggestions` are the offer.
    pub ranked: Vec<Scored>,
}

/// Where one example question's terms and letter pairs lie in `Examples`.
struct Example {
    terms: std::ops::Range<u32>,
    /// Euclidean norm of the example's idf-weighted terms.
    norm: f32,
    pairs: std::ops::Range<u32>,
}

/// Every example question's terms and letter pairs, stored end to end in
/// entry order, so scoring a candidate reads memory in order rather than
/// chasing a vector per example.
#[derive(Default)]
struct Examples {
    /// Per entry: its examples in `list`.
    of_entry: Vec<std::ops::Range<u32>>,
    list: Vec<Example>,
    /// (term id, weight of its kind × idf).
    terms: Vec<(u32, f32)>,
    /// Distinct letter pairs, as ids into `Index::pair_ids`.
    pairs: Vec<u32>,
}

impl Examples {
    fn of(&self, entry: u32) -> &[Example] {
        let range = &self.of_entry[entry as usize];
        &self.list[range.start as usize..range.end as usize]
    }

    fn terms(&self, example: &Example) -> &[(u32, f32)] {
        &self.terms[example.terms.start as usize..example.terms.end as usize]
    }

    fn pairs(&self, example: &Example) -> &[u32] {
        &self.pairs[example.pairs.start as usize..example.pairs.end as usize]
    }

    fn entries(&self) -> usize {
        self.of_entry.len()
    }
}

/// Per-thread scratch space for scoring, so a question allocates nothing
/// the size of the vocabulary: the question's weight per term id, and per
/// letter-pair id whether the question has it. Entries are reset after use.
#[derive(Default)]
struct Scratch {
    weights: Vec<f32>,
    marks: Vec<u8>,
    /// Per entry: how much of the question it covers so far.
    coverage: Vec<f32>,
    /// Per entry: the best credit of the current question word or its
    /// near-synonyms, valid where `credit_stamp` equals `stamp`.
    credit: Vec<f32>,
    credit_stamp: Vec<u32>,
    stamp: u32,
    /// The entries with coverage, and those credited by the current word:
    /// kept between questions for their capacity.
    touched: Vec<u32>,
    credited: Vec<u32>,
    /// Per candidate: the best credit of the current common word.
    best: Vec<f32>,
}

impl Scratch {
    /// Adds the unit's credit to the coverage of the entries it is found in,
    /// recording entries seen for the first time in `touched`.
    fn walk(&mut self, unit: &Unit<'_>) {
        let Scratch {
            coverage,
            credit,
            credit_stamp,
            stamp,
            touched,
            credited,
            ..
        } = self;
        if unit.related.is_empty() {
            for &(entry, field) in unit.own {
                let slot = &mut coverage[entry as usize];
                if *slot == 0.0 {
                    touched.push(entry);
                }
                *slot += unit.weight * field;
            }
            return;
        }
        // The word itself or its best near-synonym, once per entry.
        *stamp = stamp.wrapping_add(1);
        credited.clear();
        for (list, factor) in unit.lists() {
            for &(entry, field) in list {
                let e = entry as usize;
                if credit_stamp[e] != *stamp {
                    credit_stamp[e] = *stamp;
                    credit[e] = factor * field;
                    credited.push(entry);
                } else {
                    credit[e] = credit[e].max(factor * field);
                }
            }
        }
        for &entry in credited.iter() {
            let slot = &mut coverage[entry as usize];
            if *slot == 0.0 {
                touched.push(entry);
            }
            *slot += unit.weight * credit[entry as usize];
        }
    }
}

/// A word of the question with its near-synonyms, as posting lists.
struct Unit<'a> {
    weight: f32,
    /// The word's own posting list (empty if the knowledge base lacks it).
    own: &'a [(u32, f32)],
    /// Its near-synonyms' term ids, found for `RELATED` of the weight.
    related: &'a [u32],
    postings: &'a [Vec<(u32, f32)>],
}

impl<'a> Unit<'a> {
    /// (posting list, how much a match in it counts).
    fn lists(&self) -> impl Iterator<Item = (&'a [(u32, f32)], f32)> + '_ {
        std::iter::once((self.own, 1.0)).chain(
            self.related
                .iter()
                .map(|&id| (self.postings[id as usize].as_slice(), RELATED)),
        )
    }

    /// Number of postings: how common the word is.
    fn entries(&self) -> usize {
        self.lists().map(|(list, _)| list.len()).sum()
    }

    /// Adds `weight` × the best credit of the word or a near-synonym to
    /// each of `entries` (ascending, with what they cover so far). Posting
    /// lists are in entry order, so each list is searched forward from the
    /// last entry found (galloping), not from its start.
    fn credit_each(&self, entries: &mut [(u32, f32)], best: &mut Vec<f32>) {
        best.clear();
        best.resize(entries.len(), 0.0);
        for (list, factor) in self.lists() {
            let mut from = 0;
            for (i, &(entry, _)) in entries.iter().enumerate() {
                from = gallop(list, from, entry);
                match list.get(from) {
                    Some(&(found, field)) if found == entry => {
                        best[i] = best[i].max(factor * field);
                    }
                    Some(_) => {}
                    None => break,
                }
            }
        }
        for ((_, covered), credit) in entries.iter_mut().zip(best.iter()) {
            *covered += self.weight * credit;
        }
    }
}

/// The first position at or after `from` whose entry is not below `entry`,
/// found by doubling steps and then halving (`list` in entry order).
fn gallop(list: &[(u32, f32)], from: usize, entry: u32) -> usize {
    let rest = &list[from.min(list.len())..];
    let mut step = 1;
    while step < rest.len() && rest[step].0 < entry {
        step *= 2;
    }
    let low = step / 2;
    let high = (step + 1).min(rest.len());
    from + low + rest[low..high].partition_point(|p| p.0 < entry)
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The index built once per knowledge base.
pub struct Index {
    vocabulary: FxHashMap<String, u32>,
    terms: Vec<String>,
    idf: Vec<f32>,
    unknown_idf: f32,
    /// term id → (entry, field weight of the term in that entry).
    postings: Vec<Vec<(u32, f32)>>,
    examples: Examples,
    /// A known word with one syllable blanked or removed → the words it came from.
    typo_keys: FxHashMap<String, Vec<u32>>,
    tuning: Tuning,
    /// Per entry: 1 / ((1 - b) + b · terms / average terms).
    length_factor: Vec<f32>,
    /// The largest of `length_factor`.
    max_length_factor: f32,
    /// Per entry: the aspects its example questions ask about, with the share
    /// of examples asking it.
    aspects: Vec<Vec<(String, f32)>>,
    /// Every letter pair of the example questions → its id.
    pair_ids: FxHashMap<u64, u32>,
    /// A word of the built-in near-synonym groups → the known terms of its
    /// groups (itself aside).
    related: FxHashMap<String, Vec<u32>>,
}

/// One term of a question, as the index sees it.
struct QueryTerm<'a> {
    /// The term's id, if the knowledge base has it (perhaps after typo correction).
    id: Option<u32>,
    weight: f32,
    /// Whether it counts in the question's total (guesses of the joiner
    /// the knowledge base does not know do not).
    counts: bool,
    /// Known near-synonyms, which find entries for `RELATED` of the weight.
    related: &'a [u32],
}

/// The text of one entry, split by how much each part counts.
pub struct EntryText<'a> {
    /// Name or questions, keywords: what the entry is about.
    pub titles: Vec<&'a str>,
    /// Example questions (and for programs their name), compared one by one.
    pub examples: Vec<&'a str>,
    /// Whether the first of `examples` is the entry's name.
    pub named: bool,
    pub agency: Option<&'a str>,
    /// Descriptions and answers.
    pub body: Vec<&'a str>,
    /// For a FAQ, the names of the programs it is `related` to.
    pub related: Vec<&'a str>,
}

impl<'a> EntryText<'a> {
    /// The text of `entry`; `name_of` finds a related program's name by id.
    pub fn of(entry: Entry<'a>, name_of: impl Fn(&str) -> Option<&'a str>) -> Self {
        match entry {
            Entry::Program(p) => {
                let mut titles = vec![p.name.as_str()];
                titles.extend(p.keywords.iter().map(String::as_str));
                let mut examples = vec![p.name.as_str()];
                examples.extend(p.examples.iter().map(String::as_str));
                Self {
                    titles,
                    examples,
                    named: true,
                    agency: Some(&p.agency),
                    body: vec![&p.support, &p.eligibility, &p.apply],
                    related: Vec::new(),
                }
            }
            Entry::Faq(f) => {
                let titles = f.keywords.iter().map(String::as_str).collect();
                Self {
                    titles,
                    examples: f.questions.iter().map(String::as_str).collect(),
                    named: false,
                    agency: None,
                    body: vec![&f.answer],
                    related: f.related.iter().filter_map(|id| name_of(id)).collect(),
                }
            }
        }
    }
}

impl Index {
    /// Builds the index of `entries` with `analyzer`.
    pub fn build(analyzer: &Analyzer, entries: &[EntryText<'_>], tuning: Tuning) -> Self {
        let mut index = Index {
            tuning,
            length_factor: Vec::new(),
            max_length_factor: 1.0,
            vocabulary: FxHashMap::default(),
            terms: Vec::new(),
            idf: Vec::new(),
            unknown_idf: 0.0,
            postings: Vec::new(),
            examples: Examples::default(),
            typo_keys: FxHashMap::default(),
            aspects: Vec::new(),
            pair_ids: FxHashMap::default(),
            related: FxHashMap::default(),
        };
        let mut example_analyses: Vec<Vec<Analysis>> = Vec::with_capacity(entries.len());
        // Words as written (not joined guesses): the targets of typo look-up.
        let mut typo_targets: std::collections::HashSet<u32> = Default::default();
        for (entry_id, text) in entries.iter().enumerate() {
            let mut weights: HashMap<u32, f32> = HashMap::new();
            let mut add = |index: &mut Index, analysis: &Analysis, field: f32| {
                for term in &analysis.terms {
                    // What an entry is about is in its questions and keywords,
                    // not in the details its answer happens to mention.
                    if term.kind == TermKind::Aspect && field < TITLE_FIELD {
                        continue;
                    }
                    let id = index.intern(&term.text);
                    if term.kind != TermKind::Joined {
                        typo_targets.insert(id);
                    }
                    let w = field * tuning.kind(term.kind).max(0.6);
                    let slot = weights.entry(id).or_insert(0.0);
                    *slot = slot.max(w);
                }
            };
            let mut analyses = Vec::new();
            for example in &text.examples {
                let analysis = analyzer.analyze(example);
                add(&mut index, &analysis, TITLE_FIELD);
                analyses.push(analysis);
            }
            for title in &text.titles {
                add(&mut index, &analyzer.analyze(title), TITLE_FIELD);
            }
            if let Some(agency) = text.agency {
                add(&mut index, &analyzer.analyze(agency), tuning.agency_field);
            }
            for name in &text.related {
                add(&mut index, &analyzer.analyze(name), tuning.related_field);
            }
            for body in &text.body {
                add(&mut index, &analyzer.analyze(body), tuning.body_field);
            }
            index.length_factor.push(weights.len() as f32);
            for (term, weight) in weights {
                index.postings[term as usize].push((entry_id as u32, weight));
            }
            example_analyses.push(analyses);
        }

        let n = entries.len() as f32;
        let average = index.length_factor.iter().sum::<f32>() / n.max(1.0);
        let b = tuning.length_norm;
        for factor in &mut index.length_factor {
            *factor = 1.0 / ((1.0 - b) + b * *factor / average.max(1.0));
        }
        index.max_length_factor = index.length_factor.iter().copied().fold(0.0, f32::max);
        index.idf = index
            .postings
            .iter()
            .map(|p| bm25_idf(n, p.len() as f32))
            .collect();
        index.unknown_idf = bm25_idf(n, 0.5);

        let named: Vec<bool> = entries.iter().map(|e| e.named).collect();
        for (entry_index, analyses) in example_analyses.into_iter().enumerate() {
            let mut shares: Vec<(String, f32)> = Vec::new();
            let asked = &analyses[named[entry_index] as usize..];
            for analysis in asked {
                for term in analysis.terms.iter().filter(|t| t.kind == TermKind::Aspect) {
                    match shares.iter_mut().find(|(a, _)| *a == term.text) {
                        Some(share) => share.1 += 1.0,
                        None => shares.push((term.text.clone(), 1.0)),
                    }
                }
            }
            for share in &mut shares {
                share.1 /= asked.len().max(1) as f32;
            }
            // A program is the overview of itself: "what is X" is about it.
            if named[entry_index] {
                shares.retain(|(a, _)| a != "#개요");
                shares.push(("#개요".to_string(), 1.0));
            }
            index.aspects.push(shares);
            let first = index.examples.list.len() as u32;
            for analysis in &analyses {
                let terms_start = index.examples.terms.len() as u32;
                for t in &analysis.terms {
                    let id = index.vocabulary[&t.text];
                    let weight = tuning.kind(t.kind) * index.idf[id as usize];
                    index.examples.terms.push((id, weight));
                }
                let terms = terms_start..index.examples.terms.len() as u32;
                let norm = index.examples.terms[terms.start as usize..]
                    .iter()
                    .map(|(_, w)| w * w)
                    .sum::<f32>()
                    .sqrt();
                let pairs_start = index.examples.pairs.len() as u32;
                for pair in letter_pairs(&analysis.compact) {
                    let next = index.pair_ids.len() as u32;
                    let id = *index.pair_ids.entry(pair).or_insert(next);
                    index.examples.pairs.push(id);
                }
                let pairs = pairs_start..index.examples.pairs.len() as u32;
                index.examples.list.push(Example { terms, norm, pairs });
            }
            let end = index.examples.list.len() as u32;
            index.examples.of_entry.push(first..end);
        }

        for group in analyzer.related().groups() {
            let known: Vec<u32> = group
                .iter()
                .filter_map(|term| index.vocabulary.get(term).copied())
                .collect();
            for term in group {
                let own = index.vocabulary.get(term).copied();
                let others: Vec<u32> = known.iter().copied().filter(|&k| Some(k) != own).collect();
                if !others.is_empty() {
                    let slot = index.related.entry(term.clone()).or_default();
                    slot.extend(others);
                    slot.sort_unstable();
                    slot.dedup();
                }
            }
        }

        for id in typo_targets {
            for key in typo_keys(&index.terms[id as usize]) {
                index.typo_keys.entry(key).or_default().push(id);
            }
        }
        for ids in index.typo_keys.values_mut() {
            ids.sort_unstable();
        }
        index
    }

    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.vocabulary.get(term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.vocabulary.insert(term.to_string(), id);
        self.terms.push(term.to_string());
        self.postings.push(Vec::new());
        id
    }

    /// The text of term `id`.
    pub fn term(&self, id: u32) -> &str {
        &self.terms[id as usize]
    }

    /// Number of distinct terms.
    pub fn vocabulary_size(&self) -> usize {
        self.terms.len()
    }

    /// Whether `term` occurs anywhere in the knowledge base.
    pub fn knows(&self, term: &str) -> bool {
        self.vocabulary.contains_key(term)
    }

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

    /// Scores every entry sharing a term with `analysis`, best first.
    pub fn rank(&self, analysis: &Analysis) -> Vec<Scored> {
        let mut query: Vec<QueryTerm> = Vec::with_capacity(analysis.terms.len());
        for term in &analysis.terms {
            let kind = self.tuning.kind(term.kind);
            let related = match term.kind {
                TermKind::Word | TermKind::Stem | TermKind::Joined => {
                    self.related.get(&term.text).map_or(&[][..], Vec::as_slice)
                }
                _ => &[],
            };
            let (id, weight) = match self.vocabulary.get(&term.text) {
                Some(&id) => (Some(id), kind * self.idf[id as usize]),
                // A word the knowledge base does not use but says otherwise
                // weighs as much as the rarest of its near-synonyms.
                None if !related.is_empty() => {
                    let idf = related
                        .iter()
                        .map(|&id| self.idf[id as usize])
                        .fold(0.0f32, f32::max);
                    (None, kind * idf)
                }
                None => match (!matches!(term.kind, TermKind::Joined | TermKind::Aspect)
                    && analysis.fragmented.contains(&term.word))
                .then(|| self.correct_typo(&term.text))
                .flatten()
                {
                    Some((id, similarity)) => {
                        (Some(id), kind * similarity as f32 * self.idf[id as usize])
                    }
                    _ => (None, kind * self.unknown_idf),
                },
            };
            // A one-syllable word nobody wrote in the knowledge base is more
            // often a shard of a misspelt word than a topic of its own.
            let weight = if id.is_none() && related.is_empty() && term.text.chars().count() == 1 {
                weight * 0.5
            } else {
                weight
            };
            // Joined words the knowledge base has never seen are guesses of
            // the joiner, not words of the question: they do not count against it.
            let counts = id.is_some()
                || !related.is_empty()
                || !matches!(term.kind, TermKind::Joined | TermKind::Aspect);
            match query.iter_mut().find(|q| id.is_some() && q.id == id) {
                Some(existing) => existing.weight = existing.weight.max(weight),
                None => query.push(QueryTerm {
                    id,
                    weight,
                    counts,
                    related,
                }),
            }
        }
        let total: f32 = query.iter().filter(|q| q.counts).map(|q| q.weight).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        let query_norm = query
            .iter()
            .filter(|q| q.counts)
            .map(|q| q.weight * q.weight)
            .sum::<f32>()
            .sqrt();

        let mut candidates = self.cover(&query, total);
        let by_coverage = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if candidates.len() > CANDIDATES {
            // When coverage cannot tell the candidates apart at all (a
            // question of few words, which many entries cover alike), the
            // entries tied with them stay in too, up to a limit: only the
            // finer signals can choose. Otherwise the cut stands: on a large
            // knowledge base ties below the leaders are common and scoring
            // them all cost a third of the time.
            let last = nth_largest(candidates.iter().map(|c| c.1), CANDIDATES);
            candidates.retain(|c| c.1 >= last - 1e-6);
            let all_tied = candidates.iter().all(|c| c.1 <= last + 1e-6);
            let keep = if all_tied {
                CANDIDATES + TIED_CANDIDATES
            } else {
                CANDIDATES
            };
            if candidates.len() > keep {
                candidates.select_nth_unstable_by(keep - 1, by_coverage);
                candidates.truncate(keep);
            }
        }
        candidates.sort_by(by_coverage);

        let query_pairs = letter_pairs(&analysis.compact);
        let query_aspects: Vec<&str> = analysis
            .terms
            .iter()
            .filter(|t| t.kind == TermKind::Aspect)
            .map(|t| t.text.as_str())
            .collect();
        let mut query_terms: Vec<(u32, f32)> = Vec::with_capacity(query.len());
        for term in &query {
            if let Some(id) = term.id {
                query_terms.push((id, term.weight));
            }
            for &id in term.related {
                query_terms.push((id, term.weight * RELATED));
            }
        }

        let t = &self.tuning;
        let mut ranked: Vec<Scored> = SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch { weights, marks, .. } = &mut *scratch;
            if weights.len() < self.terms.len() {
                weights.resize(self.terms.len(), 0.0);
            }
            if marks.len() < self.pair_ids.len() {
                marks.resize(self.pair_ids.len(), 0);
            }
            for &(id, w) in &query_terms {
                weights[id as usize] = weights[id as usize].max(w);
            }
            let known_pairs: Vec<u32> = query_pairs
                .iter()
                .filter_map(|p| self.pair_ids.get(p).copied())
                .collect();
            for &id in &known_pairs {
                marks[id as usize] = 1;
            }
            let query_pair_count = query_pairs.len() as f32;
            let ranked = candidates
                .iter()
                .map(|&(entry, coverage)| {
                    let mut closeness = 0.0f32;
                    let mut pairs = 0.0f32;
                    for example in self.examples.of(entry) {
                        if example.norm > 0.0 && query_norm > 0.0 {
                            let dot: f32 = self
                                .examples
                                .terms(example)
                                .iter()
                                .map(|&(id, w)| weights[id as usize] * w)
                                .sum();
                            closeness = closeness.max((dot / (query_norm * example.norm)).min(1.0));
                        }
                        let example_pairs = self.examples.pairs(example);
                        if !example_pairs.is_empty() && query_pair_count > 0.0 {
                            let shared: u32 =
                                example_pairs.iter().map(|&p| marks[p as usize] as u32).sum();
                            pairs = pairs.max(
                                2.0 * shared as f32
                                    / (query_pair_count + example_pairs.len() as f32),
                            );
                        }
                    }
                    let score = t.coverage * coverage + t.closeness * closeness + t.pairs * pairs;
                    if explain() {
                        eprintln!(
                            "  {entry:4} cov {coverage:.2} close {closeness:.2} pairs {pairs:.2} aspects {:?} -> {score:.3}",
                            self.aspects[entry as usize]
                        );
                    }
                    Scored {
                        entry: entry as usize,
                        score,
                        closeness,
                        pairs,
                    }
                })
                .collect();
            for &(id, _) in &query_terms {
                weights[id as usize] = 0.0;
            }
            for &id in &known_pairs {
                marks[id as usize] = 0;
            }
            ranked
        });
        self.steer_by_aspect(&query_aspects, &mut ranked);
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        ranked
    }

    /// The coverage pass: every entry that could be among the `CANDIDATES`
    /// covering most of the question, with the share it covers.
    ///
    /// Words are walked entry by entry from the rarest (shortest posting
    /// list) on. Before a common one (지원, 신청, a region in a large
    /// knowledge base), the `CANDIDATES`-th best share so far is a floor for
    /// the last candidate: when an entry found by none of the words walked
    /// could not reach it even with all the words left, the rest are not
    /// walked but looked up for the entries still in the race (MaxScore).
    fn cover(&self, query: &[QueryTerm], total: f32) -> Vec<(u32, f32)> {
        let mut units: Vec<Unit<'_>> = query
            .iter()
            .map(|term| Unit {
                weight: term.weight,
                own: term
                    .id
                    .map_or(&[][..], |id| self.postings[id as usize].as_slice()),
                related: term.related,
                postings: &self.postings,
            })
            .filter(|unit| !unit.own.is_empty() || !unit.related.is_empty())
            .collect();
        units.sort_by_cached_key(Unit::entries);
        let entries = self.examples.entries();
        // A word is walked without looking first when its list is short, or
        // no longer than the list of entries found so far: looking costs a
        // pass over those, and walking it would cost less. On the generated
        // 10,000-entry knowledge base this cut instructions per question by
        // a fifth against looking once, before every word in a sixteenth of
        // the entries (docs/CHANGELOG.md).
        let cheap = CANDIDATES * 4;
        let share = |entry: u32, covered: f32| covered / total * self.length_factor[entry as usize];

        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let scratch = &mut *scratch;
            if scratch.coverage.len() < entries {
                scratch.coverage.resize(entries, 0.0);
                scratch.credit.resize(entries, 0.0);
                scratch.credit_stamp.resize(entries, 0);
            }
            scratch.touched.clear();
            let mut left: f32 = units.iter().map(|unit| unit.weight).sum();
            let mut walked = 0;
            let mut floor = None;
            while walked < units.len() {
                let unit = &units[walked];
                if unit.entries() > cheap.max(scratch.touched.len())
                    && scratch.touched.len() >= CANDIDATES
                {
                    let best = nth_largest(
                        scratch
                            .touched
                            .iter()
                            .map(|&e| share(e, scratch.coverage[e as usize])),
                        CANDIDATES,
                    );
                    if left / total * self.max_length_factor < best {
                        floor = Some(best);
                        break;
                    }
                }
                scratch.walk(unit);
                left -= unit.weight;
                walked += 1;
            }
            let touched = std::mem::take(&mut scratch.touched);
            let mut candidates = Vec::with_capacity(touched.len());
            match floor {
                Some(floor) => {
                    candidates.extend(touched.iter().filter_map(|&entry| {
                        let covered = scratch.coverage[entry as usize];
                        (share(entry, covered + left) >= floor).then_some((entry, covered))
                    }));
                    candidates.sort_unstable_by_key(|c| c.0);
                    for unit in &units[walked..] {
                        unit.credit_each(&mut candidates, &mut scratch.best);
                    }
                    for (entry, covered) in &mut candidates {
                        *covered = share(*entry, *covered).min(1.0);
                    }
                }
                None => {
                    for &entry in &touched {
                        let covered = scratch.coverage[entry as usize];
                        candidates.push((entry, share(entry, covered).min(1.0)));
                    }
                }
            }
            for &entry in &touched {
                scratch.coverage[entry as usize] = 0.0;
            }
            scratch.touched = touched;
            candidates
        })
    }

    /// Raises the entries whose example questions ask what the question asks
    /// (its aspects) and lowers the others, relative to the candidate that
    /// asks it most: an aspect no candidate is written about changes nothing.
    fn steer_by_aspect(&self, query_aspects: &[&str], ranked: &mut [Scored]) {
        if query_aspects.is_empty() || ranked.is_empty() {
            return;
        }
        let t = &self.tuning;
        let share = |entry: usize, aspect: &str| {
            self.aspects[entry]
                .iter()
                .find(|(a, _)| a == aspect)
                .map_or(0.0, |(_, share)| *share)
        };
        let best: Vec<f32> = query_aspects
            .iter()
            .map(|q| {
                ranked
                    .iter()
                    .map(|s| share(s.entry, q))
                    .fold(0.0f32, f32::max)
            })
            .collect();
        let asked = best.iter().filter(|b| **b > 0.0).count();
        if asked == 0 {
            return;
        }
        for scored in ranked.iter_mut() {
            let matched = query_aspects
                .iter()
                .zip(&best)
                .filter(|(_, b)| **b > 0.0)
                .map(|(q, b)| share(scored.entry, q) / b)
                .sum::<f32>()
                / asked as f32;
            scored.score *=
                (1.0 + t.aspect_boost * matched) * (1.0 - t.aspect_penalty * (1.0 - matched));
        }
    }
}

/// Decides the outcome from ranked scores.
pub fn decide(ranked: &[Scored], config: &MatchingConfig) -> Outcome {
    let Some(best) = ranked.first() else {
        return Outcome::Fallback;
    };
    let letters = best.pairs as f64;
    let best = best.score as f64;
    let second = ranked.get(1).map_or(0.0, |s| s.score as f64);
    if best >= config.answer_threshold
        && best - second >= config.answer_margin
        && letters >= config.answer_min_letters
    {
        Outcome::Answer
    } else if best >= config.suggest_threshold {
        Outcome::Suggest
    } else {
        Outcome::Fallback
    }
}

/// The `n`-th largest of `values` (at least `n` of them), kept in a small
/// sorted buffer: one comparison per value for the many that are not among
/// the largest, instead of partitioning them all.
fn nth_largest(values: impl Iterator<Item = f32>, n: usize) -> f32 {
    // Ascending: top[0] is the n-th largest so far.
    let mut top: Vec<f32> = Vec::with_capacity(n);
    for value in values {
        if top.len() < n {
            let at = top.partition_point(|&t| t < value);
            top.insert(at, value);
        } else if value > top[0] {
            let at = top.partition_point(|&t| t < value);
            top.insert(at, value);
            top.remove(0);
        }
    }
    top.first().copied().unwrap_or(0.0)
}

fn explain() -> bool {
    static EXPLAIN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *EXPLAIN.get_or_init(|| std::env::var_os("ONESTOP_EXPLAIN").is_some())
}

fn bm25_idf(entries: f32, containing: f32) -> f32 {
    (1.0 + (entries - containing + 0.5) / (containing + 0.5)).ln()
}

/// Keys under which a word is filed for typo look-up: the word with each
/// syllable blanked (one wrong syllable), and with each syllable removed (one
/// syllable too many or too few), for words of two syllables or more.
fn typo_keys(word: &str) -> Vec<String> {
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

/// Distinct pairs of neighbouring letters, as sortable numbers.
fn letter_pairs(compact: &str) -> Vec<u64> {
    let chars: Vec<char> = compact.chars().collect();
    let mut pairs: Vec<u64> = chars
        .windows(2)
        .map(|w| ((w[0] as u64) << 32) | w[1] as u64)
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_keys_meet_for_one_wrong_or_missing_syllable() {
        let known = typo_keys("지원금");
        assert!(typo_keys("지언금").iter().any(|k| known.contains(k)));
        assert!(typo_keys("지원").iter().any(|k| known.contains(k)));
        assert!(typo_keys("ab").is_empty());
    }

    /// An index of FAQs with one example question each.
    fn index_of_examples(analyzer: &Analyzer, examples: &[String]) -> Index {
        let entries: Vec<EntryText<'_>> = examples
            .iter()
            .map(|text| EntryText {
                titles: vec![],
                examples: vec![text.as_str()],
                named: false,
                agency: None,
                body: vec![],
                related: vec![],
            })
            .collect();
        Index::build(analyzer, &entries, Tuning::default())
    }

    #[test]
    fn common_words_still_count_for_the_entries_rare_words_found() {
        // 400 entries: every one says 지원, every fourth 회의, the first 30
        // 창업 (commas keep the words from being joined). The entries with
        // 창업 and 회의 must lead, then the other 창업 entries, even when the
        // common words are looked up per entry instead of walked (MaxScore).
        let analyzer = Analyzer::plain().unwrap();
        let texts: Vec<String> = (0..400)
            .map(|i| {
                let mut text = String::from("지원");
                if i % 4 == 0 {
                    text.push_str(", 회의");
                }
                if i < 30 {
                    text.push_str(", 창업");
                }
                text
            })
            .collect();
        let index = index_of_examples(&analyzer, &texts);
        let ranked = index.rank(&analyzer.analyze("창업, 회의, 지원"));
        let leaders: Vec<usize> = ranked.iter().take(8).map(|s| s.entry).collect();
        assert_eq!(leaders, vec![0, 4, 8, 12, 16, 20, 24, 28], "{ranked:?}");
        assert!(ranked.iter().all(|s| s.entry < 30), "{ranked:?}");
        assert_eq!(ranked.len(), CANDIDATES, "{ranked:?}");
        // The coverage itself: all three words for entry 0, two for entry 1.
        let analysis = analyzer.analyze("창업, 회의, 지원");
        let query: Vec<QueryTerm> = analysis
            .terms
            .iter()
            .filter_map(|t| index.vocabulary.get(&t.text))
            .map(|&id| QueryTerm {
                id: Some(id),
                weight: index.idf[id as usize],
                counts: true,
                related: &[],
            })
            .collect();
        let total: f32 = query.iter().map(|q| q.weight).sum();
        let covered = index.cover(&query, total);
        let share = |entry: u32| covered.iter().find(|c| c.0 == entry).unwrap().1;
        assert!(share(0) > 0.99, "{covered:?}");
        assert!(share(1) < share(0) - 0.1, "{covered:?}");
    }

    #[test]
    fn when_coverage_ties_everywhere_the_letters_decide_among_all_tied() {
        // 40 entries cover "상담" alike; the 36th is written like the
        // question. It must not be cut for coming late in entry order.
        let analyzer = Analyzer::plain().unwrap();
        let own = [
            "가방", "구두", "모자", "양말", "장갑", "시계", "우산", "안경",
        ];
        let texts: Vec<String> = (0..40)
            .map(|i| match i {
                35 => "상담해줘요 빨리빨리".to_string(),
                _ => format!("상담, {}", own[i % own.len()]),
            })
            .collect();
        let index = index_of_examples(&analyzer, &texts);
        let ranked = index.rank(&analyzer.analyze("상담해줘요 빨리빨리요"));
        assert_eq!(ranked[0].entry, 35, "{:?}", &ranked[..3]);
    }

    #[test]
    fn letter_pairs_are_distinct_neighbours() {
        let pairs = letter_pairs("창업창업");
        // 창업, 업창 (창업 twice counts once).
        assert_eq!(pairs.len(), 2);
        assert!(letter_pairs("창").is_empty());
    }
}
