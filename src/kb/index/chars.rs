//! Character n-grams, the signal that needs no dictionary: every example
//! question as a TF-IDF vector of its characters and character pairs within
//! words (scikit-learn's `char_wb` 1–2-grams: each word padded with a
//! space, sublinear tf, smooth idf, unit length), and the cosine of the
//! closest example with the question. It catches what morphemes miss
//! (spacing, spelling, endings written differently) on any knowledge base.
//!
//! A gram no example has still counts in the question's length at the
//! rarest grams' weight, so a question mostly about something else is not
//! close to anything.
//!
//! Each gram also lists the examples that have it, so the examples closest
//! by the uncommon grams are found without the morphemes (`closest`): they
//! make candidates of entries the coverage pass did not propose.

use rustc_hash::FxHashMap;

/// A gram: one or two characters, as a number (a space pads each word).
type Gram = u64;

/// The grams of `text`, counted: per word (split on spaces, lowercase,
/// letters and digits only), the characters and neighbouring pairs of the
/// word padded with a space on both sides.
pub(super) fn grams(text: &str) -> Vec<(Gram, f32)> {
    let mut grams: Vec<Gram> = Vec::with_capacity(text.len());
    let mut padded: Vec<char> = Vec::with_capacity(32);
    for word in text.split_whitespace() {
        padded.clear();
        padded.push(' ');
        padded.extend(
            word.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase),
        );
        if padded.len() == 1 {
            continue;
        }
        padded.push(' ');
        grams.extend(padded.iter().map(|&c| c as Gram));
        grams.extend(
            padded
                .windows(2)
                .map(|w| ((w[0] as Gram + 1) << 32) | w[1] as Gram),
        );
    }
    grams.sort_unstable();
    let mut counted: Vec<(Gram, f32)> = Vec::with_capacity(grams.len());
    for gram in grams {
        match counted.last_mut() {
            Some((last, n)) if *last == gram => *n += 1.0,
            _ => counted.push((gram, 1.0)),
        }
    }
    counted
}

/// Sublinear term frequency.
fn tf(count: f32) -> f32 {
    1.0 + count.ln()
}

/// The n-gram vectors of every example question.
#[derive(Default)]
pub(super) struct CharGrams {
    ids: FxHashMap<Gram, u32>,
    idf: Vec<f32>,
    /// The idf of a gram no example has.
    unknown_idf: f32,
    /// Per example (in `Examples::list` order): its range in `weights`.
    of_example: Vec<std::ops::Range<u32>>,
    /// (gram id, weight), each example's of unit length.
    weights: Vec<(u32, f32)>,
    /// Per gram id: the examples that have it (ascending) with its weight
    /// there, for finding the closest examples without the morphemes.
    postings: Vec<Vec<(u32, f32)>>,
}

impl CharGrams {
    /// The vectors of `examples` (the example questions' texts in order).
    pub(super) fn build<'t>(examples: impl Iterator<Item = &'t str>) -> CharGrams {
        let mut index = CharGrams::default();
        let mut counted: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut df: Vec<f32> = Vec::new();
        for text in examples {
            let grams = grams(text)
                .into_iter()
                .map(|(gram, n)| {
                    let next = index.ids.len() as u32;
                    let id = *index.ids.entry(gram).or_insert(next);
                    if id as usize == df.len() {
                        df.push(0.0);
                    }
                    df[id as usize] += 1.0;
                    (id, n)
                })
                .collect();
            counted.push(grams);
        }
        let n = counted.len() as f32;
        let smooth_idf = |df: f32| ((1.0 + n) / (1.0 + df)).ln() + 1.0;
        index.idf = df.into_iter().map(smooth_idf).collect();
        index.unknown_idf = smooth_idf(0.0);
        for grams in counted {
            let start = index.weights.len() as u32;
            let weighed: Vec<(u32, f32)> = grams
                .into_iter()
                .map(|(id, n)| (id, tf(n) * index.idf[id as usize]))
                .collect();
            let norm = weighed.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            index
                .weights
                .extend(weighed.into_iter().map(|(id, w)| (id, w / norm.max(1e-9))));
            index.of_example.push(start..index.weights.len() as u32);
        }
        index.postings = vec![Vec::new(); index.idf.len()];
        for (example, range) in index.of_example.iter().enumerate() {
            for &(id, w) in &index.weights[range.start as usize..range.end as usize] {
                index.postings[id as usize].push((example as u32, w));
            }
        }
        index
    }

    /// Number of distinct grams.
    pub(super) fn len(&self) -> usize {
        self.idf.len()
    }

    /// The question's known grams with their weights, its vector of unit
    /// length (the unknown grams counted in the length).
    pub(super) fn query(&self, text: &str) -> Vec<(u32, f32)> {
        let mut norm = 0.0f32;
        let mut known = Vec::new();
        for (gram, n) in grams(text) {
            match self.ids.get(&gram) {
                Some(&id) => {
                    let w = tf(n) * self.idf[id as usize];
                    norm += w * w;
                    known.push((id, w));
                }
                None => norm += (tf(n) * self.unknown_idf).powi(2),
            }
        }
        let norm = norm.sqrt().max(1e-9);
        known.iter_mut().for_each(|(_, w)| *w /= norm);
        known
    }

    /// The cosine of example `example` with the question, whose weights by
    /// gram id are `query`.
    pub(super) fn cosine(&self, example: usize, query: &[f32]) -> f32 {
        let range = &self.of_example[example];
        self.weights[range.start as usize..range.end as usize]
            .iter()
            .map(|&(id, w)| query[id as usize] * w)
            .sum::<f32>()
            .min(1.0)
    }
}

/// The grams that find examples on their own: a gram in more than this
/// share of the examples (a common syllable, 지 or 요) is skipped, its
/// posting list long and its weight small.
const FINDING_SHARE: f32 = 0.02;
/// ... but a gram in no more than this many examples always finds them.
const FINDING_MIN: usize = 16;

impl CharGrams {
    /// The examples closest to the question (its known grams and weights,
    /// `query`) by the grams that are not common, with that part of their
    /// cosine, added up in `dots` (by example, all zero before and after),
    /// best first, at most `limit`.
    pub(super) fn closest(
        &self,
        query: &[(u32, f32)],
        dots: &mut Vec<f32>,
        touched: &mut Vec<u32>,
        limit: usize,
    ) -> Vec<(u32, f32)> {
        if limit == 0 {
            return Vec::new();
        }
        if dots.len() < self.of_example.len() {
            dots.resize(self.of_example.len(), 0.0);
        }
        let cap = FINDING_MIN.max((self.of_example.len() as f32 * FINDING_SHARE) as usize);
        touched.clear();
        for &(id, w) in query {
            let list = &self.postings[id as usize];
            if list.len() > cap {
                continue;
            }
            for &(example, weight) in list {
                let slot = &mut dots[example as usize];
                if *slot == 0.0 {
                    touched.push(example);
                }
                *slot += w * weight;
            }
        }
        let mut found: Vec<(u32, f32)> = touched
            .iter()
            .map(|&e| (e, std::mem::take(&mut dots[e as usize])))
            .collect();
        let by_dot = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if found.len() > limit {
            found.select_nth_unstable_by(limit - 1, by_dot);
            found.truncate(limit);
        }
        found.sort_by(by_dot);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_are_the_padded_characters_and_pairs_of_each_word() {
        // " 가나 ": 3 characters (space twice) and 3 pairs.
        let grams = grams("가나");
        assert_eq!(grams.iter().map(|g| g.1).sum::<f32>(), 7.0);
        assert!(grams.contains(&(' ' as u64, 2.0)));
        // Case and punctuation do not matter.
        assert_eq!(super::grams("ABC?"), super::grams("abc"));
    }

    #[test]
    fn the_closest_example_shares_the_rare_characters() {
        let index = CharGrams::build(["창업 지원금 신청", "수출 바우처 신청"].into_iter());
        let mut query = vec![0.0; index.len()];
        for (id, w) in index.query("창업지원금 어떻게 받아요") {
            query[id as usize] = w;
        }
        let (a, b) = (index.cosine(0, &query), index.cosine(1, &query));
        assert!(a > 0.3 && b < a / 2.0, "{a} {b}");
        // The question is not the example: unknown grams keep it below 1.
        assert!(a < 0.9, "{a}");
    }

    #[test]
    fn the_closest_examples_are_found_by_their_uncommon_grams() {
        let texts = ["창업 지원금 신청", "수출 바우처 신청", "수출 상담회 일정"];
        let index = CharGrams::build(texts.into_iter());
        let (mut dots, mut touched) = (Vec::new(), Vec::new());
        let query = index.query("수출바우처는 어디서 신청해요");
        let found = index.closest(&query, &mut dots, &mut touched, 3);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].0, 1, "{found:?}");
        assert!(found[0].1 > 2.0 * found[1].1, "{found:?}");
        let first = index.closest(&query, &mut dots, &mut touched, 1);
        assert_eq!(first, found[..1]);
        // The scratch space is left clean, and a limit of none finds none.
        assert!(dots.iter().all(|&d| d == 0.0));
        assert!(index.closest(&query, &mut dots, &mut touched, 0).is_empty());
    }
}
