//! The process's HTTP listener (`--http-listen ADDR` on `serve` and
//! `worker`): one address, one axum server, one `Router` merged from the
//! parts that serve something there — `health` (`/healthz`, `/readyz`) and
//! `metrics` (`/metrics`) here; another part adds its routes with
//! `Router::merge` before [`serve`] is called.

pub mod health;
pub mod metrics;

use std::net::SocketAddr;

use anyhow::{Context, Result};
use axum::Router;
use tokio::sync::watch;
use tracing::info;

/// Reads `--http-listen`: `HOST:PORT`, or `PORT` / `:PORT` alone for
/// 127.0.0.1 (not reachable from other machines unless asked for).
pub fn parse_listen(given: &str) -> Result<SocketAddr, String> {
    let given = given.trim();
    let port_only = given.strip_prefix(':').unwrap_or(given);
    if let Ok(port) = port_only.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    given.parse().map_err(|_| {
        format!("`{given}` is not an address to listen on: give HOST:PORT (0.0.0.0:9090) or a port (9090)")
    })
}

/// Serves `router` on `addr` until `shutdown`. Binding fails at once (the
/// address is taken, say), and the error says which address.
pub async fn serve(
    addr: SocketAddr,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("--http-listen: cannot listen on {addr}"))?;
    let bound = listener.local_addr().unwrap_or(addr);
    info!(%bound, "HTTP endpoints ready: /healthz /readyz /metrics");
    eprintln!("onestop: HTTP on http://{bound}");
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            let _ = shutdown.changed().await;
        })
        .await
        .context("serving HTTP")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_alone_listens_on_loopback_and_nonsense_is_refused_clearly() {
        assert_eq!(parse_listen("9090").unwrap().to_string(), "127.0.0.1:9090");
        assert_eq!(parse_listen(":9090").unwrap().to_string(), "127.0.0.1:9090");
        assert_eq!(
            parse_listen("0.0.0.0:8080").unwrap().to_string(),
            "0.0.0.0:8080"
        );
        let refused = parse_listen("localhost").unwrap_err();
        assert!(refused.contains("HOST:PORT"), "{refused}");
        assert!(parse_listen("99999").is_err());
    }
}
