//! Hangul decomposed into jamo, for typo tolerance.
//!
//! Two words that differ by one wrong key (신청/신천) share most of their jamo
//! but only half their syllables, so similarity is measured on jamo strings.

use super::normalize::is_syllable;

const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];
const JUNGSEONG: [char; 21] = [
    'ㅏ', 'ㅐ', 'ㅑ', 'ㅒ', 'ㅓ', 'ㅔ', 'ㅕ', 'ㅖ', 'ㅗ', 'ㅘ', 'ㅙ', 'ㅚ', 'ㅛ', 'ㅜ', 'ㅝ', 'ㅞ',
    'ㅟ', 'ㅠ', 'ㅡ', 'ㅢ', 'ㅣ',
];
const JONGSEONG: [Option<char>; 28] = [
    None,
    Some('ㄱ'),
    Some('ㄲ'),
    Some('ㄳ'),
    Some('ㄴ'),
    Some('ㄵ'),
    Some('ㄶ'),
    Some('ㄷ'),
    Some('ㄹ'),
    Some('ㄺ'),
    Some('ㄻ'),
    Some('ㄼ'),
    Some('ㄽ'),
    Some('ㄾ'),
    Some('ㄿ'),
    Some('ㅀ'),
    Some('ㅁ'),
    Some('ㅂ'),
    Some('ㅄ'),
    Some('ㅅ'),
    Some('ㅆ'),
    Some('ㅇ'),
    Some('ㅈ'),
    Some('ㅊ'),
    Some('ㅋ'),
    Some('ㅌ'),
    Some('ㅍ'),
    Some('ㅎ'),
];

/// Decomposes every Hangul syllable of `word` into its jamo (as compatibility
/// jamo, so a typed ㅋ and the ㅋ inside 크 compare equal); other characters
/// are kept as they are.
pub fn decompose(word: &str) -> String {
    let mut out = String::with_capacity(word.len() * 3);
    for c in word.chars() {
        if is_syllable(c) {
            let index = c as u32 - 0xAC00;
            out.push(CHOSEONG[(index / 588) as usize]);
            out.push(JUNGSEONG[((index % 588) / 28) as usize]);
            if let Some(jong) = JONGSEONG[(index % 28) as usize] {
                out.push(jong);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Similarity of two words between 0 and 1, by edit distance over jamo.
pub fn similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(&decompose(a), &decompose(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposes_syllables_into_jamo() {
        assert_eq!(decompose("신청"), "ㅅㅣㄴㅊㅓㅇ");
        assert_eq!(decompose("과"), "ㄱㅘ");
        assert_eq!(decompose("R&D 값"), "R&D ㄱㅏㅄ");
    }

    #[test]
    fn one_wrong_key_is_close_by_jamo() {
        let by_jamo = similarity("신청", "신천");
        let by_syllable = strsim::normalized_levenshtein("신청", "신천");
        assert!(by_jamo > 0.8, "{by_jamo}");
        assert!(by_syllable <= 0.5);
    }

    #[test]
    fn unrelated_words_are_far() {
        assert!(similarity("신청", "수출") < 0.5);
    }
}
