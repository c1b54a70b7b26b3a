//! Grid search of the matcher's weights on the labeled questions in
//! tests/data: `cargo run --release --example tune`. Tunes on odd lines and
//! reports even lines separately, to see whether a setting only fits the
//! questions it was tuned on.

use onestop::kb::{KnowledgeBase, Outcome, Tuning};

fn read(file: &str) -> Vec<String> {
    std::fs::read_to_string(format!("tests/data/{file}"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

/// (top-1 on odd lines, top-1 on even lines, fallback rate on uncovered)
fn evaluate(kb: &KnowledgeBase, covered: &[String], uncovered: &[String]) -> (f64, f64, f64) {
    let mut hits = [0usize; 2];
    let mut counts = [0usize; 2];
    for (i, line) in covered.iter().enumerate() {
        let (expected, q) = line.split_once('\t').unwrap();
        let r = kb.find(q);
        let ok = r
            .ranked
            .first()
            .is_some_and(|s| expected.split('|').any(|e| e == kb.entry(s.entry).id()));
        counts[i % 2] += 1;
        hits[i % 2] += ok as usize;
    }
    let fallback = uncovered
        .iter()
        .filter(|q| kb.find(q).outcome == Outcome::Fallback)
        .count();
    (
        hits[0] as f64 / counts[0] as f64,
        hits[1] as f64 / counts[1] as f64,
        fallback as f64 / uncovered.len() as f64,
    )
}

fn main() {
    let covered = read("covered.tsv");
    let uncovered = read("uncovered.tsv");
    let mut kb = KnowledgeBase::embedded().unwrap();
    let base = Tuning::default();
    println!("default: {:?}", evaluate(&kb, &covered, &uncovered));
    let mut results = Vec::new();
    for coverage in [0.5f32, 0.6, 0.7] {
        for pairs in [0.2f32, 0.3] {
            for body in [0.25f32, 0.45, 0.7] {
                for question in [0.7f32, 1.0] {
                    for length_norm in [0.0f32, 0.2, 0.4, 0.6] {
                        let part = 0.8;
                        let closeness = 1.0 - coverage - pairs;
                        if closeness < 0.05 {
                            continue;
                        }
                        let t = Tuning {
                            coverage,
                            closeness,
                            pairs,
                            body_field: body,
                            kinds: [1.0, base.kinds[1], part, base.kinds[3], question],
                            length_norm,
                            ..base
                        };
                        kb.retune(t);
                        let (odd, even, fb) = evaluate(&kb, &covered, &uncovered);
                        results.push((odd, even, fb, t));
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (odd, even, fb, t) in results.iter().take(15) {
        println!("odd {odd:.3} even {even:.3} fallback {fb:.3}  {t:?}");
    }
}
