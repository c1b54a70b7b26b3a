//! Unicode normalization that keeps Hangul intact.
//!
//! NFC composes Hangul (a decomposed 가 becomes one syllable) without touching
//! compatibility jamo such as ㅋ, which ko-dic knows. NFKC is applied only to
//! characters outside Hangul, so full-width Ｒ＆Ｄ and ２０２６ become R&D and
//! 2026. Latin letters are lowercased, invisible characters dropped and runs of
//! whitespace collapsed into one space.

use unicode_normalization::UnicodeNormalization;

/// Whether `c` belongs to one of the Hangul blocks (syllables, conjoining jamo,
/// compatibility jamo, half-width forms).
pub fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{AC00}'..='\u{D7A3}'
        | '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{D7B0}'..='\u{D7FF}'
        | '\u{FFA0}'..='\u{FFDC}')
}

/// Whether `c` is a Hangul syllable (가–힣).
pub fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'
    ) || (c.is_control() && !c.is_whitespace())
}

/// Normalizes user or knowledge-base text for analysis.
pub fn normalize(text: &str) -> String {
    // Text of ASCII and Hangul syllables alone (most questions) is already
    // NFC: nothing in it can compose.
    if text.chars().all(|c| c.is_ascii() || is_syllable(c)) {
        normalize_composed(text.chars(), text.len())
    } else {
        normalize_composed(text.nfc(), text.len())
    }
}

/// `normalize` on text already in NFC.
fn normalize_composed(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    let mut buf = [0u8; 4];
    for c in chars {
        // A Hangul syllable, most of a Korean question, is neither invisible
        // nor whitespace and is kept as it is, which the checks below would
        // find one by one.
        if is_syllable(c) {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if is_hangul(c) || c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for k in c.encode_utf8(&mut buf).nfkc() {
            if k.is_whitespace() {
                out.push(' ');
            } else {
                out.extend(k.to_lowercase());
            }
        }
    }
    out
}

/// The characters of `normalized` that carry meaning (letters and digits),
/// without spaces or punctuation: the input of the letter-pair signal and of
/// collision checks between example questions.
pub fn compact(normalized: &str) -> String {
    normalized
        .chars()
        .filter(|&c| {
            is_syllable(c) || c.is_ascii_alphanumeric() || !c.is_ascii() && c.is_alphanumeric()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_compatibility_jamo_that_nfkc_would_break() {
        assert_eq!(normalize("ㅋㅋㅋ 감사"), "ㅋㅋㅋ 감사");
        assert_eq!(normalize("ㅋ").chars().next(), Some('\u{314B}'));
    }

    #[test]
    fn composes_decomposed_hangul() {
        let decomposed: String = "지원금".nfd().collect();
        assert_ne!(decomposed, "지원금");
        assert_eq!(normalize(&decomposed), "지원금");
    }

    #[test]
    fn folds_full_width_latin_and_digits() {
        assert_eq!(normalize("Ｒ＆Ｄ　２０２６년"), "r&d 2026년");
    }

    #[test]
    fn collapses_whitespace_and_drops_invisible_characters() {
        assert_eq!(
            normalize("  창업\u{200B}지원금 \t\n 신청  "),
            "창업지원금 신청"
        );
    }

    #[test]
    fn compact_keeps_letters_and_digits_only() {
        assert_eq!(compact("창업 지원금, 신청?! (5억)"), "창업지원금신청5억");
    }
}
