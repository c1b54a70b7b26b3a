//! The ways people reach the bot. `console` runs it in a terminal; `jsonl`
//! delivers the desk's messages as JSON lines (a file or standard output);
//! `telegram` is the messenger.

pub mod console;
pub mod jsonl;
pub mod telegram;
