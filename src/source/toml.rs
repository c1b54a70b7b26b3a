//! Reading TOML tables with every problem reported at its place instead of
//! stopping at the first: arrays of tables, required and optional strings,
//! string lists, numbers, ids, categories and choices, and unknown keys with
//! a "did you mean". Shared by the knowledge base, routing and flows.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{Diagnostics, LineIndex, Location};
use crate::vocabulary::{canonical_category, CATEGORIES, STAGES};

/// A value and where it was written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub location: Location,
}

pub(crate) fn unknown_key_message(place: &str, key: &str, known: &[&str]) -> String {
    match super::diagnostic::closest(key, known.iter().copied()) {
        Some(k) => format!("unknown key `{key}` in {place}; did you mean `{k}`?"),
        None => format!(
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
        let category = canonical_category(&category).to_string();
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
