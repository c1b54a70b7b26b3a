//! Where a typo is likely: the written words ko-dic could not read whole (an
//! unknown piece, or a one-syllable piece next to another content piece:
//! 지언금 → 지언 + 금). Typo correction (`kb`) only looks at these words, so
//! a word ko-dic reads as a real word (케이스, 도시) is never "corrected" to
//! a similar knowledge-base word.

/// The content pieces of one written word.
#[derive(Clone, Copy, Default)]
struct Pieces {
    count: u8,
    /// Whether one of them is one syllable long.
    short: bool,
    /// Whether one of them is unknown to ko-dic.
    unknown: bool,
}

/// Per written word of a text, the content pieces ko-dic read in it.
pub(super) struct Fragments {
    words: Vec<Pieces>,
}

impl Fragments {
    /// For a text of `words` written words.
    pub(super) fn new(words: usize) -> Self {
        Self {
            words: vec![Pieces::default(); words],
        }
    }

    /// Counts one content piece, `surface`, of written word `word`.
    pub(super) fn read(&mut self, word: usize, surface: &str, unknown: bool) {
        let pieces = &mut self.words[word];
        pieces.count = pieces.count.saturating_add(1);
        pieces.short |= surface.chars().count() == 1;
        pieces.unknown |= unknown;
    }

    /// The written words that are likely typos: with an unknown piece, or
    /// with a one-syllable piece among two or more.
    pub(super) fn likely_typos(&self) -> Vec<usize> {
        self.words
            .iter()
            .enumerate()
            .filter(|(_, p)| p.unknown || (p.short && p.count >= 2))
            .map(|(i, _)| i)
            .collect()
    }
}
