//! How a process can be watched: `--http-listen` (health, readiness and
//! metrics of `serve` and `worker`, see `http`) and `--log-format`; every
//! log line, text or JSON, has its personal data masked (`desk::pii`).

use std::io::Write;
use std::net::SocketAddr;

use tracing_subscriber::fmt::MakeWriter;

use crate::desk::pii;

/// The flags, global: before or after the command.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Watching (serve, worker)")]
pub struct ObserveArgs {
    /// Serve /healthz, /readyz and /metrics (Prometheus) on this address:
    /// HOST:PORT, or a port alone for 127.0.0.1. Off unless given.
    #[arg(long, env = "ONESTOP_HTTP_LISTEN", value_name = "ADDR",
          value_parser = crate::http::parse_listen, global = true)]
    pub http_listen: Option<SocketAddr>,
    /// Log lines as plain text or as JSON objects, one per line (on
    /// standard error; RUST_LOG chooses what is logged).
    #[arg(long, env = "ONESTOP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text,
          value_name = "FORMAT", global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Starts logging to standard error in `format`, personal data masked.
pub fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx_core::pool=error"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(MaskedStderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// Standard error, one log line at a time, masked as a whole before it is
/// written (a phone number split across two writes is still found).
struct MaskedStderr;

impl<'a> MakeWriter<'a> for MaskedStderr {
    type Writer = MaskedLine;

    fn make_writer(&'a self) -> MaskedLine {
        MaskedLine(Vec::new())
    }
}

/// One log line being written; masked and written out when dropped.
struct MaskedLine(Vec<u8>);

impl Write for MaskedLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for MaskedLine {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let masked = pii::mask(&String::from_utf8_lossy(&self.0));
        let _ = std::io::stderr().lock().write_all(masked.as_bytes());
    }
}
