//! The bot's texts live in [`crate::texts`]; this is where `[texts]` in a
//! file of `dialogs/` is checked against them.

use std::collections::HashSet;

use toml::de::DeValue;
use toml::Spanned;

use super::diagnostic::{Diagnostics, LineIndex};
use super::parse::parse_file;
use crate::source::SourceFile;
pub use crate::texts::{Texts, DEFAULT_TEXTS};

/// Reports an override of `key` that uses a placeholder the key does not
/// have, at the value.
pub(crate) fn check_override(
    key: &str,
    value: &Spanned<DeValue<'_>>,
    lines: &LineIndex<'_>,
    diags: &mut Diagnostics,
) {
    if let DeValue::String(text) = value.get_ref() {
        if let Err(problem) = Texts::check(key, text) {
            diags.push(lines.location(value.span().start), problem);
        }
    }
}

/// The texts of `sources` alone, without building the knowledge base: for
/// the desk commands of the command line (the worker's notices, a ticket
/// resolved from the terminal), which speak but answer no questions. As in
/// [`super::KnowledgeBase::load`], the first file to set a key wins;
/// problems are left to `onestop check` and the bot's own loading.
pub fn texts_of(sources: &[SourceFile]) -> Texts {
    let mut texts = Texts::default();
    let mut set = HashSet::new();
    let mut ignored = Diagnostics::default();
    for source in sources {
        let lines = LineIndex::new(&source.path, &source.text);
        let content = parse_file(&lines, &source.text, super::OTHER_TABLES, &mut ignored);
        for (key, value) in content.texts {
            if set.insert(key.value.clone()) {
                texts.set(&key.value, value);
            }
        }
    }
    texts
}
