//! onestop: a Korean SME one-stop help desk.
//!
//! `protocol` (at the bottom) is what a conversation is made of: input,
//! replies, typed button presses; `source` reads the `dialogs/` files and
//! `vocabulary` holds the words every part shares. `nlu` turns Korean text into search terms,
//! `kb` loads and validates the `dialogs/` folder and matches questions
//! against it, `desk` holds tickets, routing and the business calendar,
//! `dialog` runs conversations, `channel` holds the ways people talk to the
//! bot, `tasks` supervises long-running loops, `app` builds the running whole
//! (the composition root), and `cli` is the command line.

pub mod app;
pub mod channel;
pub mod cli;
pub mod desk;
pub mod dialog;
pub mod kb;
pub mod nlu;
pub mod protocol;
pub mod source;
pub mod tasks;
pub mod vocabulary;
