//! onestop: a Korean SME one-stop help desk.
//!
//! From the bottom up: `protocol` is what a conversation is made of (input,
//! replies, typed button presses); `vocabulary` holds the words every part
//! shares; `database` opens Postgres (the private server or
//! `DATABASE_URL`) and migrates it; `source` reads the `dialogs/` files; `tasks` supervises
//! long-running loops; `telemetry` counts what `/metrics` shows; `nlu` turns Korean text into search terms; `kb` loads
//! the knowledge base and matches questions against it; `desk` holds
//! tickets, consultants, routing and the outbox; `dialog` runs
//! conversations; `channel` holds the ways people talk to the bot; `http`
//! is the process's HTTP listener (health, readiness, metrics, and the
//! supervisor's page, `web`); `app` builds the running whole (the
//! composition root); `cli` is the command line. See docs/ARCHITECTURE.md.

pub mod app;
pub mod channel;
pub mod cli;
pub mod database;
pub mod desk;
pub mod dialog;
pub mod http;
pub mod kb;
pub mod nlu;
pub mod protocol;
pub mod source;
pub mod tasks;
pub mod telemetry;
pub mod texts;
pub mod vocabulary;
pub mod web;
