//! The `dialogs/` files, at the bottom of the house: reading a folder (or the
//! copy compiled into the binary) into source files, parsing each once
//! (`document`), the TOML reader every part uses on them (`toml`), and
//! diagnostics with file, line and column (`diagnostic`). The knowledge base,
//! routing, flows and texts each take their own tables from the same parsed
//! documents.

pub mod diagnostic;
pub mod document;
pub mod toml;

pub use document::{parse, Document, TopLevel, TABLES};

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use include_dir::{include_dir, Dir};

/// The default `dialogs/` folder, compiled into the binary.
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/dialogs");

/// One file of a `dialogs/` folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path shown in diagnostics.
    pub path: String,
    pub text: String,
}

/// Reads every `*.toml` file under `dir`, sorted by path.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>> {
    let mut paths = Vec::new();
    collect_toml(dir, &mut paths)
        .with_context(|| format!("reading the dialogs folder {}", dir.display()))?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok(SourceFile {
                path: path.display().to_string(),
                text,
            })
        })
        .collect()
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// The embedded default `dialogs/` files.
pub fn embedded_sources() -> Vec<SourceFile> {
    let mut files = Vec::new();
    collect_embedded(&EMBEDDED, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<SourceFile>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "toml") {
            out.push(SourceFile {
                path: format!("dialogs/{}", file.path().display()),
                text: file.contents_utf8().unwrap_or_default().to_string(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}
