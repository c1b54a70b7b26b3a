//! The analyzer's token walk: ko-dic's tokens of one text, read in order,
//! become search terms. Nouns as written and the parts of compound nouns
//! and of user-dictionary words, neighbouring nouns joined, verb and
//! adjective stems, question words; particles, endings and stop words are
//! dropped, and what a question sets aside (A 말고 B) is marked. Along the
//! way each token is handed to the aspect cues (`aspects`) and the
//! sentence-type cues (`cues`), and each content piece counted for the
//! typo marks (`fragments`).

use lindera::token::Token;
use rustc_hash::FxHashMap;

use super::aspects::AspectCues;
use super::cues::SentenceCues;
use super::details;
use super::expression_forms;
use super::fragments::Fragments;
use super::stopwords::{is_content_noun, is_stop_noun, is_stop_stem};
use super::{Analysis, TermKind};

/// One token, with the ko-dic fields the walk reads, all borrowed from the
/// text and the dictionary.
struct Morpheme<'a> {
    surface: &'a str,
    byte_start: usize,
    byte_end: usize,
    /// Whether ko-dic does not know it.
    unknown: bool,
    /// Its part-of-speech tag, the first one of a token with several
    /// (VV+EC → VV).
    tag: &'a str,
    /// All its tags (VV+EC).
    tags: &'a str,
    /// Inflect, Compound, …
    word_type: &'a str,
    /// The forms it is made of (`알리/VV/*+어/EC/*`), or `*`.
    expression: &'a str,
    /// The first tag of the token before it in the text (empty for the
    /// first).
    previous_tag: &'a str,
}

impl<'a> Morpheme<'a> {
    /// The morpheme of `token`, a token of `text` after one tagged
    /// `previous_tag`.
    fn of(token: &Token<'a>, text: &'a str, previous_tag: &'a str) -> Self {
        // The walk segments `text` itself, borrowed, so lindera's byte
        // offsets are offsets into it and the surface is this slice.
        let surface = &text[token.byte_start..token.byte_end];
        debug_assert_eq!(surface, token.surface);
        // ko-dic's fields: tag, meaning, final consonant, reading, type
        // (Inflect, Compound, …), first tag, last tag, expression.
        let mut fields = details::fields(token);
        let tag = fields.next().unwrap_or("UNK");
        let word_type = fields.nth(3).unwrap_or("*");
        let expression = fields.nth(2).unwrap_or("*");
        // Tags are ASCII, joined by '+': a byte scan of a few bytes finds
        // the first one's end without a `split` searcher.
        let first_tag = tag
            .bytes()
            .position(|b| b == b'+')
            .map_or(tag, |plus| &tag[..plus]);
        Self {
            surface,
            byte_start: token.byte_start,
            byte_end: token.byte_end,
            unknown: token.word_id.is_unknown(),
            tag: first_tag,
            tags: tag,
            word_type,
            expression,
            previous_tag,
        }
    }

    /// Whether it is a content piece of its written word (for the typo
    /// marks): unknown, or a noun, root, affix, adverb, determiner,
    /// interjection or foreign word.
    fn is_content_piece(&self) -> bool {
        self.unknown
            || matches!(
                self.tag,
                "NNG"
                    | "NNP"
                    | "NNB"
                    | "NR"
                    | "NP"
                    | "XPN"
                    | "XSN"
                    | "XR"
                    | "MAG"
                    | "MM"
                    | "IC"
                    | "SL"
                    | "SH"
                    | "UNKNOWN"
            )
    }
}

/// The walk through one text's tokens.
pub(super) struct Walk<'a> {
    /// The text as analyzed.
    text: &'a str,
    /// User-dictionary words and their noun parts.
    user_parts: &'a FxHashMap<String, Vec<String>>,
    /// The written word the latest token belongs to.
    word: usize,
    /// How far `word` has been counted: the spaces before here are counted.
    counted_to: usize,
    analysis: Analysis,
    /// Nouns in a row, to be joined; broken by anything that is not a noun.
    run: Vec<&'a str>,
    /// Where `join_run` builds each joined term, kept between joins.
    joined: String,
    /// The written word of the latest content piece.
    last_noun_word: Option<usize>,
    /// The first tag of the latest token.
    last_tag: &'a str,
    cues: AspectCues,
    sentence: SentenceCues,
    fragments: Fragments,
}

impl<'a> Walk<'a> {
    /// A walk through `text`, adding terms to `analysis`.
    pub(super) fn new(
        text: &'a str,
        user_parts: &'a FxHashMap<String, Vec<String>>,
        analysis: Analysis,
    ) -> Self {
        let spaces = text.bytes().filter(|&b| b == b' ').count();
        Self {
            text,
            user_parts,
            word: 0,
            counted_to: 0,
            analysis,
            // Room for the longest run joined whole (five nouns) and more,
            // so the run is allocated once.
            run: Vec::with_capacity(8),
            joined: String::new(),
            last_noun_word: None,
            last_tag: "",
            cues: AspectCues::default(),
            sentence: SentenceCues::default(),
            fragments: Fragments::new(spaces + 1),
        }
    }

    /// The written word of the text at `byte_start`: the spaces before it,
    /// counted on from the previous token's (tokens come in text order).
    fn word_at(&mut self, byte_start: usize) -> usize {
        if byte_start > self.counted_to {
            let between = &self.text.as_bytes()[self.counted_to..byte_start];
            self.word += between.iter().filter(|&&b| b == b' ').count();
            self.counted_to = byte_start;
        }
        self.word
    }

    /// Reads the next token, a token of the walk's text.
    pub(super) fn read(&mut self, token: &Token<'a>) {
        let morpheme = Morpheme::of(token, self.text, self.last_tag);
        self.last_tag = morpheme.tag;
        let word = self.word_at(morpheme.byte_start);
        self.analysis.current_word = word;
        let content_piece = morpheme.is_content_piece();
        if content_piece {
            self.fragments
                .read(word, morpheme.surface, morpheme.unknown);
        }
        let rest = &self.text[morpheme.byte_end..];
        let only_cue = self.sentence.read(
            morpheme.surface,
            morpheme.tag,
            morpheme.tags,
            morpheme.expression,
            rest,
        );
        if !self
            .cues
            .read(morpheme.surface, morpheme.tag, morpheme.expression, rest)
        {
            return;
        }
        if morpheme.tag == "VV" && morpheme.surface == "말" && rest.starts_with('고') {
            self.set_aside_last_noun();
            return;
        }
        if only_cue {
            self.join_run();
            return;
        }
        if content_piece {
            self.last_noun_word = Some(word);
        }
        self.push_terms(morpheme);
    }

    /// Ends the walk: the analysis with its terms, the aspect cues found and
    /// the typo marks.
    pub(super) fn finish(mut self) -> (Analysis, AspectCues, Fragments) {
        self.join_run();
        self.sentence.finish(&mut self.analysis);
        (self.analysis, self.cues, self.fragments)
    }

    /// A 말고 B (not A but B): A is not what is asked about. Marks the
    /// terms of the latest noun's written word, and the joined words ending
    /// in it, as set aside.
    fn set_aside_last_noun(&mut self) {
        let excluded = self.run.last().copied();
        self.join_run();
        if let Some((noun, word)) = excluded.zip(self.last_noun_word) {
            for term in self.analysis.terms.iter_mut() {
                if term.word == word || term.kind == TermKind::Joined && term.text.ends_with(noun) {
                    term.kind = TermKind::SetAside;
                }
            }
        }
    }

    /// The terms of one token, by what it is: a question word, a compound
    /// noun, a user-dictionary word, or else by its tag.
    fn push_terms(&mut self, morpheme: Morpheme<'a>) {
        if let Some(question) = question_word(morpheme.surface, morpheme.tag) {
            self.join_run();
            self.analysis.push(question, TermKind::Question);
            return;
        }
        if morpheme.word_type == "Compound" && morpheme.expression != "*" {
            self.analysis.push(morpheme.surface, TermKind::Word);
            for (form, _) in expression_forms(morpheme.expression) {
                if form.chars().count() >= 2 || is_content_noun(form) {
                    self.analysis.push(form, TermKind::Part);
                }
            }
            self.run.push(morpheme.surface);
            return;
        }
        let user_parts = self.user_parts;
        if let Some(parts) = user_parts.get(morpheme.surface) {
            self.analysis.push(morpheme.surface, TermKind::Word);
            for part in parts {
                self.analysis.push(part, TermKind::Part);
            }
            self.run.push(morpheme.surface);
            return;
        }
        self.push_by_tag(morpheme);
    }

    /// The terms of a token that is neither a question word nor a compound
    /// or user word, by its tag.
    fn push_by_tag(&mut self, morpheme: Morpheme<'a>) {
        let Morpheme {
            surface,
            byte_start,
            byte_end,
            tag,
            expression,
            previous_tag,
            ..
        } = morpheme;
        let rest = &self.text[byte_end..];
        // 내다 (to hand in, to pay) and 사다 (to buy) before an ending
        // ko-dic takes for part of a noun or for a particle: 내야 돼요 (내야
        // "infield"), 내면 되나요 (내면 "the inside"), 사면 돼요, 내는 방법
        // (내 "my").
        if let Some(stem) = misread_verb(surface, tag, rest) {
            self.join_run();
            self.push_stem(stem, "VV");
            return;
        }
        match tag {
            // 짓다 (to make up a name, to build) in 이름 지어주세요: ko-dic
            // reads 지어 as the auxiliary 지다, which follows a verb, never
            // a noun or a particle.
            "VX" if surface == "지"
                && rest.starts_with('어')
                && (previous_tag.starts_with('N') || previous_tag.starts_with('J')) =>
            {
                self.join_run();
                self.push_stem("짓", "VV");
            }
            // 문의 드립니다 (I would like to ask), 문의사항: there ko-dic
            // reads 문의 as 문 (a door) + 의. It asks nothing in
            // particular, as polite closings go.
            "NNG" if surface == "문" && is_inquiry_phrase(rest) => self.join_run(),
            // 다름이 아니라 (the thing is): a polite opening, not 다르다
            // (to differ).
            "VA" if surface == "다름"
                && after(rest, '이').is_some_and(|a| a.starts_with("아니")) =>
            {
                self.join_run();
            }
            // 등 written onto a noun is the lamp of 형광등 or 무드등 (ko-dic
            // reads it as the bound noun "and so on", which is written
            // spaced): it joins the noun into one word.
            "NNB" | "NNBC"
                if surface == "등"
                    && !self.run.is_empty()
                    && !self.text[..byte_start].ends_with(' ') =>
            {
                self.run.push(surface)
            }
            // Single Latin letters (the r and d of r&d) only count joined.
            "SL" if surface.chars().count() == 1 => self.run.push(surface),
            // 어제, 오늘, 매일: ko-dic reads a day word as an adverb
            // before a verb (어제 보낸 메일) and as a noun before a noun
            // (어제 메일); either way it names the day.
            "MAG" if is_day_word(surface) => {
                self.analysis.push(surface, TermKind::Word);
                self.run.push(surface);
            }
            // 보단 (rather than) and 까지 (up to) written apart from their
            // word (메일 보단 전화, 몇 개 까지): ko-dic reads the particle
            // as a noun, which names nothing.
            "NNG" if matches!(surface, "보단" | "까지") => self.join_run(),
            // 번 after a number word (몇 번, 두 번, 한 번) counts times;
            // ko-dic reads it as 벌다 (to earn) + ㄴ.
            "VV" if surface == "번" && is_counted(previous_tag, &self.text[..byte_start]) => {
                self.join_run()
            }
            "NNG" | "NNP" | "SL" | "SH" | "SN" | "XR" => {
                if !is_stop_noun(surface) {
                    self.analysis.push(surface, TermKind::Word);
                    self.run.push(surface);
                } else {
                    self.cues.read_stop_noun(surface);
                    self.join_run();
                }
            }
            // Prefixes and noun suffixes glue onto the nouns around them.
            "XPN" | "XSN" if !self.run.is_empty() || tag == "XPN" => self.run.push(surface),
            "VV" | "VA" | "VX" | "XSV" | "XSA" | "VCP" | "VCN" => {
                self.join_run();
                if expression != "*" {
                    for (form, form_tag) in expression_forms(expression) {
                        self.push_stem(form, form_tag);
                    }
                } else {
                    self.push_stem(surface, tag);
                }
            }
            _ => self.join_run(),
        }
    }

    /// The term of one form of a verb or adjective (its stem, or a question
    /// word or noun its expression holds), stop stems aside.
    fn push_stem(&mut self, form: &str, form_tag: &str) {
        if let Some(question) = question_word(form, form_tag) {
            self.analysis.push(question, TermKind::Question);
        } else if matches!(form_tag, "VV" | "VA") && !is_stop_stem(form) {
            self.analysis.push(form, TermKind::Stem);
        } else if matches!(form_tag, "NNG" | "NNP") {
            self.analysis.push(form, TermKind::Word);
        }
    }

    /// Joins the run of neighbouring nouns: every pair and triple, and the
    /// whole run when it is short, so spaced and unspaced spellings meet.
    fn join_run(&mut self) {
        let n = self.run.len();
        if n >= 2 {
            for len in 2..=n.min(3) {
                for start in 0..=(n - len) {
                    self.push_joined(start..start + len);
                }
            }
            if n > 3 && n <= 5 {
                self.push_joined(0..n);
            }
        }
        self.run.clear();
    }

    /// Pushes the nouns `range` of the run, joined, as a `Joined` term.
    fn push_joined(&mut self, range: std::ops::Range<usize>) {
        self.joined.clear();
        for noun in &self.run[range] {
            self.joined.push_str(noun);
        }
        self.analysis.push(&self.joined, TermKind::Joined);
    }
}

/// Whether a word after the token tagged `previous_tag`, at the end of
/// `before`, is counted: after a determiner (몇, 두, 여러) or 한 (one).
fn is_counted(previous_tag: &str, before: &str) -> bool {
    previous_tag == "MM" || before.trim_end().ends_with("한")
}

/// The days said relative to today and the words of how often (매일,
/// 매년), which ko-dic tags as nouns or as adverbs by what follows them.
fn is_day_word(surface: &str) -> bool {
    matches!(
        surface,
        "어제"
            | "오늘"
            | "내일"
            | "모레"
            | "그제"
            | "그저께"
            | "어저께"
            | "글피"
            | "매일"
            | "매년"
            | "매월"
            | "매달"
    )
}

/// Whether `rest`, the text after a 문, makes it the 문의 of a polite
/// phrase: before 드리다 (문의 드립니다, 문의드려요) or 사항 (문의사항이
/// 있어서요).
fn is_inquiry_phrase(rest: &str) -> bool {
    after(rest, '의').is_some_and(|a| a.starts_with(['드', '들']) || a.starts_with("사항"))
}

/// The verb stem of a token ko-dic read as a noun or pronoun (`surface`,
/// `tag`, the text after it `rest`) when it is 내다 or 사다 with its
/// ending: 내 or 사 with 야 or 면 before 되다 or 하다 (내야 돼요, 사면
/// 되나요); 내 "my" before the same endings or before 는 (내는 방법).
fn misread_verb(surface: &str, tag: &str, rest: &str) -> Option<&'static str> {
    if !matches!(tag, "NNG" | "NNP" | "NP") {
        return None;
    }
    let mut chars = surface.chars();
    let stem = match chars.next()? {
        '내' => "내",
        '사' if tag != "NP" => "사",
        _ => return None,
    };
    let (ending, after) = match (tag, chars.next()) {
        (_, Some(ending)) if chars.next().is_none() => (ending, rest),
        ("NP", None) => {
            let mut rest_chars = rest.chars();
            (rest_chars.next()?, rest_chars.as_str())
        }
        _ => return None,
    };
    let next = after.trim_start_matches(' ');
    let read_as_verb = match ending {
        '야' | '면' => next.starts_with(['되', '돼', '됩', '된', '하', '해', '합']),
        '는' => tag == "NP",
        _ => false,
    };
    read_as_verb.then_some(stem)
}

/// The text after `first`, which `rest` starts with, and the spaces after
/// it: what the next word is, spaced or not (다름이 아니라, 다름이아니라).
fn after(rest: &str, first: char) -> Option<&str> {
    rest.strip_prefix(first).map(|a| a.trim_start_matches(' '))
}

/// Question words tell "how to apply" from "when": kept as weak terms.
/// 어떻게 and its spoken forms become 방법, which is how FAQs say it.
fn question_word(form: &str, tag: &str) -> Option<&'static str> {
    let question = match form {
        "언제" => "언제",
        "어디" | "어디서" | "어딘" | "어디로" | "어디에" => "어디",
        "얼마" | "얼마나" | "얼만" | "얼마큼" => "얼마",
        "어떻게" | "어케" | "어떡" | "어떻" | "어찌" | "어떠" => "방법",
        "왜" => "왜",
        "누구" | "누가" => "누구",
        "어느" => "어느",
        "무엇" | "뭐" | "뭔" | "무슨" | "뭘" => "무엇",
        _ => return None,
    };
    // 뭐 and friends are also fillers; only the question senses count.
    matches!(tag, "NP" | "MAG" | "MM" | "VA" | "NNG" | "IC").then_some(question)
}
