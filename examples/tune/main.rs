//! Evaluation and grid search of the matcher on the labeled questions in
//! tests/data.
//!
//! - `cargo run --release --example tune` grid-searches the weights, tuning on
//!   the odd lines of covered.tsv and reporting the even lines separately, to
//!   see whether a setting only fits the questions it was tuned on.
//! - `cargo run --release --example tune -- eval [misses]` reports top-1,
//!   top-3, wrong confident answers and fallback on every labeled file with
//!   the default weights (and lists the misses).
//! - `cargo run --release --example tune -- evidence` prints, for each
//!   labeled question, the outcome and the best entry's closeness and letter
//!   pairs: what the answer thresholds in `[matching]` are set against.
//! - `cargo run --release --example tune -- dump` prints every ranked entry
//!   for every labeled question, to diff two builds. `TUNE_KB=DIR` runs any
//!   mode on another knowledge-base folder, `TUNE_KB=generated` on the
//!   bench's generated 10,000-entry one.
//! - `cargo run --release --example tune -- paraphrase` runs the
//!   paraphrase-dev protocol (closed and open, `paraphrase`) and prints it
//!   beside the figures on our own labeled questions: the two knowledge
//!   bases side by side.
//! - `cargo run --release --example tune -- fit` fits the fusion and
//!   confidence coefficients of `src/kb/index/fusion.rs` on both knowledge
//!   bases (ours and paraphrase-dev) and prints them (`fit`).
//! - `cargo run --release --example tune -- time` times `find` and the
//!   analysis alone on every labeled question, ten rounds (`TIME_ROUNDS=N`
//!   for more, so a profiler sees the loop rather than the loading).
//! - `cargo run --release --example tune -- baseline` scores character
//!   n-gram TF-IDF (the bar the issue sets) on the same questions: each
//!   entry's name, keywords and example questions as one document, and each
//!   example question as a document of its own (the best one counts).

use onestop::kb::{KnowledgeBase, Outcome, Tuning};

mod fit;
#[path = "../../benches/support/generated.rs"]
mod generated;
mod paraphrase;

pub fn read(file: &str) -> Vec<String> {
    std::fs::read_to_string(format!("tests/data/{file}"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

#[derive(Default, Debug, Clone, Copy)]
struct Score {
    n: usize,
    top1: usize,
    /// The first entry is of the expected topic: the expected entry, or a
    /// program and its FAQs (`related`).
    topic1: usize,
    top3: usize,
    wrong_answers: usize,
    /// Answered directly with the right entry.
    answered_right: usize,
}

impl Score {
    fn top1(&self) -> f64 {
        self.top1 as f64 / self.n.max(1) as f64
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.n.max(1) as f64;
        write!(
            f,
            "n {} top-1 {:.3} (topic {:.3}) top-3 {:.3} wrong answers {}",
            self.n,
            self.top1 as f64 / n,
            self.topic1 as f64 / n,
            self.top3 as f64 / n,
            self.wrong_answers
        )
    }
}

/// Scores labeled lines; `split` = Some(parity) keeps only lines of that parity.
fn covered(kb: &KnowledgeBase, lines: &[String], split: Option<usize>, misses: bool) -> Score {
    let mut s = Score::default();
    for (i, line) in lines.iter().enumerate() {
        if split.is_some_and(|p| i % 2 != p) {
            continue;
        }
        let (expected, q) = line.split_once('\t').unwrap();
        let expected: Vec<&str> = expected.split('|').collect();
        let r = kb.find(q);
        let ids: Vec<&str> = r.ranked.iter().map(|s| kb.entry(s.entry).id()).collect();
        s.n += 1;
        let ok = ids.first().is_some_and(|id| expected.contains(id));
        let topic = |id: &str| -> Vec<String> {
            match kb.by_id(id) {
                Some(onestop::kb::Entry::Faq(f)) => {
                    let mut t = f.related.clone();
                    t.push(id.to_string());
                    t
                }
                _ => vec![id.to_string()],
            }
        };
        let same_topic = ids.first().is_some_and(|top| {
            let top = topic(top);
            expected
                .iter()
                .any(|e| topic(e).iter().any(|t| top.contains(t)))
        });
        s.topic1 += usize::from(same_topic);
        if ok {
            s.top1 += 1;
            if r.outcome == Outcome::Answer {
                s.answered_right += 1;
            }
        } else {
            if r.outcome == Outcome::Answer {
                s.wrong_answers += 1;
            }
            if misses {
                let top: Vec<String> = r
                    .ranked
                    .iter()
                    .take(3)
                    .map(|s| format!("{}:{:.2}", kb.entry(s.entry).id(), s.score))
                    .collect();
                println!(
                    "  miss {q}  →  {:?} {top:?} (expected {expected:?})",
                    r.outcome
                );
            }
        }
        if ids.iter().take(3).any(|id| expected.contains(id)) {
            s.top3 += 1;
        }
    }
    s
}

/// (fallback rate, confident answers) on uncovered questions.
fn uncovered(kb: &KnowledgeBase, lines: &[String], misses: bool) -> (f64, usize) {
    let (mut fallback, mut answers) = (0, 0);
    for q in lines {
        let r = kb.find(q);
        match r.outcome {
            Outcome::Fallback => fallback += 1,
            Outcome::Answer => answers += 1,
            Outcome::Suggest => {}
        }
        if misses && r.outcome != Outcome::Fallback {
            println!(
                "  not fallback {q}  →  {:?} {}:{:.2}",
                r.outcome,
                kb.entry(r.ranked[0].entry).id(),
                r.ranked[0].score
            );
        }
    }
    (fallback as f64 / lines.len().max(1) as f64, answers)
}

/// Character n-grams (n = 1..=3) of `text` with spaces removed, counted.
fn ngrams(text: &str) -> std::collections::HashMap<String, f32> {
    let chars: Vec<char> = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut grams = std::collections::HashMap::new();
    for n in 1..=3 {
        for w in chars.windows(n) {
            *grams.entry(w.iter().collect::<String>()).or_insert(0.0) += 1.0;
        }
    }
    grams
}

/// Character n-gram TF-IDF with cosine similarity, the baseline the issue
/// names. `documents` are (entry, text); an entry scores its best document.
struct Baseline {
    idf: std::collections::HashMap<String, f32>,
    documents: Vec<(usize, std::collections::HashMap<String, f32>)>,
}

impl Baseline {
    fn new(documents: Vec<(usize, String)>) -> Self {
        let grams: Vec<(usize, std::collections::HashMap<String, f32>)> = documents
            .into_iter()
            .map(|(e, text)| (e, ngrams(&text)))
            .collect();
        let mut df: std::collections::HashMap<String, f32> = std::collections::HashMap::new();
        for (_, g) in &grams {
            for k in g.keys() {
                *df.entry(k.clone()).or_insert(0.0) += 1.0;
            }
        }
        let n = grams.len() as f32;
        let idf: std::collections::HashMap<String, f32> = df
            .into_iter()
            .map(|(k, d)| (k, (1.0 + n / d).ln()))
            .collect();
        let weigh = |g: std::collections::HashMap<String, f32>| {
            let mut v: std::collections::HashMap<String, f32> = g
                .into_iter()
                .map(|(k, tf)| {
                    let w = (1.0 + tf.ln()) * idf.get(&k).copied().unwrap_or(0.0);
                    (k, w)
                })
                .collect();
            let norm = v.values().map(|w| w * w).sum::<f32>().sqrt().max(1e-9);
            v.values_mut().for_each(|w| *w /= norm);
            v
        };
        let documents = grams.into_iter().map(|(e, g)| (e, weigh(g))).collect();
        Baseline { idf, documents }
    }

    /// Entries by their best cosine with `query`, best first.
    fn rank(&self, query: &str) -> Vec<(usize, f32)> {
        let mut q: std::collections::HashMap<String, f32> = ngrams(query)
            .into_iter()
            .filter_map(|(k, tf)| self.idf.get(&k).map(|idf| (k, (1.0 + tf.ln()) * idf)))
            .collect();
        let norm = q.values().map(|w| w * w).sum::<f32>().sqrt().max(1e-9);
        q.values_mut().for_each(|w| *w /= norm);
        let mut best: std::collections::HashMap<usize, f32> = std::collections::HashMap::new();
        for (entry, d) in &self.documents {
            let cos: f32 = q.iter().filter_map(|(k, w)| d.get(k).map(|v| v * w)).sum();
            let b = best.entry(*entry).or_insert(0.0);
            *b = b.max(cos);
        }
        let mut ranked: Vec<(usize, f32)> = best.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    /// (top-1, top-3) over labeled lines.
    fn score(&self, kb: &KnowledgeBase, lines: &[String]) -> (f64, f64) {
        let (mut top1, mut top3) = (0, 0);
        for line in lines {
            let (expected, q) = line.split_once('\t').unwrap();
            let expected: Vec<&str> = expected.split('|').collect();
            let ranked = self.rank(q);
            let ids: Vec<&str> = ranked
                .iter()
                .take(3)
                .map(|(e, _)| kb.entry(*e).id())
                .collect();
            top1 += usize::from(ids.first().is_some_and(|id| expected.contains(id)));
            top3 += usize::from(ids.iter().any(|id| expected.contains(id)));
        }
        let n = lines.len().max(1) as f64;
        (top1 as f64 / n, top3 as f64 / n)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let covered_lines = read("covered.tsv");
    let uncovered_lines = read("uncovered.tsv");
    // TUNE_KB=DIR evaluates another dialogs/ folder than the built-in one.
    // TUNE_KB=generated: the bench's generated 10,000-entry knowledge base.
    let mut kb = match std::env::var_os("TUNE_KB") {
        Some(dir) if dir == "generated" => generated::generated_kb(10_000),
        Some(dir) => KnowledgeBase::load_dir(std::path::Path::new(&dir)).unwrap(),
        None => KnowledgeBase::embedded().unwrap(),
    };

    if args.first().is_some_and(|a| a == "fit") {
        fit::run(&kb);
        return;
    }
    if args.first().is_some_and(|a| a == "paraphrase") {
        ours(&kb);
        paraphrase::report(&paraphrase::Protocol::load());
        return;
    }
    if args.first().is_some_and(|a| a == "evidence") {
        for line in &covered_lines {
            let (expected, q) = line.split_once('\t').unwrap();
            let r = kb.find(q);
            if let Some(top) = r.ranked.first() {
                let ok = expected.split('|').any(|e| e == kb.entry(top.entry).id());
                println!(
                    "covered {} {:?} close {:.2} pairs {:.2} score {:.2} terms {} {q}",
                    if ok { "right" } else { "wrong" },
                    r.outcome,
                    top.closeness,
                    top.pairs,
                    top.score,
                    kb.analyzer().analyze(q).terms.len()
                );
            }
        }
        for q in &uncovered_lines {
            let r = kb.find(q);
            if let Some(top) = r.ranked.first() {
                println!(
                    "uncovered wrong {:?} close {:.2} pairs {:.2} score {:.2} terms {} {q}",
                    r.outcome,
                    top.closeness,
                    top.pairs,
                    top.score,
                    kb.analyzer().analyze(q).terms.len()
                );
            }
        }
        return;
    }

    if args.first().is_some_and(|a| a == "baseline") {
        let entry_text = |i: usize| {
            let entry = kb.entry(i);
            let mut text = entry.title().to_string();
            if let onestop::kb::Entry::Program(p) = entry {
                text += &format!(" {}", p.keywords.join(" "));
            }
            if let onestop::kb::Entry::Faq(f) = entry {
                text += &format!(" {}", f.keywords.join(" "));
            }
            text
        };
        let whole = Baseline::new(
            (0..kb.len())
                .map(|i| {
                    (
                        i,
                        format!("{} {}", entry_text(i), kb.entry(i).examples().join(" ")),
                    )
                })
                .collect(),
        );
        let each = Baseline::new(
            (0..kb.len())
                .flat_map(|i| {
                    let title = (i, entry_text(i));
                    std::iter::once(title)
                        .chain(kb.entry(i).examples().iter().map(move |e| (i, e.clone())))
                })
                .collect(),
        );
        let holdout = read("holdout.tsv");
        for (file, lines) in [("covered.tsv", &covered_lines), ("holdout.tsv", &holdout)] {
            for (label, baseline) in [("one document per entry", &whole), ("best example", &each)] {
                let (top1, top3) = baseline.score(&kb, lines);
                println!("{file}: char 1-3-gram TF-IDF, {label}: top-1 {top1:.3} top-3 {top3:.3}");
            }
            println!("{file}: onestop: {}", covered(&kb, lines, None, false));
        }
        return;
    }

    if args.first().is_some_and(|a| a == "analyze") {
        for text in &args[1..] {
            let morphemes: Vec<String> = kb
                .analyzer()
                .morphemes(text)
                .into_iter()
                .map(|(s, t)| format!("{s}/{t}"))
                .collect();
            let terms: Vec<String> = kb
                .analyzer()
                .analyze(text)
                .terms
                .iter()
                .map(|t| format!("{}:{:?}", t.text, t.kind))
                .collect();
            println!("{text}\n  {}\n  {}", morphemes.join(" "), terms.join(" "));
        }
        return;
    }
    if args.first().is_some_and(|a| a == "time") {
        let mut questions: Vec<String> = covered_lines
            .iter()
            .map(|l| l.split_once('\t').unwrap().1.to_string())
            .collect();
        questions.extend(uncovered_lines.iter().cloned());
        // Besides all timings, each question's best of the ten: what it
        // costs without the neighbours' noise on a shared machine.
        let time = |label: &str, work: &dyn Fn(&str)| {
            let mut times = Vec::new();
            let mut best = vec![std::time::Duration::MAX; questions.len()];
            let rounds: usize = std::env::var("TIME_ROUNDS").map_or(10, |r| {
                r.parse().expect("TIME_ROUNDS is a number of rounds")
            });
            for _ in 0..rounds {
                for (q, best) in questions.iter().zip(best.iter_mut()) {
                    let start = std::time::Instant::now();
                    work(q);
                    let elapsed = start.elapsed();
                    times.push(elapsed);
                    *best = (*best).min(elapsed);
                }
            }
            if std::env::var_os("TIME_SLOWEST").is_some() {
                // The questions that cost most, best of the rounds.
                let mut slowest: Vec<(&std::time::Duration, &String)> =
                    best.iter().zip(&questions).collect();
                slowest.sort_by(|a, b| b.0.cmp(a.0));
                for (time, question) in slowest.iter().take(8) {
                    println!("  {label} {time:?}  {question}");
                }
            }
            for (what, times) in [("all", &mut times), ("best of ten", &mut best)] {
                times.sort();
                let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
                println!(
                    "{label} ({what}): p50 {:?} p90 {:?} p99 {:?}",
                    at(0.5),
                    at(0.9),
                    at(0.99)
                );
            }
        };
        time("find", &|q| {
            std::hint::black_box(kb.find(q));
        });
        time("analyze", &|q| {
            std::hint::black_box(kb.analyzer().analyze(q));
        });
        return;
    }
    if args.first().is_some_and(|a| a == "dump") {
        // Every ranked entry for every labeled question: diff two builds'
        // dumps to check that a speed-up leaves every match unchanged.
        for file in ["covered.tsv", "uncovered.tsv", "typos.tsv", "holdout.tsv"] {
            for line in read(file) {
                let q = line.rsplit('\t').next().unwrap_or_default();
                let r = kb.find(q);
                let ranked: Vec<String> = r
                    .ranked
                    .iter()
                    .map(|s| format!("{}:{:.4}", kb.entry(s.entry).id(), s.score))
                    .collect();
                println!("{q}\t{:?}\t{}", r.outcome, ranked.join(" "));
            }
        }
        return;
    }
    if args.first().is_some_and(|a| a == "taxonomy") {
        taxonomy(&kb, &covered_lines);
        return;
    }
    if args.first().is_some_and(|a| a == "why") {
        // Run with ONESTOP_EXPLAIN=1 to see each candidate's signals.
        for text in &args[1..] {
            println!("{text}");
            let r = kb.find(text);
            for s in r.ranked.iter().take(5) {
                println!("  {:4} {} {:.3}", s.entry, kb.entry(s.entry).id(), s.score);
            }
        }
        return;
    }
    if args.first().is_some_and(|a| a == "eval") {
        // Weights can be overridden: `coverage=0.5 k5=1.5 …`.
        let mut t = Tuning::default();
        for arg in &args {
            let Some((key, value)) = arg.split_once('=') else {
                continue;
            };
            let v: f32 = value.parse().unwrap();
            match key {
                "coverage" => t.coverage = v,
                "closeness" => t.closeness = v,
                "pairs" => t.pairs = v,
                "body" => t.body_field = v,
                "agency" => t.agency_field = v,
                "length_norm" => t.length_norm = v,
                "boost" => t.aspect_boost = v,
                "penalty" => t.aspect_penalty = v,
                "related" => t.related_field = v,

                k if k.starts_with('k') => t.kinds[k[1..].parse::<usize>().unwrap()] = v,
                _ => panic!("unknown weight {key}"),
            }
        }
        if t != Tuning::default() {
            println!("{t:?}");
            kb.retune(t);
        }
        let misses = args.iter().any(|a| a == "misses");
        println!(
            "covered.tsv   {}",
            covered(&kb, &covered_lines, None, misses)
        );
        let (fb, answers) = uncovered(&kb, &uncovered_lines, misses);
        println!("uncovered.tsv fallback {fb:.3}, answers {answers}");
        println!(
            "typos.tsv     {}",
            covered(&kb, &read("typos.tsv"), None, misses)
        );
        let referrals = read("referrals.tsv");
        if !referrals.is_empty() {
            println!("referrals.tsv {}", covered(&kb, &referrals, None, misses));
        }
        let holdout = read("holdout.tsv");
        if !holdout.is_empty() && args.iter().any(|a| a == "holdout") {
            println!("holdout.tsv   {}", covered(&kb, &holdout, None, misses));
            let (fb, answers) = uncovered(&kb, &read("holdout-uncovered.tsv"), misses);
            println!("holdout-uncovered.tsv fallback {fb:.3}, answers {answers}");
        }
        return;
    }

    let base = Tuning::default();
    let report = |kb: &KnowledgeBase| {
        let odd = covered(kb, &covered_lines, Some(0), false);
        let even = covered(kb, &covered_lines, Some(1), false);
        let (fb, answers) = uncovered(kb, &uncovered_lines, false);
        (odd.top1(), even.top1(), fb, answers)
    };
    println!("default: {:?}", report(&kb));
    let mut results = Vec::new();
    for coverage in [0.4f32, 0.5, 0.6, 0.7] {
        for pairs in [0.1f32, 0.2, 0.3] {
            for body in [0.35f32, 0.4, 0.45] {
                for penalty in [0.3f32, 0.5, 0.6] {
                    for aspect in [0.0f32, 0.5, 1.0] {
                        let closeness = 1.0 - coverage - pairs;
                        if closeness < 0.05 {
                            continue;
                        }
                        let mut kinds = base.kinds;
                        kinds[5] = aspect;
                        let t = Tuning {
                            coverage,
                            closeness,
                            pairs,
                            body_field: body,
                            aspect_penalty: penalty,
                            kinds,
                            ..base
                        };
                        kb.retune(t);
                        let (odd, even, fb, answers) = report(&kb);
                        results.push((odd, even, fb, answers, t));
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (odd, even, fb, answers, t) in results.iter().take(15) {
        println!("odd {odd:.3} even {even:.3} fallback {fb:.3} answers {answers}  {t:?}");
    }
}

/// The figures on our own labeled questions that issue 16 budgets.
fn ours(kb: &KnowledgeBase) {
    let covered_score = covered(kb, &read("covered.tsv"), None, false);
    let holdout = covered(kb, &read("holdout.tsv"), None, false);
    let (fallback, answers) = uncovered(kb, &read("uncovered.tsv"), false);
    let (held_fallback, held_answers) = uncovered(kb, &read("holdout-uncovered.tsv"), false);
    let unseen = covered(kb, &read("unseen.tsv"), None, false);
    let (unseen_fallback, unseen_answers) = uncovered(kb, &read("unseen-uncovered.tsv"), false);
    let n = covered_score.n.max(1) as f64;
    println!("ours (default knowledge base, tests/data)");
    println!(
        "  covered top-1 {:.3} top-3 {:.3}, answered right {:.3} ({:.3} of the right top-1), wrong answers {}",
        covered_score.top1(),
        covered_score.top3 as f64 / n,
        covered_score.answered_right as f64 / n,
        covered_score.answered_right as f64 / covered_score.top1.max(1) as f64,
        covered_score.wrong_answers
    );
    println!(
        "  holdout top-1 {:.3} top-3 {:.3}, answered right {:.3}, wrong answers {}",
        holdout.top1(),
        holdout.top3 as f64 / holdout.n.max(1) as f64,
        holdout.answered_right as f64 / holdout.n.max(1) as f64,
        holdout.wrong_answers
    );
    println!(
        "  uncovered fallback {fallback:.3}, answered {answers}; holdout-uncovered fallback {held_fallback:.3}, answered {held_answers}"
    );
    let unseen_n = unseen.n.max(1) as f64;
    println!(
        "  unseen top-1 {:.3} top-3 {:.3}, answered right {:.3}, wrong answers {}; unseen-uncovered fallback {unseen_fallback:.3}, answered {unseen_answers}",
        unseen.top1(),
        unseen.top3 as f64 / unseen_n,
        unseen.answered_right as f64 / unseen_n,
        unseen.wrong_answers
    );
}

/// Where the expected entry landed for each miss, and how the miss relates
/// to the entry that won (program ↔ its FAQ, two FAQs of one program, other).
fn taxonomy(kb: &KnowledgeBase, lines: &[String]) {
    let related = |id: &str| -> Vec<String> {
        match kb.by_id(id) {
            Some(onestop::kb::Entry::Faq(f)) => f.related.clone(),
            Some(onestop::kb::Entry::Program(p)) => vec![p.id.clone()],
            Some(onestop::kb::Entry::Referral(r)) => vec![r.id.clone()],
            None => vec![],
        }
    };
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for line in lines {
        let (expected, q) = line.split_once('\t').unwrap();
        let expected: Vec<&str> = expected.split('|').collect();
        let r = kb.find(q);
        let ids: Vec<&str> = r.ranked.iter().map(|s| kb.entry(s.entry).id()).collect();
        if ids.first().is_some_and(|id| expected.contains(id)) {
            continue;
        }
        let rank = ids
            .iter()
            .position(|id| expected.contains(id))
            .map_or(99, |r| r + 1);
        let top = ids.first().copied().unwrap_or("-");
        let (a, b) = (related(top), related(expected[0]));
        let exp_prog = matches!(kb.by_id(expected[0]), Some(onestop::kb::Entry::Program(_)));
        let top_prog = matches!(kb.by_id(top), Some(onestop::kb::Entry::Program(_)));
        let kind = if a.iter().any(|x| b.contains(x)) {
            match (exp_prog, top_prog) {
                (true, false) => "want program, got its faq",
                (false, true) => "want faq, got its program",
                _ => "sibling faq",
            }
        } else {
            "other"
        };
        *kinds
            .entry(format!("{kind} rank{}", rank.min(4)))
            .or_default() += 1;
        if kind != "other" && std::env::var_os("SHOW").is_some() {
            let aspects: Vec<String> = kb
                .analyzer()
                .analyze(q)
                .terms
                .iter()
                .filter(|t| t.kind == onestop::nlu::TermKind::Aspect)
                .map(|t| t.text.clone())
                .collect();
            println!(
                "{kind} rank{rank}: {q} {aspects:?} got {top} want {}",
                expected[0]
            );
        }
    }
    for (k, n) in kinds {
        println!("{n:4} {k}");
    }
}
