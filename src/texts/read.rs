//! Reading `[texts]` from parsed `dialogs/` documents: known keys only,
//! non-empty strings, placeholders the key has, and each key set once
//! across the folder.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{Texts, DEFAULT_TEXTS};
use crate::source::diagnostic::{Diagnostics, Location};
use crate::source::toml::{unknown_key_message, Reader};
use crate::source::{Document, SourceFile, TopLevel};

/// The top-level table texts are read from.
pub const TABLES: &[&str] = &["texts"];

/// The texts of documents parsed once for every part: the defaults with the
/// folder's overrides. Problems go to `diags`; an override with a problem
/// is not applied.
pub fn read(documents: &[Document<'_>], diags: &mut Diagnostics) -> Texts {
    let mut texts = Texts::default();
    let mut first_place: HashMap<String, Location> = HashMap::new();
    for document in documents {
        let mut reader = Reader {
            lines: &document.lines,
            diags: &mut *diags,
        };
        for TopLevel { name, value, .. } in document.entries(TABLES) {
            let Some(table) = reader.table(name, value) else {
                continue;
            };
            for (key, value, at) in overrides(&mut reader, table) {
                if let Some(first) = first_place.get(&key) {
                    reader
                        .diags
                        .push(at, format!("text `{key}` is already set at {first}"));
                } else {
                    texts.set(&key, value);
                    first_place.insert(key, at);
                }
            }
        }
    }
    texts
}

/// The texts of `sources` alone (for commands that speak but answer no
/// questions, such as the worker); the error lists every problem.
pub fn load(sources: &[SourceFile]) -> Result<Texts, Diagnostics> {
    let mut diags = Diagnostics::default();
    let documents = crate::source::parse(sources, &mut diags);
    let texts = read(&documents, &mut diags);
    if diags.is_empty() {
        Ok(texts)
    } else {
        Err(diags.sorted())
    }
}

/// The valid overrides of one `[texts]` table: (key, text, where the key is).
fn overrides(
    reader: &mut Reader<'_, '_>,
    table: Spanned<&DeTable<'_>>,
) -> Vec<(String, String, Location)> {
    let mut found = Vec::new();
    for (key, value) in table.get_ref().iter() {
        let key_at = reader.lines.location(key.span().start);
        let key = key.get_ref().to_string();
        let value_at = reader.lines.location(value.span().start);
        if !Texts::is_known(&key) {
            let known: Vec<&str> = DEFAULT_TEXTS.iter().map(|(k, _)| *k).collect();
            reader
                .diags
                .push(key_at, unknown_key_message("texts", &key, &known));
            continue;
        }
        match value.get_ref() {
            DeValue::String(s) if s.trim().is_empty() => reader
                .diags
                .push(value_at, format!("text `{key}` is empty")),
            DeValue::String(s) => match Texts::check(&key, s) {
                Ok(()) => found.push((key, s.trim().to_string(), key_at)),
                Err(problem) => reader.diags.push(value_at, problem),
            },
            _ => reader
                .diags
                .push(value_at, format!("text `{key}` must be a string")),
        }
    }
    found
}
