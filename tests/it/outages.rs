//! Database outages: real `onestop serve` processes while their PostgreSQL
//! goes away and comes back, SMEs writing all along. Afterwards every
//! update is answered once, in order per chat; the processes live on;
//! `/readyz` says 503 meanwhile and 200 after. A private PostgreSQL that
//! onestop started is started again by it when it dies.
//!
//! The outage lasts [`outage`]: 3 s, or `ONESTOP_TEST_OUTAGE_SECS`.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use onestop::database::PrivatePostgres;

use crate::common::fake_telegram::{FakeTelegram, TOKEN};
use crate::common::onestop;
use crate::operations::{
    dialogs_dir, free_port, get, sample, wait_for_http, wait_until, Process, POLLING, STANDING_BY,
};

/// How long the database stays away.
fn outage() -> Duration {
    let seconds = std::env::var("ONESTOP_TEST_OUTAGE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    Duration::from_secs(seconds)
}

/// How the server goes away.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// `kill -9` of the postmaster: no goodbye to anyone.
    Kill,
    /// Immediate shutdown (SIGQUIT): every connection is cut at once.
    Immediate,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A folder for a cluster of the test's own, removed at the end.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Folder {
        // Short enough for a Unix socket, reachable by the `postgres`
        // account when the tests run as root.
        let dir = std::env::temp_dir().join("onestop-tests").join(format!(
            "outage-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Folder(dir)
    }

    /// The postmaster's pid, from its `postmaster.pid`.
    fn postmaster(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.0.join("pgdata/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Whether a postmaster other than `not` runs and says it is ready.
    fn ready_other_than(&self, not: i32) -> bool {
        let Ok(text) = std::fs::read_to_string(self.0.join("pgdata/postmaster.pid")) else {
            return false;
        };
        let lines: Vec<&str> = text.lines().collect();
        let pid: Option<i32> = lines.first().and_then(|l| l.trim().parse().ok());
        pid.is_some_and(|p| p != not && kill(Pid::from_raw(p), None).is_ok())
            && lines.get(7).is_some_and(|l| l.trim() == "ready")
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL the test stops and starts again.
struct OwnServer {
    folder: Folder,
    server: Option<PrivatePostgres>,
}

impl OwnServer {
    fn start() -> OwnServer {
        let folder = Folder::new();
        let server = PrivatePostgres::start(&folder.0).expect("PostgreSQL starts");
        OwnServer {
            folder,
            server: Some(server),
        }
    }

    /// The URL of its `postgres` database (`serve` migrates it).
    fn url(&self) -> String {
        self.server.as_ref().unwrap().url("postgres")
    }

    fn stop(&mut self, how: Stop) {
        let pid = self.folder.postmaster().expect("the postmaster's pid");
        let signal = match how {
            Stop::Kill => Signal::SIGKILL,
            Stop::Immediate => Signal::SIGQUIT,
        };
        kill(Pid::from_raw(pid), signal).unwrap();
        // Waits for the process to end (and reaps it).
        drop(self.server.take());
    }

    /// Starts it again (the killed server's processes may hold on a moment).
    fn start_again(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match PrivatePostgres::start(&self.folder.0) {
                Ok(server) => {
                    self.server = Some(server);
                    return;
                }
                Err(e) => assert!(Instant::now() < deadline, "PostgreSQL starts again: {e:#}"),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// `onestop serve` against the fake Bot API, with `db` args and metrics on `port`.
fn serve(fake: &FakeTelegram, db: &[&str], port: u16) -> Process {
    let mut command = onestop();
    command
        .env_remove("DATABASE_URL")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .args(["serve", "--poll-timeout", "1", "--per-chat-ms", "0"])
        .args(["--per-second", "1000", "--kb"])
        .arg(dialogs_dir())
        .args(db)
        .args(["--http-listen", &port.to_string()]);
    Process::spawn(command)
}

/// What the SMEs write, in turn; each gets one reply of its own kind.
const INPUTS: [&str; 2] = ["/start", "/status"];
const GREETING: &str = "안녕하세요";
const NO_TICKETS: &str = "아직 접수하신 건이 없어요";
const CHATS: Range<i64> = 8001..8011;
const ROUND_EVERY: Duration = Duration::from_millis(100);

/// Every chat of `chats` writes the next of [`INPUTS`] each round, until
/// `writing` turns false; returns how many rounds were written.
fn write_until(
    fake: &FakeTelegram,
    chats: Range<i64>,
    writing: &AtomicBool,
    written: &AtomicUsize,
) -> usize {
    let mut rounds = 0;
    // Bounded, so that a failing test cannot leave it writing for ever.
    while writing.load(Ordering::SeqCst) && rounds < 5000 {
        for chat in chats.clone() {
            fake.push_text(chat, INPUTS[rounds % 2]);
        }
        rounds += 1;
        written.store(rounds, Ordering::SeqCst);
        std::thread::sleep(ROUND_EVERY);
    }
    rounds
}

/// Whether every chat of `chats` got at least `rounds` replies.
fn each_answered(fake: &FakeTelegram, chats: Range<i64>, rounds: usize) -> bool {
    chats
        .into_iter()
        .all(|chat| fake.sent_to(chat).len() >= rounds)
}

/// Stops the writer however the test ends.
struct StopWriting<'a>(&'a AtomicBool);

impl Drop for StopWriting<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Asserts that each chat got exactly one reply per input, in order, apart
/// from a reply sent again right after itself whose first copy the Bot API
/// took in `window` (positions among everything sent): a send in flight
/// when the database went away, which could not be recorded (the Bot API
/// has no idempotency key). Returns how many replies were sent twice so.
fn assert_answered_once_in_order(
    fake: &FakeTelegram,
    chats: Range<i64>,
    rounds: usize,
    window: Range<usize>,
) -> usize {
    let mut again = 0;
    for chat in chats {
        let sent = fake.sent_to(chat);
        let mut kinds: Vec<usize> = Vec::new();
        for (i, reply) in sent.iter().enumerate() {
            let kind = if reply.plain.contains(GREETING) {
                0
            } else if reply.plain.contains(NO_TICKETS) {
                1
            } else {
                panic!("chat {chat} got a reply to nothing it wrote: {reply:?}")
            };
            let twice =
                i > 0 && sent[i - 1].plain == reply.plain && window.contains(&sent[i - 1].index);
            if twice {
                again += 1;
            } else {
                kinds.push(kind);
            }
        }
        let expected: Vec<usize> = (0..rounds).map(|round| round % 2).collect();
        assert_eq!(
            kinds.len(),
            rounds,
            "chat {chat} wrote {rounds} messages and got {} replies (the window of sends \
             in flight at the outage is {window:?}): {:#?}",
            kinds.len(),
            sent.iter().map(|m| (m.index, &m.plain)).collect::<Vec<_>>()
        );
        assert_eq!(kinds, expected, "chat {chat}: replies in the order written");
    }
    again
}

/// At most this many sends are in flight per process (the sender's batch).
const IN_FLIGHT: usize = 64;

/// How many replies the chats of `chats` got.
fn replies(fake: &FakeTelegram, chats: Range<i64>) -> usize {
    chats.map(|chat| fake.sent_to(chat).len()).sum()
}

/// Whether every stored update is handled and every reply recorded as sent
/// (so nothing more will be sent), on the database at `url`.
fn all_settled(url: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let Ok(pool) = sqlx::PgPool::connect(url).await else {
            return false;
        };
        let left: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM inbound_updates WHERE processed_at IS NULL) \
                  + (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL) \
                  + (SELECT count(*) FROM inbound_updates WHERE failed_at IS NOT NULL)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        left == 0
    })
}

fn ready(port: u16) -> u16 {
    get(port, "/readyz").0
}

/// Waits until every chat of `chats` got `rounds` replies and the database
/// at `url` has nothing left to do; on a timeout, says what each side saw.
fn wait_until_settled(
    fake: &FakeTelegram,
    chats: Range<i64>,
    rounds: usize,
    url: &str,
    processes: &[&Process],
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !(each_answered(fake, chats.clone(), rounds) && all_settled(url)) {
        if Instant::now() > deadline {
            let logs: Vec<String> = processes
                .iter()
                .flat_map(|p| p.said.lock().unwrap().clone())
                .collect();
            panic!(
                "timed out waiting for {rounds} replies in each chat: got {:?}; the fake has {} \
                 updates not taken, acknowledged up to {}, {} getUpdates; the bot said:\n{}",
                chats.map(|c| fake.sent_to(c).len()).collect::<Vec<_>>(),
                fake.pending_updates(),
                fake.acknowledged_offset(),
                fake.request_count("getUpdates"),
                logs.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The processes are alive, and none panicked.
fn assert_alive(processes: &mut [&mut Process]) {
    for process in processes.iter_mut() {
        assert!(
            process.child.try_wait().unwrap().is_none(),
            "the process lives on"
        );
        assert_eq!(process.said("panicked"), 0, "nothing panicked");
    }
}

/// Two `serve` on a PostgreSQL that goes away `how` for [`outage`] while
/// SMEs write; everything answered once, in order, afterwards.
fn rides_out(how: Stop) {
    let mut server = OwnServer::start();
    let url = server.url();
    let db = ["--database-url", url.as_str()];
    let fake = FakeTelegram::start_blocking();
    let ports = [free_port(), free_port()];
    let mut first = serve(&fake, &db, ports[0]);
    wait_until("the first process leads", || first.said(POLLING) == 1);
    let mut second = serve(&fake, &db, ports[1]);
    wait_until("the second stands by", || second.said(STANDING_BY) == 1);
    ports.iter().for_each(|p| wait_for_http(*p));

    let writing = AtomicBool::new(true);
    let written = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let _stop = StopWriting(&writing);
        let writer = scope.spawn(|| write_until(&fake, CHATS, &writing, &written));
        let count = CHATS.count();
        wait_until("the bot answers", || replies(&fake, CHATS) >= 2 * count);

        let at_stop = fake.sent_count();
        server.stop(how);
        let stopped = Instant::now();
        for port in ports {
            wait_until("/readyz says the database is away", || ready(port) == 503);
        }
        std::thread::sleep(outage().saturating_sub(stopped.elapsed()));
        let before = replies(&fake, CHATS);
        server.start_again();
        let back = Instant::now();
        wait_until("a reply after the outage", || {
            replies(&fake, CHATS) > before
        });
        let first_reply = back.elapsed();
        let backlog = written.load(Ordering::SeqCst);
        // A long outage leaves a long backlog: a deadline of its own.
        let deadline = Instant::now() + Duration::from_secs(300);
        while !each_answered(&fake, CHATS, backlog) {
            assert!(Instant::now() < deadline, "the backlog is answered");
            std::thread::sleep(Duration::from_millis(20));
        }
        let caught_up = back.elapsed();
        for port in ports {
            wait_until("/readyz is 200 again", || ready(port) == 200);
        }
        // SMEs go on writing for a moment after the outage.
        wait_until("replies to what was written after", || {
            replies(&fake, CHATS) > before + 4 * count
        });
        writing.store(false, Ordering::SeqCst);
        let rounds = writer.join().unwrap();
        wait_until_settled(&fake, CHATS, rounds, &url, &[&first, &second]);
        let window = at_stop.saturating_sub(2 * IN_FLIGHT)..before;
        let again = assert_answered_once_in_order(&fake, CHATS, rounds, window);
        eprintln!(
            "outage by {how:?} for {:?}: after PostgreSQL was back, the first reply in \
             {first_reply:?}, the {} updates written until then all answered in {caught_up:?}; \
             {again} replies in flight at the outage sent twice",
            outage(),
            backlog * count,
        );
    });
    assert_alive(&mut [&mut first, &mut second]);
    // Each part that met the outage logs it once, not at every retry. A
    // process may meet none: a standby whose loops were waiting through
    // the whole outage (its /readyz still said 503) has nothing to log.
    let told: Vec<usize> = [&first, &second]
        .iter()
        .map(|process| process.said("retrying until the database answers"))
        .collect();
    assert!(
        told.iter().all(|&n| n <= 8) && told.iter().sum::<usize>() >= 1,
        "the outage is logged once by each part that met it, not at every retry: {told:?}"
    );
    let errors = |port| {
        let page = get(port, "/metrics").1;
        page.lines()
            .filter(|l| l.starts_with("onestop_database_errors_total"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    assert!(
        errors(ports[0]) + errors(ports[1]) >= 1.0,
        "database errors are counted"
    );
}

#[test]
fn two_serves_ride_out_their_postgres_killed_and_started_again() {
    rides_out(Stop::Kill);
}

#[test]
fn two_serves_ride_out_an_immediate_shutdown_of_their_postgres() {
    rides_out(Stop::Immediate);
}

#[test]
fn serve_starts_its_private_postgres_again_when_it_dies() {
    let folder = Folder::new();
    let data_dir = folder.0.to_str().unwrap().to_string();
    let fake = FakeTelegram::start_blocking();
    let port = free_port();
    let mut bot = serve(&fake, &["--data-dir", &data_dir], port);
    wait_until("the bot polls", || bot.said(POLLING) == 1);
    wait_for_http(port);
    let chats = 8101..8106;

    let writing = AtomicBool::new(true);
    let written = AtomicUsize::new(0);
    let (rounds, window) = std::thread::scope(|scope| {
        let _stop = StopWriting(&writing);
        let writer = scope.spawn(|| write_until(&fake, chats.clone(), &writing, &written));
        let count = chats.clone().count();
        wait_until("the bot answers", || {
            replies(&fake, chats.clone()) >= 2 * count
        });
        let killed = folder.postmaster().expect("the private server runs");
        let at_kill = fake.sent_count();
        kill(Pid::from_raw(killed), Signal::SIGKILL).unwrap();
        let before = replies(&fake, chats.clone());
        wait_until("the bot starts its PostgreSQL again", || {
            folder.ready_other_than(killed)
        });
        let window = at_kill.saturating_sub(IN_FLIGHT)..fake.sent_count();
        wait_until("replies after the restart", || {
            replies(&fake, chats.clone()) > before + 2 * count
        });
        wait_until("/readyz is 200", || ready(port) == 200);
        writing.store(false, Ordering::SeqCst);
        (writer.join().unwrap(), window)
    });
    // The bot's own server, found running: nothing started by the test.
    let url = PrivatePostgres::start(&folder.0).unwrap().url("onestop");
    wait_until_settled(&fake, chats.clone(), rounds, &url, &[&bot]);
    let again = assert_answered_once_in_order(&fake, chats, rounds, window);
    eprintln!("private PostgreSQL killed: {again} replies in flight sent twice");
    assert_alive(&mut [&mut bot]);
    assert_eq!(bot.said("the private PostgreSQL runs again"), 1);
    let page = get(port, "/metrics").1;
    assert_eq!(
        sample(&page, "onestop_private_postgres_restarts_total"),
        Some(1.0),
        "{page}"
    );
}
