//! A question's terms as the index weighs them: by how they were found and
//! how rare they are in the knowledge base, with their known near-synonyms.
//! A word the knowledge base does not know is weighed through a
//! near-synonym it knows, or its typo correction, or else as the rarest
//! words are, so an unexplained question falls back.

use super::Index;
use crate::nlu::{Analysis, Term, TermKind};

/// One term of a question, as the index sees it.
pub(super) struct QueryTerm<'a> {
    /// The term's id, if the knowledge base has it (perhaps after typo correction).
    pub(super) id: Option<u32>,
    pub(super) weight: f32,
    /// Whether it counts in the question's total (guesses of the joiner
    /// the knowledge base does not know do not).
    pub(super) counts: bool,
    /// Known near-synonyms, which find entries for `RELATED` of the weight.
    pub(super) related: &'a [u32],
}

impl Index {
    /// The question's terms, weighed; a term found twice (a typo corrected
    /// to a word also written) counts once, at its larger weight.
    pub(super) fn query(&self, analysis: &Analysis) -> Vec<QueryTerm<'_>> {
        let mut query: Vec<QueryTerm> = Vec::with_capacity(analysis.terms.len());
        for term in &analysis.terms {
            let new = self.query_term(term, analysis);
            match query
                .iter_mut()
                .find(|q| new.id.is_some() && q.id == new.id)
            {
                Some(existing) => existing.weight = existing.weight.max(new.weight),
                None => query.push(new),
            }
        }
        query
    }

    /// One term of the question (`analysis`), weighed.
    fn query_term(&self, term: &Term, analysis: &Analysis) -> QueryTerm<'_> {
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
            None => self.weigh_unknown(term, analysis, kind),
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
        let counts = id.is_some() || !related.is_empty() || !term.kind.is_inferred();
        QueryTerm {
            id,
            weight,
            counts,
            related,
        }
    }

    /// A term the knowledge base does not know, nor any near-synonym of:
    /// the known word it is a typo of, if its written word is fragmented
    /// and one is close enough, weighed by how close; otherwise no id and
    /// the weight of the rarest words. (`kind`: the weight of its kind.)
    fn weigh_unknown(&self, term: &Term, analysis: &Analysis, kind: f32) -> (Option<u32>, f32) {
        match (!term.kind.is_inferred() && analysis.fragmented.contains(&term.word))
            .then(|| self.correct_typo(&term.text))
            .flatten()
        {
            Some((id, similarity)) => (Some(id), kind * similarity as f32 * self.idf[id as usize]),
            _ => (None, kind * self.unknown_idf),
        }
    }
}
