//! A delivery channel that appends each outbox message as one JSON line to a
//! file (or standard output): for running the desk without a messenger, for
//! handing messages to another system, and for tests that count deliveries.
//!
//! An edit of a message is a line of its own with `edits`: the outbox id of
//! the message whose text and buttons it replaces.
//!
//! Delivery is idempotent by outbox id: ids already in the file are not
//! written again, so a restart after a crash never duplicates a line.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::desk::outbox::{Channel, ChannelKind, DeliveryError, OutgoingMessage};
use crate::protocol::{Attachment, Button};

/// One delivered message, as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Delivered {
    pub outbox_id: i64,
    pub chat_id: i64,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Vec<Button>>,
    /// A file, location or contact card sent with `text` as its caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
    /// For an edit: the outbox id of the message it replaces the text and
    /// buttons of (that message's line is earlier in the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edits: Option<i64>,
}

enum Target {
    Stdout,
    File { file: File, path: PathBuf },
}

/// Appends deliveries to a file, or prints them.
pub struct JsonLinesChannel {
    state: Mutex<(Target, HashSet<i64>)>,
}

impl JsonLinesChannel {
    pub fn stdout() -> Self {
        Self {
            state: Mutex::new((Target::Stdout, HashSet::new())),
        }
    }

    /// Opens (or creates) `path`, remembering the ids already delivered.
    pub fn open(path: &Path) -> Result<Self> {
        let mut seen = HashSet::new();
        if path.exists() {
            for (n, line) in read_lines(path)?.into_iter().enumerate() {
                match serde_json::from_str::<Delivered>(&line) {
                    Ok(d) => {
                        seen.insert(d.outbox_id);
                    }
                    // A line cut short by a crash: the message is sent again.
                    Err(_) => tracing::warn!(line = n + 1, "skipping an incomplete delivery line"),
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(Self {
            state: Mutex::new((
                Target::File {
                    file,
                    path: path.to_path_buf(),
                },
                seen,
            )),
        })
    }

    fn write(&self, message: &OutgoingMessage) -> std::io::Result<String> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (target, seen) = &mut *state;
        if !seen.insert(message.id) {
            return Ok(format!("outbox {} (already delivered)", message.id));
        }
        let line = serde_json::to_string(&Delivered {
            outbox_id: message.id,
            chat_id: message.chat_id,
            text: message.body.clone(),
            buttons: message.buttons.0.clone(),
            attachment: message.attachment.as_ref().map(|a| a.0.clone()),
            edits: message.edits,
        })
        .expect("a delivery serializes");
        let written = match target {
            Target::Stdout => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}").and_then(|_| out.flush())
            }
            Target::File { file, .. } => {
                // One write call per line, then to disk before it counts as sent.
                file.write_all(format!("{line}\n").as_bytes())
                    .and_then(|_| file.sync_data())
            }
        };
        if let Err(e) = written {
            seen.remove(&message.id);
            return Err(e);
        }
        Ok(match target {
            Target::Stdout => format!("stdout:{}", message.id),
            Target::File { path, .. } => format!("{}:{}", path.display(), message.id),
        })
    }
}

impl Channel for JsonLinesChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Jsonl
    }

    async fn deliver(&self, message: &OutgoingMessage) -> Result<String, DeliveryError> {
        self.write(message).map_err(|e| DeliveryError::Retry {
            reason: e.to_string(),
            after: None,
        })
    }
}

/// The lines of a deliveries file.
pub fn read_lines(path: &Path) -> Result<Vec<String>> {
    let file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    BufReader::new(file)
        .lines()
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading {}", path.display()))
}
