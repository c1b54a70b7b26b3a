//! Korean particles chosen by the sound a word ends with: 이/가, 을/를,
//! 은/는, 와/과, 으로/로 (a word ending in ㄹ takes 로), and a few more.
//! A word is read the way people say it: a syllable by its final
//! consonant, digits as Korean numbers (2026-000001 ends in 일, 10 in 십),
//! Latin letters by their Korean names (UT ends in 티, URL in 엘).

/// The particles a text may choose: the form after a consonant, the form
/// after a vowel. Either form names the pair.
pub const PARTICLES: &[(&str, &str)] = &[
    ("이", "가"),
    ("을", "를"),
    ("은", "는"),
    ("과", "와"),
    ("으로", "로"),
    ("이나", "나"),
    ("이랑", "랑"),
    ("이라", "라"),
    ("이라는", "라는"),
    ("이라고", "라고"),
    ("이에요", "예요"),
];

/// How a word ends when said aloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Vowel,
    /// ㄹ: a consonant, but 으로 becomes 로 after it.
    Rieul,
    Consonant,
}

/// The pair `particle` belongs to, by either of its forms.
pub fn pair(particle: &str) -> Option<(&'static str, &'static str)> {
    PARTICLES
        .iter()
        .find(|(c, v)| *c == particle || *v == particle)
        .copied()
}

/// The form of `particle` (either form of a pair: "을" or "를") that
/// follows `word`. A word with nothing to read (no letter, digit or
/// syllable at its end) gets both forms, "을(를)"; a particle that is not
/// one of [`PARTICLES`] is returned as it is.
pub fn particle(word: &str, particle: &str) -> String {
    let Some((after_consonant, after_vowel)) = pair(particle) else {
        return particle.to_string();
    };
    let Some(ending) = ending(word) else {
        return format!("{after_consonant}({after_vowel})");
    };
    let rieul_takes_vowel_form = after_consonant == "으로";
    let form = match ending {
        Ending::Vowel => after_vowel,
        Ending::Rieul if rieul_takes_vowel_form => after_vowel,
        Ending::Rieul | Ending::Consonant => after_consonant,
    };
    form.to_string()
}

/// How `word` ends: its last syllable, digit or Latin letter (closing
/// brackets, quotes, punctuation and spaces after it are passed over). A
/// word in brackets at the end is a note to the word before it, which the
/// particle follows: 국제연합(UN)은, 수출 창구 (KOTRA)로.
fn ending(word: &str) -> Option<Ending> {
    let trimmed = word.trim_end();
    let word = match trimmed.strip_suffix(')').and_then(|w| w.rsplit_once('(')) {
        Some((before, _)) if before.chars().any(readable) => before,
        _ => word,
    };
    let chars: Vec<char> = word.chars().collect();
    let last = chars.iter().rposition(|c| readable(*c))?;
    let c = chars[last];
    if let Some(index) = (c as u32).checked_sub(0xAC00).filter(|i| *i < 11172) {
        return Some(match index % 28 {
            0 => Ending::Vowel,
            8 => Ending::Rieul,
            _ => Ending::Consonant,
        });
    }
    if c.is_ascii_digit() {
        let run_start = chars[..last]
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        return Some(number_ending(&chars[run_start..=last]));
    }
    if c.is_ascii_alphabetic() {
        return Some(match c.to_ascii_lowercase() {
            'l' | 'r' => Ending::Rieul,     // 엘, 알
            'm' | 'n' => Ending::Consonant, // 엠, 엔
            _ => Ending::Vowel,             // 에이, 비, 씨, … 티, 유, …
        });
    }
    // A lone consonant letter (ㅋ, ㄹ): said as its name (키읔, 리을) or,
    // as most people read it at the end of a word, a consonant.
    if ('\u{3131}'..='\u{314E}').contains(&c) {
        return Some(if c == 'ㄹ' {
            Ending::Rieul
        } else {
            Ending::Consonant
        });
    }
    Some(Ending::Vowel) // a lone vowel letter (ㅏ, ㅗ…)
}

/// What ends a word: a syllable, a digit, a Latin letter or a jamo.
fn readable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
        || ('\u{3131}'..='\u{3163}').contains(&c)
        || c.is_ascii_alphanumeric()
}

/// How a run of digits ends when read as a Korean number: by its last
/// digit (일, 이, 삼 … 구), or, ending in zeros, by 십, 백, 천, 만 (or 영).
fn number_ending(digits: &[char]) -> Ending {
    let last = *digits.last().expect("at least one digit");
    match last {
        '1' | '7' | '8' => Ending::Rieul,       // 일, 칠, 팔
        '3' | '6' => Ending::Consonant,         // 삼, 육
        '2' | '4' | '5' | '9' => Ending::Vowel, // 이, 사, 오, 구
        // 영, 십, 백, 천, 만: all end in a consonant other than ㄹ.
        _ => Ending::Consonant,
    }
}

#[cfg(test)]
mod tests {
    use super::particle;

    #[test]
    fn particles_follow_the_last_sound() {
        assert_eq!(particle("창조경제혁신센터", "으로"), "로");
        assert_eq!(particle("센터", "(으)로"), "(으)로"); // not a particle we know
        assert_eq!(particle("센터", "으로"), "로");
        assert_eq!(particle("서울", "으로"), "로");
        assert_eq!(particle("부산", "으로"), "으로");
        assert_eq!(particle("부산", "로"), "으로");
        assert_eq!(particle("2026-000001", "을"), "을");
        assert_eq!(particle("2026-000001", "를"), "을");
        assert_eq!(particle("3", "를"), "을");
        assert_eq!(particle("2", "을"), "를");
        assert_eq!(particle("UT", "을"), "를");
        assert_eq!(particle("URL", "으로"), "로");
        assert_eq!(particle("김상담", "이"), "이");
        assert_eq!(particle("김상담", "가"), "이");
        assert_eq!(particle("사과", "이"), "가");
        assert_eq!(particle("서울", "이"), "이");
        assert_eq!(particle("서울", "은"), "은");
        assert_eq!(particle("사과", "은"), "는");
        assert_eq!(particle("사과", "과"), "와");
        assert_eq!(particle("김상담", "와"), "과");
        assert_eq!(particle("1379", "으로"), "로"); // 구
        assert_eq!(particle("10", "으로"), "으로"); // 십
        assert_eq!(particle("중소기업통합콜센터 1379", "이"), "가");
        assert_eq!(particle("광주 명품강소기업 사무국", "으로"), "으로");
        assert_eq!(particle("센터(서울)", "으로"), "로");
        assert_eq!(particle("국제연합(UN)", "은"), "은"); // 합, not N
        assert_eq!(particle("경기섬유종합지원센터 (양주)", "이"), "가");
        assert_eq!(particle("(주)", "을"), "를");
        assert_eq!(particle("'부산'", "이라는"), "이라는");
        assert_eq!(particle("센터", "이라는"), "라는");
        assert_eq!(particle("", "을"), "을(를)");
        assert_eq!(particle("!!", "이"), "이(가)");
    }
}
