//! What the knowledge base holds: support programs, FAQs, referrals
//! (`referral.rs`), synonyms, the bot's texts and the matching thresholds.

use serde::Serialize;

use super::diagnostic::Location;
pub use super::referral::{Contact, PhoneNumber, Referral, Website};

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
    /// A title written for lists; the name when not given.
    pub title: Option<String>,
    /// The section of the FAQ menu it is listed under; its category when
    /// not given.
    pub menu: Option<String>,
    /// When its facts were true.
    pub as_of: Option<AsOf>,
    /// Where its facts come from, for admins; never shown to SMEs.
    pub sources: Vec<String>,
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
    /// A title written for lists; the first question when not given.
    pub title: Option<String>,
    /// The section of the FAQ menu it is listed under; its category when
    /// not given.
    pub menu: Option<String>,
    /// When its facts were true.
    pub as_of: Option<AsOf>,
    /// Where its facts come from, for admins; never shown to SMEs.
    pub sources: Vec<String>,
    #[serde(skip)]
    pub example_locations: Vec<Location>,
    #[serde(skip)]
    pub related_locations: Vec<Location>,
    #[serde(skip)]
    pub location: Location,
}

/// Any kind of knowledge-base entry.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Program(&'a Program),
    Faq(&'a Faq),
    /// A topic another institution handles: an answer that says who.
    Referral(&'a Referral),
}

impl<'a> Entry<'a> {
    pub fn id(&self) -> &'a str {
        match self {
            Entry::Program(p) => &p.id,
            Entry::Faq(f) => &f.id,
            Entry::Referral(r) => &r.id,
        }
    }

    /// `program`, `faq` or `referral`, as in `onestop match --json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Program(_) => "program",
            Entry::Faq(_) => "faq",
            Entry::Referral(_) => "referral",
        }
    }

    /// A short title for lists: its `title`, else the program's name or
    /// the FAQ's first question.
    pub fn title(&self) -> &'a str {
        match self {
            Entry::Program(p) => p.title.as_deref().unwrap_or(&p.name),
            Entry::Faq(f) => f
                .title
                .as_deref()
                .unwrap_or_else(|| f.questions.first().map_or("", |q| q.as_str())),
            Entry::Referral(r) => &r.title,
        }
    }

    /// The section of the FAQ menu it is listed under: its `menu`, else
    /// its category.
    pub fn section(&self) -> &'a str {
        match self {
            Entry::Program(p) => p.menu.as_deref().unwrap_or(&p.category),
            Entry::Faq(f) => f.menu.as_deref().unwrap_or(&f.category),
            Entry::Referral(_) => super::referral::MENU_SECTION,
        }
    }

    /// When the entry's facts were true, if it says.
    pub fn as_of(&self) -> Option<&'a AsOf> {
        match self {
            Entry::Program(p) => p.as_of.as_ref(),
            Entry::Faq(f) => f.as_of.as_ref(),
            Entry::Referral(r) => r.as_of.as_ref(),
        }
    }

    /// The entry's sources (for admins).
    pub fn sources(&self) -> &'a [String] {
        match self {
            Entry::Program(p) => &p.sources,
            Entry::Faq(f) => &f.sources,
            Entry::Referral(r) => &r.sources,
        }
    }

    /// The example questions people ask for this entry.
    pub fn examples(&self) -> &'a [String] {
        match self {
            Entry::Program(p) => &p.examples,
            Entry::Faq(f) => &f.questions,
            Entry::Referral(r) => &r.questions,
        }
    }

    /// Where each example question was written.
    pub fn example_locations(&self) -> &'a [Location] {
        match self {
            Entry::Program(p) => &p.example_locations,
            Entry::Faq(f) => &f.example_locations,
            Entry::Referral(r) => &r.example_locations,
        }
    }

    pub fn location(&self) -> &'a Location {
        match self {
            Entry::Program(p) => &p.location,
            Entry::Faq(f) => &f.location,
            Entry::Referral(r) => &r.location,
        }
    }
}

impl Entry<'_> {
    /// Whether the entry points the SME to another institution.
    pub fn is_referral(&self) -> bool {
        matches!(self, Entry::Referral(_))
    }
}

/// Thresholds that turn scores into an answer, suggestions or the fallback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchingConfig {
    /// At or above this confidence (the estimated probability that it is
    /// the entry asked about) the best entry may be answered directly...
    pub answer_threshold: f64,
    /// ... when its confidence leads the second best's by at least this much,
    pub answer_margin: f64,
    /// ... and shares at least this much of its letter pairs (Dice) with one
    /// of the entry's example questions or its name: a confident answer must
    /// visibly resemble something written for it, not only contain a word
    /// ko-dic found inside one of its examples (사랑해 in 협력사랑).
    pub answer_min_letters: f64,
    /// When the confidences of the entries offered (`index::offered`) add
    /// up to this, they are offered as suggestions.
    pub suggest_threshold: f64,
    /// How many suggestions to offer at most.
    pub max_suggestions: usize,
}

impl Default for MatchingConfig {
    fn default() -> Self {
        Self {
            // One threshold for every knowledge base: on ours and on
            // paraphrase-dev (125 FAQs of one example each in its open
            // setting) 0.9 answers none of our out-of-scope questions and
            // 2.3 % of paraphrase-dev's near misses, and three in four of
            // our covered questions ranked right (docs/BENCHMARKS.md).
            answer_threshold: 0.9,
            answer_margin: 0.0,
            answer_min_letters: 0.15,
            // The offered entries' confidences added up: at 0.7, 2 of our
            // 97 out-of-scope questions get suggestions instead of a
            // consultant, and 0.90 of the covered ones get the right entry
            // answered or offered (0.8: none and 0.86; 0.6: 7 and 0.92;
            // docs/BENCHMARKS.md).
            suggest_threshold: 0.7,
            max_suggestions: 3,
        }
    }
}

/// When an entry's facts were true: a year, a month or a day
/// (`2014`, `2014-10`, `2014-10-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AsOf {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl AsOf {
    /// Reads `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; `None` for anything else,
    /// a month or day out of range included.
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.trim().split('-').collect();
        let number = |s: &str, len: usize| {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let year = number(parts.first()?, 4)? as i32;
        let month = match parts.get(1) {
            Some(m) => Some(number(m, 2).filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let day = match parts.get(2) {
            Some(d) => {
                let d = number(d, 2)?;
                chrono::NaiveDate::from_ymd_opt(year, month?, d)?;
                Some(d)
            }
            None => None,
        };
        (parts.len() <= 3).then_some(Self { year, month, day })
    }

    /// The first day of the period it names.
    pub fn first_day(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .unwrap_or(chrono::NaiveDate::MIN)
    }

    /// Whether more than `years` years have passed between its first day
    /// and `today`.
    pub fn older_than(&self, years: u32, today: chrono::NaiveDate) -> bool {
        self.first_day()
            .checked_add_months(chrono::Months::new(years * 12))
            .is_some_and(|limit| limit < today)
    }
}

impl std::fmt::Display for AsOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for AsOf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `[freshness]`: how old an entry's `as_of` may be before its answers say
/// so and `onestop check` warns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreshnessConfig {
    pub warn_after_years: u32,
}

impl Default for FreshnessConfig {
    fn default() -> Self {
        Self {
            warn_after_years: 3,
        }
    }
}
