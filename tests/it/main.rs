//! The integration tests, as one binary (so the fake Bot API and the
//! helpers compile once): the real `onestop` binary and library against a
//! real PostgreSQL, the real ko-dic dictionary, and real teloxide over HTTP
//! to a fake Bot API on loopback.

mod common;

mod check;
mod cli;
mod desk;
mod desk_cli;
mod details;
mod dialog;
mod e2e;
mod fake_telegram;
mod handoff;
mod menus;
mod operations;
mod outages;
mod referrals;
mod regression;
mod sending;
mod talk;
mod texts;
mod tickets_cli;
mod understanding;
mod voice;
mod web;
mod web_browser;
