//! Reads one `dialogs/` TOML file into programs, FAQs, synonyms, texts and
//! matching settings, reporting every problem with its place instead of
//! stopping at the first.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{Diagnostics, LineIndex, Location};
use super::model::{region_short_name, Faq, MatchingConfig, Program, CATEGORIES, STAGES};

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

/// A value and where it was written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub location: Location,
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

pub(crate) fn unknown_key_message(place: &str, key: &str, known: &[&str]) -> String {
    let closest = known
        .iter()
        .map(|k| (strsim::jaro_winkler(k, key), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((score, k)) if score > 0.8 => {
            format!("unknown key `{key}` in {place}; did you mean `{k}`?")
        }
        _ => format!(
            "unknown key `{key}` in {place}; expected one of: {}",
            known.join(", ")
        ),
    }
}

pub(crate) struct Reader<'r, 'l> {
    pub(crate) lines: &'r LineIndex<'l>,
    pub(crate) diags: &'r mut Diagnostics,
}

impl<'r, 'l> Reader<'r, 'l> {
    /// `[[name]]` tables; anything else is reported.
    pub(crate) fn array_of_tables<'v, 'i>(
        &mut self,
        name: &str,
        value: &'v Spanned<DeValue<'i>>,
    ) -> Vec<Spanned<&'v DeTable<'i>>> {
        match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::Table(table) => Some(Spanned::new(item.span(), table)),
                    _ => {
                        self.diags.push(
                            self.lines.location(item.span().start),
                            format!("`{name}` entries must be tables: write [[{name}]]"),
                        );
                        None
                    }
                })
                .collect(),
            _ => {
                self.diags.push(
                    self.lines.location(value.span().start),
                    format!("`{name}` must be a list of tables: write [[{name}]]"),
                );
                Vec::new()
            }
        }
    }

    pub(crate) fn table<'v, 'i>(
        &mut self,
        name: &str,
        value: &'v Spanned<DeValue<'i>>,
    ) -> Option<Spanned<&'v DeTable<'i>>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(Spanned::new(value.span(), table)),
            _ => {
                self.diags.push(
                    self.lines.location(value.span().start),
                    format!("`{name}` must be a table: write [{name}]"),
                );
                None
            }
        }
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

/// Reads the fields of one table, reporting missing, empty, mistyped and
/// unknown keys.
pub(crate) struct Fields<'f, 'r, 'l, 'v, 'i> {
    pub(crate) reader: &'f mut Reader<'r, 'l>,
    pub(crate) table: &'v DeTable<'i>,
    pub(crate) span: Range<usize>,
    pub(crate) what: &'static str,
}

impl<'f, 'r, 'l, 'v, 'i> Fields<'f, 'r, 'l, 'v, 'i> {
    pub(crate) fn new(
        reader: &'f mut Reader<'r, 'l>,
        table: Spanned<&'v DeTable<'i>>,
        what: &'static str,
    ) -> Self {
        Self {
            reader,
            span: table.span(),
            table: table.into_inner(),
            what,
        }
    }

    /// Where the entry is: its `id` if it has one, else the table itself.
    pub(crate) fn location(&self) -> Location {
        let at = self.get("id").map_or(self.span.start, |v| v.span().start);
        self.reader.lines.location(at)
    }

    pub(crate) fn error(&mut self, offset: usize, message: String) {
        let at = self.reader.lines.location(offset);
        self.reader.diags.push(at, message);
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'v Spanned<DeValue<'i>>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn string(&mut self, key: &str, required: bool) -> Option<String> {
        match self.get(key) {
            None => {
                if required {
                    self.error(
                        self.span.start,
                        format!("{} is missing required key `{key}`", self.what),
                    );
                }
                None
            }
            Some(value) => match value.get_ref() {
                DeValue::String(s) if s.trim().is_empty() => {
                    self.error(value.span().start, format!("`{key}` is empty"));
                    None
                }
                DeValue::String(s) => Some(s.trim().to_string()),
                _ => {
                    self.error(value.span().start, format!("`{key}` must be a string"));
                    None
                }
            },
        }
    }

    pub(crate) fn string_list(&mut self, key: &str, required: bool) -> Vec<Located<String>> {
        let Some(value) = self.get(key) else {
            if required {
                self.error(
                    self.span.start,
                    format!("{} is missing required key `{key}`", self.what),
                );
            }
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                value.span().start,
                format!("`{key}` must be a list of strings, like [\"...\", \"...\"]"),
            );
            return Vec::new();
        };
        if items.is_empty() && required {
            self.error(
                value.span().start,
                format!("`{key}` is empty: give at least one"),
            );
        }
        let mut out = Vec::new();
        for item in items {
            match item.get_ref() {
                DeValue::String(s) if s.trim().is_empty() => {
                    self.error(item.span().start, format!("empty string in `{key}`"))
                }
                DeValue::String(s) => out.push(Located {
                    value: s.trim().to_string(),
                    location: self.reader.lines.location(item.span().start),
                }),
                _ => self.error(item.span().start, format!("`{key}` must hold strings only")),
            }
        }
        out
    }

    pub(crate) fn number(&mut self, key: &str) -> Option<(f64, Location)> {
        let value = self.get(key)?;
        let location = self.reader.lines.location(value.span().start);
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|i| i as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(value.span().start, format!("`{key}` must be a number"));
        }
        parsed.map(|n| (n, location))
    }

    pub(crate) fn id(&mut self) -> Option<String> {
        let id = self.string("id", true)?;
        let valid = id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !id.starts_with('-');
        if !valid {
            let at = self.get("id").map_or(self.span.start, |v| v.span().start);
            self.error(
                at,
                format!("id `{id}` may use only lowercase letters, digits and '-'"),
            );
            return None;
        }
        Some(id)
    }

    pub(crate) fn category(&mut self) -> Option<String> {
        let category = self.string("category", true)?;
        let category = if category == "판로" || category == "마케팅" || category == "판로마케팅"
        {
            "판로·마케팅".to_string()
        } else {
            category
        };
        if !CATEGORIES.contains(&category.as_str()) {
            let at = self
                .get("category")
                .map_or(self.span.start, |v| v.span().start);
            self.error(
                at,
                format!(
                    "unknown category `{category}`; expected one of: {}",
                    CATEGORIES.join(", ")
                ),
            );
            return None;
        }
        Some(category)
    }

    pub(crate) fn choice_list(
        &mut self,
        key: &str,
        what: &str,
        resolve: impl Fn(&str) -> Option<String>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.string_list(key, false) {
            match resolve(&item.value) {
                Some(v) => out.push(v),
                None => {
                    let allowed = if what == "region" {
                        "17 시·도 (서울, 부산, …, 제주) or 전국".to_string()
                    } else {
                        STAGES.join(", ")
                    };
                    self.reader.diags.push(
                        item.location,
                        format!("unknown {what} `{}`; expected {allowed}", item.value),
                    );
                }
            }
        }
        out
    }

    /// Reports keys this table does not know.
    pub(crate) fn finish(self, allowed: &[&str]) {
        for (key, _) in self.table.iter() {
            let name = key.get_ref().as_ref();
            if !allowed.contains(&name) {
                let at = self.reader.lines.location(key.span().start);
                self.reader
                    .diags
                    .push(at, unknown_key_message(self.what, name, allowed));
            }
        }
    }
}
