//! The sentence-type cues of Korean that tell near-miss questions apart,
//! read from ko-dic's morpheme tags: a prohibition (쓰지 마, 지우지
//! 마세요, 열면 안 돼, 금지, 삼가, 자제, 못하게) and a comparison (뭐가
//! 더 빨라, A보다, A 보단). Two questions with the same words ask different things
//! when one forbids what the other asks about: `SentenceCues::finish` adds
//! each cue found as a `Cue` term (`#금지`, `#비교`), which the index
//! weighs, and steers by, like an aspect.
//!
//! Measured and left out (no gain on both knowledge bases): permission
//! (-어도 돼), a choice between alternatives (A랑 B 중, A 아니면 B, the
//! same ending twice), the negation of a verb (안 가, 가지 않아), and
//! "not A but B" (-지 말고) as a cue of its own.

use super::{expression_forms, Analysis, TermKind};

/// One sentence-type cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// Asks or tells not to do something: 쓰지 마, 열면 안 돼, 금지.
    Prohibition,
    /// Compares: 뭐가 더 빨라, 노트북보다.
    Comparison,
}

impl Cue {
    /// The search term the cue becomes.
    pub fn term(self) -> &'static str {
        match self {
            Cue::Prohibition => "#금지",
            Cue::Comparison => "#비교",
        }
    }
}

/// The last morpheme of a token, its form and tag (해도 → 아도/EC), from
/// its ko-dic `expression` or else its `surface` and last tag of `tags`.
fn last_morpheme<'e>(surface: &'e str, tags: &'e str, expression: &'e str) -> (&'e str, &'e str) {
    if expression != "*" {
        if let Some(last) = expression_forms(expression).last() {
            return last;
        }
    }
    // Tags are ASCII, joined by '+': the last one starts after the last
    // '+' (a byte scan of a few bytes, not an `rsplit` searcher).
    let last_tag = tags
        .bytes()
        .rposition(|b| b == b'+')
        .map_or(tags, |plus| &tags[plus + 1..]);
    (surface, last_tag)
}

/// The first form of a token's `expression` (돼 → 되), or its `surface`.
fn first_form<'e>(surface: &'e str, expression: &'e str) -> &'e str {
    if expression == "*" {
        return surface;
    }
    expression_forms(expression)
        .next()
        .map_or(surface, |(form, _)| form)
}

/// The cues found so far in one text, and what the tokens before said.
#[derive(Default)]
pub(super) struct SentenceCues {
    /// In the order found; a cue found twice counts once.
    found: Vec<Cue>,
    /// The previous token ended in the connective 지 (쓰지 마).
    after_ji: bool,
    /// The previous token ended in a connective (열면, 가서는).
    after_connective: bool,
    /// The previous token was 안 after a connective (열면 안 돼).
    not_after_connective: bool,
    /// The previous token was the adverb 안 or 못.
    not_before: bool,
    /// The previous token was 못하 (못하게).
    cannot: bool,
    /// The latest verb was negated (안 하, 하지 않).
    negated: bool,
    /// The latest connective closed a negated condition (안 하면, 하지
    /// 않으면): 안 돼 after it says "must", not "must not".
    negated_condition: bool,
}

impl SentenceCues {
    /// Reads one token, `surface` with its first `tag`, its whole tag
    /// chain `tags` and ko-dic `expression`, followed in the text by
    /// `rest`. Returns true for a token that only says the cue (마세요
    /// after -지, which ko-dic may read as the verb 마시다), whose stems
    /// the walk then drops.
    pub(super) fn read(
        &mut self,
        surface: &str,
        tag: &str,
        tags: &str,
        expression: &str,
        rest: &str,
    ) -> bool {
        let after_ji = std::mem::take(&mut self.after_ji);
        let after_connective = std::mem::take(&mut self.after_connective);
        let not_after_connective = std::mem::take(&mut self.not_after_connective);
        let not_before = std::mem::take(&mut self.not_before);
        let cannot = std::mem::take(&mut self.cannot);
        let stem = first_form(surface, expression);
        let (last, last_tag) = last_morpheme(surface, tags, expression);
        let mut only_cue = false;

        // -지 마(세요/라/줘), -지 말아 줘, -지 맙시다; -지 말고 B and -지
        // 마시고 B say "not A but B", what `walk` sets aside.
        if after_ji && ["마", "말", "맙"].iter().any(|p| surface.starts_with(p)) {
            if !rest.starts_with('고') && last != "고" {
                self.push(Cue::Prohibition);
            }
            only_cue = true;
        }
        // -면 안 돼, -어서는 안 된다: must not.
        if not_after_connective && tag == "VV" && stem == "되" {
            self.push(Cue::Prohibition);
        }
        // 못하게 (so that one cannot): prevents.
        if cannot && tag == "EC" && surface == "게" || stem == "못하" && rest.starts_with('게')
        {
            self.push(Cue::Prohibition);
        }
        // 금지 (which ko-dic reads at a sentence's end as 금 + 지), 금하다,
        // 삼가다, 자제.
        if tag == "NNG" && matches!(surface, "금지" | "자제")
            || matches!(tag, "VV" | "XR") && surface == "금"
            || expression != "*" && expression.contains("금지/NNG")
            || stem.starts_with("삼가")
        {
            self.push(Cue::Prohibition);
        }
        // 뭐가 더 빨라, 노트북보다는; 더 이상 (any more) compares nothing.
        if tag == "MAG" && surface == "더" && !rest.trim_start().starts_with("이상")
            || tag == "JKB" && surface == "보다"
            || tag == "NNG" && surface == "보단"
        {
            self.push(Cue::Comparison);
        }

        if matches!(tag, "VV" | "VA" | "VX" | "XSV" | "XSA") {
            self.negated = not_before || stem == "않" || stem == "못하";
        }
        match last_tag {
            "EC" => {
                self.after_ji = last == "지";
                self.after_connective = true;
                self.negated_condition = self.negated;
            }
            "JX" if after_connective && last == "는" => self.after_connective = true,
            _ => {}
        }
        if tag == "MAG" && matches!(surface, "안" | "못") {
            self.not_before = true;
            self.not_after_connective =
                surface == "안" && after_connective && !self.negated_condition;
        }
        self.cannot = stem == "못하" || not_before && stem == "하";
        only_cue
    }

    fn push(&mut self, cue: Cue) {
        if !self.found.contains(&cue) {
            self.found.push(cue);
        }
    }

    /// Adds the cues found to `analysis` as `Cue` terms.
    pub(super) fn finish(self, analysis: &mut Analysis) {
        for cue in self.found {
            analysis.push(cue.term(), TermKind::Cue);
        }
    }
}
