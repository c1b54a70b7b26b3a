//! The SME's side of a conversation: the menu, questions answered from the
//! knowledge base, flows (intake, handoff, program finder), their tickets'
//! status, the relay to a consultant, and the follow-up rating.

use anyhow::Result;
use sqlx::Connection;

mod finder;
mod flow;
mod menu;

use flow::{back, cancel, flow_answer, start_flow, start_new_ticket_flow};

use super::commands::SmeCommand;
use super::talk::{self, Talk};
use super::{person, settle, Acknowledged, ChatState, Engine, Input, Replies};
use crate::desk::routing::BusinessHours;
use crate::desk::show_time;
use crate::desk::{notices, DeskError, TicketStatus};
use crate::dialog::attachments::Refusal as AttachmentRefusal;
use crate::kb::model::Entry;
use crate::kb::{render, Outcome};
use crate::nlu::is_foreign;
use crate::protocol::Attachment;
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
    // A comment is the very next message after 의견 남기기, nothing later.
    let comment_on = state.comment_on.take();
    match input {
        Input::Button(data) => match Press::parse(data) {
            Some(pressed) => press(engine, replies, state, &pressed).await,
            None => stale_button(replies).await,
        },
        Input::Text(text) if !text.starts_with('/') && comment_on.is_some() => {
            let code = comment_on.unwrap_or_default();
            comment_on_rating(engine, replies, &code, text).await
        }
        Input::Text(text) => text_message(engine, replies, state, text).await,
        Input::Attachment {
            attachment,
            caption,
        } => attachment_message(engine, replies, state, attachment, caption).await,
        Input::Other { .. } => {
            replies
                .say_text("sme_nothing_to_read", &[], Vec::new())
                .await
        }
    }
}

/// A file, location or contact card: relayed into the SME's open ticket;
/// outside one, its caption is answered like a text and the SME is told
/// the bot cannot open files, with the way to a person.
async fn attachment_message(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    attachment: &Attachment,
    caption: &str,
) -> Result<()> {
    if state.flow.is_some() {
        return replies
            .say_text("sme_attachment_in_form", &[], Vec::new())
            .await;
    }
    if let Err(refusal) = engine.attachments.check(attachment) {
        return say_attachment_refusal(engine, replies, refusal).await;
    }
    let active = engine
        .desk
        .active_ticket_of_requester_in(&mut *replies.tx, replies.chat)
        .await?;
    if active.is_some() {
        let chat = replies.chat;
        let mut savepoint = replies.tx.begin().await?;
        let result = engine
            .desk
            .sme_attachment_in(&mut savepoint, chat, attachment, caption)
            .await;
        return match settle(savepoint, result, replies.texts).await? {
            Ok(Some(ticket)) => acknowledge(replies, state, &ticket).await,
            Ok(None) => not_read(replies).await,
            Err(refusal) => replies.text(refusal).await,
        };
    }
    if !caption.is_empty() {
        answer(engine, replies, state, caption).await?;
    }
    not_read(replies).await
}

async fn not_read(replies: &mut Replies<'_>) -> Result<()> {
    let handoff = vec![vec![handoff_button(replies.texts)]];
    replies
        .say_text("sme_attachment_not_read", &[], handoff)
        .await
}

/// Why an attachment is not relayed, said to whoever sent it.
pub(in crate::dialog) async fn say_attachment_refusal(
    engine: &Engine,
    replies: &mut Replies<'_>,
    refusal: AttachmentRefusal,
) -> Result<()> {
    match refusal {
        AttachmentRefusal::Kind => {
            replies
                .say_text("refusal_attachment_kind", &[], Vec::new())
                .await
        }
        AttachmentRefusal::TooLarge => {
            let max = engine.attachments.max_size_mb();
            replies
                .say_text(
                    "refusal_attachment_too_large",
                    &[("max_mb", &max)],
                    Vec::new(),
                )
                .await
        }
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
    let talk = talk::recognise(text);
    // The way back to the menu works even while a ticket is open.
    if talk == Some(Talk::Menu) {
        return show_menu(replies).await;
    }
    // "내 접수 어떻게 됐어요?": `/status`, with a ticket open or not.
    if talk::asks_status(text) {
        return status(engine, replies).await;
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
    // "상담원 언제 연결돼요?": the hours, before asking for a person.
    if talk::asks_hours(text) {
        let queue = engine.desk.routing().fallback_queue().id.clone();
        return hours(engine, replies, &queue, true).await;
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
    if let Some(talk) = talk {
        return small_talk(replies, state, talk).await;
    }
    if is_foreign(text) {
        return other_language(engine, replies, state, text).await;
    }
    answer(engine, replies, state, text).await
}

/// A reply to small talk (`talk.rs`); nothing is counted as unanswered.
async fn small_talk(replies: &mut Replies<'_>, state: &mut ChatState, talk: Talk) -> Result<()> {
    let texts = replies.texts;
    let (key, buttons) = match talk {
        Talk::Greeting => ("sme_smalltalk_greeting", menu_buttons(texts)),
        Talk::Thanks => ("sme_smalltalk_thanks", Vec::new()),
        Talk::Bye => ("sme_smalltalk_bye", Vec::new()),
        Talk::Laughter => ("sme_smalltalk_laughter", Vec::new()),
        Talk::Agreement => ("sme_smalltalk_agreement", Vec::new()),
        Talk::Frustration => (
            "sme_smalltalk_frustration",
            vec![vec![handoff_button(texts)]],
        ),
        Talk::WhoAreYou => ("sme_smalltalk_who", menu_buttons(texts)),
        Talk::Menu => return show_menu(replies).await,
        Talk::Cancel => return cancel(replies, state).await,
    };
    replies.say_text(key, &[], buttons).await
}

async fn show_menu(replies: &mut Replies<'_>) -> Result<()> {
    let menu = menu_buttons(replies.texts);
    replies.say_text("sme_smalltalk_menu", &[], menu).await
}

/// When the consultants of `queue` answer, from the routing: their hours,
/// the days they rest, and whether they answer now or when they will.
fn hours_text(engine: &Engine, texts: &Texts, queue: &str) -> String {
    let routing = engine.desk.routing();
    let hours = routing.hours(queue);
    let calendar = &routing.calendar;
    let now = crate::desk::now();
    let mut parts = vec![texts.fill("sme_hours", &[("hours", &hours.describe_spoken())])];
    match hours {
        BusinessHours::Always => {}
        _ if !hours.open_on_weekends() => parts.push(texts.get("sme_hours_days_off").to_string()),
        _ => parts.push(texts.get("sme_hours_holidays").to_string()),
    }
    if calendar.is_open(hours, now) {
        parts.push(texts.get("sme_hours_open_now").to_string());
    } else {
        let when = calendar.describe_next_open(hours, now);
        parts.push(texts.fill("sme_hours_closed_now", &[("when", &when)]));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

/// The hours of `queue`'s consultants, with the button to one if `offer`.
async fn hours(engine: &Engine, replies: &mut Replies<'_>, queue: &str, offer: bool) -> Result<()> {
    let texts = replies.texts;
    let body = hours_text(engine, texts, queue);
    let buttons = if offer {
        vec![vec![handoff_button(texts)]]
    } else {
        Vec::new()
    };
    replies.say(body, buttons).await
}

/// A message in a language the bot does not read: what it can do, in
/// English, and the way to a consultant. It is kept with the unanswered
/// questions, which `onestop stats` lists apart from the Korean ones.
async fn other_language(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    text: &str,
) -> Result<()> {
    state.offered.clear();
    engine.desk.record_unanswered_in(replies.tx, text).await?;
    let texts = replies.texts;
    let consultant = Button::new(texts.get("button_handoff_english"), &Press::handoff());
    replies
        .say_text("sme_other_language", &[], vec![vec![consultant]])
        .await
}

/// The SME's word on the rating of `code`: kept with the ticket.
async fn comment_on_rating(
    engine: &Engine,
    replies: &mut Replies<'_>,
    code: &str,
    text: &str,
) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine
        .desk
        .comment_on_rating_in(&mut savepoint, chat, code, text)
        .await;
    match settle(savepoint, result, replies.texts).await? {
        Ok(()) => {
            replies
                .say_text("sme_comment_thanks", &[], Vec::new())
                .await
        }
        Err(refusal) => replies.text(refusal).await,
    }
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
    acknowledge(replies, state, &ticket).await?;
    // "언제쯤 연락 와요?": when the ticket's consultants answer.
    if talk::asks_when_answered(text) {
        return hours(engine, replies, &ticket.queue, false).await;
    }
    let result = engine.kb.find(text);
    if result.outcome == Outcome::Answer {
        record_referral(engine, replies, &result).await?;
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

/// Tells the SME, once per ticket and once more when a consultant takes it,
/// that what they send joins the ticket.
async fn acknowledge(
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    ticket: &crate::desk::Ticket,
) -> Result<()> {
    let now = Acknowledged {
        code: ticket.code.clone(),
        claimed: ticket.status == TicketStatus::Claimed,
    };
    if state.acknowledged.as_ref() == Some(&now) {
        return Ok(());
    }
    match &ticket.consultant_name {
        Some(consultant) if now.claimed => {
            let values: [(&str, Value); 2] = [("consultant", consultant), ("code", &ticket.code)];
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
    Ok(())
}

pub(super) async fn greet(replies: &mut Replies<'_>) -> Result<()> {
    let texts = replies.texts;
    replies
        .say(texts.get("greeting"), menu_buttons(texts))
        .await
}

/// Knowledge-base entries about the consultants' hours: the routing's
/// hours are said instead.
const HOURS_ENTRIES: &[&str] = &["faq-bot-consultant-hours"];

/// Knowledge-base entries about the state of one's tickets: `/status` is
/// shown instead.
const STATUS_ENTRIES: &[&str] = &["faq-bot-check-status"];

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
    crate::telemetry::question(result.outcome.as_str());
    state.offered.clear();
    // The desk's own facts win over what an entry can say of them.
    if result.outcome == Outcome::Answer {
        let id = result.ranked.first().map(|s| kb.entry(s.entry).id());
        if id.is_some_and(|id| HOURS_ENTRIES.contains(&id)) {
            let queue = engine.desk.routing().fallback_queue().id.clone();
            return hours(engine, replies, &queue, true).await;
        }
        if id.is_some_and(|id| STATUS_ENTRIES.contains(&id)) {
            return status(engine, replies).await;
        }
    }
    if result.outcome == Outcome::Fallback {
        engine.desk.record_unanswered_in(replies.tx, text).await?;
    }
    record_referral(engine, replies, &result).await?;
    if result.outcome == Outcome::Suggest {
        state.offered = render::suggestions(kb, &result)
            .iter()
            .map(|&e| kb.entry(e).id().to_string())
            .collect();
    }
    replies.send(render::reply(kb, texts, &result)).await
}

/// A question answered with a referral is counted apart (`onestop stats`).
async fn record_referral(
    engine: &Engine,
    replies: &mut Replies<'_>,
    result: &crate::kb::MatchResult,
) -> Result<()> {
    let answered = result
        .ranked
        .first()
        .filter(|_| result.outcome == Outcome::Answer);
    if let Some(entry) = answered.map(|s| engine.kb.entry(s.entry)) {
        if entry.is_referral() {
            engine
                .desk
                .record_referral_in(replies.tx, entry.id(), entry.title())
                .await?;
        }
    }
    Ok(())
}

async fn press(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    pressed: &Press,
) -> Result<()> {
    match pressed {
        Press::Menu(MenuPage::Status) => status(engine, replies).await,
        Press::Menu(MenuPage::Faq) => menu::sections(engine, replies).await,
        Press::Section { section, page } => menu::section(engine, replies, section, *page).await,
        Press::Card(id) => match engine.kb.by_id(id) {
            Some(entry) => {
                let card = render::card_reply(&engine.kb, replies.texts, entry);
                replies.send(card).await
            }
            None => show_entry(engine, replies, id).await,
        },
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
        Press::Comment(code) => {
            state.comment_on = Some(code.clone());
            replies
                .say_text("sme_comment_ask", &[("code", code)], Vec::new())
                .await
        }
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
    let routing = engine.desk.routing();
    let mut body = texts.get("sme_status").to_string();
    for t in &tickets {
        let agency = routing
            .queue(&t.queue)
            .map_or(t.queue.as_str(), |q| &q.name);
        body.push('\n');
        body.push_str(&texts.fill(
            "sme_status_item",
            &[
                ("code", &t.code),
                ("status", &texts.get(t.status.text_key())),
                ("subject", &notices::summary_line(&t.description)),
                ("agency", &agency),
                ("category", &t.category),
                ("opened", &show_time(t.created_at)),
            ],
        ));
        if let (TicketStatus::Claimed, Some(consultant)) = (t.status, &t.consultant_name) {
            body.push_str("\n   ");
            body.push_str(&texts.fill("sme_status_holder", &[("consultant", consultant)]));
        }
    }
    replies.text(body).await
}
