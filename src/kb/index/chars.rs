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
//! make candidates of entries the coverage pass did not propose. The same
//! sums are the uncommon grams' part of each candidate's cosine; only its
//! common grams (stored first in each example) are read per example.

use rustc_hash::FxHashMap;

use super::scratch::add_up;

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
        for c in word.chars() {
            push_lowercase_letter(&mut padded, c);
        }
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

/// Pushes `c` lowercased if it is a letter or digit. Hangul syllables
/// and ASCII, nearly every character of a Korean question, are decided
/// here; the general Unicode tables (a binary search per character) are
/// only asked about the rest.
fn push_lowercase_letter(out: &mut Vec<char>, c: char) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    } else if ('가'..='힣').contains(&c) {
        out.push(c);
    } else if c.is_alphanumeric() {
        out.extend(c.to_lowercase());
    }
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
    /// Per example (in `Examples::list` order): its range in `weights`,
    /// and where its uncommon grams begin in it (`uncommon_from`).
    of_example: Vec<std::ops::Range<u32>>,
    uncommon_from: Vec<u32>,
    /// (gram id, weight), each example's of unit length, its common grams
    /// first.
    weights: Vec<(u32, f32)>,
    /// Per gram id: the examples that have it (ascending) with its weight
    /// there, for finding the closest examples without the morphemes.
    postings: Vec<Vec<(u32, f32)>>,
    /// A gram in more examples than this is common: it finds no examples
    /// on its own (`accumulate_uncommon` skips it).
    common_above: usize,
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
        index.idf = df.iter().copied().map(smooth_idf).collect();
        index.unknown_idf = smooth_idf(0.0);
        index.common_above =
            ((counted.len() as f32 * FINDING_SHARE) as usize).clamp(FINDING_MIN, FINDING_MAX);
        let common_above = index.common_above as f32;
        let is_common = |id: u32| df[id as usize] > common_above;
        for grams in counted {
            let start = index.weights.len() as u32;
            let mut weighed: Vec<(u32, f32)> = grams
                .into_iter()
                .map(|(id, n)| (id, tf(n) * index.idf[id as usize]))
                .collect();
            let norm = weighed.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            weighed.sort_by_key(|&(id, _)| !is_common(id));
            let uncommon = weighed.iter().filter(|&&(id, _)| !is_common(id)).count();
            index
                .weights
                .extend(weighed.into_iter().map(|(id, w)| (id, w / norm.max(1e-9))));
            let end = index.weights.len() as u32;
            index.of_example.push(start..end);
            index.uncommon_from.push(end - uncommon as u32);
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

    /// The cosine of example `example` with the question: its common
    /// grams' part from the question's weights by gram id (`query`), the
    /// rest as `accumulate_uncommon` added it up (`uncommon_dots`).
    pub(super) fn cosine(&self, example: usize, query: &[f32], uncommon_dots: &[f32]) -> f32 {
        let start = self.of_example[example].start as usize;
        let common = self.weights[start..self.uncommon_from[example] as usize]
            .iter()
            .map(|&(id, w)| query[id as usize] * w)
            .sum::<f32>();
        (common + uncommon_dots[example]).min(1.0)
    }
}

/// The grams that find examples on their own: a gram in more than this
/// share of the examples (a common syllable, 지 or 요) is skipped, its
/// posting list long and its weight small.
const FINDING_SHARE: f32 = 0.02;
/// ... but a gram in no more than this many examples always finds them,
const FINDING_MIN: usize = 16;
/// and one in more than this many never does.
const FINDING_MAX: usize = 200;

impl CharGrams {
    /// Adds up every example's dot product with the question (its known
    /// grams and weights, `query`) by the grams that are not common, from
    /// their postings, in `dots` (by example), listing the examples with
    /// one in `touched`. The previous question's are cleared first, so
    /// `dots` holds this question's until the next call.
    ///
    /// The common grams' part is left to `cosine`, which reads it from the
    /// few candidates' examples: their postings are the long ones.
    pub(super) fn accumulate_uncommon(
        &self,
        query: &[(u32, f32)],
        dots: &mut Vec<f32>,
        touched: &mut Vec<u32>,
    ) {
        for &example in touched.iter() {
            dots[example as usize] = 0.0;
        }
        touched.clear();
        if dots.len() < self.of_example.len() {
            dots.resize(self.of_example.len(), 0.0);
        }
        for &(id, w) in query {
            let list = &self.postings[id as usize];
            if list.len() > self.common_above {
                continue;
            }
            let additions = list.iter().map(|&(example, weight)| (example, w * weight));
            add_up(dots, touched, additions);
        }
    }

    /// The examples closest to the question by the uncommon grams, as
    /// `accumulate_uncommon` left them (`dots`, `touched`), with that part
    /// of their cosine, best first, at most `limit`.
    pub(super) fn closest(&self, dots: &[f32], touched: &[u32], limit: usize) -> Vec<(u32, f32)> {
        if limit == 0 {
            return Vec::new();
        }
        // Kept best first in a small buffer: one comparison with the last
        // for each of the many examples that are not among the best, where
        // on a large knowledge base thousands share an uncommon gram.
        let by_dot = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let mut found: Vec<(u32, f32)> = Vec::with_capacity(limit + 1);
        for &example in touched {
            let candidate = (example, dots[example as usize]);
            if found.len() == limit && by_dot(&candidate, &found[limit - 1]).is_ge() {
                continue;
            }
            let at = found.partition_point(|f| by_dot(f, &candidate).is_lt());
            found.insert(at, candidate);
            found.truncate(limit);
        }
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
        assert_eq!(super::grams("Ärger·한글!"), super::grams("ärger한글"));
        assert_eq!(super::grams("ㅋㅋ"), super::grams("ㅋㅋ..."));
    }

    #[test]
    fn the_closest_example_shares_the_rare_characters() {
        let index = CharGrams::build(["창업 지원금 신청", "수출 바우처 신청"].into_iter());
        let all = cosines(&index, "창업지원금 어떻게 받아요");
        let (a, b) = (all[0], all[1]);
        assert!(a > 0.3 && b < a / 2.0, "{a} {b}");
        // The question is not the example: unknown grams keep it below 1.
        assert!(a < 0.9, "{a}");
    }

    /// The cosine of every example with `question`.
    fn cosines(index: &CharGrams, question: &str) -> Vec<f32> {
        let known = index.query(question);
        let mut dense = vec![0.0; index.len()];
        for &(id, w) in &known {
            dense[id as usize] = w;
        }
        let (mut dots, mut touched) = (Vec::new(), Vec::new());
        index.accumulate_uncommon(&known, &mut dots, &mut touched);
        (0..index.of_example.len())
            .map(|e| index.cosine(e, &dense, &dots))
            .collect()
    }

    #[test]
    fn the_cosine_counts_common_and_uncommon_grams_alike() {
        // 신 and 청 are in every example: common, read per example; the
        // numbers are uncommon, added up from the postings.
        let texts: Vec<String> = (0..40).map(|i| format!("신청 {i}번")).collect();
        let index = CharGrams::build(texts.iter().map(String::as_str));
        let known = index.query("7번 신청");
        let by_id: std::collections::HashMap<u32, f32> = known.iter().copied().collect();
        for (example, cosine) in cosines(&index, "7번 신청").into_iter().enumerate() {
            let range = &index.of_example[example];
            let plain: f32 = index.weights[range.start as usize..range.end as usize]
                .iter()
                .map(|(id, w)| by_id.get(id).copied().unwrap_or(0.0) * w)
                .sum();
            assert!(
                (cosine - plain.min(1.0)).abs() < 1e-5,
                "{example}: {cosine} {plain}"
            );
        }
        assert!(index.uncommon_from[7] > index.of_example[7].start);
        assert!(index.uncommon_from[7] < index.of_example[7].end);
        let all = cosines(&index, "7번 신청");
        assert!(all[7] > 0.99 && all[8] < 0.8, "{} {}", all[7], all[8]);
    }

    #[test]
    fn the_closest_examples_are_found_by_their_uncommon_grams() {
        let texts = ["창업 지원금 신청", "수출 바우처 신청", "수출 상담회 일정"];
        let index = CharGrams::build(texts.into_iter());
        let (mut dots, mut touched) = (Vec::new(), Vec::new());
        let query = index.query("수출바우처는 어디서 신청해요");
        index.accumulate_uncommon(&query, &mut dots, &mut touched);
        let found = index.closest(&dots, &touched, 3);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].0, 1, "{found:?}");
        assert!(found[0].1 > 2.0 * found[1].1, "{found:?}");
        let first = index.closest(&dots, &touched, 1);
        assert_eq!(first, found[..1]);
        assert!(index.closest(&dots, &touched, 0).is_empty());
        // The next question starts from nothing: the previous one's dots
        // are cleared.
        let other = index.query("창업");
        index.accumulate_uncommon(&other, &mut dots, &mut touched);
        let (mut fresh, mut fresh_touched) = (Vec::new(), Vec::new());
        index.accumulate_uncommon(&other, &mut fresh, &mut fresh_touched);
        assert_eq!((dots, touched), (fresh, fresh_touched));
    }
}
