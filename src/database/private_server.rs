//! A private PostgreSQL server run from the system's binaries: initialized in
//! a data folder on first use, listening only on a Unix socket inside that
//! folder (no TCP port), and stopped when onestop exits.
//!
//! If a server for the folder is already running (say the bot is up and an
//! admin runs `onestop tickets list`), it is reused and left running.
//! The server is started as a child with a parent-death signal, so even a
//! killed onestop does not leave it behind. The process that started it
//! keeps it running ([`PrivatePostgres::keep_running`]): a server that dies
//! (killed, out of memory) is started again, with backoff.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nix::sys::signal::{kill, Signal};
use nix::unistd::{Pid, Uid, User};

/// The superuser name the private cluster is created with.
pub const SUPERUSER: &str = "onestop";
const PORT: u16 = 5432;

/// How often the keeper looks whether the server it keeps still runs.
const KEEPER_LOOKS_EVERY: Duration = Duration::from_millis(200);
/// The longest wait between two tries to start a server that died.
const KEEPER_MAX_WAIT: Duration = Duration::from_secs(10);

/// A running private server (started here, or found running).
#[derive(Debug)]
pub struct PrivatePostgres {
    cluster: PathBuf,
    /// The server process, when this process started it (replaced by the
    /// keeper when it starts the server again).
    child: Arc<Mutex<Option<Child>>>,
    keeper: Option<Keeper>,
}

/// The thread that starts the server again if it dies.
#[derive(Debug)]
struct Keeper {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl PrivatePostgres {
    /// Starts (initializing if needed) the server whose files live in
    /// `data_dir/pgdata`, or attaches to the one already running there.
    pub fn start(data_dir: &Path) -> Result<Self> {
        let cluster = data_dir.join("pgdata");
        let socket = cluster.join(format!(".s.PGSQL.{PORT}"));
        if socket.as_os_str().len() > 100 {
            bail!(
                "the data folder path {} is too long for a Unix socket (about 90 bytes at most); \
                 choose a shorter --data-dir",
                data_dir.display()
            );
        }
        fs::create_dir_all(data_dir)
            .with_context(|| format!("creating the data folder {}", data_dir.display()))?;
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("resolving {}", data_dir.display()))?;
        let cluster = data_dir.join("pgdata");
        let bin = server_binaries()?;
        let owner = server_account()?;

        if let Some(user) = &owner {
            check_reachable(&data_dir, user)?;
        }
        if !cluster.join("PG_VERSION").exists() {
            init_cluster(&bin, &cluster, owner.as_ref())?;
        }
        if running_postmaster(&cluster).is_some() && socket_exists(&cluster) {
            tracing::info!(cluster = %cluster.display(), "reusing the running private PostgreSQL");
            let server = Self {
                cluster,
                child: Arc::default(),
                keeper: None,
            };
            server.wait_ready(None)?;
            return Ok(server);
        }
        let mut child = spawn_server(&bin, &cluster, owner.as_ref())?;
        let started = Instant::now();
        let ready = Self::wait_for_socket(&cluster, &mut child);
        let mut server = Self {
            cluster,
            child: Arc::new(Mutex::new(Some(child))),
            keeper: None,
        };
        if let Err(e) = ready {
            server.stop();
            return Err(e);
        }
        server.wait_ready(Some(started))?;
        Ok(server)
    }

    fn wait_for_socket(cluster: &Path, child: &mut Child) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "PostgreSQL exited at start ({status}); its log says:\n{}",
                    log_tail(cluster)
                );
            }
            // The files of a server that was killed say "ready" too:
            // they must be this child's.
            let ours = postmaster_pid(cluster) == Some(child.id() as i32);
            if ours && socket_exists(cluster) && postmaster_ready(cluster) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "PostgreSQL did not become ready within 60 s; its log says:\n{}",
                    log_tail(cluster)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_ready(&self, started: Option<Instant>) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !postmaster_ready(&self.cluster) {
            if Instant::now() > deadline {
                bail!("PostgreSQL in {} is not ready", self.cluster.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(started) = started {
            tracing::info!(elapsed = ?started.elapsed(), "private PostgreSQL ready");
        }
        Ok(())
    }

    /// The folder holding the Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.cluster
    }

    /// A connection URL for `database` on this server.
    pub fn url(&self, database: &str) -> String {
        let host: String = self
            .cluster
            .display()
            .to_string()
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("postgres://{SUPERUSER}@{host}:{PORT}/{database}")
    }

    /// Stops the server if this process started it (fast shutdown: open
    /// transactions are rolled back, committed data is safe).
    pub fn stop(&mut self) {
        if let Some(keeper) = self.keeper.take() {
            keeper.stop.store(true, Ordering::SeqCst);
            keeper.thread.thread().unpark();
        }
        let child = self.child.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(child) = child {
            stop_child(child);
        }
    }

    /// Starts a thread that starts the server again whenever it dies
    /// (waiting 0.5 s, then up to 10 s, between tries), until [`stop`].
    /// Nothing to do for a server this process did not start.
    ///
    /// [`stop`]: PrivatePostgres::stop
    pub fn keep_running(&mut self) -> Result<()> {
        let started_here = self
            .child
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        if !started_here || self.keeper.is_some() {
            return Ok(());
        }
        let keeping = Keeping {
            cluster: self.cluster.clone(),
            bin: server_binaries()?,
            owner: server_account()?,
            child: self.child.clone(),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let stop = keeping.stop.clone();
        let thread = std::thread::Builder::new()
            .name("postgres-keeper".into())
            .spawn(move || keeping.run())
            .context("starting the postgres-keeper thread")?;
        self.keeper = Some(Keeper { stop, thread });
        Ok(())
    }
}

/// Fast shutdown of a server process; immediate if it takes over 30 s.
fn stop_child(mut child: Child) {
    let pid = Pid::from_raw(child.id() as i32);
    let _ = kill(pid, Signal::SIGINT);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = kill(pid, Signal::SIGQUIT);
    let _ = child.wait();
}

/// What the keeper thread needs.
struct Keeping {
    cluster: PathBuf,
    bin: PathBuf,
    owner: Option<User>,
    child: Arc<Mutex<Option<Child>>>,
    stop: Arc<AtomicBool>,
}

impl Keeping {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn run(self) {
        loop {
            std::thread::park_timeout(KEEPER_LOOKS_EVERY);
            if self.stopping() {
                return;
            }
            let exited = {
                let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
                match child.as_mut().map(Child::try_wait) {
                    None => return,
                    Some(Ok(Some(status))) => {
                        child.take();
                        status
                    }
                    Some(_) => continue,
                }
            };
            tracing::error!(%exited, log = %log_tail(&self.cluster),
                "the private PostgreSQL stopped; starting it again");
            let Some(child) = self.start_again() else {
                return;
            };
            *self.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        }
    }

    /// Starts the server until it runs (`None` if asked to stop meanwhile).
    fn start_again(&self) -> Option<Child> {
        let since = Instant::now();
        let mut wait = Duration::from_millis(500);
        for attempt in 1.. {
            if self.stopping() {
                return None;
            }
            match self.start_once() {
                Ok(child) if self.stopping() => {
                    stop_child(child);
                    return None;
                }
                Ok(child) => {
                    crate::telemetry::private_postgres_restarted();
                    tracing::warn!(attempt, down_for = ?since.elapsed(), "the private PostgreSQL runs again");
                    return Some(child);
                }
                // The killed server's processes may still hold its shared
                // memory for a moment: a later try works.
                Err(e) if attempt == 1 => {
                    tracing::warn!(error = %format!("{e:#}"), ?wait, "the private PostgreSQL did not start; trying again")
                }
                Err(e) => {
                    tracing::debug!(attempt, error = %format!("{e:#}"), "the private PostgreSQL did not start")
                }
            }
            std::thread::park_timeout(wait);
            wait = (wait * 2).min(KEEPER_MAX_WAIT);
        }
        None
    }

    fn start_once(&self) -> Result<Child> {
        let mut child = spawn_server(&self.bin, &self.cluster, self.owner.as_ref())?;
        if let Err(e) = PrivatePostgres::wait_for_socket(&self.cluster, &mut child) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
        Ok(child)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where `initdb` and `postgres` are: `ONESTOP_PG_BIN`, Debian's
/// `/usr/lib/postgresql/<newest>/bin`, or the `PATH`.
fn server_binaries() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("ONESTOP_PG_BIN") {
        let dir = PathBuf::from(dir);
        if dir.join("postgres").exists() {
            return Ok(dir);
        }
        bail!("ONESTOP_PG_BIN={} has no `postgres` binary", dir.display());
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("postgres").exists() && dir.join("initdb").exists() {
                return Ok(dir);
            }
        }
    }
    bail!(
        "PostgreSQL's server binaries (initdb, postgres) were not found. Install them \
         (Debian/Ubuntu: `apt-get install postgresql`), point ONESTOP_PG_BIN at their folder, \
         or give an existing server with DATABASE_URL"
    )
}

/// PostgreSQL refuses to run as root; as root the server runs as the
/// `postgres` account that Debian's package creates.
fn server_account() -> Result<Option<User>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    match User::from_name("postgres").context("looking up the `postgres` account")? {
        Some(user) => Ok(Some(user)),
        None => bail!(
            "onestop runs as root, and PostgreSQL refuses to run as root: create a `postgres` \
             account (Debian's postgresql package does), run onestop as another user, or give \
             DATABASE_URL"
        ),
    }
}

fn as_account(command: &mut Command, owner: Option<&User>) {
    if let Some(user) = owner {
        command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
}

/// Whether the account the server runs as can enter every folder above
/// `dir` (always so when onestop is not root).
pub fn server_can_reach(dir: &Path) -> bool {
    match (server_account(), std::path::absolute(dir)) {
        (Ok(Some(user)), Ok(dir)) => check_reachable(&dir, &user).is_ok(),
        _ => true,
    }
}

/// As root, the server runs as `user`, who must be able to enter every
/// folder above the cluster.
fn check_reachable(data_dir: &Path, user: &User) -> Result<()> {
    for folder in data_dir.ancestors() {
        let Ok(meta) = fs::metadata(folder) else {
            continue;
        };
        let mode = meta.permissions().mode();
        let owner_may = std::os::unix::fs::MetadataExt::uid(&meta) == user.uid.as_raw();
        if mode & 0o001 == 0 && !owner_may {
            bail!(
                "the private PostgreSQL runs as the `{}` account, which cannot enter {} \
                 (mode {:o}); choose a --data-dir (ONESTOP_DATA) it can reach, e.g. under /var/lib \
                 or /tmp, or give DATABASE_URL",
                user.name,
                folder.display(),
                mode & 0o777
            );
        }
    }
    Ok(())
}

fn init_cluster(bin: &Path, cluster: &Path, owner: Option<&User>) -> Result<()> {
    tracing::info!(cluster = %cluster.display(), "initializing a private PostgreSQL cluster");
    let _ = fs::remove_dir_all(cluster);
    fs::create_dir_all(cluster).with_context(|| format!("creating {}", cluster.display()))?;
    fs::set_permissions(cluster, fs::Permissions::from_mode(0o700))?;
    if let Some(user) = owner {
        nix::unistd::chown(cluster, Some(user.uid), Some(user.gid))
            .with_context(|| format!("giving {} to the postgres account", cluster.display()))?;
    }
    let mut command = Command::new(bin.join("initdb"));
    command
        .arg("-D")
        .arg(cluster)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ])
        .args(["--no-instructions"])
        .stdin(Stdio::null())
        .current_dir(cluster);
    as_account(&mut command, owner);
    let output = command
        .output()
        .with_context(|| format!("running {}", bin.join("initdb").display()))?;
    if !output.status.success() {
        bail!(
            "initdb failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn spawn_server(bin: &Path, cluster: &Path, owner: Option<&User>) -> Result<Child> {
    let log_path = cluster.join("server.log");
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening {}", log_path.display()))?;
    if let Some(user) = owner {
        let _ = nix::unistd::chown(&log_path, Some(user.uid), Some(user.gid));
    }
    let mut command = Command::new(bin.join("postgres"));
    command
        .arg("-D")
        .arg(cluster)
        .arg("-k")
        .arg(cluster)
        .args(["-p", &PORT.to_string()])
        .args(["-c", "listen_addresses="])
        .args(["-c", "max_connections=200"])
        .args(["-c", "shared_buffers=64MB"])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .current_dir(cluster);
    as_account(&mut command, owner);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            // Its own session, so a Ctrl-C in the terminal reaches onestop,
            // which then stops the server in order.
            let _ = nix::unistd::setsid();
            // Stop (fast shutdown) when the thread that started it dies,
            // even if onestop is killed.
            nix::sys::prctl::set_pdeathsig(Some(Signal::SIGINT)).map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    // The parent-death signal fires when the *thread* that forked exits, so
    // the server is started from a thread that lives as long as the process.
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name("postgres-parent".into())
        .spawn(move || {
            let _ = sender.send(command.spawn());
            loop {
                std::thread::park();
            }
        })
        .context("starting the postgres-parent thread")?;
    receiver
        .recv()
        .context("the postgres-parent thread ended")?
        .with_context(|| format!("starting {}", bin.join("postgres").display()))
}

fn socket_exists(cluster: &Path) -> bool {
    cluster.join(format!(".s.PGSQL.{PORT}")).exists()
}

/// The pid in `postmaster.pid` if that process is alive.
fn running_postmaster(cluster: &Path) -> Option<i32> {
    let pid = postmaster_pid(cluster)?;
    kill(Pid::from_raw(pid), None).ok().map(|_| pid)
}

/// The pid `postmaster.pid` names, alive or not.
fn postmaster_pid(cluster: &Path) -> Option<i32> {
    let text = fs::read_to_string(cluster.join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// `postmaster.pid`'s status line says `ready`.
fn postmaster_ready(cluster: &Path) -> bool {
    fs::read_to_string(cluster.join("postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().nth(7).map(|l| l.trim() == "ready"))
        .unwrap_or(false)
}

fn log_tail(cluster: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(cluster.join("server.log")) {
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
