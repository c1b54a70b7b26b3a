//! Each `dialogs/` file parsed once: its TOML tree with the line index that
//! turns offsets into places. TOML syntax errors and unknown top-level tables
//! are reported here, once; the knowledge base, routing, flows and texts then
//! each take their own tables from the same documents.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{Diagnostics, LineIndex, Location};
use super::toml::unknown_key_message;
use super::SourceFile;

/// Every top-level table a `dialogs/` file may hold, with the part that
/// reads it. A table added here needs a reader in that part.
pub const TABLES: &[(&str, &str)] = &[
    ("program", "kb"),
    ("faq", "kb"),
    ("referral", "kb"),
    ("synonyms", "kb"),
    ("texts", "texts"),
    ("matching", "kb"),
    ("freshness", "kb"),
    ("routing", "desk::routing"),
    ("queue", "desk::routing"),
    ("route", "desk::routing"),
    ("holidays", "desk::routing"),
    ("flow", "dialog::flows"),
    ("attachments", "dialog::attachments"),
];

/// One file of `dialogs/`, parsed.
pub struct Document<'s> {
    path: &'s str,
    pub lines: LineIndex<'s>,
    pub root: Spanned<DeTable<'s>>,
}

/// One top-level entry of a document: its name, where the name is written,
/// and its value.
pub struct TopLevel<'d, 's> {
    pub name: &'d str,
    pub at: Location,
    pub value: &'d Spanned<DeValue<'s>>,
}

impl<'s> Document<'s> {
    /// The path shown in diagnostics.
    pub fn path(&self) -> &'s str {
        self.path
    }

    /// The top-level entries called `name` (at most one in valid TOML).
    pub fn entries<'d>(&'d self, names: &'d [&str]) -> impl Iterator<Item = TopLevel<'d, 's>> {
        self.root
            .get_ref()
            .iter()
            .filter(move |(key, _)| names.contains(&key.get_ref().as_ref()))
            .map(|(key, value)| TopLevel {
                name: key.get_ref().as_ref(),
                at: self.lines.location(key.span().start),
                value,
            })
    }

    /// The document with only the top-level entries in `names`, for parts
    /// that read their tables through serde.
    pub fn only(&self, names: &[&str]) -> Spanned<DeTable<'s>> {
        let mut table = DeTable::new();
        for (key, value) in self.root.get_ref().iter() {
            if names.contains(&key.get_ref().as_ref()) {
                table.insert(key.clone(), value.clone());
            }
        }
        Spanned::new(self.root.span(), table)
    }
}

/// Parses every source once. A file with TOML syntax errors is reported and
/// left out; a top-level table no part reads is reported with the closest
/// known name.
pub fn parse<'s>(sources: &'s [SourceFile], diags: &mut Diagnostics) -> Vec<Document<'s>> {
    let known: Vec<&str> = TABLES.iter().map(|(name, _)| *name).collect();
    let mut documents = Vec::with_capacity(sources.len());
    for source in sources {
        let lines = LineIndex::new(&source.path, &source.text);
        let (root, errors) = DeTable::parse_recoverable(&source.text);
        for error in &errors {
            let at = error.span().map_or(0, |s| s.start);
            let message = error.message().lines().next().unwrap_or("invalid TOML");
            diags.push(lines.location(at), format!("TOML syntax: {message}"));
        }
        if !errors.is_empty() {
            continue;
        }
        for (key, _) in root.get_ref().iter() {
            let name = key.get_ref().as_ref();
            if !known.contains(&name) {
                diags.push(
                    lines.location(key.span().start),
                    unknown_key_message("the file", name, &known),
                );
            }
        }
        documents.push(Document {
            path: &source.path,
            lines,
            root,
        });
    }
    documents
}
