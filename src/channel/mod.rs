//! The ways people reach the bot. `console` runs it in a terminal.

pub mod console;
