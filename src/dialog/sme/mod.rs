//! The SME's side of a conversation: the menu, questions answered from the
//! knowledge base, flows (intake, handoff, program finder), their tickets'
//! status, the relay to a consultant, and the follow-up rating.

use anyhow::Result;
use sqlx::Connection;

mod flow;

use flow::{back, cancel, flow_answer, start_flow, start_new_ticket_flow};

use super::commands::SmeCommand;
use super::{person, settle, Acknowledged, ChatState, Engine, Input, Replies};
use crate::desk::show_time;
use crate::desk::{DeskError, TicketStatus};
use crate::kb::model::Entry;
use crate::kb::{render, Outcome};
use crate::protocol::{rows, Button, MenuPage, Press};
use crate::texts::{Texts, Value};

/// The main menu: (label, what pressing it means).
fn menu(texts: &Texts) -> [(&str, Press); 5] {
    [
        (texts.get("button_finder"), Press::Flow("finder".into())),
        (texts.get("button_faq"), Press::Menu(MenuPage::Faq)),
        (texts.get("button_intake"), Press::Flow("intake".into())),
        (texts.get("button_handoff"), Press::handoff()),
        (texts.get("button_status"), Press::Menu(MenuPage::Status)),
    ]
}

/// The flow that asks for a person.
const HANDOFF_FLOW: &str = "handoff";

/// The button to a person.
fn handoff_button(texts: &Texts) -> Button {
    Button::new(texts.get("button_handoff"), &Press::handoff())
}

fn menu_buttons(texts: &Texts) -> Vec<Vec<Button>> {
    rows(
        menu(texts)
            .iter()
            .map(|(label, press)| Button::new(*label, press))
            .collect(),
        2,
    )
}

pub(super) async fn handle(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    input: &Input,
) -> Result<()> {
    match input {
        Input::Button(data) => match Press::parse(data) {
            Some(pressed) => press(engine, replies, state, &pressed).await,
            None => stale_button(replies).await,
        },
        Input::Text(text) => text_message(engine, replies, state, text).await,
    }
}

async fn text_message(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    text: &str,
) -> Result<()> {
    if let Some(command) = text.strip_prefix('/') {
        return match SmeCommand::parse(command) {
            Some(SmeCommand::Menu) => {
                state.flow = None;
                greet(replies).await
            }
            Some(SmeCommand::Cancel) => cancel(replies, state).await,
            Some(SmeCommand::Back) => back(engine, replies, state).await,
            Some(SmeCommand::Status) => status(engine, replies).await,
            None => {
                replies
                    .say_text("sme_unknown_command", &[], Vec::new())
                    .await
            }
        };
    }
    if state.flow.is_some() {
        return match text {
            "취소" | "그만" | "그만할게요" => cancel(replies, state).await,
            "이전" | "뒤로" => back(engine, replies, state).await,
            _ => flow_answer(engine, replies, state, text).await,
        };
    }
    // A ticket of this SME waits for a person or is with one: the message
    // joins it.
    let active = engine
        .desk
        .active_ticket_of_requester_in(&mut *replies.tx, replies.chat)
        .await?;
    if active.is_some() {
        return add_to_ticket(engine, replies, state, text).await;
    }
    if person::asks_for_person(text) {
        return start_flow(engine, replies, state, HANDOFF_FLOW).await;
    }
    if let Some((_, pressed)) = menu(replies.texts).iter().find(|(label, _)| *label == text) {
        return press(engine, replies, state, pressed).await;
    }
    if let Some(entry) = text
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|n| state.offered.get(n))
        .cloned()
    {
        return show_entry(engine, replies, &entry).await;
    }
    answer(engine, replies, state, text).await
}

/// A plain message of an SME whose ticket is open or claimed: added to the
/// ticket (and passed on live once claimed), acknowledged the first time;
/// a question the knowledge base answers is answered beside the relay.
async fn add_to_ticket(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    text: &str,
) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine.desk.sme_message_in(&mut savepoint, chat, text).await;
    let ticket = match settle(savepoint, result, replies.texts).await? {
        Ok(Some(ticket)) => ticket,
        // Closed meanwhile: an ordinary message after all.
        Ok(None) => return answer(engine, replies, state, text).await,
        Err(refusal) => return replies.text(refusal).await,
    };
    let now = Acknowledged {
        code: ticket.code.clone(),
        claimed: ticket.status == TicketStatus::Claimed,
    };
    if state.acknowledged.as_ref() != Some(&now) {
        match &ticket.consultant_name {
            Some(consultant) if now.claimed => {
                let values: [(&str, Value); 2] =
                    [("consultant", consultant), ("code", &ticket.code)];
                replies
                    .say_text("sme_passed_to_consultant", &values, Vec::new())
                    .await?
            }
            _ => {
                replies
                    .say_text("sme_added_to_ticket", &[("code", &ticket.code)], Vec::new())
                    .await?
            }
        }
        state.acknowledged = Some(now);
    }
    let result = engine.kb.find(text);
    if result.outcome == Outcome::Answer {
        let mut reply = render::reply(&engine.kb, replies.texts, &result);
        reply.body = format!(
            "{}\n\n{}",
            replies.texts.get("sme_answer_while_waiting"),
            reply.body
        );
        // They are with a person already.
        let handoff = Press::handoff().to_string();
        for row in &mut reply.buttons {
            row.retain(|button| button.data != handoff);
        }
        replies.send(reply).await?;
    }
    Ok(())
}

pub(super) async fn greet(replies: &mut Replies<'_>) -> Result<()> {
    let texts = replies.texts;
    replies
        .say(texts.get("greeting"), menu_buttons(texts))
        .await
}

/// A free-text question through the matcher.
async fn answer(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    text: &str,
) -> Result<()> {
    let kb = &engine.kb;
    let texts = replies.texts;
    let result = kb.find(text);
    tracing::debug!(outcome = result.outcome.as_str(), "matched");
    state.offered.clear();
    if result.outcome == Outcome::Fallback {
        engine.desk.record_unanswered_in(replies.tx, text).await?;
    }
    if result.outcome == Outcome::Suggest {
        state.offered = render::suggestions(kb, &result)
            .iter()
            .map(|&e| kb.entry(e).id().to_string())
            .collect();
    }
    replies.send(render::reply(kb, texts, &result)).await
}

async fn press(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    pressed: &Press,
) -> Result<()> {
    match pressed {
        Press::Menu(MenuPage::Status) => status(engine, replies).await,
        Press::Menu(MenuPage::Faq) => faq_menu(engine, replies).await,
        Press::Menu(MenuPage::Start) => greet(replies).await,
        Press::Flow(id) => start_flow(engine, replies, state, id).await,
        Press::NewTicket(id) => start_new_ticket_flow(engine, replies, state, id).await,
        Press::AddTo(code) => {
            replies
                .say_text("sme_will_add_to_ticket", &[("code", code)], Vec::new())
                .await
        }
        Press::Entry(id) => show_entry(engine, replies, id).await,
        Press::Apply(id) => match engine.kb.by_id(id) {
            Some(Entry::Program(p)) => {
                let values: [(&str, Value); 3] = [
                    ("program", &p.name),
                    ("apply", &p.apply),
                    ("contact", &p.contact),
                ];
                replies.say_text("sme_apply", &values, Vec::new()).await
            }
            _ => show_entry(engine, replies, id).await,
        },
        Press::Choose(value) if state.flow.is_some() => {
            flow_answer(engine, replies, state, value).await
        }
        Press::Yes if state.flow.is_some() => flow_answer(engine, replies, state, "예").await,
        Press::No if state.flow.is_some() => flow_answer(engine, replies, state, "아니요").await,
        Press::Skip if state.flow.is_some() => {
            flow_answer(engine, replies, state, "건너뛰기").await
        }
        Press::Back => back(engine, replies, state).await,
        Press::Cancel => cancel(replies, state).await,
        Press::Rate { code, score } => {
            let chat = replies.chat;
            let mut savepoint = replies.tx.begin().await?;
            let result = engine
                .desk
                .rate_in(&mut savepoint, chat, code, *score)
                .await;
            // Rated already (closed, or reopened by a low score): a stale press.
            let again = matches!(result, Err(DeskError::WrongStatus { .. }));
            match settle(savepoint, result, replies.texts).await? {
                Ok(_) => Ok(()),
                Err(_) if again => replies.say_text("sme_already_rated", &[], Vec::new()).await,
                Err(refusal) => replies.text(refusal).await,
            }
        }
        // A button from an old message (a finished flow, say), or one of
        // the consultant's side.
        _ => stale_button(replies).await,
    }
}

async fn stale_button(replies: &mut Replies<'_>) -> Result<()> {
    let menu = menu_buttons(replies.texts);
    replies.say_text("sme_stale_button", &[], menu).await
}

async fn show_entry(engine: &Engine, replies: &mut Replies<'_>, id: &str) -> Result<()> {
    let texts = replies.texts;
    match engine.kb.by_id(id) {
        Some(entry) => {
            replies
                .send(render::entry_reply(&engine.kb, texts, entry))
                .await
        }
        None => {
            replies
                .say_text("sme_entry_missing", &[], menu_buttons(texts))
                .await
        }
    }
}

async fn faq_menu(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    let buttons: Vec<Vec<Button>> = engine
        .kb
        .faqs
        .iter()
        .take(8)
        .map(|f| {
            let title = f.questions.first().cloned().unwrap_or_else(|| f.id.clone());
            vec![Button::new(title, &Press::Entry(f.id.clone()))]
        })
        .collect();
    replies.say_text("sme_faq_menu", &[], buttons).await
}

async fn status(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    let tickets = engine
        .desk
        .tickets_of_requester_in(&mut *replies.tx, replies.chat, 10)
        .await?;
    let texts = replies.texts;
    if tickets.is_empty() {
        let intake = Button::new(texts.get("button_intake"), &Press::Flow("intake".into()));
        return replies
            .say_text("sme_status_none", &[], vec![vec![intake]])
            .await;
    }
    let mut body = texts.get("sme_status").to_string();
    for t in &tickets {
        body.push('\n');
        body.push_str(&texts.fill(
            "sme_status_item",
            &[
                ("code", &t.code),
                ("status", &texts.get(t.status.text_key())),
                ("opened", &show_time(t.created_at)),
            ],
        ));
    }
    replies.text(body).await
}
