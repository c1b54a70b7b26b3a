//! The console channel: the whole engine in a terminal, on the same
//! database, flows and desk as the messenger. You are an SME by default;
//! `/consultant` turns you into a consultant (registered on the spot, in
//! every queue) and `/sme` back, so one person can walk the whole journey:
//! question → answer, intake → ticket → claim → relay → resolve.
//!
//! Buttons are shown numbered; typing the number presses it.

use std::io::{BufRead, Write};

use crate::desk::{outbox, NewConsultant};
use crate::dialog::{Engine, Input};
use crate::protocol::Button;
use anyhow::{Context, Result};

/// The SME's chat id in the console.
pub const SME_CHAT: i64 = 1;
/// The console consultant's messenger id.
pub const CONSULTANT_CHAT: i64 = 1001;
/// The console consultant's name.
const CONSULTANT_NAME: &str = "김상담";

/// Who is typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Sme,
    Consultant,
}

impl Role {
    fn chat(self) -> i64 {
        match self {
            Role::Sme => SME_CHAT,
            Role::Consultant => CONSULTANT_CHAT,
        }
    }
}

/// Runs the conversation until end of input or `/quit`.
pub async fn chat(
    engine: &Engine,
    input: impl BufRead,
    mut output: impl Write,
    mut role: Role,
) -> Result<()> {
    if role == Role::Consultant {
        register_console_consultant(engine).await?;
    }
    let texts = &engine.kb.texts;
    writeln!(output, "🤖 {}", texts.get("greeting"))?;
    writeln!(output, "   {}", texts.get("console_help"))?;
    let mut buttons: Vec<Button> = Vec::new();
    for line in input.lines() {
        let line = line.context("reading the terminal")?;
        let text = line.trim();
        match text {
            "/quit" | "/exit" | "/q" => break,
            "/consultant" | "/상담원" => {
                register_console_consultant(engine).await?;
                role = Role::Consultant;
                buttons.clear();
                let now = texts.fill("console_now_consultant", &[("name", &CONSULTANT_NAME)]);
                writeln!(output, "   — {now}")?;
                deliver(engine, &mut output, role, &mut buttons).await?;
                continue;
            }
            "/sme" => {
                role = Role::Sme;
                buttons.clear();
                writeln!(output, "   — {}", texts.get("console_now_sme"))?;
                deliver(engine, &mut output, role, &mut buttons).await?;
                continue;
            }
            _ => {}
        }
        let input = match text
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| buttons.get(n))
        {
            Some(button) => Input::Button(button.data.clone()),
            None => Input::Text(line.clone()),
        };
        let mut tx = engine.desk.pool().begin().await?;
        engine.handle(&mut tx, role.chat(), &input).await?;
        tx.commit().await?;
        engine.desk.announce_pending().await?;
        engine.desk.run_due_jobs().await?;
        deliver(engine, &mut output, role, &mut buttons).await?;
    }
    writeln!(output, "🤖 {}", texts.get("goodbye"))?;
    Ok(())
}

/// The console consultant, in every queue.
async fn register_console_consultant(engine: &Engine) -> Result<()> {
    let queues = engine
        .desk
        .routing()
        .queues
        .iter()
        .map(|q| q.id.clone())
        .collect();
    engine
        .desk
        .add_consultant(NewConsultant {
            messenger_id: CONSULTANT_CHAT,
            name: CONSULTANT_NAME.into(),
            queues,
            capacity: 10,
        })
        .await?;
    Ok(())
}

/// Prints the outbox messages for the current role, with numbered buttons;
/// the other role's wait until you switch, and their count is shown.
async fn deliver(
    engine: &Engine,
    output: &mut impl Write,
    role: Role,
    buttons: &mut Vec<Button>,
) -> Result<()> {
    let messages = outbox::take_all_for_chat(engine.desk.pool(), role.chat(), "console").await?;
    for message in messages {
        writeln!(output, "🤖 {}", message.body.replace('\n', "\n   "))?;
        let flat: Vec<Button> = message.buttons.0.into_iter().flatten().collect();
        if !flat.is_empty() {
            let labels: Vec<String> = flat
                .iter()
                .enumerate()
                .map(|(i, b)| format!("[{}] {}", i + 1, b.text))
                .collect();
            writeln!(output, "   {}", labels.join("  "))?;
            *buttons = flat;
        }
    }
    let (other, key) = match role {
        Role::Sme => (CONSULTANT_CHAT, "console_waiting_for_consultant"),
        Role::Consultant => (SME_CHAT, "console_waiting_for_sme"),
    };
    let waiting = outbox::pending_for_chat(engine.desk.pool(), other).await?;
    let registered = engine.desk.is_registered(CONSULTANT_CHAT).await?;
    if waiting > 0 && (other == SME_CHAT || registered) {
        let note = engine.kb.texts.fill(key, &[("count", &waiting)]);
        writeln!(output, "   {note}")?;
    }
    output.flush()?;
    Ok(())
}
