//! A private PostgreSQL server run from the system's binaries: initialized in
//! a data folder on first use, listening only on a Unix socket inside that
//! folder (no TCP port), and stopped when onestop exits.
//!
//! If a server for the folder is already running (say the bot is up and an
//! admin runs `onestop tickets list`), it is reused and left running.
//! The server is started as a child with a parent-death signal, so even a
//! killed onestop does not leave it behind.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nix::sys::signal::{kill, Signal};
use nix::unistd::{Pid, Uid, User};

/// The superuser name the private cluster is created with.
pub const SUPERUSER: &str = "onestop";
const PORT: u16 = 5432;

/// A running private server (started here, or found running).
#[derive(Debug)]
pub struct PrivatePostgres {
    cluster: PathBuf,
    /// The server process, when this process started it.
    child: Option<Child>,
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
                child: None,
            };
            server.wait_ready(None)?;
            return Ok(server);
        }
        let mut child = spawn_server(&bin, &cluster, owner.as_ref())?;
        let started = Instant::now();
        let ready = Self::wait_for_socket(&cluster, &mut child);
        let mut server = Self {
            cluster,
            child: Some(child),
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
            if socket_exists(cluster) && postmaster_ready(cluster) {
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
        let Some(mut child) = self.child.take() else {
            return;
        };
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
    let text = fs::read_to_string(cluster.join("postmaster.pid")).ok()?;
    let pid: i32 = text.lines().next()?.trim().parse().ok()?;
    kill(Pid::from_raw(pid), None).ok().map(|_| pid)
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
