//! Korean understanding: from a message typed in a messenger to search terms.
//!
//! `normalize` keeps Hangul intact, synonyms are rewritten to their canonical
//! form, lindera with the embedded ko-dic splits the text into morphemes, and
//! `Analyzer::analyze` keeps what carries meaning: nouns (and the parts of
//! compound nouns, and neighbouring nouns joined), verb and adjective stems,
//! roots, foreign words, numbers, and question words as a weak signal.
//! Particles and endings are dropped.
//!
//! This file holds the analyzer and what it returns; the steps live apart:
//! `walk` reads the tokens into terms, `stopwords` lists the words that say
//! nothing, `aspects` reads what a question asks about, `cues` what kind of
//! sentence it is (a prohibition, a comparison), `details` reads a
//! token's ko-dic fields, `fragments` marks
//! the words where a typo is likely, and `jamo` measures typos.

mod aspects;
mod cues;
mod details;
mod fragments;
pub mod jamo;
pub mod language;
pub mod normalize;
pub mod related;
mod stopwords;
pub mod synonyms;
mod walk;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;

use anyhow::{Context, Result};
use lindera::dictionary::{
    load_embedded_dictionary, Dictionary, DictionaryBuilder, DictionaryKind,
};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::token::Token;
use lindera_dictionary::viterbi::Lattice;
use rustc_hash::FxHashMap;

pub use language::is_foreign;
pub use normalize::{compact, normalize};
pub use related::Related;
pub use synonyms::Synonyms;
use walk::Walk;

/// How a term was found, which sets how much it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TermKind {
    /// A noun, root, foreign word or number as written.
    Word,
    /// The stem of a verb or adjective (알려줘 → 알리).
    Stem,
    /// A part of a compound noun (지원금 → 지원, 금).
    Part,
    /// Neighbouring nouns joined (창업 지원금 → 창업지원금).
    Joined,
    /// A question word (언제, 어디, 얼마, 어떻게 → 방법, …).
    Question,
    /// What the question asks about (`#금액`, `#신청`, `#위치`, …), from its
    /// question words and aspect nouns: steers an aspect question to the FAQ
    /// about that aspect rather than the program it belongs to.
    Aspect,
    /// A word the question sets aside (자금 in 자금 말고 또 뭐 해줘): still
    /// a word of the question, but not what it asks about.
    SetAside,
    /// What kind of sentence it is (`#금지`, `#비교`), from its endings,
    /// adverbs and particles: tells "don't delete it" from "how do I delete
    /// it", and "which is faster" from "how fast is it" (`cues`).
    Cue,
}

impl TermKind {
    /// Whether the analyzer derived the term from how the sentence is put
    /// (an aspect or a cue) rather than from a word written in it: such
    /// terms steer between entries, count only in example questions and
    /// keywords, and are never typo-corrected.
    pub fn is_derived(self) -> bool {
        matches!(self, TermKind::Aspect | TermKind::Cue)
    }

    /// Whether the term was made by the analyzer rather than written: a
    /// joined guess (`Joined`) or a derived term. Unknown to the knowledge
    /// base, such a term does not count against the question and is never
    /// typo-corrected.
    pub fn is_inferred(self) -> bool {
        self == TermKind::Joined || self.is_derived()
    }

    /// How much a term of this kind counts, relative to a plain word.
    pub fn weight(self) -> f32 {
        match self {
            TermKind::Word => 1.0,
            TermKind::Stem => 0.7,
            TermKind::Part => 0.5,
            TermKind::Joined => 0.4,
            TermKind::Question => 0.35,
            TermKind::Aspect => 0.3,
            TermKind::SetAside => 0.2,
            TermKind::Cue => 0.3,
        }
    }
}

/// A search term and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub text: String,
    pub kind: TermKind,
    /// Which space-separated word of `Analysis::text` it came from.
    pub word: usize,
}

/// What `Analyzer::analyze` finds in one text.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Distinct terms in order of first appearance; a term found in several
    /// ways keeps the strongest kind.
    pub terms: Vec<Term>,
    /// The normalized text without spaces and punctuation.
    pub compact: String,
    /// The written words ko-dic could not read whole (an unknown piece, or a
    /// one-syllable piece next to another content piece: 지언금 → 지언 + 금):
    /// where a typo is likely. A word ko-dic reads as a real word (케이스,
    /// 도시) is not a typo of a similar knowledge-base word.
    pub fragmented: Vec<usize>,
    /// The text as analyzed: normalized, synonyms rewritten, one space
    /// between words.
    pub text: String,
    /// The word the token being read belongs to.
    current_word: usize,
}

impl Analysis {
    fn push(&mut self, text: &str, kind: TermKind) {
        if text.is_empty() {
            return;
        }
        if let Some(existing) = self.terms.iter_mut().find(|t| t.text == text) {
            if kind.weight() > existing.kind.weight() {
                existing.kind = kind;
            }
            return;
        }
        self.terms.push(Term {
            text: text.to_string(),
            kind,
            word: self.current_word,
        });
    }

    /// The terms as plain strings, for display and tests.
    pub fn texts(&self) -> Vec<&str> {
        self.terms.iter().map(|t| t.text.as_str()).collect()
    }
}

/// The embedded ko-dic, loaded once per process (about 0.1 s); clones share it.
pub fn dictionary() -> Result<Dictionary> {
    static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
    if let Some(dictionary) = DICTIONARY.get() {
        return Ok(dictionary.clone());
    }
    let loaded = load_embedded_dictionary(DictionaryKind::KoDic)
        .context("loading the embedded ko-dic dictionary")?;
    Ok(DICTIONARY.get_or_init(|| loaded).clone())
}

/// A segmenter with ko-dic alone, built once per process: building one
/// (its space-penalty table) costs about a tenth of a second.
fn plain_segmenter() -> Result<&'static Segmenter> {
    static PLAIN: OnceLock<Segmenter> = OnceLock::new();
    if let Some(segmenter) = PLAIN.get() {
        return Ok(segmenter);
    }
    let segmenter = Segmenter::new(Mode::Normal, dictionary()?, None);
    Ok(PLAIN.get_or_init(|| segmenter))
}

/// Everyday business nouns ko-dic misreads in a sentence (보고서 as 보 +
/// 고서, 매장 as an adverb, 알바 after another word as 알 + 바), from
/// `nouns.txt`: user words of every knowledge base.
fn built_in_nouns() -> impl Iterator<Item = &'static str> {
    include_str!("nouns.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Turns text into search terms. Cheap to share; build one per knowledge base
/// (its user dictionary and synonyms come from there).
pub struct Analyzer {
    segmenter: Segmenter,
    synonyms: Synonyms,
    /// User-dictionary words and the noun parts ko-dic alone finds in them,
    /// so 소상공인 is a term of its own and still meets 소상 and 공인.
    user_parts: FxHashMap<String, Vec<String>>,
    /// The built-in near-synonyms, as this analyzer's search terms.
    related: Related,
}

impl Analyzer {
    /// An analyzer with ko-dic and the built-in nouns alone: no knowledge-base
    /// words, no synonyms.
    pub fn plain() -> Result<Self> {
        Self::new(&[], Synonyms::default())
    }

    /// An analyzer whose dictionary also knows `user_words` as proper nouns
    /// (only the ones ko-dic would otherwise break apart, alone or before
    /// another word, are added), as it knows the built-in nouns ko-dic
    /// misreads (`nouns.txt`), and which rewrites `synonyms` to their
    /// canonical forms.
    pub fn new(user_words: &[String], synonyms: Synonyms) -> Result<Self> {
        let dictionary = dictionary()?;
        let plain = plain_segmenter()?;
        let mut csv = String::new();
        let mut user_parts = FxHashMap::default();
        let mut add = |word: String, parts: Vec<String>| {
            csv.push_str(&format!("{word},NNP,{word}\n"));
            user_parts.insert(word, parts);
        };
        let mut seen = HashSet::new();
        for word in built_in_nouns() {
            let parts = match kodic_reading(plain, word) {
                KodicReading::Split(parts) => parts,
                KodicReading::Noun | KodicReading::Other => Vec::new(),
            };
            seen.insert(word.to_string());
            add(word.to_string(), parts);
        }
        for word in user_words {
            let word = normalize(word);
            if word.chars().count() < 2
                || !word.chars().all(normalize::is_syllable)
                || !seen.insert(word.clone())
            {
                continue;
            }
            let parts = match kodic_reading(plain, &word) {
                KodicReading::Split(parts) => parts,
                // Whole alone, but not always in a sentence: 가게 before
                // another word is read as 가 (go) + 게.
                KodicReading::Noun if !noun_before_a_word(plain, &word) => Vec::new(),
                // Kept whole, or no noun even alone (어디, 통해): left to
                // ko-dic.
                KodicReading::Noun | KodicReading::Other => continue,
            };
            add(word, parts);
        }
        let segmenter = if csv.is_empty() {
            plain.clone()
        } else {
            let builder = DictionaryBuilder::new((*dictionary.metadata).clone());
            let user = builder
                .build_user_dict_from_reader(csv.as_bytes())
                .context(
                    "building the user dictionary from the built-in nouns and knowledge-base names",
                )?;
            Segmenter::new(Mode::Normal, dictionary, Some(user))
        };
        let mut analyzer = Self {
            segmenter,
            synonyms,
            user_parts,
            related: Related::default(),
        };
        analyzer.related = Related::build(&analyzer, related::BUILT_IN).0;
        Ok(analyzer)
    }

    /// The built-in near-synonyms (`related.txt`).
    pub fn related(&self) -> &Related {
        &self.related
    }

    /// The synonyms this analyzer rewrites.
    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// The morphemes of `text` as `surface/TAG` pairs, for `onestop analyze`.
    pub fn morphemes(&self, text: &str) -> Vec<(String, String)> {
        let text = self.prepare(text);
        let Ok(mut tokens) = segment(&self.segmenter, &text) else {
            return Vec::new();
        };
        tokens
            .iter_mut()
            .map(|token| {
                let surface = token.surface.to_string();
                let details = token.details();
                let tag = details.first().copied().unwrap_or("*").to_string();
                let expression = details.get(7).copied().unwrap_or("*");
                let tag = if expression != "*" {
                    format!("{tag} {expression}")
                } else {
                    tag
                };
                (surface, tag)
            })
            .collect()
    }

    /// Analyzes one text into search terms.
    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_prepared(self.prepare(text))
    }

    /// `text` normalized, its synonyms rewritten and its words' halves
    /// glued; rewritten again after gluing, so a synonym written with a
    /// joining symbol (지-페어) is found as well.
    pub fn prepare(&self, text: &str) -> String {
        let rewritten = self.synonyms.rewrite(&normalize(text));
        if !rewritten.contains(is_glue) {
            return rewritten;
        }
        glue_words(self.synonyms.rewrite(&glue_words(rewritten)))
    }

    /// Analyzes a text that is already normalized with its synonyms rewritten
    /// (an `Analysis::text`, edited, as typo correction does), without
    /// normalizing and rewriting it a second time.
    pub fn analyze_prepared(&self, normalized: String) -> Analysis {
        let mut analysis = Analysis {
            compact: compact(&normalized),
            // Room for the terms of most questions, so the vector is
            // allocated once rather than grown as terms are found.
            terms: Vec::with_capacity(16),
            ..Analysis::default()
        };
        let Ok(tokens) = segment(&self.segmenter, &normalized) else {
            analysis.text = normalized;
            return analysis;
        };
        let mut walk = Walk::new(&normalized, &self.user_parts, analysis);
        for token in &tokens {
            walk.read(token);
        }
        let (mut analysis, cues, fragments) = walk.finish();
        drop(tokens);
        cues.finish(&mut analysis, &normalized);
        analysis.fragmented = fragments.likely_typos();
        analysis.text = normalized;
        analysis
    }
}

/// Segments `text` with this thread's lattice: the lattice keeps its buffers
/// between questions, so a question costs no allocations for it.
fn segment<'a>(segmenter: &'a Segmenter, text: &'a str) -> lindera::LinderaResult<Vec<Token<'a>>> {
    thread_local! {
        static LATTICE: RefCell<Lattice> = RefCell::new(Lattice::default());
    }
    LATTICE.with_borrow_mut(|lattice| segmenter.segment_with_lattice(Cow::Borrowed(text), lattice))
}

/// Removes the symbols that join one word's halves (r&d, g-fair, 융·복합), so
/// the word is analyzed whole. Most texts have none of them and are
/// returned as they are.
fn glue_words(text: String) -> String {
    if !text.contains(is_glue) {
        return text;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let glue = is_glue(c)
            && i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_alphanumeric()
            && chars[i + 1].is_alphanumeric();
        if !glue {
            out.push(c);
        }
    }
    out
}

/// Whether `c` is a symbol that may join one word's halves.
fn is_glue(c: char) -> bool {
    matches!(c, '&' | '-' | '·' | 'ㆍ' | '・' | '‧')
}

/// How ko-dic alone reads a word on its own.
enum KodicReading {
    /// As several tokens, with the noun parts it finds (two syllables or
    /// more).
    Split(Vec<String>),
    /// As one noun.
    Noun,
    /// As one token of another kind (어디, a pronoun).
    Other,
}

/// How ko-dic alone reads `word`.
fn kodic_reading(segmenter: &Segmenter, word: &str) -> KodicReading {
    let Ok(mut tokens) = segment(segmenter, word) else {
        return KodicReading::Other;
    };
    if tokens.len() <= 1 {
        let noun = tokens
            .first_mut()
            .is_some_and(|token| is_noun_token(token, word));
        return if noun {
            KodicReading::Noun
        } else {
            KodicReading::Other
        };
    }
    let mut parts = Vec::new();
    for token in tokens.iter_mut() {
        let surface = token.surface.to_string();
        let details = token.details();
        let tag = details.first().copied().unwrap_or("UNK");
        let expression = details.get(7).copied().unwrap_or("*");
        let pieces = if expression != "*" {
            parse_expression(expression)
        } else {
            vec![(surface, tag.to_string())]
        };
        for (form, form_tag) in pieces {
            if matches!(form_tag.as_str(), "NNG" | "NNP") && form.chars().count() >= 2 {
                parts.push(form);
            }
        }
    }
    KodicReading::Split(parts)
}

/// Whether ko-dic alone still reads `word` as one noun when another word
/// follows it, as one does in most questions: it reads 가게 이름 as 가 (go)
/// + 게 + 이름.
fn noun_before_a_word(segmenter: &Segmenter, word: &str) -> bool {
    let text = format!("{word} 문의");
    let Ok(mut tokens) = segment(segmenter, &text) else {
        return true;
    };
    tokens
        .first_mut()
        .is_some_and(|first| is_noun_token(first, word))
}

/// Whether `token` is `word`, read as a noun.
fn is_noun_token(token: &mut Token<'_>, word: &str) -> bool {
    token.surface == word
        && token
            .details()
            .first()
            .is_some_and(|tag| tag.starts_with("NN"))
}

/// Parses ko-dic's `expression` field (`알리/VV/*+어/EC/*`) into (form, tag).
fn parse_expression(expression: &str) -> Vec<(String, String)> {
    expression_forms(expression)
        .map(|(form, tag)| (form.to_string(), tag.to_string()))
        .collect()
}

/// The (form, tag) pairs of ko-dic's `expression` field
/// (`알리/VV/*+어/EC/*`), borrowed from it.
fn expression_forms(expression: &str) -> impl Iterator<Item = (&str, &str)> {
    expression.split('+').filter_map(|part| {
        let mut fields = part.split('/');
        let form = fields.next()?;
        let tag = fields.next()?;
        Some((form, tag))
    })
}

#[cfg(test)]
mod tests;
