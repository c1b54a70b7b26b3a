//! `onestop test`: an admin's regression run of labeled questions against a
//! knowledge base — every miss with what won instead, top-1 and top-3,
//! answered right and wrong, fallbacks, and the pairs of entries that take
//! each other's questions — so people who edit `dialogs/` see what an edit
//! cost before the bot says it to anyone.
//!
//! A labeled line is `question<TAB>expected`, where `expected` is an entry id,
//! several ids joined by `|` when any of them is a right answer (a question
//! that names a program and its FAQs alike), or `fallback` (the question
//! should not be answered). Lines written the other way round
//! (`id<TAB>question`, as in `tests/data/`) are read too when only the first
//! field names an entry. Blank lines and lines starting with `#` are skipped;
//! a spreadsheet's byte-order mark and Windows line ends are read as nothing,
//! `fallback` in any case (or 없음), and what Korean spreadsheets write is read
//! as meant: UTF-16 or CP949 text, fields in double quotes (a cell with line
//! breaks is one question), ids in any case, joined by commas or slashes.
//! An unknown id is named with the closest known one (or, for an entry's
//! title, with its id), and a line whose label is set off by spaces or a
//! comma instead of a tab is told so. After the figures come the answers
//! the file's questions would get at other answer thresholds.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::kb::{KnowledgeBase, MatchResult, Outcome};
use crate::source::diagnostic::did_you_mean;

/// What a labeled question should get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// One of these entries.
    Entries(EntryIds),
    /// No answer: the knowledge base does not cover it.
    Fallback,
}

/// The ids of the entries that answer a question right: one, or several
/// where any of them is right (written `a|b`), each an entry of the
/// knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryIds(Vec<String>);

impl EntryIds {
    /// Reads `a|b|…` (or `a, b`, `a / b`, or ids set off by spaces alone
    /// when every one is an id; a separator left at the end, as a
    /// spreadsheet may, counts for nothing), each id in any case
    /// (`Faq-1379-hours`, as a spreadsheet may capitalize it); the ids the
    /// knowledge base does not know are the error, and so is a text of
    /// separators alone.
    fn parse<'t>(text: &'t str, kb: &KnowledgeBase) -> Result<EntryIds, Vec<&'t str>> {
        let pieces = |separators: &[char]| -> Vec<&'t str> {
            text.split(separators)
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .collect()
        };
        let known = |id: &str| {
            kb.by_id(id)
                .or_else(|| kb.by_id(&id.to_ascii_lowercase()))
                .map(|entry| entry.id().to_string())
        };
        // Every piece as the id it names, or the first error: the pieces
        // no entry has.
        let read = |pieces: &[&'t str]| -> Result<EntryIds, Vec<&'t str>> {
            let found: Vec<Option<String>> = pieces.iter().map(|id| known(id)).collect();
            if found.iter().all(Option::is_some) {
                return Ok(EntryIds(found.into_iter().flatten().collect()));
            }
            Err(pieces
                .iter()
                .zip(&found)
                .filter(|(_, id)| id.is_none())
                .map(|(piece, _)| *piece)
                .collect())
        };
        let ids = pieces(&['|', ',', '/']);
        if ids.is_empty() {
            return Err(vec![text]);
        }
        let unknown = match read(&ids) {
            Ok(ids) => return Ok(ids),
            Err(unknown) => unknown,
        };
        let spaced = pieces(&['|', ',', '/', ' ', '\t']);
        if spaced.len() > ids.len() {
            if let Ok(ids) = read(&spaced) {
                return Ok(ids);
            }
        }
        Err(unknown)
    }

    /// Whether `id` is one of them.
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|e| e == id)
    }
}

impl fmt::Display for EntryIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("|"))
    }
}

impl Expected {
    /// Whether the two labels say the same, whatever the order of the ids.
    fn same_as(&self, other: &Expected) -> bool {
        match (self, other) {
            (Expected::Entries(a), Expected::Entries(b)) => {
                a.0.iter().all(|id| b.contains(id)) && b.0.iter().all(|id| a.contains(id))
            }
            (Expected::Fallback, Expected::Fallback) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Entries(ids) => ids.fmt(f),
            Expected::Fallback => f.write_str("fallback"),
        }
    }
}

/// One labeled question and where it was written.
#[derive(Debug, Clone)]
pub struct Labeled {
    pub line: usize,
    pub question: String,
    pub expected: Expected,
}

/// Reads labeled questions; every bad line is reported as `FILE:LINE: why`.
pub fn read_labeled(path: &Path, kb: &KnowledgeBase) -> Result<Vec<Labeled>, Vec<String>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => decode(&bytes).map_err(|why| vec![format!("{}: {why}", path.display())])?,
        Err(error) => return Err(vec![format!("{}: {error}", path.display())]),
    };
    let mut labeled = Vec::new();
    // (line, why); line 0 for the whole file.
    let mut problems: Vec<(usize, String)> = Vec::new();
    for (number, line) in records(&text) {
        let line = line.as_str();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let first_line = labeled.is_empty() && problems.is_empty();
        match parse_line(line, kb, first_line) {
            Ok((question, expected)) => labeled.push(Labeled {
                line: number,
                question,
                expected,
            }),
            Err(why) => problems.push((number, why)),
        }
    }
    if labeled.is_empty() && problems.is_empty() {
        problems.push((0, "no labeled questions".into()));
    }
    // A list of questions with no labels at all: one message, not one per line.
    if labeled.is_empty() && !problems.is_empty() && problems.iter().all(|(_, why)| why == NO_TAB) {
        problems = vec![(
            0,
            format!(
                "no line has a label: after each question write a tab and the id of the entry \
                 that should answer it, or `fallback` (to see what the bot does with questions \
                 that have no label: `onestop match < {}`)",
                path.display()
            ),
        )];
    }
    // One question labeled two ways is a miss whichever way the bot goes.
    let mut first_seen: HashMap<String, &Labeled> = HashMap::new();
    for item in &labeled {
        let question = item
            .question
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match first_seen.get(&question) {
            Some(earlier) if !earlier.expected.same_as(&item.expected) => problems.push((
                item.line,
                format!(
                    "this question is labeled `{}` on line {}, `{}` here: keep the right one",
                    earlier.expected, earlier.line, item.expected
                ),
            )),
            Some(_) => {}
            None => {
                first_seen.insert(question, item);
            }
        }
    }
    problems.sort_by_key(|&(line, _)| line);
    if problems.is_empty() {
        Ok(labeled)
    } else {
        Err(problems
            .into_iter()
            .map(|(line, why)| match line {
                0 => format!("{}: {why}", path.display()),
                line => format!("{}:{line}: {why}", path.display()),
            })
            .collect())
    }
}

/// The text of a labeled file as a spreadsheet or an editor saved it:
/// UTF-8 or UTF-16 after a byte-order mark (Excel's "Unicode text"), else
/// UTF-8, else CP949 (Korean Windows' own, what Excel's "text (tab
/// delimited)" writes there). The byte-order mark is not part of the text.
fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .map(String::from)
            .ok_or_else(|| {
                format!(
                    "not valid {} text after its byte-order mark",
                    encoding.name()
                )
            });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    encoding_rs::EUC_KR
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(String::from)
        .ok_or_else(|| {
            "not a text file in UTF-8, UTF-16 or CP949: save it as text (UTF-8), one question per line".into()
        })
}

/// A field as written, without the double quotes a spreadsheet puts around
/// it (`"a ""b"""` is `a "b"`).
fn unquote(field: &str) -> String {
    match field
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
    {
        Some(inner) => inner.replace("\"\"", "\"").trim().to_string(),
        None => field.to_string(),
    }
}

/// The records of a labeled file, each with the number of the line it
/// starts on: its lines, except that a field in double quotes may go on
/// over several lines, as a spreadsheet saves a cell with line breaks in
/// it (the breaks become spaces). A quote that never closes leaves every
/// line a record of its own.
fn records(text: &str) -> Vec<(usize, String)> {
    let mut records = Vec::new();
    let mut record = String::new();
    let mut starts_on = 1;
    // Inside a quoted field; a quote opens one only at a field's start.
    let mut quoted = false;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    record.push_str("\"\"");
                    chars.next();
                } else {
                    quoted = false;
                    record.push('"');
                }
            }
            '"' if at_field_start => {
                quoted = true;
                record.push('"');
            }
            '\n' => {
                line += 1;
                if quoted {
                    record.push(' ');
                } else {
                    records.push((starts_on, std::mem::take(&mut record)));
                    starts_on = line;
                    at_field_start = true;
                    continue;
                }
            }
            '\r' if chars.peek() == Some(&'\n') => continue,
            c => record.push(c),
        }
        at_field_start = !quoted && (c == '\t' || c.is_whitespace() && at_field_start);
    }
    if quoted {
        return text
            .lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line.trim_end_matches('\r').to_string()))
            .collect();
    }
    if !record.is_empty() {
        records.push((starts_on, record));
    }
    records
}

/// A line with no tab and no label that a comma or spaces set off.
const NO_TAB: &str = "expected `question<TAB>entry id` (or `fallback`), found no tab";

/// One line's question and label; `first_line`: no line before it had any.
fn parse_line(
    line: &str,
    kb: &KnowledgeBase,
    first_line: bool,
) -> Result<(String, Expected), String> {
    let Some((first, second)) = line.split_once('\t') else {
        // Saved as CSV, or pasted through an editor that turns tabs into spaces?
        let line = line.trim_end();
        let separator = line
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_whitespace() || c == ',' || c == ';');
        if let Some((at, c)) = separator {
            let (question, label) = (&line[..at], unquote(line[at + c.len_utf8()..].trim()));
            let label = label.as_str();
            let used = match c {
                ',' => "a comma",
                ';' => "a semicolon",
                _ => "spaces",
            };
            if !question.trim().is_empty() && label_of(label, kb).is_ok() {
                return Err(format!(
                    "found no tab: separate the question from `{label}` with a tab, not {used}"
                ));
            }
        }
        return Err(NO_TAB.into());
    };
    let (first, second) = (unquote(first.trim()), unquote(second.trim()));
    let (first, second) = (first.as_str(), second.as_str());
    if first.is_empty() || second.is_empty() {
        return Err("a question and a label are both needed".into());
    }
    if second.contains('\t') {
        return Err("more than two fields; a question may not contain a tab".into());
    }
    match (label_of(second, kb), label_of(first, kb)) {
        (Ok(expected), _) => Ok((first.to_string(), expected)),
        (Err(_), Ok(expected)) => Ok((second.to_string(), expected)),
        (Err(unknown), Err(_)) if second.contains(['|', ',', '/']) => {
            let named: Vec<String> = unknown
                .iter()
                .map(|id| format!("`{id}`{}", did_you_mean(id, kb.ids())))
                .collect();
            let verb = if unknown.len() == 1 {
                "is not an entry id"
            } else {
                "are not entry ids"
            };
            Err(format!(
                "{} in `{second}` {verb} of this knowledge base",
                named.join(", ")
            ))
        }
        (Err(_), Err(_)) => {
            // An admin who knows the entries by their titles writes one.
            let titled: Vec<&str> = (0..kb.len())
                .map(|i| kb.entry(i))
                .filter(|entry| entry.title() == second)
                .map(|entry| entry.id())
                .collect();
            match titled[..] {
                [] => {}
                [id] => {
                    return Err(format!(
                        "`{second}` is the title of an entry: label the question with its id, `{id}`"
                    ))
                }
                _ => {
                    return Err(format!(
                        "`{second}` is the title of several entries (`{}`): label the question with the id of the one meant",
                        titled.join("`, `")
                    ))
                }
            }
            let meant = did_you_mean(second, kb.ids());
            // A spreadsheet's column titles (질문, 정답 / question,
            // expected) make a first line whose label is no id.
            let hint = match (first_line, meant.is_empty()) {
                (true, true) => " (if this line holds column titles, remove it or start it with #)",
                (false, true) => " (label a question nothing should answer `fallback`)",
                (_, false) => "",
            };
            Err(format!(
                "`{second}` is neither an entry id of this knowledge base nor `fallback`{meant}{hint}"
            ))
        }
    }
}

/// What a label field says, or the ids in it the knowledge base does not know.
fn label_of<'t>(text: &'t str, kb: &KnowledgeBase) -> Result<Expected, Vec<&'t str>> {
    if text.eq_ignore_ascii_case("fallback") || matches!(text, "없음" | "해당없음" | "해당 없음")
    {
        Ok(Expected::Fallback)
    } else {
        EntryIds::parse(text, kb).map(Expected::Entries)
    }
}

/// One question the knowledge base got wrong.
#[derive(Debug, Serialize)]
pub struct Miss {
    pub line: usize,
    pub question: String,
    pub expected: String,
    pub outcome: &'static str,
    /// The entry ranked first, if any.
    pub got: Option<String>,
    /// Where the expected entry was ranked (1 = first), if at all.
    pub expected_rank: Option<usize>,
}

/// The figures of one run.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Questions labeled with an entry.
    pub covered: usize,
    pub top1: usize,
    pub top3: usize,
    /// Outcome `answer` with the expected entry.
    pub answered_right: usize,
    /// Outcome `suggest` with the expected entry among the offer.
    pub suggested_right: usize,
    /// Outcome `answer` with another entry (covered and fallback-labeled
    /// questions alike): what the bot would say confidently and wrongly.
    pub answered_wrong: usize,
    /// Covered questions that got the fallback.
    pub fell_back: usize,
    /// Questions labeled `fallback`.
    pub uncovered: usize,
    /// Of those, how many got the fallback (not an answer, not a suggestion).
    pub uncovered_fell_back: usize,
    /// Of those, how many got a confident answer.
    pub uncovered_answered: usize,
    pub misses: Vec<Miss>,
    /// (expected, won instead, times) — most frequent first.
    pub confusions: Vec<(String, String, usize)>,
    /// What other answer thresholds would have done, lowest first (the
    /// knowledge base's own among them).
    pub thresholds: Vec<AtThreshold>,
}

/// Answers at one answer threshold (`answer_threshold` in `bot.toml`).
#[derive(Debug, Default, Serialize)]
pub struct AtThreshold {
    pub answer_threshold: f64,
    /// Whether it is the knowledge base's own.
    pub current: bool,
    /// Covered questions answered with the right entry.
    pub answered_right: usize,
    /// Questions answered with a wrong entry, or answered though labeled
    /// `fallback`.
    pub answered_wrong: usize,
}

/// The answer thresholds `onestop test` weighs besides the knowledge
/// base's own.
const OTHER_THRESHOLDS: [f64; 4] = [0.8, 0.85, 0.9, 0.95];

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl Report {
    /// Top-1 over the covered questions (what `--min-accuracy` compares).
    pub fn top1_accuracy(&self) -> f64 {
        share(self.top1, self.covered)
    }
}

/// Matches every labeled question and counts.
pub fn run(kb: &KnowledgeBase, labeled: &[Labeled], suggestions: usize) -> Report {
    let mut report = Report::default();
    let mut confusions: BTreeMap<(String, String), usize> = BTreeMap::new();
    let current = kb.matching.answer_threshold;
    let mut thresholds: Vec<f64> = OTHER_THRESHOLDS.to_vec();
    if !thresholds.iter().any(|&t| (t - current).abs() < 1e-9) {
        thresholds.push(current);
    }
    thresholds.sort_by(f64::total_cmp);
    report.thresholds = thresholds
        .iter()
        .map(|&t| AtThreshold {
            answer_threshold: t,
            current: (t - current).abs() < 1e-9,
            ..AtThreshold::default()
        })
        .collect();
    let configs: Vec<crate::kb::MatchingConfig> = report
        .thresholds
        .iter()
        .map(|at| crate::kb::MatchingConfig {
            answer_threshold: at.answer_threshold,
            ..kb.matching.clone()
        })
        .collect();
    for item in labeled {
        let result = kb.find(&item.question);
        let ids: Vec<&str> = result
            .ranked
            .iter()
            .map(|s| kb.entry(s.entry).id())
            .collect();
        let first_is_right = match &item.expected {
            Expected::Entries(expected) => ids.first().is_some_and(|id| expected.contains(id)),
            Expected::Fallback => false,
        };
        for (at, matching) in report.thresholds.iter_mut().zip(&configs) {
            if KnowledgeBase::outcome_under(&result, matching) == Outcome::Answer {
                if first_is_right {
                    at.answered_right += 1;
                } else {
                    at.answered_wrong += 1;
                }
            }
        }
        match &item.expected {
            Expected::Entries(expected) => {
                score_covered(&mut report, item, expected, &ids, &result, suggestions);
                if let Some(&won) = ids.first().filter(|&&won| !expected.contains(won)) {
                    *confusions
                        .entry((expected.to_string(), won.to_string()))
                        .or_default() += 1;
                }
            }
            Expected::Fallback => score_uncovered(&mut report, item, &ids, &result),
        }
    }
    let mut confusions: Vec<(String, String, usize)> = confusions
        .into_iter()
        .map(|((a, b), n)| (a, b, n))
        .collect();
    confusions.sort_by(|x, y| y.2.cmp(&x.2).then_with(|| (&x.0, &x.1).cmp(&(&y.0, &y.1))));
    report.confusions = confusions;
    report
}

fn score_covered(
    report: &mut Report,
    item: &Labeled,
    expected: &EntryIds,
    ids: &[&str],
    result: &MatchResult,
    suggestions: usize,
) {
    report.covered += 1;
    let rank = ids.iter().position(|&got| expected.contains(got));
    let first = rank == Some(0);
    report.top1 += usize::from(first);
    report.top3 += usize::from(rank.is_some_and(|r| r < 3));
    match result.outcome {
        Outcome::Answer if first => report.answered_right += 1,
        Outcome::Answer => report.answered_wrong += 1,
        Outcome::Suggest if rank.is_some_and(|r| r < suggestions) => report.suggested_right += 1,
        Outcome::Suggest => {}
        Outcome::Fallback => report.fell_back += 1,
    }
    let right = first && matches!(result.outcome, Outcome::Answer | Outcome::Suggest);
    if !right {
        report.misses.push(Miss {
            line: item.line,
            question: item.question.clone(),
            expected: expected.to_string(),
            outcome: result.outcome.as_str(),
            got: ids.first().map(|s| s.to_string()),
            expected_rank: rank.map(|r| r + 1),
        });
    }
}

fn score_uncovered(report: &mut Report, item: &Labeled, ids: &[&str], result: &MatchResult) {
    report.uncovered += 1;
    match result.outcome {
        Outcome::Fallback => {
            report.uncovered_fell_back += 1;
            return;
        }
        Outcome::Answer => {
            report.uncovered_answered += 1;
            report.answered_wrong += 1;
        }
        Outcome::Suggest => {}
    }
    report.misses.push(Miss {
        line: item.line,
        question: item.question.clone(),
        expected: "fallback".into(),
        outcome: result.outcome.as_str(),
        got: ids.first().map(|s| s.to_string()),
        expected_rank: None,
    });
}

/// The report as an admin reads it: misses first, then the figures.
pub fn render(report: &Report, kb: &KnowledgeBase, confusions: usize) -> String {
    let title = |id: &str| {
        kb.by_id(id)
            .map_or(String::new(), |e| e.title().to_string())
    };
    let mut out = String::new();
    for miss in &report.misses {
        let best = miss
            .got
            .as_deref()
            .map(|id| format!("{id} ({})", title(id)));
        let got = match (miss.outcome, best) {
            (_, None) => "fell back, with nothing ranked".to_string(),
            ("answer", Some(best)) => format!("answered {best}"),
            ("suggest", Some(best)) => format!("suggested {best} first"),
            (_, Some(best)) => format!("fell back (best: {best})"),
        };
        let rank = miss.expected_rank.map_or(String::new(), |r| {
            format!("; the expected entry ranked {r}")
        });
        let _ = writeln!(
            out,
            "line {}: {}\n  expected {}; the bot {got}{rank}",
            miss.line, miss.question, miss.expected
        );
        // A confident wrong answer is either a slip in the label or a gap
        // in the knowledge base: say how to mend each.
        if let ("answer", Some(got)) = (miss.outcome, miss.got.as_deref()) {
            let mend = if miss.expected == "fallback" {
                format!("if `{got}` does answer it, label it so")
            } else {
                format!(
                    "if the label is a slip, correct it; if not, add the question to the example questions of `{}`",
                    miss.expected
                )
            };
            let _ = writeln!(out, "  the bot was sure: {mend}");
        } else if let (Some(1), "fallback", Some(first)) =
            (miss.expected_rank, miss.outcome, miss.got.as_deref())
        {
            // Ranked right but not sure enough to answer or offer it.
            let _ = writeln!(
                out,
                "  the right entry came first, but the bot was not sure of it: add the question to the example questions of `{first}`"
            );
        }
    }
    if !report.misses.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{report}");
    if report.confusions.iter().any(|c| c.2 > 0) && confusions > 0 {
        out.push_str("entries that take each other's questions (expected → won instead):\n");
        for (expected, won, times) in report.confusions.iter().take(confusions) {
            let _ = writeln!(out, "  {times}×  {expected} → {won}");
        }
    }
    if report.covered + report.uncovered > 0 {
        out.push_str("at other answer thresholds (`answer_threshold` in bot.toml [matching]):\n");
        for at in &report.thresholds {
            let _ = writeln!(
                out,
                "  {:.2}: answered right {:.3} ({}), confident wrong answers {}{}",
                at.answer_threshold,
                share(at.answered_right, report.covered),
                at.answered_right,
                at.answered_wrong,
                if at.current { "  ← now" } else { "" }
            );
        }
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.covered;
        if n > 0 {
            writeln!(
                f,
                "covered questions: {n}\n  top-1 {:.3} ({}), top-3 {:.3} ({})\n  answered right {:.3} ({}), suggested right {:.3} ({}), fell back {:.3} ({})",
                share(self.top1, n),
                self.top1,
                share(self.top3, n),
                self.top3,
                share(self.answered_right, n),
                self.answered_right,
                share(self.suggested_right, n),
                self.suggested_right,
                share(self.fell_back, n),
                self.fell_back,
            )?;
        }
        if self.uncovered > 0 {
            writeln!(
                f,
                "questions labeled fallback: {}\n  fell back {:.3} ({}), answered {} (wrongly)",
                self.uncovered,
                share(self.uncovered_fell_back, self.uncovered),
                self.uncovered_fell_back,
                self.uncovered_answered,
            )?;
        }
        write!(f, "confident wrong answers: {}", self.answered_wrong)
    }
}

/// Bad lines named one by one, at most: the first ones show what to mend.
const PROBLEMS_SHOWN: usize = 20;

/// `onestop test FILE`: reads, runs, prints; exit 1 below `min_accuracy`,
/// exit 2 on an unreadable or malformed file.
pub fn execute(
    kb: &KnowledgeBase,
    file: &Path,
    min_accuracy: Option<f64>,
    json: bool,
) -> Result<std::process::ExitCode> {
    use std::process::ExitCode;
    let labeled = match read_labeled(file, kb) {
        Ok(labeled) => labeled,
        Err(problems) => {
            for problem in problems.iter().take(PROBLEMS_SHOWN) {
                eprintln!("{problem}");
            }
            if problems.len() > PROBLEMS_SHOWN {
                eprintln!("… and {} more", problems.len() - PROBLEMS_SHOWN);
            }
            eprintln!(
                "{}: {} problem(s); nothing was run",
                file.display(),
                problems.len()
            );
            return Ok(ExitCode::from(2));
        }
    };
    let report = run(kb, &labeled, kb.matching.max_suggestions);
    if json {
        let text = serde_json::to_string_pretty(&report).context("writing the report")?;
        println!("{text}");
    } else {
        print!("{}", render(&report, kb, 10));
    }
    if let Some(min) = min_accuracy {
        let accuracy = report.top1_accuracy();
        if accuracy < min {
            eprintln!("top-1 {accuracy:.3} is below --min-accuracy {min:.3}");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}
