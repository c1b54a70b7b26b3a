//! Reads the knowledge base's tables of one parsed `dialogs/` file into
//! programs, FAQs, referrals (`referral.rs`), synonyms and matching settings, reporting every
//! problem with its place instead of stopping at the first.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::Diagnostics;
use super::model::{region_short_name, AsOf, Faq, MatchingConfig, Program, STAGES};
use super::referral::Referral;
pub(crate) use crate::source::toml::{Fields, Located, Reader};
use crate::source::{Document, TopLevel};

/// What one file contributes; `Located` values remember where they were written.
#[derive(Debug, Default)]
pub struct FileContent {
    pub programs: Vec<Program>,
    pub faqs: Vec<Faq>,
    pub referrals: Vec<Referral>,
    pub synonyms: Vec<Vec<Located<String>>>,
    pub matching: Vec<(Located<String>, f64)>,
    pub freshness: Vec<(Located<String>, f64)>,
}

/// The top-level tables the knowledge base reads.
pub const TABLES: &[&str] = &[
    "program",
    "faq",
    "referral",
    "synonyms",
    "matching",
    "freshness",
];
const PROGRAM_KEYS: &[&str] = &[
    "id",
    "name",
    "agency",
    "category",
    "regions",
    "stages",
    "support",
    "eligibility",
    "apply",
    "contact",
    "url",
    "keywords",
    "examples",
    "title",
    "menu",
    "as_of",
    "sources",
];
const FAQ_KEYS: &[&str] = &[
    "id",
    "category",
    "questions",
    "answer",
    "related",
    "keywords",
    "title",
    "menu",
    "as_of",
    "sources",
];
const FRESHNESS_KEYS: &[&str] = &["warn_after_years"];
const MATCHING_KEYS: &[&str] = &[
    "answer_threshold",
    "answer_margin",
    "answer_min_letters",
    "suggest_threshold",
    "max_suggestions",
];

/// The knowledge base's tables of one document; other tables are left to
/// their own parts.
pub fn read_document(document: &Document<'_>, diags: &mut Diagnostics) -> FileContent {
    let mut content = FileContent::default();
    let mut reader = Reader {
        lines: &document.lines,
        diags,
    };
    for TopLevel { name, value, .. } in document.entries(TABLES) {
        match name {
            "program" => {
                for table in reader.array_of_tables(name, value) {
                    content.programs.extend(reader.program(table));
                }
            }
            "faq" => {
                for table in reader.array_of_tables(name, value) {
                    content.faqs.extend(reader.faq(table));
                }
            }
            "referral" => {
                for table in reader.array_of_tables(name, value) {
                    content.referrals.extend(reader.referral(table));
                }
            }
            "synonyms" => {
                for table in reader.array_of_tables(name, value) {
                    content.synonyms.extend(reader.synonym_group(table));
                }
            }
            "matching" => {
                if let Some(table) = reader.table(name, value) {
                    reader.matching(table, &mut content.matching);
                }
            }
            "freshness" => {
                if let Some(table) = reader.table(name, value) {
                    reader.freshness(table, &mut content.freshness);
                }
            }
            _ => {}
        }
    }
    content
}

/// Applies `[matching]` settings over the defaults.
pub fn matching_config(settings: &[(Located<String>, f64)]) -> MatchingConfig {
    let mut config = MatchingConfig::default();
    for (key, value) in settings {
        match key.value.as_str() {
            "answer_threshold" => config.answer_threshold = *value,
            "answer_margin" => config.answer_margin = *value,
            "answer_min_letters" => config.answer_min_letters = *value,
            "suggest_threshold" => config.suggest_threshold = *value,
            "max_suggestions" => config.max_suggestions = *value as usize,
            _ => {}
        }
    }
    config
}

/// Applies `[freshness]` settings over the defaults.
pub fn freshness_config(settings: &[(Located<String>, f64)]) -> super::model::FreshnessConfig {
    let mut config = super::model::FreshnessConfig::default();
    for (key, value) in settings {
        if key.value == "warn_after_years" {
            config.warn_after_years = *value as u32;
        }
    }
    config
}

/// `as_of`: a date as a string (`"2014"`, `"2014-10"`, `"2014-10-01"`) or a
/// TOML date (`2014-10-01`); anything else is reported at its place.
pub(super) fn as_of(f: &mut Fields<'_, '_, '_, '_, '_>) -> Option<AsOf> {
    let value = f.get("as_of")?;
    let at = value.span().start;
    let parsed = match value.get_ref() {
        DeValue::String(s) => AsOf::parse(s),
        DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
            .date
            .and_then(|d| AsOf::parse(&format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))),
        _ => None,
    };
    if parsed.is_none() {
        f.error(
            at,
            "`as_of` must be a date written YYYY-MM-DD, YYYY-MM or YYYY, like \"2014-10\""
                .to_string(),
        );
    }
    parsed
}

/// The most characters of a menu section's name: it is a button's label
/// and part of the button's data (3 bytes a syllable, 64 bytes in all).
pub const MAX_MENU_CHARS: usize = 12;

/// `menu`: the section of the FAQ menu the entry is listed under (its
/// category when not given): a short name without `:`.
fn menu(f: &mut Fields<'_, '_, '_, '_, '_>) -> Option<String> {
    let at = f.get("menu")?.span().start;
    let written = f.string("menu", false)?;
    let name = written.trim();
    let chars = name.chars().count();
    if name.is_empty() || chars > MAX_MENU_CHARS || name.contains(':') {
        f.error(
            at,
            format!(
                "`menu` must be a section name of 1 to {MAX_MENU_CHARS} characters without `:`, like \"이용 안내\""
            ),
        );
        return None;
    }
    Some(name.to_string())
}

/// `url`: a web address a button can open (`http://` or `https://`).
fn url(f: &mut Fields<'_, '_, '_, '_, '_>) -> Option<String> {
    let at = f.get("url")?.span().start;
    let url = f.string("url", false)?.trim().to_string();
    if !crate::protocol::is_web_link(&url) {
        f.error(
            at,
            format!("`url` must be a web address starting with http:// or https://, not {url:?}"),
        );
        return None;
    }
    Some(url)
}

/// The knowledge base's own tables, read with the shared reader.
impl Reader<'_, '_> {
    /// One `[[synonyms]]` group; `None` when it has fewer than two terms.
    fn synonym_group(&mut self, table: Spanned<&DeTable<'_>>) -> Option<Vec<Located<String>>> {
        let mut fields = Fields::new(self, table, "[[synonyms]]");
        let terms = fields.string_list("terms", true);
        fields.finish(&["terms"]);
        if terms.len() == 1 {
            let at = terms[0].location.clone();
            self.diags
                .push(at, "a synonym group needs at least two terms");
        }
        (terms.len() >= 2).then_some(terms)
    }

    /// `[matching]`: thresholds from 0 to 1, `max_suggestions` from 1 to 10.
    fn matching(&mut self, table: Spanned<&DeTable<'_>>, out: &mut Vec<(Located<String>, f64)>) {
        let mut fields = Fields::new(self, table, "[matching]");
        for key in MATCHING_KEYS {
            let Some((number, location)) = fields.number(key) else {
                continue;
            };
            let (valid, range) = if *key == "max_suggestions" {
                (
                    (1.0..=10.0).contains(&number) && number.fract() == 0.0,
                    "a whole number from 1 to 10",
                )
            } else {
                ((0.0..=1.0).contains(&number), "a number from 0 to 1")
            };
            if valid {
                out.push((
                    Located {
                        value: key.to_string(),
                        location,
                    },
                    number,
                ));
            } else {
                fields
                    .reader
                    .diags
                    .push(location, format!("`{key}` must be {range}"));
            }
        }
        fields.finish(MATCHING_KEYS);
    }

    /// `[freshness]`: `warn_after_years`, a whole number from 1 to 100.
    fn freshness(&mut self, table: Spanned<&DeTable<'_>>, out: &mut Vec<(Located<String>, f64)>) {
        let mut fields = Fields::new(self, table, "[freshness]");
        for key in FRESHNESS_KEYS {
            let Some((number, location)) = fields.number(key) else {
                continue;
            };
            if (1.0..=100.0).contains(&number) && number.fract() == 0.0 {
                out.push((
                    Located {
                        value: key.to_string(),
                        location,
                    },
                    number,
                ));
            } else {
                fields.reader.diags.push(
                    location,
                    format!("`{key}` must be a whole number of years from 1 to 100"),
                );
            }
        }
        fields.finish(FRESHNESS_KEYS);
    }

    fn program(&mut self, table: Spanned<&DeTable<'_>>) -> Option<Program> {
        let mut f = Fields::new(self, table, "[[program]]");
        let id = f.id();
        let name = f.string("name", true);
        let agency = f.string("agency", true);
        let category = f.category();
        let regions = f.choice_list("regions", "region", |r| {
            region_short_name(r).map(str::to_string)
        });
        let stages = f.choice_list("stages", "stage", |s| {
            STAGES.contains(&s).then(|| s.to_string())
        });
        let support = f.string("support", true);
        let eligibility = f.string("eligibility", true);
        let apply = f.string("apply", true);
        let contact = f.string("contact", true);
        let url = url(&mut f);
        let keywords = f.string_list("keywords", false);
        let examples = f.string_list("examples", true);
        let title = f.string("title", false);
        let menu = menu(&mut f);
        let as_of = as_of(&mut f);
        let sources = f.string_list("sources", false);
        let location = f.location();
        f.finish(PROGRAM_KEYS);
        Some(Program {
            id: id?,
            name: name?,
            agency: agency?,
            category: category?,
            regions: if regions.is_empty() {
                vec![super::model::NATIONWIDE.to_string()]
            } else {
                regions
            },
            stages: if stages.is_empty() {
                STAGES.iter().map(|s| s.to_string()).collect()
            } else {
                stages
            },
            support: support?,
            eligibility: eligibility?,
            apply: apply?,
            contact: contact?,
            url,
            keywords: keywords.into_iter().map(|k| k.value).collect(),
            example_locations: examples.iter().map(|k| k.location.clone()).collect(),
            examples: examples.into_iter().map(|k| k.value).collect(),
            title,
            menu,
            as_of,
            sources: sources.into_iter().map(|k| k.value).collect(),
            location,
        })
    }

    fn faq(&mut self, table: Spanned<&DeTable<'_>>) -> Option<Faq> {
        let mut f = Fields::new(self, table, "[[faq]]");
        let id = f.id();
        let category = f.category();
        let questions = f.string_list("questions", true);
        let answer = f.string("answer", true);
        let related = f.string_list("related", false);
        let keywords = f.string_list("keywords", false);
        let title = f.string("title", false);
        let menu = menu(&mut f);
        let as_of = as_of(&mut f);
        let sources = f.string_list("sources", false);
        let location = f.location();
        f.finish(FAQ_KEYS);
        Some(Faq {
            id: id?,
            category: category?,
            example_locations: questions.iter().map(|k| k.location.clone()).collect(),
            questions: questions.into_iter().map(|k| k.value).collect(),
            answer: answer?,
            related_locations: related.iter().map(|k| k.location.clone()).collect(),
            related: related.into_iter().map(|k| k.value).collect(),
            keywords: keywords.into_iter().map(|k| k.value).collect(),
            title,
            menu,
            as_of,
            sources: sources.into_iter().map(|k| k.value).collect(),
            location,
        })
    }
}
