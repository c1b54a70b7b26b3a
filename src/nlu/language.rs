//! Whether a message is written in a language the bot does not read: no
//! Hangul at all, and either letters of another script (Chinese, Japanese,
//! Cyrillic, Thai, …) or at least three ordinary words of a Latin-script
//! language ("how do I renew my visa"). Program names and acronyms (UT,
//! G-FAIR, R&D, IoT, KOTRA) are not ordinary words: they have no run of two
//! lowercase letters, so "G-FAIR", "R&D 지원" or "UT KOTRA" stay Korean
//! questions for the knowledge base.

use super::normalize::is_hangul;

/// Latin-script phrases that are a foreign message on their own.
const ALONE: &[&str] = &[
    "hello",
    "hello there",
    "good morning",
    "good afternoon",
    "help",
    "help me",
    "english",
    "english please",
    "do you speak english",
    "thank you",
    "thanks",
];

/// Whether `text` is written in a language other than Korean.
pub fn is_foreign(text: &str) -> bool {
    if text.chars().any(is_hangul) {
        return false;
    }
    let other_script = text
        .chars()
        .filter(|c| c.is_alphabetic() && !is_latin(*c))
        .count();
    if other_script >= 2 {
        return true;
    }
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '&' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let ordinary = words.iter().filter(|w| is_ordinary_word(w)).count();
    if ordinary >= 3 {
        return true;
    }
    let lower = words.join(" ").to_lowercase();
    ordinary == words.len() && ALONE.contains(&lower.as_str())
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c)
}

/// A word of running text rather than a name: Latin letters only, with two
/// lowercase letters in a row ("visa", "Hello"; not "UT", "IoT", "G-FAIR").
fn is_ordinary_word(word: &str) -> bool {
    let letters_only = word.chars().all(|c| is_latin(c) || c == '\'' || c == '-');
    let mut run = 0;
    let mut lowercase_pair = false;
    for c in word.chars() {
        if c.is_lowercase() {
            run += 1;
            lowercase_pair |= run >= 2;
        } else {
            run = 0;
        }
    }
    letters_only && lowercase_pair
}

#[cfg(test)]
mod tests {
    use super::is_foreign;

    #[test]
    fn messages_in_other_languages_are_recognised() {
        for text in [
            "hello, how do I renew my visa?",
            "Can you help me find a grant?",
            "I need support for exporting to Vietnam",
            "Hello",
            "english please",
            "我想申请创业补贴",
            "こんにちは、助成金について",
            "Здравствуйте, нужна помощь",
            "Xin chào, tôi cần hỗ trợ xuất khẩu",
        ] {
            assert!(is_foreign(text), "{text}");
        }
    }

    #[test]
    fn korean_names_and_acronyms_are_not_foreign() {
        for text in [
            "G-FAIR 참가 신청",
            "R&D 지원",
            "UT",
            "G-FAIR",
            "KOTRA",
            "IoT",
            "UT KOTRA G-FAIR",
            "smart factory",
            "ok",
            "010-1234-5678",
            "😀😀😀",
            "",
            "hello 안녕하세요",
            "Smart Factory 지원사업 있나요",
        ] {
            assert!(!is_foreign(text), "{text}");
        }
    }
}
