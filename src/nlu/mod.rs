//! Korean understanding: from a message typed in a messenger to search terms.
//!
//! `normalize` keeps Hangul intact, synonyms are rewritten to their canonical
//! form, lindera with the embedded ko-dic splits the text into morphemes, and
//! `Analyzer::analyze` keeps what carries meaning: nouns (and the parts of
//! compound nouns, and neighbouring nouns joined), verb and adjective stems,
//! roots, foreign words, numbers, and question words as a weak signal.
//! Particles and endings are dropped. `jamo` measures typos.

pub mod jamo;
pub mod normalize;
pub mod related;
pub mod synonyms;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use lindera::dictionary::{
    load_embedded_dictionary, Dictionary, DictionaryBuilder, DictionaryKind,
};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::token::Token;
use lindera_dictionary::viterbi::Lattice;

pub use normalize::{compact, normalize};
pub use related::Related;
pub use synonyms::Synonyms;

/// How a term was found, which sets how much it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TermKind {
    /// A noun, root, foreign word or number as written.
    Word,
    /// The stem of a verb or adjective (알려줘 → 알리).
    Stem,
    /// A part of a compound noun (지원금 → 지원, 금).
    Part,
    /// Neighbouring nouns joined (창업 지원금 → 창업지원금).
    Joined,
    /// A question word (언제, 어디, 얼마, 어떻게 → 방법, …).
    Question,
    /// What the question asks about (`#금액`, `#신청`, `#위치`, …), from its
    /// question words and aspect nouns: steers an aspect question to the FAQ
    /// about that aspect rather than the program it belongs to.
    Aspect,
    /// A word the question sets aside (자금 in 자금 말고 또 뭐 해줘): still
    /// a word of the question, but not what it asks about.
    SetAside,
}

impl TermKind {
    /// How much a term of this kind counts, relative to a plain word.
    pub fn weight(self) -> f32 {
        match self {
            TermKind::Word => 1.0,
            TermKind::Stem => 0.7,
            TermKind::Part => 0.5,
            TermKind::Joined => 0.4,
            TermKind::Question => 0.35,
            TermKind::Aspect => 0.3,
            TermKind::SetAside => 0.2,
        }
    }
}

/// A search term and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub text: String,
    pub kind: TermKind,
    /// Which space-separated word of `Analysis::text` it came from.
    pub word: usize,
}

/// What `Analyzer::analyze` finds in one text.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Distinct terms in order of first appearance; a term found in several
    /// ways keeps the strongest kind.
    pub terms: Vec<Term>,
    /// The normalized text without spaces and punctuation.
    pub compact: String,
    /// The written words ko-dic could not read whole (an unknown piece, or a
    /// one-syllable piece next to another content piece: 지언금 → 지언 + 금):
    /// where a typo is likely. A word ko-dic reads as a real word (케이스,
    /// 도시) is not a typo of a similar knowledge-base word.
    pub fragmented: Vec<usize>,
    /// The text as analyzed: normalized, synonyms rewritten, one space
    /// between words.
    pub text: String,
    /// The word the token being read belongs to.
    current_word: usize,
}

impl Analysis {
    fn push(&mut self, text: &str, kind: TermKind) {
        if text.is_empty() {
            return;
        }
        if let Some(existing) = self.terms.iter_mut().find(|t| t.text == text) {
            if kind.weight() > existing.kind.weight() {
                existing.kind = kind;
            }
            return;
        }
        self.terms.push(Term {
            text: text.to_string(),
            kind,
            word: self.current_word,
        });
    }

    /// The terms as plain strings, for display and tests.
    pub fn texts(&self) -> Vec<&str> {
        self.terms.iter().map(|t| t.text.as_str()).collect()
    }
}

/// The embedded ko-dic, loaded once per process (about 0.1 s); clones share it.
pub fn dictionary() -> Result<Dictionary> {
    static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
    if let Some(dictionary) = DICTIONARY.get() {
        return Ok(dictionary.clone());
    }
    let loaded = load_embedded_dictionary(DictionaryKind::KoDic)
        .context("loading the embedded ko-dic dictionary")?;
    Ok(DICTIONARY.get_or_init(|| loaded).clone())
}

/// A segmenter with ko-dic alone, built once per process: building one
/// (its space-penalty table) costs about a tenth of a second.
fn plain_segmenter() -> Result<&'static Segmenter> {
    static PLAIN: OnceLock<Segmenter> = OnceLock::new();
    if let Some(segmenter) = PLAIN.get() {
        return Ok(segmenter);
    }
    let segmenter = Segmenter::new(Mode::Normal, dictionary()?, None);
    Ok(PLAIN.get_or_init(|| segmenter))
}

/// Turns text into search terms. Cheap to share; build one per knowledge base
/// (its user dictionary and synonyms come from there).
pub struct Analyzer {
    segmenter: Segmenter,
    synonyms: Synonyms,
    /// User-dictionary words and the noun parts ko-dic alone finds in them,
    /// so 소상공인 is a term of its own and still meets 소상 and 공인.
    user_parts: HashMap<String, Vec<String>>,
    /// The built-in near-synonyms, as this analyzer's search terms.
    related: Related,
}

impl Analyzer {
    /// An analyzer with ko-dic alone: no user words, no synonyms.
    pub fn plain() -> Result<Self> {
        Self::new(&[], Synonyms::default())
    }

    /// An analyzer whose dictionary also knows `user_words` as proper nouns
    /// (only the ones ko-dic would otherwise break apart are added), and which
    /// rewrites `synonyms` to their canonical forms.
    pub fn new(user_words: &[String], synonyms: Synonyms) -> Result<Self> {
        let dictionary = dictionary()?;
        let plain = plain_segmenter()?;
        let mut csv = String::new();
        let mut user_parts = HashMap::new();
        let mut seen = HashSet::new();
        for word in user_words {
            let word = normalize(word);
            if word.chars().count() < 2
                || !word.chars().all(normalize::is_syllable)
                || !seen.insert(word.clone())
            {
                continue;
            }
            let Some(parts) = split_by_kodic(plain, &word) else {
                continue;
            };
            csv.push_str(&format!("{word},NNP,{word}\n"));
            user_parts.insert(word, parts);
        }
        let segmenter = if csv.is_empty() {
            plain.clone()
        } else {
            let builder = DictionaryBuilder::new((*dictionary.metadata).clone());
            let user = builder
                .build_user_dict_from_reader(csv.as_bytes())
                .context("building the user dictionary from knowledge-base names")?;
            Segmenter::new(Mode::Normal, dictionary, Some(user))
        };
        let mut analyzer = Self {
            segmenter,
            synonyms,
            user_parts,
            related: Related::default(),
        };
        analyzer.related = Related::build(&analyzer, related::BUILT_IN).0;
        Ok(analyzer)
    }

    /// The built-in near-synonyms (`related.txt`).
    pub fn related(&self) -> &Related {
        &self.related
    }

    /// The synonyms this analyzer rewrites.
    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// The morphemes of `text` as `surface/TAG` pairs, for `onestop analyze`.
    pub fn morphemes(&self, text: &str) -> Vec<(String, String)> {
        let text = glue_words(&self.synonyms.rewrite(&normalize(text)));
        let Ok(mut tokens) = segment(&self.segmenter, &text) else {
            return Vec::new();
        };
        tokens
            .iter_mut()
            .map(|token| {
                let surface = token.surface.to_string();
                let details = token.details();
                let tag = details.first().copied().unwrap_or("*").to_string();
                let expression = details.get(7).copied().unwrap_or("*");
                let tag = if expression != "*" {
                    format!("{tag} {expression}")
                } else {
                    tag
                };
                (surface, tag)
            })
            .collect()
    }

    /// Analyzes one text into search terms.
    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_prepared(glue_words(&self.synonyms.rewrite(&normalize(text))))
    }

    /// Analyzes a text that is already normalized with its synonyms rewritten
    /// (an `Analysis::text`, edited, as typo correction does), without
    /// normalizing and rewriting it a second time.
    pub fn analyze_prepared(&self, normalized: String) -> Analysis {
        let mut analysis = Analysis {
            compact: compact(&normalized),
            ..Analysis::default()
        };
        let Ok(mut tokens) = segment(&self.segmenter, &normalized) else {
            analysis.text = normalized;
            return analysis;
        };
        let word_starts: Vec<usize> = normalized.match_indices(' ').map(|(i, _)| i).collect();
        // Per written word: content pieces, and whether one is odd (unknown
        // to ko-dic, or one syllable long).
        let mut pieces = vec![(0u8, false, false); word_starts.len() + 1];
        // Nouns in a row, to be joined; broken by anything that is not a noun.
        let mut run: Vec<String> = Vec::new();
        let mut aspects: Vec<&'static str> = Vec::new();
        // 몇 (how many) before a counter: 몇월 asks when, 몇억 how much.
        let mut after_myeot = false;
        // 몇 and then 십, 백 or 천, whose counter may still follow.
        let mut after_power = false;
        // The written word of the latest content piece.
        let mut last_noun_word = None;
        let mut eligibility = EligibilityCue::default();
        for token in tokens.iter_mut() {
            analysis.current_word = word_starts.partition_point(|&i| i < token.byte_start);
            let surface = token.surface.to_string();
            let unknown = token.word_id.is_unknown();
            let byte_end = token.byte_end;
            // ko-dic's fields: tag, meaning, final consonant, reading, type
            // (Inflect, Compound, …), first tag, last tag, expression.
            let mut fields = token.details_iter();
            let tag = fields.next().unwrap_or("UNK");
            let word_type = fields.nth(3).unwrap_or("*");
            let expression = fields.nth(2).unwrap_or("*");
            let first_tag = tag.split('+').next().unwrap_or(tag);
            let content_piece = unknown
                || matches!(
                    first_tag,
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
                );
            if content_piece {
                let piece = &mut pieces[analysis.current_word];
                piece.0 = piece.0.saturating_add(1);
                piece.1 |= surface.chars().count() == 1;
                piece.2 |= unknown;
            }

            eligibility.read(&surface, first_tag, expression);
            if std::mem::take(&mut after_myeot) {
                if is_power_of_ten(&surface) {
                    // 몇 십 명: the counter comes next; 몇 천까지: a sum.
                    after_power = true;
                    after_myeot = true;
                    continue;
                } else if let Some(aspect) = counter_aspect(&surface) {
                    aspects.push(aspect);
                } else if std::mem::take(&mut after_power) {
                    aspects.push("#금액");
                }
            }
            after_power = false;
            if surface == "몇" || surface.starts_with("몇") && first_tag == "MM" {
                after_myeot = true;
            }
            if let Some(aspect) = myeot_word_aspect(&surface) {
                aspects.push(aspect);
            }
            // 여기, 너, 봇: the question is about the bot it is typed to.
            if first_tag == "NP"
                && matches!(surface.as_str(), "여기" | "너" | "니" | "너희" | "당신")
                || matches!(surface.as_str(), "봇" | "챗봇" | "채팅봇")
            {
                aspects.push("#봇");
            }
            // 소개 좀 (tell me about it) asks what it is; 소개해 주나 and
            // 소개받다 (introduce someone to me) ask for a service.
            if surface == "소개" {
                let rest = normalized[byte_end..].trim_start();
                if ["좀", "해줘", "해 줘", "해주세요", "해 주세요", "부탁"]
                    .iter()
                    .any(|w| rest.starts_with(w))
                    || !rest.chars().any(char::is_alphanumeric)
                {
                    aspects.push("#개요");
                }
            }
            // -(으)려면 (in order to) asks what it takes: how to apply.
            if first_tag == "EC" && matches!(surface.as_str(), "려면" | "으려면") {
                aspects.push("#신청");
            }
            // A 말고 B (not A but B): A is not what is asked about.
            if first_tag == "VV" && surface == "말" && normalized[byte_end..].starts_with('고') {
                let excluded = run.last().cloned();
                flush_run(&mut run, &mut analysis);
                if let Some((noun, word)) = excluded.zip(last_noun_word) {
                    for term in analysis.terms.iter_mut() {
                        if term.word == word
                            || term.kind == TermKind::Joined && term.text.ends_with(&noun)
                        {
                            term.kind = TermKind::SetAside;
                        }
                    }
                }
                continue;
            }
            if content_piece {
                last_noun_word = Some(analysis.current_word);
            }
            if let Some(question) = question_word(&surface, first_tag) {
                flush_run(&mut run, &mut analysis);
                analysis.push(question, TermKind::Question);
                continue;
            }
            if word_type == "Compound" && expression != "*" {
                analysis.push(&surface, TermKind::Word);
                for (form, _) in parse_expression(expression) {
                    if form.chars().count() >= 2 || is_content_noun(&form) {
                        analysis.push(&form, TermKind::Part);
                    }
                }
                run.push(surface);
                continue;
            }
            if let Some(parts) = self.user_parts.get(&surface) {
                analysis.push(&surface, TermKind::Word);
                for part in parts {
                    analysis.push(part, TermKind::Part);
                }
                run.push(surface);
                continue;
            }
            match first_tag {
                // Single Latin letters (the r and d of r&d) only count joined.
                "SL" if surface.chars().count() == 1 => run.push(surface),
                "NNG" | "NNP" | "SL" | "SH" | "SN" | "XR" => {
                    if !is_stop_noun(&surface) {
                        analysis.push(&surface, TermKind::Word);
                        run.push(surface);
                    } else {
                        // A stop noun is no topic, but may still say what is
                        // asked (내용 asks what it is, 문의 whom to call).
                        if let Some(aspect) = aspect_of(&surface) {
                            aspects.push(aspect);
                        }
                        flush_run(&mut run, &mut analysis);
                    }
                }
                // Prefixes and noun suffixes glue onto the nouns around them.
                "XPN" | "XSN" if !run.is_empty() || first_tag == "XPN" => run.push(surface),
                "VV" | "VA" | "VX" | "XSV" | "XSA" | "VCP" | "VCN" => {
                    flush_run(&mut run, &mut analysis);
                    let stems: Vec<(String, String)> = if expression != "*" {
                        parse_expression(expression)
                    } else {
                        vec![(surface.clone(), first_tag.to_string())]
                    };
                    for (form, form_tag) in stems {
                        if let Some(question) = question_word(&form, &form_tag) {
                            analysis.push(question, TermKind::Question);
                        } else if matches!(form_tag.as_str(), "VV" | "VA") && !is_stop_stem(&form) {
                            analysis.push(&form, TermKind::Stem);
                        } else if matches!(form_tag.as_str(), "NNG" | "NNP") {
                            analysis.push(&form, TermKind::Word);
                        }
                    }
                }
                _ => flush_run(&mut run, &mut analysis),
            }
        }
        flush_run(&mut run, &mut analysis);
        drop(tokens);
        for term in &analysis.terms {
            if !matches!(term.kind, TermKind::Joined | TermKind::SetAside) {
                if let Some(aspect) = aspect_of(&term.text) {
                    aspects.push(aspect);
                }
            }
        }
        // 지원해 주는 거 있어? / 받고 싶어: a question that asks nothing in
        // particular but whether there is help asks for a program.
        if aspects.is_empty() {
            let compact = &analysis.compact;
            let cue = [
                "주는거",
                "주는것",
                "주는게",
                "주는데",
                "주는곳",
                "주는사업",
                "싶어",
                "싶은데",
                "싶습니다",
                "싶다",
            ];
            if cue.iter().any(|c| compact.contains(c)) {
                aspects.push("#개요");
            }
        }
        let asked_a_question_word = analysis.terms.iter().any(|t| t.kind == TermKind::Question);
        if eligibility.asked(asked_a_question_word) {
            aspects.push("#자격");
        }
        // 뭐부터 (what first) asks for the steps.
        if ["뭐부터", "뭘부터", "무엇부터"]
            .iter()
            .any(|w| normalized.contains(w))
        {
            aspects.push("#신청");
        }
        // 뭐 asks "what is it" only when nothing more specific is asked:
        // 서류 뭐 내야돼 asks how to apply.
        if aspects.iter().any(|a| *a != "#개요") {
            aspects.retain(|a| *a != "#개요" || !analysis.terms.iter().any(|t| t.text == "무엇"));
        }
        // 얼마나 걸려요 asks how long, not how much.
        if analysis.terms.iter().any(|t| t.text == "걸리") {
            for aspect in aspects.iter_mut().filter(|a| **a == "#금액") {
                *aspect = "#일정";
            }
        }
        for aspect in aspects {
            analysis.push(aspect, TermKind::Aspect);
        }
        analysis.fragmented = pieces
            .iter()
            .enumerate()
            .filter(|(_, (count, short, unknown))| *unknown || (*short && *count >= 2))
            .map(|(i, _)| i)
            .collect();
        analysis.text = normalized;
        analysis
    }
}

/// Segments `text` with this thread's lattice: the lattice keeps its buffers
/// between questions, so a question costs no allocations for it.
fn segment<'a>(segmenter: &'a Segmenter, text: &'a str) -> lindera::LinderaResult<Vec<Token<'a>>> {
    thread_local! {
        static LATTICE: RefCell<Lattice> = RefCell::new(Lattice::default());
    }
    LATTICE.with_borrow_mut(|lattice| segmenter.segment_with_lattice(Cow::Borrowed(text), lattice))
}

/// Whether a question asks who may (eligibility) without naming it, read
/// token by token: it ends on 되다, 괜찮다 or 가능 with no question word
/// (우리 회사도 되나요, 번호 써도 괜찮아요?, UT 가능?), or says "must be" or
/// "even if not" (소재여야 돼요, 경기도 아니어도 신청할 수 있어요?). Not a
/// status (접수 됐나요).
#[derive(Default)]
struct EligibilityCue {
    ends_on_possible: bool,
    asked_which: bool,
    asks_condition: bool,
    after_not: bool,
}

impl EligibilityCue {
    fn read(&mut self, surface: &str, first_tag: &str, expression: &str) {
        if std::mem::take(&mut self.after_not)
            && first_tag == "EC"
            && matches!(surface, "어도" | "라도" | "아도" | "여도")
        {
            self.asks_condition = true;
        }
        // Question words become Question terms; these two do not.
        self.asked_which |= matches!(surface, "어떤" | "몇");
        if matches!(
            first_tag,
            "VV" | "VA" | "VX" | "XSV" | "XSA" | "VCP" | "VCN" | "NNG" | "NNP"
        ) {
            let stem = expression.split('/').next().filter(|_| expression != "*");
            let stem = stem.unwrap_or(surface);
            // 가능해요: the noun before 하다 still decides.
            if !(first_tag == "XSA" && stem == "하") {
                let past = expression.contains("/EP");
                self.ends_on_possible = match first_tag {
                    "VV" | "XSV" => stem == "되" && !past,
                    "VA" => stem == "괜찮",
                    "NNG" => surface == "가능",
                    _ => false,
                };
            }
            if first_tag == "VCP" && expression.contains("어야/EC") {
                self.asks_condition = true;
            }
            self.after_not = first_tag == "VCN";
        }
        // 되었나요 written out: the past ending comes as a token of its own.
        if first_tag == "EP" && matches!(surface, "었" | "았" | "였") {
            self.ends_on_possible = false;
        }
    }

    /// `asked_a_question_word`: whether the question has Question terms.
    fn asked(&self, asked_a_question_word: bool) -> bool {
        self.asks_condition || self.ends_on_possible && !asked_a_question_word && !self.asked_which
    }
}

/// Removes the symbols that join one word's halves (r&d, g-fair, 융·복합), so
/// the word is analyzed whole.
fn glue_words(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let glue = matches!(c, '&' | '-' | '·' | 'ㆍ' | '・' | '‧')
            && i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_alphanumeric()
            && chars[i + 1].is_alphanumeric();
        if !glue {
            out.push(c);
        }
    }
    out
}

/// How ko-dic alone splits `word`: `None` when it keeps it whole (no user
/// entry needed), otherwise the noun parts it finds (two syllables or more).
fn split_by_kodic(segmenter: &Segmenter, word: &str) -> Option<Vec<String>> {
    let mut tokens = segment(segmenter, word).ok()?;
    if tokens.len() <= 1 {
        return None;
    }
    let mut parts = Vec::new();
    for token in tokens.iter_mut() {
        let surface = token.surface.to_string();
        let details = token.details();
        let tag = details.first().copied().unwrap_or("UNK");
        let expression = details.get(7).copied().unwrap_or("*");
        let pieces = if expression != "*" {
            parse_expression(expression)
        } else {
            vec![(surface, tag.to_string())]
        };
        for (form, form_tag) in pieces {
            if matches!(form_tag.as_str(), "NNG" | "NNP") && form.chars().count() >= 2 {
                parts.push(form);
            }
        }
    }
    Some(parts)
}

/// Joins a run of neighbouring nouns: every pair and triple, and the whole run
/// when it is short, so spaced and unspaced spellings meet.
fn flush_run(run: &mut Vec<String>, analysis: &mut Analysis) {
    let n = run.len();
    if n >= 2 {
        for len in 2..=n.min(3) {
            for start in 0..=(n - len) {
                analysis.push(&run[start..start + len].concat(), TermKind::Joined);
            }
        }
        if n > 3 && n <= 5 {
            analysis.push(&run.concat(), TermKind::Joined);
        }
    }
    run.clear();
}

/// Parses ko-dic's `expression` field (`알리/VV/*+어/EC/*`) into (form, tag).
fn parse_expression(expression: &str) -> Vec<(String, String)> {
    expression
        .split('+')
        .filter_map(|part| {
            let mut fields = part.split('/');
            let form = fields.next()?;
            let tag = fields.next()?;
            Some((form.to_string(), tag.to_string()))
        })
        .collect()
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

/// The aspect a term asks about, from a small lexicon of everyday words for
/// the aspects SME support FAQs are written about.
fn aspect_of(term: &str) -> Option<&'static str> {
    let aspect = match term {
        "얼마" | "금액" | "액수" | "한도" | "비용" | "돈" | "요금" | "예산" | "지원액" | "무료"
        | "공짜" | "유료" | "무상" | "수강료" | "교육비" | "이용료" | "회비" | "가격" | "값"
        | "자부담" | "부담금" | "사업비" | "시험비" | "국비" | "시비" | "수수료" | "억"
        | "만원" | "비" | "료" | "최대" | "최고" => "#금액",
        "방법" | "신청" | "절차" | "접수" | "서류" | "지원서" | "신청서" | "제출" | "가입"
        | "참가" | "참여" | "순서" | "모집" => "#신청",
        "어디" | "위치" | "주소" | "장소" | "지역" => "#위치",
        "언제" | "기간" | "일정" | "마감" | "날짜" | "시기" | "시간" | "며칠" | "주말"
        | "공휴일" | "휴일" | "야간" | "밤" | "개강" | "연도" | "년도" | "요일" | "평일"
        | "토요일" | "일요일" => "#일정",
        "자격" | "대상" | "요건" | "조건" | "기준" => "#자격",
        "무엇" | "설명" | "정체" | "개요" | "내용" => "#개요",
        "성과" | "실적" | "사례" | "효과" | "후기" | "케이스" | "결과" | "성공" | "예시" => {
            "#성과"
        }
        "연락처" | "문의처" | "이메일" | "메일" | "담당자" | "홈페이지" | "전화" | "번호"
        | "전화번호" | "연락" | "문의" => "#연락",
        _ => return None,
    };
    Some(aspect)
}

/// What 몇 asks with the counter after it: 몇월 when, 몇억 how much, 몇개 how many.
fn counter_aspect(counter: &str) -> Option<&'static str> {
    // A power of ten may come first: 몇 백억, 몇 십명.
    let bare = counter.trim_start_matches(['십', '백', '천']);
    let counter = if bare.is_empty() { counter } else { bare };
    let aspect = match counter {
        "월" | "일" | "시" | "주" | "달" | "년" | "시간" | "분" | "주일" | "개월" => {
            "#일정"
        }
        "억" | "억원" | "만" | "원" | "만원" | "천" | "천만" | "백만" | "퍼센트" | "프로" => {
            "#금액"
        }
        "개" | "곳" | "군데" | "명" | "건" | "개사" | "기업" | "회사" | "업체" => {
            "#수량"
        }
        _ => return None,
    };
    Some(aspect)
}

/// 십, 백, 천 and their combinations (백만, 천만 aside: those are sums).
fn is_power_of_ten(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| matches!(c, '십' | '백' | '천'))
}

/// Words written with 몇 as one token (몇월, 며칠, 몇백억): 몇 and a counter.
fn myeot_word_aspect(word: &str) -> Option<&'static str> {
    if word == "며칠" {
        return Some("#일정");
    }
    match word.strip_prefix("몇")? {
        // 몇백, 몇천 with no counter: a sum.
        rest if is_power_of_ten(rest) => Some("#금액"),
        rest => counter_aspect(rest),
    }
}

fn is_content_noun(form: &str) -> bool {
    !form.is_empty() && !is_stop_noun(form)
}

/// Nouns that appear in almost any message and say nothing about its topic.
fn is_stop_noun(word: &str) -> bool {
    matches!(
        word,
        "저" | "제"
            | "나"
            | "너"
            | "우리"
            | "저희"
            | "것"
            | "거"
            | "수"
            | "좀"
            | "이거"
            | "그거"
            | "저거"
            | "여기"
            | "거기"
            | "사장"
            | "사장님"
            | "문의"
            | "질문"
            | "궁금"
            | "안녕"
            | "감사"
            | "부탁"
            | "관련"
            | "경우"
            | "정도"
            | "내용"
            | "혹시"
            | "정말"
            | "진짜"
            | "그냥"
            | "요즘"
            | "지금"
            | "이번"
            | "제발"
            | "말씀"
            | "답변"
            | "확인"
            | "등"
            | "때"
            | "중"
            | "쪽"
            | "분"
            | "님"
            | "가요"
    )
}

/// Verb and adjective stems that carry no topic (하다, 되다, 있다, 주다, …).
fn is_stop_stem(stem: &str) -> bool {
    matches!(
        stem,
        "하" | "되"
            | "있"
            | "없"
            | "이"
            | "아니"
            | "같"
            | "주"
            | "보"
            | "싶"
            | "않"
            | "알리"
            | "알"
            | "드리"
            | "가"
            | "오"
            | "말"
            | "그렇"
            | "이렇"
            | "저렇"
            | "좋"
            | "모르"
            | "나오"
            | "들"
            | "해주"
            | "원하"
            | "궁금하"
            | "감사하"
            | "괜찮"
            | "많"
            | "싫"
            | "계시"
            | "어떻"
            | "여쭈"
            | "묻"
            | "물"
    )
}

#[cfg(test)]
mod tests;
