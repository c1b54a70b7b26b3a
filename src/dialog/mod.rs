//! The dialog engine: one message or button press in, replies out, the same
//! for every channel. SMEs get answers from the knowledge base, menus, flows
//! from `dialogs/flows/` and their tickets; registered consultants get their
//! queue, tickets and the relay. State lives in Postgres (`conversations`),
//! and every reply is written to the outbox in the caller's transaction, so
//! a message is handled exactly once or not at all.

pub mod attachments;
pub mod commands;
mod consultant;
pub mod flows;
pub mod person;
mod sme;
pub mod talk;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::desk::{outbox, Desk, DeskError};
use crate::kb::KnowledgeBase;
use crate::protocol::Reply;
use crate::protocol::{without_control_characters, Button, Pending};
use crate::texts::{Texts, Value};
pub use attachments::AttachmentRules;
pub use flows::Flows;

pub use crate::protocol::Input;

/// Longest message handled: Telegram's own limit, 4,096 characters.
pub const MAX_MESSAGE_CHARS: usize = outbox::MAX_BODY_CHARS;

/// Everything a conversation needs: the knowledge base, the flows, the desk.
#[derive(Clone)]
pub struct Engine {
    pub kb: Arc<KnowledgeBase>,
    pub flows: Arc<Flows>,
    pub desk: Desk,
    /// Which files, locations and contacts are relayed.
    pub attachments: Arc<AttachmentRules>,
}

/// Where a chat is, kept between messages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChatState {
    /// The flow in progress, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowState>,
    /// Entry ids last offered as suggestions (typed numbers pick them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<String>,
    /// A consultant's ticket that plain messages go to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_ticket: Option<String>,
    /// What a consultant's next plain message completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// The SME's ticket whose relay was last acknowledged, and whether it
    /// was held then: the acknowledgement is said once per ticket and once
    /// more when a consultant takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Acknowledged>,
    /// The outbox row of the flow's prompt whose buttons are live: once
    /// the step is answered (or the flow ends) its buttons are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<i64>,
    /// A ticket whose rating the SME's next message comments on (after
    /// they pressed 의견 남기기).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_on: Option<String>,
}

/// A ticket whose first relayed message the SME was told about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    pub code: String,
    pub claimed: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FlowState {
    pub id: String,
    pub step: String,
    pub slots: BTreeMap<String, String>,
    /// Steps passed, for "back".
    pub history: Vec<String>,
}

/// Replies being written for one input, in the words of `texts`.
pub(crate) struct Replies<'c> {
    tx: &'c mut PgConnection,
    chat: i64,
    texts: &'c Texts,
    /// The outbox row of the last reply with buttons.
    last_with_buttons: Option<i64>,
}

impl Replies<'_> {
    async fn say(&mut self, body: impl Into<String>, buttons: Vec<Vec<Button>>) -> Result<()> {
        let notice = Reply {
            body: body.into(),
            buttons,
        };
        self.send(notice).await
    }

    async fn send(&mut self, reply: Reply) -> Result<()> {
        let id = outbox::enqueue(self.tx, self.chat, &reply, None).await?;
        if !reply.buttons.is_empty() {
            self.last_with_buttons = Some(id);
        }
        Ok(())
    }

    async fn text(&mut self, body: impl Into<String>) -> Result<()> {
        self.say(body, Vec::new()).await
    }

    /// The text `key`, with `values` in its placeholders, and `buttons`.
    async fn say_text(
        &mut self,
        key: &str,
        values: &[(&str, Value<'_>)],
        buttons: Vec<Vec<Button>>,
    ) -> Result<()> {
        let body = self.texts.fill(key, values);
        self.say(body, buttons).await
    }
}

impl Engine {
    pub fn new(
        kb: Arc<KnowledgeBase>,
        flows: Arc<Flows>,
        attachments: Arc<AttachmentRules>,
        desk: Desk,
    ) -> Self {
        Self {
            kb,
            flows,
            desk,
            attachments,
        }
    }

    /// Handles one input from `chat` inside `tx`: state, desk changes and
    /// replies commit together.
    pub async fn handle(&self, tx: &mut PgConnection, chat: i64, input: &Input) -> Result<()> {
        use tracing::Instrument;
        self.handle_in_span(tx, chat, input)
            .instrument(tracing::info_span!("dialog", chat))
            .await
    }

    async fn handle_in_span(&self, tx: &mut PgConnection, chat: i64, input: &Input) -> Result<()> {
        let mut state = load_state(tx, chat).await?;
        let is_consultant = self.desk.is_consultant_in(&mut *tx, chat).await?;
        {
            let texts = self.desk.texts();
            let mut replies = Replies {
                tx,
                chat,
                texts: &texts,
                last_with_buttons: None,
            };
            match tidy(input) {
                None => replies.text(texts.get("empty")).await?,
                Some(Input::Text(t)) if t.chars().count() > MAX_MESSAGE_CHARS => {
                    replies.text(texts.get("too_long")).await?
                }
                Some(input) if is_consultant => {
                    consultant::handle(self, &mut replies, &mut state, &input).await?
                }
                Some(input) => sme::handle(self, &mut replies, &mut state, &input).await?,
            }
            let now = replies.last_with_buttons.filter(|_| state.flow.is_some());
            close_prompt(&mut replies, &mut state, now, input).await?;
        }
        save_state(tx, chat, &state).await?;
        Ok(())
    }
}

/// A flow's prompt is one-shot: once a newer prompt is sent or the flow
/// ends, the old one's buttons are removed (and, if one of them was
/// pressed, its label is shown under the prompt). `now` is the prompt sent
/// for this input, if any.
async fn close_prompt(
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    now: Option<i64>,
    input: &Input,
) -> Result<()> {
    let Some(old) = state.prompt else {
        state.prompt = now;
        return Ok(());
    };
    if now.is_none() && state.flow.is_some() {
        return Ok(()); // still the step to answer
    }
    state.prompt = now;
    let Some(sent) = outbox::row(&mut *replies.tx, old).await? else {
        return Ok(());
    };
    let pressed = match input {
        Input::Button(data) => sent.buttons.iter().flatten().find(|b| &b.data == data),
        Input::Text(_) | Input::Attachment { .. } | Input::Other { .. } => None,
    };
    let body = match pressed {
        Some(button) => replies.texts.fill(
            "sme_prompt_answered",
            &[("prompt", &sent.body), ("answer", &button.text)],
        ),
        None => sent.body.clone(),
    };
    outbox::enqueue_edit(&mut *replies.tx, old, &Reply::text(body)).await?;
    Ok(())
}

/// Ends the savepoint of a desk action: kept if it succeeded, rolled back if
/// it was refused (the refusal is returned for the user, in the words of
/// `texts`).
pub(crate) async fn settle<T>(
    savepoint: sqlx::Transaction<'_, sqlx::Postgres>,
    result: Result<T, DeskError>,
    texts: &Texts,
) -> Result<Result<T, String>> {
    match result {
        Ok(value) => {
            savepoint.commit().await?;
            Ok(Ok(value))
        }
        Err(DeskError::Database(e)) => Err(e.into()),
        Err(refusal) => {
            savepoint.rollback().await?;
            Ok(Err(refusal.say(texts)))
        }
    }
}

/// Normalizes what arrived: removes NUL and other control characters (no
/// person types them, and Postgres refuses NUL), trims text, drops empty
/// messages.
fn tidy(input: &Input) -> Option<Input> {
    let clean = |text: &str| without_control_characters(text).into_owned();
    match input {
        Input::Text(t) => {
            let t = clean(t);
            let t = t.trim();
            (!t.is_empty()).then(|| Input::Text(t.to_string()))
        }
        Input::Button(b) => Some(Input::Button(clean(b))),
        Input::Attachment {
            attachment,
            caption,
        } => Some(Input::Attachment {
            attachment: attachment.clone(),
            caption: clean(caption).trim().to_string(),
        }),
        Input::Other { what } => Some(Input::Other { what: clean(what) }),
    }
}

async fn load_state(tx: &mut PgConnection, chat: i64) -> Result<ChatState> {
    sqlx::query("INSERT INTO conversations (chat_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(chat)
        .execute(&mut *tx)
        .await?;
    let state: sqlx::types::Json<serde_json::Value> =
        sqlx::query_scalar("SELECT state FROM conversations WHERE chat_id = $1 FOR UPDATE")
            .bind(chat)
            .fetch_one(&mut *tx)
            .await?;
    // A state written by an older version that no longer reads is dropped,
    // not fatal: the chat starts over.
    Ok(serde_json::from_value(state.0).unwrap_or_default())
}

async fn save_state(tx: &mut PgConnection, chat: i64, state: &ChatState) -> Result<()> {
    sqlx::query("UPDATE conversations SET state = $2, updated_at = now() WHERE chat_id = $1")
        .bind(chat)
        .bind(sqlx::types::Json(state))
        .execute(&mut *tx)
        .await?;
    Ok(())
}
