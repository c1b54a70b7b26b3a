//! Reads one `dialogs/` TOML file into programs, FAQs, synonyms, texts and
//! matching settings, reporting every problem with its place instead of
//! stopping at the first.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{Diagnostics, LineIndex};
use super::model::{region_short_name, Faq, MatchingConfig, Program, STAGES};
pub(crate) use crate::source::toml::{unknown_key_message, Fields, Located, Reader};

/// What one file contributes; `Located` values remember where they were written.
#[derive(Debug, Default)]
pub struct FileContent {
    pub programs: Vec<Program>,
    pub faqs: Vec<Faq>,
    pub synonyms: Vec<Vec<Located<String>>>,
    pub texts: Vec<(Located<String>, String)>,
    pub matching: Vec<(Located<String>, f64)>,
    /// Tables this module does not read (e.g. `routing`, `queue`), left for
    /// other parts of onestop.
    pub other: Vec<Located<String>>,
}

const TOP_LEVEL: &[&str] = &["program", "faq", "synonyms", "texts", "matching"];
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
];
const FAQ_KEYS: &[&str] = &[
    "id",
    "category",
    "questions",
    "answer",
    "related",
    "keywords",
];
const MATCHING_KEYS: &[&str] = &[
    "answer_threshold",
    "answer_margin",
    "answer_min_letters",
    "suggest_threshold",
    "max_suggestions",
];

/// Parses one file; `extra_tables` are top-level tables other modules read.
pub fn parse_file(
    lines: &LineIndex<'_>,
    text: &str,
    extra_tables: &[&str],
    diags: &mut Diagnostics,
) -> FileContent {
    let mut content = FileContent::default();
    let (root, errors) = DeTable::parse_recoverable(text);
    for error in &errors {
        let at = error.span().map_or(0, |s| s.start);
        let message = error.message().lines().next().unwrap_or("invalid TOML");
        diags.push(lines.location(at), format!("TOML syntax: {message}"));
    }
    if !errors.is_empty() {
        return content;
    }
    let mut reader = Reader { lines, diags };
    for (key, value) in root.get_ref().iter() {
        let name = key.get_ref().as_ref();
        let at = lines.location(key.span().start);
        match name {
            "program" => {
                for table in reader.array_of_tables(name, value) {
                    if let Some(program) = reader.program(table) {
                        content.programs.push(program);
                    }
                }
            }
            "faq" => {
                for table in reader.array_of_tables(name, value) {
                    if let Some(faq) = reader.faq(table) {
                        content.faqs.push(faq);
                    }
                }
            }
            "synonyms" => {
                for table in reader.array_of_tables(name, value) {
                    let mut fields = Fields::new(&mut reader, table, "[[synonyms]]");
                    let terms = fields.string_list("terms", true);
                    fields.finish(&["terms"]);
                    if terms.len() == 1 {
                        let at = terms[0].location.clone();
                        reader
                            .diags
                            .push(at, "a synonym group needs at least two terms");
                    }
                    if terms.len() >= 2 {
                        content.synonyms.push(terms);
                    }
                }
            }
            "texts" => {
                if let Some(table) = reader.table(name, value) {
                    for (key, value) in table.get_ref().iter() {
                        let key_at = lines.location(key.span().start);
                        let key = key.get_ref().to_string();
                        if !super::texts::Texts::is_known(&key) {
                            let known: Vec<&str> = super::texts::DEFAULT_TEXTS
                                .iter()
                                .map(|(k, _)| *k)
                                .collect();
                            reader
                                .diags
                                .push(key_at, unknown_key_message("texts", &key, &known));
                            continue;
                        }
                        super::texts::check_override(&key, value, lines, reader.diags);
                        match value.get_ref() {
                            DeValue::String(s) if !s.trim().is_empty() => content.texts.push((
                                Located {
                                    value: key,
                                    location: key_at,
                                },
                                s.trim().to_string(),
                            )),
                            DeValue::String(_) => reader.diags.push(
                                lines.location(value.span().start),
                                format!("text `{key}` is empty"),
                            ),
                            _ => reader.diags.push(
                                lines.location(value.span().start),
                                format!("text `{key}` must be a string"),
                            ),
                        }
                    }
                }
            }
            "matching" => {
                if let Some(table) = reader.table(name, value) {
                    let mut fields = Fields::new(&mut reader, table, "[matching]");
                    for key in MATCHING_KEYS {
                        if let Some((number, location)) = fields.number(key) {
                            let valid = if *key == "max_suggestions" {
                                (1.0..=10.0).contains(&number) && number.fract() == 0.0
                            } else {
                                (0.0..=1.0).contains(&number)
                            };
                            if valid {
                                content.matching.push((
                                    Located {
                                        value: key.to_string(),
                                        location,
                                    },
                                    number,
                                ));
                            } else {
                                let range = if *key == "max_suggestions" {
                                    "a whole number from 1 to 10"
                                } else {
                                    "a number from 0 to 1"
                                };
                                fields
                                    .reader
                                    .diags
                                    .push(location, format!("`{key}` must be {range}"));
                            }
                        }
                    }
                    fields.finish(MATCHING_KEYS);
                }
            }
            other if extra_tables.contains(&other) => content.other.push(Located {
                value: other.to_string(),
                location: at,
            }),
            other => {
                let mut known: Vec<&str> = TOP_LEVEL.to_vec();
                known.extend_from_slice(extra_tables);
                reader
                    .diags
                    .push(at, unknown_key_message("the file", other, &known))
            }
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

/// The knowledge base's own tables, read with the shared reader.
impl Reader<'_, '_> {
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
        let url = f.string("url", false);
        let keywords = f.string_list("keywords", false);
        let examples = f.string_list("examples", true);
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
            location,
        })
    }
}
