//! Building the index from the entries' texts: their terms into posting
//! lists weighted by field (name, questions and keywords over agency and
//! body), term rarity (BM25's idf) and entry length, the aspects each
//! entry's example questions ask, the example questions for scoring, the
//! near-synonyms the knowledge base knows, and the typo keys.

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;

use super::chars::CharGrams;
use super::examples::{letter_pairs, Example, Examples};
use super::{Index, Tuning, TITLE_FIELD};
use crate::kb::model::Entry;
use crate::nlu::{Analysis, Analyzer, TermKind};

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
            Entry::Referral(r) => {
                let mut titles = vec![r.title.as_str()];
                titles.extend(r.keywords.iter().map(String::as_str));
                let mut body = vec![r.answer.as_str()];
                body.extend(r.contacts.iter().map(|c| c.name.as_str()));
                Self {
                    titles,
                    examples: r.questions.iter().map(String::as_str).collect(),
                    named: false,
                    agency: Some(&r.agency),
                    body,
                    related: Vec::new(),
                }
            }
        }
    }
}

impl Index {
    /// Builds the index of `entries` with `analyzer`.
    pub fn build(analyzer: &Analyzer, entries: &[EntryText<'_>], tuning: Tuning) -> Self {
        let mut index = Index::empty(tuning);
        let mut example_analyses: Vec<Vec<Analysis>> = Vec::with_capacity(entries.len());
        // Words as written (not joined guesses): the targets of typo look-up.
        let mut typo_targets: HashSet<u32> = Default::default();
        for (entry_id, text) in entries.iter().enumerate() {
            let analyses = index.post_entry(analyzer, entry_id as u32, text, &mut typo_targets);
            example_analyses.push(analyses);
        }
        index.weigh_terms(entries.len() as f32);
        for (text, analyses) in entries.iter().zip(&example_analyses) {
            index.aspects.push(aspect_shares(analyses, text.named));
            index
                .questions
                .push((text.examples.len() - usize::from(text.named)) as u32);
            index.store_examples(analyses);
        }
        index.chars = CharGrams::build(example_analyses.iter().flatten().map(|a| a.text.as_str()));
        index.link_related(analyzer);
        index.file_typo_keys(typo_targets);
        index
    }

    /// An index of nothing yet.
    fn empty(tuning: Tuning) -> Self {
        Index {
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
            chars: CharGrams::default(),
            questions: Vec::new(),
        }
    }

    /// Adds the terms of entry `entry_id`, `text`, to the posting lists, each
    /// at its weight in the field where it counts most, and counts them for
    /// the entry's length. Returns the analyses of its example questions.
    fn post_entry(
        &mut self,
        analyzer: &Analyzer,
        entry_id: u32,
        text: &EntryText<'_>,
        typo_targets: &mut HashSet<u32>,
    ) -> Vec<Analysis> {
        let tuning = self.tuning;
        let mut weights: HashMap<u32, f32> = HashMap::new();
        let mut add = |index: &mut Index, analysis: &Analysis, field: f32| {
            index.add_terms(&mut weights, analysis, field, typo_targets);
        };
        let mut analyses = Vec::new();
        for example in &text.examples {
            let analysis = analyzer.analyze(example);
            add(self, &analysis, TITLE_FIELD);
            analyses.push(analysis);
        }
        for title in &text.titles {
            add(self, &analyzer.analyze(title), TITLE_FIELD);
        }
        if let Some(agency) = text.agency {
            add(self, &analyzer.analyze(agency), tuning.agency_field);
        }
        for name in &text.related {
            add(self, &analyzer.analyze(name), tuning.related_field);
        }
        for body in &text.body {
            add(self, &analyzer.analyze(body), tuning.body_field);
        }
        self.length_factor.push(weights.len() as f32);
        for (term, weight) in weights {
            self.postings[term as usize].push((entry_id, weight));
        }
        analyses
    }

    /// Adds the terms of `analysis`, found in a field that counts `field`,
    /// to `weights` (term id → its weight in the entry, the best so far).
    /// Words as written become `typo_targets`.
    fn add_terms(
        &mut self,
        weights: &mut HashMap<u32, f32>,
        analysis: &Analysis,
        field: f32,
        typo_targets: &mut HashSet<u32>,
    ) {
        for term in &analysis.terms {
            // What an entry is about is in its questions and keywords,
            // not in the details its answer happens to mention.
            if term.kind.is_derived() && field < TITLE_FIELD {
                continue;
            }
            let id = self.intern(&term.text);
            if term.kind != TermKind::Joined {
                typo_targets.insert(id);
            }
            let w = field * self.tuning.kind(term.kind).max(0.6);
            let slot = weights.entry(id).or_insert(0.0);
            *slot = slot.max(w);
        }
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

    /// With all `n` entries posted: the entries' length factors, and the
    /// terms' rarity (idf), and that of a term no entry has.
    fn weigh_terms(&mut self, n: f32) {
        let average = self.length_factor.iter().sum::<f32>() / n.max(1.0);
        let b = self.tuning.length_norm;
        for factor in &mut self.length_factor {
            *factor = 1.0 / ((1.0 - b) + b * *factor / average.max(1.0));
        }
        self.max_length_factor = self.length_factor.iter().copied().fold(0.0, f32::max);
        self.idf = self
            .postings
            .iter()
            .map(|p| bm25_idf(n, p.len() as f32))
            .collect();
        self.unknown_idf = bm25_idf(n, 0.5);
    }

    /// Stores the next entry's example questions, `analyses`, for scoring:
    /// their terms weighted by kind and idf, with their norm, and their
    /// letter pairs.
    fn store_examples(&mut self, analyses: &[Analysis]) {
        let tuning = self.tuning;
        let first = self.examples.list.len() as u32;
        for analysis in analyses {
            let terms_start = self.examples.terms.len() as u32;
            for t in &analysis.terms {
                let id = self.vocabulary[&t.text];
                let weight = tuning.kind(t.kind) * self.idf[id as usize];
                self.examples.terms.push((id, weight));
            }
            let terms = terms_start..self.examples.terms.len() as u32;
            let norm = self.examples.terms[terms.start as usize..]
                .iter()
                .map(|(_, w)| w * w)
                .sum::<f32>()
                .sqrt();
            let pairs_start = self.examples.pairs.len() as u32;
            for pair in letter_pairs(&analysis.compact) {
                let next = self.pair_ids.len() as u32;
                let id = *self.pair_ids.entry(pair).or_insert(next);
                self.examples.pairs.push(id);
            }
            let pairs = pairs_start..self.examples.pairs.len() as u32;
            self.examples.list.push(Example { terms, norm, pairs });
        }
        let end = self.examples.list.len() as u32;
        self.examples.of_entry.push(first..end);
    }

    /// Files, for every word of the built-in near-synonym groups, the known
    /// terms of its groups (itself aside).
    fn link_related(&mut self, analyzer: &Analyzer) {
        for group in analyzer.related().groups() {
            let known: Vec<u32> = group
                .iter()
                .filter_map(|term| self.vocabulary.get(term).copied())
                .collect();
            for term in group {
                let own = self.vocabulary.get(term).copied();
                let others: Vec<u32> = known.iter().copied().filter(|&k| Some(k) != own).collect();
                if !others.is_empty() {
                    let slot = self.related.entry(term.clone()).or_default();
                    slot.extend(others);
                    slot.sort_unstable();
                    slot.dedup();
                }
            }
        }
    }
}

/// The aspects an entry's example questions (`analyses`) ask about and
/// their sentence-type cues, with the share of them having each; `named`:
/// whether the first is the entry's name, which asks nothing.
fn aspect_shares(analyses: &[Analysis], named: bool) -> Vec<(String, f32)> {
    let mut shares: Vec<(String, f32)> = Vec::new();
    let asked = &analyses[named as usize..];
    for analysis in asked {
        for term in analysis.terms.iter().filter(|t| t.kind.is_derived()) {
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
    if named {
        shares.retain(|(a, _)| a != "#개요");
        shares.push(("#개요".to_string(), 1.0));
    }
    shares
}

/// BM25's idf of a term found in `containing` of `entries` entries.
fn bm25_idf(entries: f32, containing: f32) -> f32 {
    (1.0 + (entries - containing + 0.5) / (containing + 0.5)).ln()
}
