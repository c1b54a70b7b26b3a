//! Admin synonyms: every variant is rewritten to its canonical form before
//! analysis, in questions and knowledge-base text alike.
//!
//! Besides a knowledge base's own `[[synonyms]]`, onestop knows the common
//! ways of writing the same thing in Korean small-business support (R&D /
//! 알앤디, 중진공, 스마트팩토리 / 스마트공장): `spellings.txt`, one group per
//! line, merged into every knowledge base's groups.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::normalize::normalize;

/// The built-in spelling variants (`spellings.txt`).
pub const BUILT_IN: &str = include_str!("spellings.txt");

/// A knowledge base's `groups` with the built-in spelling variants: a
/// built-in group that shares a word with one of them adds its other words
/// to that group (whose first word stays the canonical form); the others are
/// added as they are. Words a knowledge-base group already has stay there.
pub fn with_built_in(groups: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut merged: Vec<Vec<String>> = groups.to_vec();
    let key = |word: &str| normalize(word);
    let mut owner: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, group) in merged.iter().enumerate() {
        for word in group {
            owner.entry(key(word)).or_insert(i);
        }
    }
    for words in super::related::word_groups(BUILT_IN) {
        let target = words.iter().find_map(|w| owner.get(&key(w)).copied());
        let index = match target {
            Some(i) => i,
            None => {
                merged.push(Vec::new());
                merged.len() - 1
            }
        };
        for word in words {
            if let std::collections::hash_map::Entry::Vacant(slot) = owner.entry(key(word)) {
                slot.insert(index);
                merged[index].push(word.to_string());
            }
        }
    }
    merged.retain(|group| group.len() >= 2);
    merged
}

/// A set of synonym groups, compiled for one pass over a text.
#[derive(Clone, Default)]
pub struct Synonyms {
    matcher: Option<AhoCorasick>,
    /// For each pattern: its canonical form and whether it is Latin (matched
    /// as a whole word only).
    targets: Vec<(String, bool)>,
}

impl std::fmt::Debug for Synonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synonyms")
            .field("patterns", &self.targets.len())
            .finish()
    }
}

impl Synonyms {
    /// Builds from groups whose first term is the canonical form.
    pub fn new(groups: &[Vec<String>]) -> Self {
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        for group in groups {
            let Some(canonical) = group.first() else {
                continue;
            };
            let canonical = normalize(canonical);
            // The canonical form is a pattern of its own, so a variant inside
            // it (혁신센터 in 창조경제혁신센터) is not rewritten into it again:
            // the longest match at a place wins.
            if !canonical.is_empty() && !patterns.contains(&canonical) {
                let latin = canonical.chars().any(|c| c.is_ascii_alphabetic());
                patterns.push(canonical.clone());
                targets.push((canonical.clone(), latin));
            }
            for variant in &group[1..] {
                let variant = normalize(variant);
                if variant.is_empty() || variant == canonical {
                    continue;
                }
                let latin = variant.chars().any(|c| c.is_ascii_alphabetic());
                patterns.push(variant);
                targets.push((canonical.clone(), latin));
            }
        }
        if patterns.is_empty() {
            return Self::default();
        }
        // A DFA: a few hundred patterns make a small one, and it reads
        // every question in one step per byte, where the default
        // (an NFA) took several. A knowledge base with so many synonyms
        // that the DFA would pass its size limits gets the default.
        let build = |kind: Option<AhoCorasickKind>| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(kind)
                .build(&patterns)
        };
        let matcher = build(Some(AhoCorasickKind::DFA))
            .or_else(|_| build(None))
            .expect("synonym patterns are plain strings");
        Self {
            matcher: Some(matcher),
            targets,
        }
    }

    /// Rewrites every variant in a normalized text to its canonical form.
    pub fn rewrite(&self, text: &str) -> String {
        let Some(matcher) = &self.matcher else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len() + 16);
        let mut last = 0;
        for found in matcher.find_iter(text) {
            let (canonical, latin) = &self.targets[found.pattern().as_usize()];
            let before = text[..found.start()].chars().next_back();
            let after = text[found.end()..].chars().next();
            let is_word_char = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            if *latin && (is_word_char(before) || is_word_char(after)) {
                continue;
            }
            out.push_str(&text[last..found.start()]);
            if *latin && before.is_some_and(|c| !c.is_whitespace()) {
                out.push(' ');
            }
            out.push_str(canonical);
            if *latin && after.is_some_and(|c| !c.is_whitespace()) {
                out.push(' ');
            }
            last = found.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Synonyms {
        Synonyms::new(&[
            vec!["연구개발".into(), "R&D".into(), "알앤디".into()],
            vec!["중소벤처기업부".into(), "중기부".into()],
        ])
    }

    #[test]
    fn rewrites_variants_to_the_canonical_form() {
        let s = groups();
        assert_eq!(s.rewrite("r&d 지원"), "연구개발 지원");
        assert_eq!(s.rewrite("알앤디자금"), "연구개발자금");
        assert_eq!(s.rewrite("중기부에서"), "중소벤처기업부에서");
    }

    #[test]
    fn the_built_in_spellings_rewrite_what_users_type() {
        // ko-dic reads 어플 as 어 + 플: rewritten, it is the app it means,
        // and the longer word that starts with it stays one word.
        let s = Synonyms::new(&with_built_in(&[]));
        assert_eq!(s.rewrite("어플로 신청 돼요?"), "앱로 신청 돼요?");
        assert_eq!(s.rewrite("어플리케이션 설치"), "앱 설치");
        assert_eq!(s.rewrite("스마트팩토리 지원"), "스마트공장 지원");
        // Common misspellings ko-dic reads as another word.
        assert_eq!(s.rewrite("신청 몇일까지 해요"), "신청 며칠까지 해요");
    }

    #[test]
    fn a_variant_inside_the_canonical_form_leaves_it_whole() {
        let s = Synonyms::new(&[vec!["창조경제혁신센터".into(), "혁신센터".into()]]);
        assert_eq!(s.rewrite("창조경제혁신센터 어디"), "창조경제혁신센터 어디");
        assert_eq!(s.rewrite("혁신센터 어디"), "창조경제혁신센터 어디");
        let once = s.rewrite("혁신센터");
        assert_eq!(s.rewrite(&once), once, "rewriting twice changes nothing");
    }

    #[test]
    fn built_in_spellings_join_the_knowledge_base_groups() {
        let own = vec![vec!["연구개발".to_string(), "R&D".to_string()]];
        let merged = with_built_in(&own);
        let rnd = &merged[0];
        assert_eq!(
            rnd[0], "연구개발",
            "the knowledge base's canonical form stays"
        );
        assert!(rnd.iter().any(|w| w == "알엔디"), "{rnd:?}");
        assert_eq!(
            merged
                .iter()
                .filter(|g| g.iter().any(|w| w == "R&D"))
                .count(),
            1
        );
        let s = Synonyms::new(&merged);
        assert_eq!(s.rewrite("알엔디 자금"), "연구개발 자금");
        assert_eq!(
            s.rewrite("중진공 정책자금"),
            "중소벤처기업진흥공단 정책자금"
        );
        // With no groups of its own, a knowledge base still gets them.
        let s = Synonyms::new(&with_built_in(&[]));
        assert_eq!(s.rewrite("스마트팩토리 지원"), "스마트공장 지원");
    }

    #[test]
    fn latin_variants_match_whole_words_only() {
        let s = Synonyms::new(&[vec!["유티".into(), "ut".into()]]);
        assert_eq!(s.rewrite("ut 프로그램"), "유티 프로그램");
        assert_eq!(s.rewrite("output 확인"), "output 확인");
        assert_eq!(s.rewrite("ut에서"), "유티 에서");
    }
}
