//! The console channel: the whole engine in a terminal, on the same
//! database, flows and desk as the messenger. You are an SME by default;
//! `/consultant` turns you into a consultant (registered on the spot, in
//! every queue) and `/sme` back, so one person can walk the whole journey:
//! question → answer, intake → ticket → claim → relay → resolve.
//!
//! The terminal is a [`Channel`] like Telegram: the outbox's messages for
//! the current role are delivered to it after each input. Buttons are shown
//! numbered; typing the number presses it. Link buttons are shown with
//! their web address (`🔗 홈페이지: https://…`), unnumbered. An edit of a message shows as a
//! line of its own, `(수정됨) …`; if it takes away the buttons that typed
//! numbers press, the numbers press nothing any more.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use crate::desk::outbox::{self, Channel, ChannelKind, DeliveryError, OutgoingMessage};
use crate::desk::NewConsultant;
use crate::dialog::{Engine, Input};
use crate::protocol::Button;
use crate::texts::Texts;
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

/// The terminal as a channel: each message printed with its buttons
/// numbered. The buttons of the last message that had any are kept, so that
/// typing a number presses one.
pub struct Terminal {
    output: Mutex<Box<dyn Write + Send>>,
    /// The buttons typed numbers press, and the outbox row that showed them.
    buttons: Mutex<(Vec<Button>, i64)>,
    /// The words for attachments (`[사진] …`).
    texts: Mutex<Arc<Texts>>,
}

impl Terminal {
    pub fn new(output: impl Write + Send + 'static) -> Self {
        Self {
            output: Mutex::new(Box::new(output)),
            buttons: Mutex::new((Vec::new(), 0)),
            texts: Mutex::new(Arc::new(Texts::default())),
        }
    }

    /// Speaks of attachments in these words from now on.
    pub fn use_texts(&self, texts: Arc<Texts>) {
        *self.texts.lock().unwrap_or_else(|p| p.into_inner()) = texts;
    }

    /// A line of the console's own (not a message of the bot).
    fn line(&self, text: &str) -> std::io::Result<()> {
        let mut output = self.output.lock().unwrap_or_else(|p| p.into_inner());
        writeln!(output, "{text}")?;
        output.flush()
    }

    /// The button numbered `typed`, if there is one.
    fn pressed(&self, typed: &str) -> Option<Button> {
        let n = typed.parse::<usize>().ok()?.checked_sub(1)?;
        self.buttons
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .get(n)
            .cloned()
    }

    fn forget_buttons(&self) {
        self.buttons
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clear();
    }

    fn print(&self, message: &OutgoingMessage) -> std::io::Result<()> {
        let mut output = self.output.lock().unwrap_or_else(|p| p.into_inner());
        let body = match &message.attachment {
            Some(attachment) => self
                .texts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .attachment_line(attachment, &message.body),
            None => message.body.clone(),
        };
        let body = body.replace('\n', "\n   ");
        // Links open a web page; they are shown with their address, not numbered.
        let (links, flat): (Vec<Button>, Vec<Button>) = message
            .buttons
            .0
            .iter()
            .flatten()
            .cloned()
            .partition(|b| b.url.is_some());
        if let Some(edited) = message.edits {
            if message.keeps_text && flat.is_empty() {
                // Only the buttons went: the text is on the screen already.
                writeln!(output, "   (수정됨: 버튼 닫힘)")?;
            } else {
                writeln!(output, "   (수정됨) {body}")?;
            }
            let mut shown = self.buttons.lock().unwrap_or_else(|p| p.into_inner());
            if shown.1 == edited && flat.is_empty() {
                shown.0.clear();
            }
            return output.flush();
        }
        writeln!(output, "🤖 {body}")?;
        if !flat.is_empty() {
            let labels: Vec<String> = flat
                .iter()
                .enumerate()
                .map(|(i, b)| format!("[{}] {}", i + 1, b.text))
                .collect();
            writeln!(output, "   {}", labels.join("  "))?;
            *self.buttons.lock().unwrap_or_else(|p| p.into_inner()) = (flat, message.id);
        }
        for link in &links {
            let url = link.url.as_deref().unwrap_or_default();
            let label = link.text.trim_start_matches('🔗').trim();
            writeln!(output, "   🔗 {label}: {url}")?;
        }
        output.flush()
    }
}

impl Channel for Terminal {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Console
    }

    async fn deliver(&self, message: &OutgoingMessage) -> Result<String, DeliveryError> {
        self.print(message)
            .map(|()| "console".to_string())
            .map_err(|e| DeliveryError::Retry {
                reason: format!("writing to the terminal: {e}"),
                after: None,
            })
    }
}

/// Runs the conversation until end of input or `/quit`.
pub async fn chat(
    engine: &Engine,
    input: impl BufRead,
    terminal: &Terminal,
    mut role: Role,
) -> Result<()> {
    // The console's two chats are the terminal's: the messenger's sender
    // never takes their messages, and this terminal never takes another's.
    crate::desk::addressing::address_chats(
        engine.desk.pool(),
        &[SME_CHAT, CONSULTANT_CHAT],
        ChannelKind::Console,
    )
    .await
    .context("addressing the console's chats")?;
    if role == Role::Consultant {
        register_console_consultant(engine).await?;
    }
    let texts = engine.desk.texts();
    terminal.use_texts(texts.clone());
    terminal.line(&format!("🤖 {}", texts.get("greeting")))?;
    terminal.line(&format!("   {}", texts.get("console_help")))?;
    for line in input.lines() {
        let line = line.context("reading the terminal")?;
        let text = line.trim();
        match text {
            "/quit" | "/exit" | "/q" => break,
            "/consultant" | "/상담원" => {
                register_console_consultant(engine).await?;
                role = Role::Consultant;
                terminal.forget_buttons();
                let now = texts.fill("console_now_consultant", &[("name", &CONSULTANT_NAME)]);
                terminal.line(&format!("   — {now}"))?;
                deliver(engine, terminal, role).await?;
                continue;
            }
            "/sme" => {
                role = Role::Sme;
                terminal.forget_buttons();
                terminal.line(&format!("   — {}", texts.get("console_now_sme")))?;
                deliver(engine, terminal, role).await?;
                continue;
            }
            _ => {}
        }
        let input = match terminal.pressed(text) {
            Some(button) => Input::Button(button.data),
            None => Input::Text(line.clone()),
        };
        let mut tx = engine.desk.pool().begin().await?;
        engine.handle(&mut tx, role.chat(), &input).await?;
        tx.commit().await?;
        engine.desk.announce_pending().await?;
        engine.desk.run_due_jobs().await?;
        deliver(engine, terminal, role).await?;
    }
    terminal.line(&format!("🤖 {}", texts.get("goodbye")))?;
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

/// Delivers the outbox messages for the current role to the terminal; the
/// other role's wait until you switch, and their count is shown.
async fn deliver(engine: &Engine, terminal: &Terminal, role: Role) -> Result<()> {
    outbox::deliver_all_for_chat(engine.desk.pool(), role.chat(), terminal).await?;
    let (other, key) = match role {
        Role::Sme => (CONSULTANT_CHAT, "console_waiting_for_consultant"),
        Role::Consultant => (SME_CHAT, "console_waiting_for_sme"),
    };
    let waiting = outbox::pending_for_chat(engine.desk.pool(), ChannelKind::Console, other).await?;
    let registered = engine.desk.is_registered(CONSULTANT_CHAT).await?;
    if waiting > 0 && (other == SME_CHAT || registered) {
        let note = engine.desk.texts().fill(key, &[("count", &waiting)]);
        terminal.line(&format!("   {note}"))?;
    }
    Ok(())
}
