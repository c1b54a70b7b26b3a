//! Builds the lindera ko-dic dictionary cache that `lindera-ko-dic`'s
//! `embed-ko-dic` build script looks for under
//! `$LINDERA_BUILD_DICTIONARY_CACHE_DIR/<version>-fmt<format>/lindera-ko-dic/`.
//!
//! Usage: `kodic-cache <mecab-ko-dic source dir> <lindera-ko-dic crate dir> <cache dir>`
//!
//! The crate dir provides `metadata.json` and `context_id_freq.txt`, exactly as
//! lindera's own build script uses them, so the result is what a build with
//! network access would have produced.

use std::path::PathBuf;
use std::process::ExitCode;

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::{Metadata, DICTIONARY_FORMAT_VERSION};

/// The lindera version this tool (and therefore the cache) is built for.
const LINDERA_VERSION: &str = "6.2.0";

fn main() -> ExitCode {
    match run() {
        Ok(path) => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("kodic-cache: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<PathBuf, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, crate_dir, cache] = args.as_slice() else {
        return Err(
            "usage: kodic-cache <mecab-ko-dic source dir> <lindera-ko-dic crate dir> <cache dir>"
                .into(),
        );
    };
    let source = PathBuf::from(source);
    let crate_dir = PathBuf::from(crate_dir);
    if !source.join("matrix.def").is_file() {
        return Err(format!(
            "{} does not look like mecab-ko-dic sources (no matrix.def)",
            source.display()
        ));
    }
    let crate_version = crate_dir
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("lindera-ko-dic-"))
        .unwrap_or("");
    if crate_version != LINDERA_VERSION {
        return Err(format!(
            "the project resolves lindera-ko-dic {crate_version}, but this tool builds the cache for \
             lindera {LINDERA_VERSION}: set the same `=VERSION` pin for lindera in Cargo.toml and \
             for lindera-dictionary in tools/kodic-cache/Cargo.toml, then run `bash scripts/setup`"
        ));
    }
    let metadata_path = crate_dir.join("metadata.json");
    let metadata_json = std::fs::read_to_string(&metadata_path)
        .map_err(|e| format!("cannot read {}: {e}", metadata_path.display()))?;
    let metadata: Metadata = serde_json::from_str(&metadata_json)
        .map_err(|e| format!("cannot parse {}: {e}", metadata_path.display()))?;
    let mut builder = DictionaryBuilder::new(metadata);
    let freq = crate_dir.join("context_id_freq.txt");
    if freq.is_file() {
        builder = builder.with_context_id_freq(freq);
    }

    let version_dir =
        PathBuf::from(cache).join(format!("{LINDERA_VERSION}-fmt{DICTIONARY_FORMAT_VERSION}"));
    let output = version_dir.join("lindera-ko-dic");
    let staging = version_dir.join("tmp-output-lindera-ko-dic");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&version_dir)
        .map_err(|e| format!("cannot create {}: {e}", version_dir.display()))?;
    builder
        .build_dictionary(&source, &staging)
        .map_err(|e| format!("building the dictionary failed: {e}"))?;
    let _ = std::fs::remove_dir_all(&output);
    std::fs::rename(&staging, &output)
        .map_err(|e| format!("cannot move the build into {}: {e}", output.display()))?;
    Ok(output)
}
