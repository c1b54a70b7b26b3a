//! CSV downloads of the page's tables (RFC 4180: every field quoted when it
//! needs to be, lines ended by CRLF), with a leading quote on a field that a
//! spreadsheet would take for a formula.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A table as CSV text: `head`, then `rows`.
pub fn table(head: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::new();
    line(&mut out, head.iter().map(|h| h.to_string()));
    for row in rows {
        line(&mut out, row);
    }
    out
}

fn line(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields.into_iter().map(|f| field(&f)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// One field, quoted when it holds a comma, a quote or a line break;
/// one starting like a formula (`=`, `+`, `-`, `@`) gets a leading `'`.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A CSV download named `file_name` (ASCII).
pub fn download(file_name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        // A byte-order mark, so spreadsheets read the Korean as UTF-8.
        format!("\u{feff}{body}"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let csv = table(
            &["a", "b"],
            [
                vec!["x,y".into(), "say \"hi\"".into()],
                vec!["=1+1".into(), "-3".into()],
            ],
        );
        assert_eq!(csv, "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n'=1+1,-3\r\n");
    }
}
