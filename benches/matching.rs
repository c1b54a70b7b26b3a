//! Speed and memory of understanding one question, against the budgets in
//! DESIGN.md: normalize + tokenize + match on the default knowledge base
//! (p50 ≤ 30 µs, p99 ≤ 150 µs) and on a generated 10,000-entry one
//! (p99 ≤ 300 µs); start to ready; resident memory.
//!
//! Run with `cargo bench --bench matching`. Besides criterion's mean times,
//! it prints per-query percentiles over the labeled questions in tests/data,
//! which is what the budgets are about.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use onestop::kb::KnowledgeBase;

mod support {
    pub mod generated;
}
use support::generated::generated_kb;

fn questions() -> Vec<String> {
    let mut out = Vec::new();
    for file in ["tests/data/covered.tsv", "tests/data/uncovered.tsv"] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + file;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        out.extend(
            text.lines()
                .map(|l| l.rsplit('\t').next().unwrap_or("").to_string()),
        );
    }
    out.retain(|q| !q.is_empty());
    out
}

fn percentiles(kb: &KnowledgeBase, questions: &[String], label: &str) {
    timed(questions, label, |q| {
        std::hint::black_box(kb.find(q));
    });
    timed(questions, &format!("{label}, analysis alone"), |q| {
        std::hint::black_box(kb.analyzer().analyze(q));
    });
}

fn timed(questions: &[String], label: &str, mut work: impl FnMut(&str)) {
    // Warm up, then time each question many times.
    for q in questions {
        work(q);
    }
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..20 {
        for q in questions {
            let start = Instant::now();
            work(q);
            times.push(start.elapsed());
        }
    }
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "{label}: {} timings over {} questions: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        times.len(),
        questions.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        times[times.len() - 1]
    );
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn bench(c: &mut Criterion) {
    let start = Instant::now();
    let kb = KnowledgeBase::embedded().expect("default knowledge base");
    println!(
        "start to ready (dictionary + default knowledge base): {:?}; resident {:.1} MiB",
        start.elapsed(),
        resident_mib()
    );
    let questions = questions();
    assert!(
        !questions.is_empty(),
        "tests/data has the labeled questions"
    );
    percentiles(&kb, &questions, "default knowledge base");

    let mut group = c.benchmark_group("match");
    group.bench_function("default kb, one question", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % questions.len();
            std::hint::black_box(kb.find(&questions[i]))
        })
    });

    let start = Instant::now();
    let big = generated_kb(10_000);
    println!(
        "generated knowledge base: {} entries, {} terms, built in {:?}; resident {:.1} MiB",
        big.len(),
        big.vocabulary_size(),
        start.elapsed(),
        resident_mib()
    );
    percentiles(&big, &questions, "10,000-entry knowledge base");
    group.bench_function("10k-entry kb, one question", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % questions.len();
            std::hint::black_box(big.find(&questions[i]))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
