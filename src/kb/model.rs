//! What the knowledge base holds: support programs, FAQs, synonyms, the bot's
//! texts and the matching thresholds.

use serde::Serialize;

use super::diagnostic::Location;

pub use crate::vocabulary::{region_short_name, CATEGORIES, NATIONWIDE, REGIONS, STAGES};

/// A support program, or an agency described like one.
#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub id: String,
    pub name: String,
    pub agency: String,
    pub category: String,
    pub regions: Vec<String>,
    pub stages: Vec<String>,
    pub support: String,
    pub eligibility: String,
    pub apply: String,
    pub contact: String,
    pub url: Option<String>,
    pub keywords: Vec<String>,
    pub examples: Vec<String>,
    #[serde(skip)]
    pub example_locations: Vec<Location>,
    #[serde(skip)]
    pub location: Location,
}

/// A frequently asked question with its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Faq {
    pub id: String,
    pub category: String,
    pub questions: Vec<String>,
    pub answer: String,
    pub related: Vec<String>,
    pub keywords: Vec<String>,
    #[serde(skip)]
    pub example_locations: Vec<Location>,
    #[serde(skip)]
    pub related_locations: Vec<Location>,
    #[serde(skip)]
    pub location: Location,
}

/// Either kind of knowledge-base entry.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Program(&'a Program),
    Faq(&'a Faq),
}

impl<'a> Entry<'a> {
    pub fn id(&self) -> &'a str {
        match self {
            Entry::Program(p) => &p.id,
            Entry::Faq(f) => &f.id,
        }
    }

    /// `program` or `faq`, as in `onestop match --json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Program(_) => "program",
            Entry::Faq(_) => "faq",
        }
    }

    /// A short title: the program's name or the FAQ's first question.
    pub fn title(&self) -> &'a str {
        match self {
            Entry::Program(p) => &p.name,
            Entry::Faq(f) => f.questions.first().map_or("", |q| q.as_str()),
        }
    }

    /// The example questions people ask for this entry.
    pub fn examples(&self) -> &'a [String] {
        match self {
            Entry::Program(p) => &p.examples,
            Entry::Faq(f) => &f.questions,
        }
    }

    /// Where each example question was written.
    pub fn example_locations(&self) -> &'a [Location] {
        match self {
            Entry::Program(p) => &p.example_locations,
            Entry::Faq(f) => &f.example_locations,
        }
    }

    pub fn location(&self) -> &'a Location {
        match self {
            Entry::Program(p) => &p.location,
            Entry::Faq(f) => &f.location,
        }
    }
}

/// Thresholds that turn scores into an answer, suggestions or the fallback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchingConfig {
    /// At or above this score the best entry may be answered directly...
    pub answer_threshold: f64,
    /// ... when it leads the second best by at least this much,
    pub answer_margin: f64,
    /// ... and shares at least this much of its letter pairs (Dice) with one
    /// of the entry's example questions or its name: a confident answer must
    /// visibly resemble something written for it, not only contain a word
    /// ko-dic found inside one of its examples (사랑해 in 협력사랑).
    pub answer_min_letters: f64,
    /// At or above this score entries are offered as suggestions.
    pub suggest_threshold: f64,
    /// How many suggestions to offer at most.
    pub max_suggestions: usize,
}

impl Default for MatchingConfig {
    fn default() -> Self {
        Self {
            answer_threshold: 0.55,
            answer_margin: 0.1,
            answer_min_letters: 0.15,
            suggest_threshold: 0.35,
            max_suggestions: 3,
        }
    }
}
