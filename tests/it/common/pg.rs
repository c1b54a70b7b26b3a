//! A real PostgreSQL for the tests: one private server per test process,
//! started on first use from the system's binaries (the same code the bot
//! uses), a template database migrated once, and a fresh database cloned
//! from it for every test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use onestop::database::migrate;
use onestop::database::PrivatePostgres;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

const TEMPLATE: &str = "onestop_template";

static SERVER: OnceLock<PrivatePostgres> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

fn server() -> &'static PrivatePostgres {
    SERVER.get_or_init(|| {
        // Under the system's temporary folder: short enough for a Unix
        // socket, and reachable by the `postgres` account when tests run as
        // root (a clone under /root would not be).
        let root = std::env::temp_dir().join("onestop-tests");
        std::fs::create_dir_all(&root).unwrap();
        remove_stale_clusters(&root);
        let dir = root.join(format!("pg-{}", std::process::id()));
        let server = PrivatePostgres::start(&dir).expect("the private PostgreSQL starts");
        let url = server.url("postgres");
        let template_url = server.url(TEMPLATE);
        // The template is made on a runtime of its own: the caller may be
        // inside a test's runtime already.
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                let mut admin = PgConnection::connect(&url).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {TEMPLATE}"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let pool = PgPool::connect(&template_url).await.unwrap();
                migrate(&pool).await.unwrap();
                pool.close().await;
            })
        })
        .join()
        .expect("the template database is created and migrated");
        server
    })
}

/// Clusters left by earlier test processes that are gone.
fn remove_stale_clusters(root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("pg-").and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A fresh, migrated database of its own.
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl TestDb {
    pub async fn new() -> Self {
        let server = server();
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = PgConnection::connect(&server.url("postgres"))
            .await
            .unwrap();
        // Two clones of one template at once can collide; try again.
        for attempt in 0.. {
            match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
                .execute(&mut admin)
                .await
            {
                Ok(_) => break,
                Err(e) if attempt < 50 => {
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("creating {name}: {e}"),
            }
        }
        let url = server.url(&name);
        let pool = PgPoolOptions::new()
            .max_connections(80)
            .connect(&url)
            .await
            .unwrap();
        Self { name, url, pool }
    }
}
