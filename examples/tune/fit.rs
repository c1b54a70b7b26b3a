//! `tune -- fit`: fits the matcher's fusion and confidence coefficients
//! (`src/kb/index/fusion.rs`) on both knowledge bases at once and prints
//! them, with the figures they give on the questions the fit did not see.
//!
//! Fitted on: our covered and uncovered questions (tests/data) and the
//! paraphrase-dev intents of `Intent::for_fitting`; reported on: our
//! holdout files and the other paraphrase-dev intents. Each knowledge base
//! weighs as much as the other, however many questions it has.
//!
//! Ranking: a multinomial logit over each question's candidates (the right
//! entry's likelihood), by Newton's method. Confidence: a logistic model of
//! "this entry is the right one" on the first three candidates after the
//! fitted ranking, out-of-scope questions included (never right).
//!
//! `FIT_FUSION=a,b,…` takes these ranking weights (missing ones 0) instead of the
//! logit's, `FIT_DROP=i,j` leaves confidence features out, `FIT_OTHERS=w`
//! weighs the second and third candidates (0.25 unless set). The report
//! gives, per answer threshold, answered right / in-scope answered wrong /
//! out-of-scope answered, and per suggest threshold the share not sent to
//! a consultant; choose thresholds on the fitting rows only.

use onestop::kb::index::fusion::{
    confidence_features, dot, fuse, sigmoid, Leaders, CONFIDENCE_FEATURES, SIGNALS,
};
use onestop::kb::{KnowledgeBase, Scored};

use crate::paraphrase::Protocol;

/// One question with its candidates and which one is right.
struct Sample {
    ranked: Vec<Scored>,
    /// Position of the right entry among the candidates, if there.
    right: Option<usize>,
    /// Whether the question is in scope at all.
    in_scope: bool,
    /// How much it weighs in the fit.
    weight: f64,
    /// 0: ours, 1: paraphrase-dev closed, 2: paraphrase-dev open.
    set: usize,
    fitting: bool,
    /// The best candidate's letter pairs, for the answer guard.
    pairs: f32,
    /// The question as written (for `FIT_DUMP`).
    text: String,
}

fn sample(kb: &KnowledgeBase, q: &str, expected: &[String], set: usize, fitting: bool) -> Sample {
    let ranked = kb.find(q).ranked;
    let right = ranked
        .iter()
        .position(|s| expected.iter().any(|e| e == kb.entry(s.entry).id()));
    let pairs = ranked.first().map_or(0.0, |s| s.pairs);
    Sample {
        ranked,
        right,
        in_scope: !expected.is_empty(),
        weight: 1.0,
        set,
        fitting,
        pairs,
        text: q.to_string(),
    }
}

fn collect(kb: &KnowledgeBase, protocol: &Protocol) -> Vec<Sample> {
    let mut samples = Vec::new();
    for (file, fitting) in [("covered.tsv", true), ("holdout.tsv", false)] {
        for line in crate::read(file) {
            let (expected, q) = line.split_once('\t').unwrap();
            let expected: Vec<String> = expected.split('|').map(String::from).collect();
            samples.push(sample(kb, q, &expected, 0, fitting));
        }
    }
    for (file, fitting) in [("uncovered.tsv", true), ("holdout-uncovered.tsv", false)] {
        for q in crate::read(file) {
            samples.push(sample(kb, &q, &[], 0, fitting));
        }
    }
    for (set, kb, queries) in [
        (1, &protocol.closed, &protocol.closed_queries),
        (2, &protocol.open, &protocol.open_queries),
    ] {
        for query in queries {
            let intent = &protocol.intents[query.intent];
            let expected = if query.in_scope {
                vec![intent.id()]
            } else {
                vec![]
            };
            samples.push(sample(
                kb,
                &query.text,
                &expected,
                set,
                intent.for_fitting(),
            ));
        }
    }
    // Ours weighs as much as paraphrase-dev's two settings together.
    for ours in [true, false] {
        let n = samples
            .iter()
            .filter(|s| s.fitting && (s.set == 0) == ours)
            .count() as f64;
        for s in samples.iter_mut().filter(|s| (s.set == 0) == ours) {
            s.weight = 1000.0 / n.max(1.0);
        }
    }
    samples
}

/// Solves `a x = b` (small, symmetric positive definite) by elimination.
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> [f64; N] {
    for i in 0..N {
        let pivot = (i..N)
            .max_by(|&x, &y| a[x][i].abs().total_cmp(&a[y][i].abs()))
            .unwrap();
        a.swap(i, pivot);
        b.swap(i, pivot);
        let (above, below) = a.split_at_mut(i + 1);
        let pivot_row = &above[i];
        for (r, row) in below.iter_mut().enumerate() {
            let f = row[i] / pivot_row[i];
            for (x, p) in row[i..].iter_mut().zip(&pivot_row[i..]) {
                *x -= f * p;
            }
            b[i + 1 + r] -= f * b[i];
        }
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        let rest: f64 = (i + 1..N).map(|c| a[i][c] * x[c]).sum();
        x[i] = (b[i] - rest) / a[i][i];
    }
    x
}

/// Ridge against coefficients growing without bound on separable data.
const RIDGE: f64 = 1.0;
/// The ranking's ridge: smaller, since each signal comes twice (alone and
/// times the log of the number of examples) and our knowledge base alone
/// tells the second four apart.
const RANKING_RIDGE: f64 = 0.1;

/// The multinomial logit of the right candidate, by Newton's method.
fn fit_ranking(samples: &[Sample]) -> [f32; SIGNALS] {
    let mut beta = [0.0f64; SIGNALS];
    beta[0] = 1.0;
    for _ in 0..30 {
        let mut grad = [0.0; SIGNALS];
        let mut hess = [[0.0; SIGNALS]; SIGNALS];
        for s in samples.iter().filter(|s| s.fitting && s.set != 2) {
            let Some(right) = s.right else { continue };
            let xs: Vec<[f64; SIGNALS]> = s
                .ranked
                .iter()
                .map(|c| c.signals().map(f64::from))
                .collect();
            let z: Vec<f64> = xs
                .iter()
                .map(|x| x.iter().zip(&beta).map(|(a, b)| a * b).sum())
                .collect();
            let max = z.iter().copied().fold(f64::MIN, f64::max);
            let e: Vec<f64> = z.iter().map(|z| (z - max).exp()).collect();
            let total: f64 = e.iter().sum();
            let mut mean = [0.0; SIGNALS];
            for (x, e) in xs.iter().zip(&e) {
                for k in 0..SIGNALS {
                    mean[k] += e / total * x[k];
                }
            }
            for k in 0..SIGNALS {
                grad[k] += s.weight * (xs[right][k] - mean[k]);
            }
            for (x, e) in xs.iter().zip(&e) {
                for a in 0..SIGNALS {
                    for b in 0..SIGNALS {
                        hess[a][b] += s.weight * e / total * (x[a] - mean[a]) * (x[b] - mean[b]);
                    }
                }
            }
        }
        for k in 0..SIGNALS {
            grad[k] -= RANKING_RIDGE * beta[k];
            hess[k][k] += RANKING_RIDGE;
        }
        let step = solve(hess, grad);
        for k in 0..SIGNALS {
            beta[k] += step[k];
        }
    }
    beta.map(|b| b as f32)
}

/// The logistic model of "this candidate is right" on the first three.
fn fit_confidence(samples: &[Sample]) -> [f32; CONFIDENCE_FEATURES] {
    const N: usize = CONFIDENCE_FEATURES;
    // FIT_DROP=i,j,…: leave these features out (their coefficients 0).
    let dropped: Vec<usize> = std::env::var("FIT_DROP")
        .map(|d| d.split(',').map(|i| i.parse().unwrap()).collect())
        .unwrap_or_default();
    let mut rows: Vec<([f64; N], f64, f64)> = Vec::new();
    for s in samples.iter().filter(|s| s.fitting) {
        let leaders = Leaders::of(&s.ranked);
        for i in 0..s.ranked.len().min(3) {
            let mut x = confidence_features(&s.ranked, i, &leaders).map(f64::from);
            for &d in &dropped {
                x[d] = 0.0;
            }
            let label = f64::from(u8::from(s.right == Some(i)));
            // The first candidate is what the outcome is decided on.
            // FIT_OTHERS=w: how much the second and third weigh (0.25).
            let others: f64 = std::env::var("FIT_OTHERS").map_or(0.25, |w| w.parse().unwrap());
            let weight = if i == 0 { s.weight } else { s.weight * others };
            rows.push((x, label, weight));
        }
    }
    let mut beta = [0.0f64; N];
    for _ in 0..30 {
        let mut grad = [0.0; N];
        let mut hess = [[0.0; N]; N];
        for (x, y, w) in &rows {
            let p = 1.0 / (1.0 + (-x.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>()).exp());
            for a in 0..N {
                grad[a] += w * (y - p) * x[a];
                for b in 0..N {
                    hess[a][b] += w * p * (1.0 - p) * x[a] * x[b];
                }
            }
        }
        for k in 1..N {
            grad[k] -= RIDGE * beta[k];
            hess[k][k] += RIDGE;
        }
        hess[0][0] += 1e-6;
        let step = solve(hess, grad);
        for k in 0..N {
            beta[k] += step[k];
        }
    }
    beta.map(|b| b as f32)
}

/// Prints the figures of the fitted coefficients by set and half, at
/// several answer thresholds (letters guard `min_letters`).
fn report(samples: &[Sample], min_letters: f32) {
    for (set, label) in [
        (0, "ours"),
        (1, "paraphrase closed"),
        (2, "paraphrase open"),
    ] {
        for fitting in [true, false] {
            let part: Vec<&Sample> = samples
                .iter()
                .filter(|s| s.set == set && s.fitting == fitting)
                .collect();
            let inside: Vec<&&Sample> = part.iter().filter(|s| s.in_scope).collect();
            let top1 = inside.iter().filter(|s| s.right == Some(0)).count();
            let top3 = inside
                .iter()
                .filter(|s| s.right.is_some_and(|r| r < 3))
                .count();
            let n = inside.len().max(1) as f64;
            let unseen = inside.iter().filter(|s| s.right.is_none()).count();
            print!(
                "{label:<18} {:<7} top-1 {:.3} top-3 {:.3} no candidate {:.3} |",
                if fitting { "fit" } else { "report" },
                top1 as f64 / n,
                top3 as f64 / n,
                unseen as f64 / n
            );
            for t in [0.5f32, 0.8, 0.85, 0.9, 0.92, 0.95] {
                let answered = |s: &&&Sample| {
                    s.ranked.first().is_some_and(|c| c.confidence >= t) && s.pairs >= min_letters
                };
                let right = inside
                    .iter()
                    .filter(|s| answered(s) && s.right == Some(0))
                    .count();
                let wrong = inside
                    .iter()
                    .filter(|s| answered(s) && s.right != Some(0))
                    .count();
                let outside: Vec<&&Sample> = part.iter().filter(|s| !s.in_scope).collect();
                let false_answers = outside.iter().filter(|s| answered(s)).count();
                print!(
                    " {t}: {:.3}/{:.3}/{:.3}",
                    right as f64 / n,
                    wrong as f64 / n,
                    false_answers as f64 / outside.len().max(1) as f64
                );
            }
            let share = |t: f32, in_scope: bool| {
                let group: Vec<&&Sample> = part.iter().filter(|s| s.in_scope == in_scope).collect();
                let above = group
                    .iter()
                    .filter(|s| s.ranked.first().is_some_and(|c| c.confidence >= t))
                    .count();
                above as f64 / group.len().max(1) as f64
            };
            print!(" | not fallback (in/out of scope):");
            for t in [0.3f32, 0.4, 0.5, 0.55, 0.6] {
                print!(" {t}: {:.3}/{:.3}", share(t, true), share(t, false));
            }
            println!();
        }
    }
}

/// Top-1 by set and half for a grid of fusion weights.
fn grid(samples: &mut [Sample], rights: &[Vec<usize>]) {
    for chars in [0.1f32, 0.2, 0.3, 0.4, 0.5] {
        for pairs in [0.2f32, 0.3, 0.5] {
            for close in [-0.1f32, 0.0] {
                let mut fusion = [0.0; SIGNALS];
                fusion[..4].copy_from_slice(&[1.0, chars, close, pairs]);
                let mut line = format!("{fusion:?}");
                for (s, right) in samples.iter_mut().zip(rights) {
                    fuse(&mut s.ranked, &fusion, &[0.0; CONFIDENCE_FEATURES]);
                    s.right = s.ranked.iter().position(|c| right.contains(&c.entry));
                }
                for set in [0, 1] {
                    for fitting in [true, false] {
                        let part: Vec<&Sample> = samples
                            .iter()
                            .filter(|s| s.set == set && s.fitting == fitting && s.in_scope)
                            .collect();
                        let top1 = part.iter().filter(|s| s.right == Some(0)).count();
                        line += &format!(" {:.3}", top1 as f64 / part.len().max(1) as f64);
                    }
                }
                println!("{line}");
            }
        }
    }
}

/// Fits, prints the constants and the figures.
pub fn run(kb: &KnowledgeBase) {
    let protocol = Protocol::load();
    let mut samples = collect(kb, &protocol);
    // The right entries by index, to find them again after re-ranking.
    let rights: Vec<Vec<usize>> = samples
        .iter()
        .map(|s| s.right.map(|r| vec![s.ranked[r].entry]).unwrap_or_default())
        .collect();
    if let Some(path) = std::env::var_os("FIT_DUMP") {
        dump(kb, &protocol, &samples, std::path::Path::new(&path));
    }
    if std::env::var_os("FIT_GRID").is_some() {
        grid(&mut samples, &rights);
    }
    let fusion = match std::env::var("FIT_FUSION") {
        // FIT_FUSION=a,b,c,d: take these weights instead of the logit's.
        Ok(weights) => {
            let w: Vec<f32> = weights.split(',').map(|w| w.parse().unwrap()).collect();
            std::array::from_fn(|i| w.get(i).copied().unwrap_or(0.0))
        }
        Err(_) => fit_ranking(&samples),
    };
    for (s, right) in samples.iter_mut().zip(&rights) {
        fuse(&mut s.ranked, &fusion, &[0.0; CONFIDENCE_FEATURES]);
        s.right = s.ranked.iter().position(|c| right.contains(&c.entry));
        s.pairs = s.ranked.first().map_or(0.0, |c| c.pairs);
    }
    let calibration = fit_confidence(&samples);
    for s in samples.iter_mut() {
        let leaders = Leaders::of(&s.ranked);
        let p: Vec<f32> = (0..s.ranked.len())
            .map(|i| {
                sigmoid(dot(
                    &confidence_features(&s.ranked, i, &leaders),
                    &calibration,
                ))
            })
            .collect();
        for (c, p) in s.ranked.iter_mut().zip(p) {
            c.confidence = p;
        }
    }
    println!("pub const FUSION: [f32; SIGNALS] = {fusion:?};");
    println!("pub const CALIBRATION: [f32; CONFIDENCE_FEATURES] = {calibration:?};");
    println!("answered right / in scope answered wrong / out-of-scope answered at each answer threshold:");
    report(&samples, kb.matching.answer_min_letters as f32);
}

/// `FIT_DUMP=FILE`: every candidate of every question as a line of
/// tab-separated numbers, to try fusions and confidence models outside:
/// question, set, fitting, in scope, right, the signals, coverage, the
/// entry's number of example questions, its score and confidence, and
/// last the entry's id and the question's text.
fn dump(kb: &KnowledgeBase, protocol: &Protocol, samples: &[Sample], path: &std::path::Path) {
    use std::fmt::Write;
    let mut out = String::from(
        "question\tset\tfitting\tin_scope\tright\tlexical\tchars\tcloseness\tpairs\tcoverage\trecall\tmissing\texamples\tscore\tconfidence\tid\ttext\n",
    );
    for (q, s) in samples.iter().enumerate() {
        let base = if s.set == 0 {
            kb
        } else if s.set == 1 {
            &protocol.closed
        } else {
            &protocol.open
        };
        for (i, c) in s.ranked.iter().enumerate() {
            let examples = base.entry(c.entry).examples().len();
            writeln!(
                out,
                "{q}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{examples}\t{}\t{}\t{}\t{}",
                s.set,
                u8::from(s.fitting),
                u8::from(s.in_scope),
                u8::from(s.right == Some(i)),
                c.lexical,
                c.chars,
                c.closeness,
                c.pairs,
                c.coverage,
                c.recall,
                c.missing,
                c.score,
                c.confidence,
                base.entry(c.entry).id(),
                s.text,
            )
            .unwrap();
        }
    }
    std::fs::write(path, out).unwrap();
}
