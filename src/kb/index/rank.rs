//! Ranking a question: the candidates from the coverage pass, each scored
//! by its coverage, the closeness (cosine) of its closest example question
//! and the letter pairs it shares with it, then steered by the question's
//! aspect and sentence-type cues, best first.

use super::cover::nth_largest;
use super::examples::letter_pairs;
use super::fusion::{fuse, CALIBRATION, FUSION};
use super::query::QueryTerm;
use super::scratch::{Scratch, SCRATCH};
use super::{Index, Scored, CANDIDATES, GRAM_CANDIDATES, RELATED, TIED_CANDIDATES};
use crate::nlu::Analysis;

impl Index {
    /// Scores every entry sharing a term with `analysis`, best first.
    pub fn rank(&self, analysis: &Analysis) -> Vec<Scored> {
        let query = self.query(analysis);
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
        let query_chars = self.chars.query(&analysis.text);
        // The uncommon grams' dots with every example, in the scratch space
        // until the next question: the n-gram candidates are found by them
        // and every candidate's n-gram cosine (`score`) adds them in.
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            self.chars.accumulate_uncommon(
                &query_chars,
                &mut scratch.example_dots,
                &mut scratch.examples_found,
            );
        });
        let mut candidates = self.candidates(&query, total);
        let covering = candidates.len();
        self.add_found_by_grams(&mut candidates, &query, total);
        let query_pairs = letter_pairs(&analysis.compact);
        let query_aspects: Vec<&str> = analysis
            .terms
            .iter()
            .filter(|t| t.kind.is_derived())
            .map(|t| t.text.as_str())
            .collect();
        let mut ranked = self.score(&candidates, &query, &query_pairs, query_norm, &query_chars);
        self.steer_by_aspect(&query_aspects, &mut ranked, covering);
        fuse(&mut ranked, &FUSION, &CALIBRATION);
        ranked
    }

    /// The entries the finer signals choose among, with their coverage,
    /// most covered first: the `CANDIDATES` covering most of the question
    /// (of weight `total`).
    fn candidates(&self, query: &[QueryTerm], total: f32) -> Vec<(u32, f32)> {
        let mut candidates = self.cover(query, total);
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
        candidates
    }

    /// Adds to `candidates` the entries of the examples closest to the
    /// question by its uncommon character n-grams (as accumulated in the
    /// scratch space) that the coverage pass did not propose, up to
    /// `GRAM_CANDIDATES`, with their coverage:
    /// a paraphrase that shares few morphemes with its entry's example
    /// (spacing, endings, a word ko-dic splits otherwise) is still a
    /// candidate.
    fn add_found_by_grams(
        &self,
        candidates: &mut Vec<(u32, f32)>,
        query: &[QueryTerm],
        total: f32,
    ) {
        let closest = SCRATCH.with(|scratch| {
            let scratch = scratch.borrow();
            self.chars.closest(
                &scratch.example_dots,
                &scratch.examples_found,
                GRAM_CANDIDATES * 4,
            )
        });
        let mut found: Vec<u32> = Vec::with_capacity(GRAM_CANDIDATES);
        for (example, _) in closest {
            let entry = self.examples.entry_of(example);
            if !found.contains(&entry) && !candidates.iter().any(|c| c.0 == entry) {
                found.push(entry);
                if found.len() == GRAM_CANDIDATES {
                    break;
                }
            }
        }
        if !found.is_empty() {
            candidates.extend(self.coverage_of(query, total, &found));
        }
    }

    /// Scores each of `candidates` (entry, coverage) with the closeness and
    /// letter pairs of its closest example questions to the question's
    /// terms (`query`, of norm `query_norm`) and letter pairs.
    fn score(
        &self,
        candidates: &[(u32, f32)],
        query: &[QueryTerm],
        query_pairs: &[u64],
        query_norm: f32,
        query_chars: &[(u32, f32)],
    ) -> Vec<Scored> {
        let query_terms = term_weights(query);
        let t = &self.tuning;
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch {
                weights,
                marks,
                chars,
                example_dots,
                ..
            } = &mut *scratch;
            if weights.len() < self.terms.len() {
                weights.resize(self.terms.len(), 0.0);
            }
            if chars.len() < self.chars.len() {
                chars.resize(self.chars.len(), 0.0);
            }
            for &(id, w) in query_chars {
                chars[id as usize] = w;
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
                    let Closest {
                        closeness,
                        pairs,
                        recall,
                        missing,
                    } = self.closest_examples(entry, weights, query_norm, marks, query_pair_count);
                    let lexical =
                        t.coverage * coverage + t.closeness * closeness + t.pairs * pairs;
                    let char_cosine = self.closest_chars(entry, chars, example_dots);
                    if explain() {
                        eprintln!(
                            "  {entry:4} cov {coverage:.2} close {closeness:.2} recall {recall:.2} missing {missing:.2} pairs {pairs:.2} chars {char_cosine:.2} aspects {:?} -> {lexical:.3}",
                            self.aspects[entry as usize]
                        );
                    }
                    Scored {
                        entry: entry as usize,
                        score: lexical,
                        confidence: 0.0,
                        lexical,
                        closeness,
                        pairs,
                        chars: char_cosine,
                        coverage,
                        recall,
                        missing,
                        examples: self.questions[entry as usize],
                    }
                })
                .collect();
            for &(id, _) in &query_terms {
                weights[id as usize] = 0.0;
            }
            for &id in &known_pairs {
                marks[id as usize] = 0;
            }
            for &(id, _) in query_chars {
                chars[id as usize] = 0.0;
            }
            ranked
        })
    }

    /// How `entry`'s example questions compare with the question (its term
    /// weights by id, `weights`, of norm `query_norm`, and its
    /// `query_pair_count` letter pairs, `marks` by pair id).
    fn closest_examples(
        &self,
        entry: u32,
        weights: &[f32],
        query_norm: f32,
        marks: &[u8],
        query_pair_count: f32,
    ) -> Closest {
        let mut closest = Closest::default();
        let mut closest_example = None;
        for example in self.examples.of(entry) {
            if example.norm > 0.0 && query_norm > 0.0 {
                let dot: f32 = self
                    .examples
                    .terms(example)
                    .iter()
                    .map(|&(id, w)| weights[id as usize] * w)
                    .sum();
                let cosine = (dot / (query_norm * example.norm)).min(1.0);
                if cosine > closest.closeness || closest_example.is_none() {
                    closest.closeness = cosine;
                    closest_example = Some(example);
                }
            }
            let example_pairs = self.examples.pairs(example);
            if !example_pairs.is_empty() && query_pair_count > 0.0 {
                let shared: u32 = example_pairs
                    .iter()
                    .map(|&p| marks[p as usize] as u32)
                    .sum();
                closest.pairs = closest
                    .pairs
                    .max(2.0 * shared as f32 / (query_pair_count + example_pairs.len() as f32));
            }
        }
        if let Some(example) = closest_example {
            let (mut found, mut lacking) = (0.0f32, 0.0f32);
            for &(id, w) in self.examples.terms(example) {
                if weights[id as usize] > 0.0 {
                    found += w * w;
                } else {
                    lacking = lacking.max(w);
                }
            }
            closest.recall = found / (example.norm * example.norm);
            closest.missing = lacking / example.norm;
        }
        closest
    }

    /// The best character n-gram cosine of `entry`'s example questions
    /// with the question (its gram weights by id, `query`, and its dots by
    /// the uncommon grams, `uncommon_dots`).
    fn closest_chars(&self, entry: u32, query: &[f32], uncommon_dots: &[f32]) -> f32 {
        let range = &self.examples.of_entry[entry as usize];
        (range.start..range.end)
            .map(|example| self.chars.cosine(example as usize, query, uncommon_dots))
            .fold(0.0, f32::max)
    }

    /// Raises the entries whose example questions ask what the question asks
    /// (its aspects) and lowers the others, relative to the candidate of the
    /// coverage pass (the first `covering` of `ranked`) that asks it most:
    /// an aspect none of them is written about changes nothing, and the
    /// entries found by n-grams alone steer nobody.
    fn steer_by_aspect(&self, query_aspects: &[&str], ranked: &mut [Scored], covering: usize) {
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
                ranked[..covering.min(ranked.len())]
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
            scored.lexical *=
                (1.0 + t.aspect_boost * matched) * (1.0 - t.aspect_penalty * (1.0 - matched));
        }
    }
}

/// How an entry's example questions compare with the question.
#[derive(Default)]
struct Closest {
    /// The best cosine of their terms with the question's.
    closeness: f32,
    /// Apart from it, their best letter-pair overlap (Dice).
    pairs: f32,
    /// Of the closest by cosine: the share of its squared term weight the
    /// question has, and its largest term weight (over its norm) the
    /// question lacks: what it says that the question does not.
    recall: f32,
    missing: f32,
}

/// The question's known terms and their near-synonyms, by id, with their
/// weights (a near-synonym at `RELATED` of its word's).
fn term_weights(query: &[QueryTerm]) -> Vec<(u32, f32)> {
    let mut query_terms: Vec<(u32, f32)> = Vec::with_capacity(query.len());
    for term in query {
        if let Some(id) = term.id {
            query_terms.push((id, term.weight));
        }
        for &id in term.related {
            query_terms.push((id, term.weight * RELATED));
        }
    }
    query_terms
}

/// Whether to print how each candidate scored (`ONESTOP_EXPLAIN` set).
fn explain() -> bool {
    static EXPLAIN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *EXPLAIN.get_or_init(|| std::env::var_os("ONESTOP_EXPLAIN").is_some())
}
