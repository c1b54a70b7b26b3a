//! Which files, locations and contact cards the desk relays, read from the
//! `[attachments]` table of `dialogs/`:
//!
//! ```toml
//! [attachments]
//! max_size_mb = 20                  # larger files are refused politely
//! kinds = ["photo", "document", "voice", "video", "audio", "location", "contact"]
//! ```
//!
//! Without the table every kind is relayed up to 50 MB (what Telegram's
//! Bot API itself accepts for files sent by id).

use toml::de::DeTable;
use toml::Spanned;

use crate::protocol::{Attachment, AttachmentKind};
use crate::source::diagnostic::Diagnostics;
use crate::source::toml::{Fields, Reader};
use crate::source::{Document, TopLevel};

/// The top-level table read here.
pub const TABLES: &[&str] = &["attachments"];

const KEYS: &[&str] = &["max_size_mb", "kinds"];

/// What the desk relays.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRules {
    pub max_size_bytes: i64,
    pub kinds: Vec<AttachmentKind>,
}

impl Default for AttachmentRules {
    fn default() -> Self {
        Self {
            max_size_bytes: 50 * 1024 * 1024,
            kinds: AttachmentKind::ALL.to_vec(),
        }
    }
}

/// Why an attachment is not relayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Kind,
    TooLarge,
}

impl AttachmentRules {
    /// Whether `attachment` may be relayed.
    pub fn check(&self, attachment: &Attachment) -> Result<(), Refusal> {
        if !self.kinds.contains(&attachment.kind) {
            return Err(Refusal::Kind);
        }
        if attachment
            .size
            .is_some_and(|size| size > self.max_size_bytes)
        {
            return Err(Refusal::TooLarge);
        }
        Ok(())
    }

    /// The limit in whole megabytes, for the texts.
    pub fn max_size_mb(&self) -> i64 {
        self.max_size_bytes / (1024 * 1024)
    }

    /// The rules of documents parsed once for every part; problems go to
    /// `diags` (the defaults stand for what is wrong).
    pub fn read(documents: &[Document<'_>], diags: &mut Diagnostics) -> AttachmentRules {
        let mut rules = AttachmentRules::default();
        for document in documents {
            let mut reader = Reader {
                lines: &document.lines,
                diags: &mut *diags,
            };
            for TopLevel { name, value, .. } in document.entries(TABLES) {
                if let Some(table) = reader.table(name, value) {
                    read_table(&mut reader, table, &mut rules);
                }
            }
        }
        rules
    }
}

fn read_table(
    reader: &mut Reader<'_, '_>,
    table: Spanned<&DeTable<'_>>,
    rules: &mut AttachmentRules,
) {
    let mut fields = Fields::new(reader, table, "[attachments]");
    if let Some((megabytes, at)) = fields.number("max_size_mb") {
        if (1.0..=2000.0).contains(&megabytes) && megabytes.fract() == 0.0 {
            rules.max_size_bytes = megabytes as i64 * 1024 * 1024;
        } else {
            fields.reader.diags.push(
                at,
                "`max_size_mb` must be a whole number of megabytes from 1 to 2000",
            );
        }
    }
    if fields.get("kinds").is_some() {
        let names: Vec<&str> = AttachmentKind::ALL.iter().map(|k| k.as_str()).collect();
        rules.kinds.clear();
        for item in fields.string_list("kinds", false) {
            match AttachmentKind::parse(&item.value) {
                Some(kind) => rules.kinds.push(kind),
                None => fields.reader.diags.push(
                    item.location,
                    format!(
                        "unknown attachment kind `{}`; expected one of: {}",
                        item.value,
                        names.join(", ")
                    ),
                ),
            }
        }
    }
    fields.finish(KEYS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(size: Option<i64>) -> Attachment {
        Attachment {
            kind: AttachmentKind::Photo,
            file_id: "AgAD".into(),
            size,
            mime: None,
            file_name: None,
        }
    }

    #[test]
    fn files_over_the_limit_and_kinds_left_out_are_refused() {
        let rules = AttachmentRules {
            max_size_bytes: 1024,
            kinds: vec![AttachmentKind::Document],
        };
        assert_eq!(rules.check(&photo(Some(10))), Err(Refusal::Kind));
        let document = Attachment {
            kind: AttachmentKind::Document,
            ..photo(Some(2048))
        };
        assert_eq!(rules.check(&document), Err(Refusal::TooLarge));
        let small = Attachment {
            size: Some(100),
            ..document
        };
        assert_eq!(rules.check(&small), Ok(()));
        assert_eq!(AttachmentRules::default().check(&photo(None)), Ok(()));
    }
}
