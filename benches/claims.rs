//! Ticket claims per second with 32 concurrent consultants, against the
//! budget in DESIGN.md (≥ 2,000 claims/s, 0 double claims), on a private
//! PostgreSQL started by the bench (durable: fsync and synchronous commit on).
//!
//! Run with `cargo bench --bench claims`. Each sample opens 2,000 tickets
//! (not timed), then times 32 consultants claiming them all with
//! `claim_next` (each claim is one transaction: consultant lock, capacity
//! count, SKIP LOCKED pick, update, event, lease job, SME notice in the
//! outbox). Criterion's "thrpt" line is claims per second.

#[path = "../tests/it/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use onestop::desk::{Desk, NewConsultant, NewTicket, Routing};

const CONSULTANTS: i64 = 32;
const TICKETS: i64 = 2_000;

fn claims(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(pg::TestDb::new());
    let desk = Desk::new(db.pool.clone(), Arc::new(Routing::embedded().unwrap()));
    runtime.block_on(async {
        for id in 1..=CONSULTANTS {
            desk.add_consultant(NewConsultant {
                messenger_id: id,
                name: format!("상담원{id}"),
                queues: vec!["center-1379".into()],
                capacity: 1_000_000,
            })
            .await
            .unwrap();
        }
    });

    let mut group = c.benchmark_group("claims");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(TICKETS as u64));
    let mut double_claims = 0usize;
    group.bench_function("32 consultants, claim_next", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                total += runtime.block_on(async {
                    open_tickets(&desk).await;
                    let started = Instant::now();
                    let mut workers = tokio::task::JoinSet::new();
                    for id in 1..=CONSULTANTS {
                        let desk = desk.clone();
                        workers.spawn(async move {
                            let mut claimed = 0usize;
                            while desk.claim_next(id).await.unwrap().is_some() {
                                claimed += 1;
                            }
                            claimed
                        });
                    }
                    let mut claimed = 0;
                    while let Some(n) = workers.join_next().await {
                        claimed += n.unwrap();
                    }
                    let elapsed = started.elapsed();
                    double_claims += claimed.saturating_sub(TICKETS as usize);
                    assert_eq!(claimed, TICKETS as usize);
                    release_all(&desk).await;
                    elapsed
                });
            }
            total
        })
    });
    group.finish();
    println!("double claims: {double_claims}");
}

async fn open_tickets(desk: &Desk) {
    let mut openers = tokio::task::JoinSet::new();
    for worker in 0..16 {
        let desk = desk.clone();
        openers.spawn(async move {
            for n in (worker..TICKETS).step_by(16) {
                desk.open_ticket(NewTicket {
                    requester_chat: 100_000 + n,
                    company: format!("벤치상사{n}"),
                    region: "부산".into(),
                    category: "자금".into(),
                    description: "운전자금 문의".into(),
                    contact: "010-0000-0000".into(),
                    business_number: None,
                })
                .await
                .unwrap();
            }
        });
    }
    while openers.join_next().await.is_some() {}
}

/// Takes the claimed tickets out of the way (closed), so the next sample
/// starts from an empty queue, and vacuums what that left behind (not
/// timed): a sample squeezes hours of a real desk's claims into seconds, far
/// faster than autovacuum's pace.
async fn release_all(desk: &Desk) {
    sqlx::query("UPDATE tickets SET status = 'closed' WHERE status = 'claimed'")
        .execute(desk.pool())
        .await
        .unwrap();
    for table in ["tickets", "ticket_events", "jobs", "outbox"] {
        sqlx::query(&format!("VACUUM ANALYZE {table}"))
            .execute(desk.pool())
            .await
            .unwrap();
    }
}

criterion_group!(benches, claims);
criterion_main!(benches);
