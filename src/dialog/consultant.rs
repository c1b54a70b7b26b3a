//! The consultant's side: their queue and tickets, claiming (the loser of a
//! race is told who won), transfer, resolve, internal notes, knowledge-base
//! lookups sent to the SME as a ready reply, and the relay of plain
//! messages to the SME of the ticket in hand.

use anyhow::Result;
use sqlx::Connection;

use super::commands::{CommandError, ConsultantCommand};
use super::{settle, ChatState, Engine, Input, Replies};
use crate::desk::notices;
use crate::desk::notifier::waiting;
use crate::desk::tickets::Ticket;
use crate::desk::DeskError;
use crate::kb::{render, Outcome};
use crate::protocol::{rows, Attachment, Button, Pending, Press};
use crate::texts::Texts;

pub(super) async fn handle(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    input: &Input,
) -> Result<()> {
    match input {
        Input::Button(data) => match Press::parse(data) {
            Some(pressed) => press(engine, replies, state, &pressed).await,
            None => {
                replies
                    .say_text("consultant_stale_button", &[], Vec::new())
                    .await
            }
        },
        Input::Text(text) => {
            if let Some(command) = text.strip_prefix('/') {
                command_message(engine, replies, state, command).await
            } else {
                plain(engine, replies, state, text).await
            }
        }
        Input::Attachment {
            attachment,
            caption,
        } => send_attachment(engine, replies, state, attachment, caption).await,
        Input::Other { .. } => {
            replies
                .say_text("consultant_nothing_to_relay", &[], Vec::new())
                .await
        }
    }
}

/// A file, location or contact card: sent to the SME of the ticket in hand,
/// like a plain message.
async fn send_attachment(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    attachment: &Attachment,
    caption: &str,
) -> Result<()> {
    if let Err(refusal) = engine.attachments.check(attachment) {
        return super::sme::say_attachment_refusal(engine, replies, refusal).await;
    }
    let Some(code) = ticket_in_hand(engine, replies, state).await? else {
        return Ok(());
    };
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine
        .desk
        .reply_attachment_in(&mut savepoint, chat, &code, attachment, caption)
        .await;
    match settle(savepoint, result, replies.texts).await? {
        Ok(_) => {
            state.active_ticket = Some(code);
            Ok(())
        }
        Err(refusal) => refuse_keeping(replies, refusal, caption).await,
    }
}

async fn command_message(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    command: &str,
) -> Result<()> {
    let command = match ConsultantCommand::parse(command) {
        Ok(command) => command,
        Err(problem) => {
            let key = match problem {
                CommandError::Usage => "consultant_usage",
                CommandError::Unknown => "consultant_unknown_command",
            };
            let help = ConsultantCommand::help();
            return replies.say_text(key, &[("help", &help)], Vec::new()).await;
        }
    };
    let texts = replies.texts;
    match command {
        ConsultantCommand::Help => {
            let buttons = vec![vec![
                Button::new(texts.get("button_queue"), &Press::Queue),
                Button::new(texts.get("button_mine"), &Press::Mine),
            ]];
            replies.say(ConsultantCommand::help(), buttons).await
        }
        ConsultantCommand::Queue => queue(engine, replies).await,
        ConsultantCommand::Mine => mine(engine, replies).await,
        ConsultantCommand::Claim(code) => {
            claim(engine, replies, state, code.as_deref(), false).await
        }
        ConsultantCommand::Reply { code, text } => {
            reply(engine, replies, state, &code, &text).await
        }
        ConsultantCommand::Note { code, text } => note(engine, replies, &code, &text).await,
        ConsultantCommand::Transfer {
            code, queue: None, ..
        } => transfer_choices(engine, replies, &code).await,
        ConsultantCommand::Transfer {
            code,
            queue: Some(queue),
            reason,
        } => transfer(engine, replies, &code, &queue, &reason).await,
        ConsultantCommand::Resolve {
            code,
            summary: None,
        } => ask_for_summary(engine, replies, state, &code).await,
        ConsultantCommand::Resolve {
            code,
            summary: Some(summary),
        } => resolve(engine, replies, state, &code, &summary).await,
        ConsultantCommand::Show(code) => show(engine, replies, &code).await,
        ConsultantCommand::Kb(question) => lookup(engine, replies, state, &question).await,
        ConsultantCommand::Cancel => {
            state.pending = None;
            replies
                .say_text("consultant_cancelled", &[], Vec::new())
                .await
        }
        ConsultantCommand::Search(words) => search(engine, replies, &words).await,
        ConsultantCommand::Away => set_away(engine, replies, true).await,
        ConsultantCommand::Back => {
            set_away(engine, replies, false).await?;
            queue(engine, replies).await
        }
    }
}

/// `/search WORDS`: their tickets with those words, each with a button to
/// see it whole.
async fn search(engine: &Engine, replies: &mut Replies<'_>, words: &str) -> Result<()> {
    let chat = replies.chat;
    let found = engine
        .desk
        .search_in(&mut *replies.tx, chat, words, 10)
        .await?;
    let texts = replies.texts;
    if found.is_empty() {
        return replies
            .say_text("consultant_search_none", &[("words", &words)], Vec::new())
            .await;
    }
    let mut body = texts.fill(
        "consultant_search",
        &[("words", &words), ("count", &found.len())],
    );
    for t in &found {
        body.push('\n');
        body.push_str(&texts.fill(
            "consultant_search_item",
            &[
                ("code", &t.code),
                ("company", &t.company),
                ("category", &t.category),
                ("status", &texts.get(t.status.text_key())),
            ],
        ));
    }
    replies.say(body, Vec::new()).await
}

/// `/away` and `/back`.
async fn set_away(engine: &Engine, replies: &mut Replies<'_>, away: bool) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine.desk.set_away_in(&mut savepoint, chat, away).await;
    match settle(savepoint, result, replies.texts).await? {
        Ok(_) => {
            let key = if away {
                "consultant_away"
            } else {
                "consultant_back"
            };
            replies.say_text(key, &[], Vec::new()).await
        }
        Err(refusal) => replies.text(refusal).await,
    }
}

/// A refusal of something the consultant typed, with the typed text, so
/// that nothing is lost.
async fn refuse_keeping(replies: &mut Replies<'_>, refusal: String, typed: &str) -> Result<()> {
    let kept = replies
        .texts
        .fill("consultant_kept_text", &[("text", &typed)]);
    replies.text(format!("{refusal}\n\n{kept}")).await
}

/// An internal note; the SME never sees it.
async fn note(engine: &Engine, replies: &mut Replies<'_>, code: &str, text: &str) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine.desk.note_in(&mut savepoint, chat, code, text).await;
    match settle(savepoint, result, replies.texts).await? {
        Ok(()) => {
            replies
                .say_text("consultant_noted", &[("code", &code)], Vec::new())
                .await
        }
        Err(refusal) => refuse_keeping(replies, refusal, text).await,
    }
}

async fn press(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    pressed: &Press,
) -> Result<()> {
    match pressed {
        Press::Queue => queue(engine, replies).await,
        Press::Mine => mine(engine, replies).await,
        Press::Claim(code) => claim(engine, replies, state, Some(code), true).await,
        Press::Transfer(code) => transfer_choices(engine, replies, code).await,
        Press::TransferTo { code, queue } => transfer(engine, replies, code, queue, "").await,
        Press::Resolve(code) => ask_for_summary(engine, replies, state, code).await,
        Press::Use(code) => {
            state.active_ticket = Some(code.to_string());
            replies
                .say_text("consultant_replying_to", &[("code", code)], Vec::new())
                .await
        }
        Press::Send { code, entry } => {
            // A knowledge-base answer sent to the SME as the consultant's reply.
            let Some(entry) = engine.kb.by_id(entry) else {
                return replies
                    .say_text("consultant_entry_missing", &[], Vec::new())
                    .await;
            };
            let body = render::entry(&engine.kb, replies.texts, entry);
            reply(engine, replies, state, code, &body).await
        }
        _ => {
            replies
                .say_text("consultant_stale_button", &[], Vec::new())
                .await
        }
    }
}

/// The consultant's next plain message will be the summary of resolving
/// `code`, if they may resolve it (else they are told now, before typing).
async fn ask_for_summary(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    code: &str,
) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine
        .desk
        .check_may_resolve_in(&mut savepoint, chat, code)
        .await;
    if let Err(refusal) = settle(savepoint, result, replies.texts).await? {
        return replies.text(refusal).await;
    }
    state.pending = Some(Pending::ResolveSummary {
        code: code.to_string(),
    });
    replies
        .say_text("consultant_ask_summary", &[("code", &code)], Vec::new())
        .await
}

/// A plain message: the pending resolve summary, or a reply to the ticket in hand.
async fn plain(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    text: &str,
) -> Result<()> {
    if let Some(Pending::ResolveSummary { code }) = state.pending.take() {
        return resolve(engine, replies, state, &code, text).await;
    }
    match ticket_in_hand(engine, replies, state).await? {
        Some(code) => reply(engine, replies, state, &code, text).await,
        None => Ok(()),
    }
}

/// The ticket a plain message (or file) goes to: the one in use, or the only
/// one held. Otherwise the consultant is asked (`None`).
async fn ticket_in_hand(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &ChatState,
) -> Result<Option<String>> {
    let held = engine
        .desk
        .held_by_in(&mut *replies.tx, replies.chat)
        .await?;
    let target = match &state.active_ticket {
        Some(code) if held.iter().any(|t| &t.code == code) => Some(code.clone()),
        _ if held.len() == 1 => Some(held[0].code.clone()),
        _ => None,
    };
    let texts = replies.texts;
    match target {
        Some(code) => Ok(Some(code)),
        None if held.is_empty() => {
            let queue = Button::new(texts.get("button_queue"), &Press::Queue);
            replies
                .say_text("consultant_holds_nothing", &[], vec![vec![queue]])
                .await?;
            Ok(None)
        }
        None => {
            let buttons = held
                .iter()
                .map(|t| {
                    let label =
                        texts.fill("button_use", &[("code", &t.code), ("company", &t.company)]);
                    vec![Button::new(label, &Press::Use(t.code.clone()))]
                })
                .collect();
            replies
                .say_text("consultant_which_ticket", &[], buttons)
                .await?;
            Ok(None)
        }
    }
}

async fn queue(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    let waiting_tickets = engine
        .desk
        .waiting_for_in(&mut *replies.tx, replies.chat)
        .await?;
    if waiting_tickets.is_empty() {
        return replies
            .say_text("consultant_queue_empty", &[], Vec::new())
            .await;
    }
    let texts = replies.texts;
    let mut body = texts.fill("consultant_queue", &[("count", &waiting_tickets.len())]);
    let mut buttons = Vec::new();
    for t in waiting_tickets.iter().take(10) {
        body.push('\n');
        body.push_str(&texts.fill(
            "consultant_queue_item",
            &[
                ("code", &t.code),
                ("company", &t.company),
                ("region", &t.region),
                ("category", &t.category),
                ("waiting", &waiting(texts, t)),
            ],
        ));
        buttons.push(Button::new(
            texts.fill("button_claim_code", &[("code", &t.code)]),
            &Press::Claim(t.code.clone()),
        ));
    }
    replies.say(body, rows(buttons, 2)).await
}

async fn mine(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    let held = engine
        .desk
        .held_by_in(&mut *replies.tx, replies.chat)
        .await?;
    if held.is_empty() {
        return replies
            .say_text("consultant_mine_empty", &[], Vec::new())
            .await;
    }
    let texts = replies.texts;
    let mut body = texts.fill("consultant_mine", &[("count", &held.len())]);
    let mut buttons = Vec::new();
    for t in &held {
        body.push('\n');
        body.push_str(&texts.fill(
            "consultant_mine_item",
            &[
                ("code", &t.code),
                ("company", &t.company),
                ("category", &t.category),
            ],
        ));
        buttons.push(vec![
            Button::new(
                texts.fill("button_reply_to", &[("code", &t.code)]),
                &Press::Use(t.code.clone()),
            ),
            Button::new(
                texts.get("button_transfer"),
                &Press::Transfer(t.code.clone()),
            ),
            Button::new(texts.get("button_resolve"), &Press::Resolve(t.code.clone())),
        ]);
    }
    replies.say(body, buttons).await
}

fn ticket_card(texts: &Texts, t: &Ticket) -> String {
    texts.fill(
        "consultant_claimed",
        &[
            ("code", &t.code),
            ("company", &t.company),
            ("region", &t.region),
            ("category", &t.category),
            ("contact", &t.contact),
            ("details", &notices::detail_lines(texts, t)),
            ("description", &t.description),
        ],
    )
}

/// Claims `code` (or the next ticket). A 담당하기 button (`pressed`) of a
/// ticket that moved on gets a short line of what became of it instead of
/// a refusal.
async fn claim(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    code: Option<&str>,
    pressed: bool,
) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = match code {
        Some(code) => engine
            .desk
            .claim_in(&mut savepoint, chat, code)
            .await
            .map(Some),
        None => engine.desk.claim_next_in(&mut savepoint, chat).await,
    };
    let texts = replies.texts;
    let stale = match (&result, pressed) {
        (Err(DeskError::AlreadyClaimed { code, by }), true) => Some(texts.fill(
            "consultant_claim_taken",
            &[("code", code), ("consultant", by)],
        )),
        (Err(DeskError::WrongStatus { code, .. }), true) => {
            Some(texts.fill("consultant_claim_finished", &[("code", code)]))
        }
        (Err(DeskError::NotYourQueue { code, .. }), true) => {
            Some(texts.fill("consultant_claim_moved", &[("code", code)]))
        }
        _ => None,
    };
    match settle(savepoint, result, texts).await? {
        Ok(Some(ticket)) => {
            state.active_ticket = Some(ticket.code.clone());
            replies
                .say(
                    ticket_card(texts, &ticket),
                    vec![vec![
                        Button::new(
                            texts.get("button_transfer"),
                            &Press::Transfer(ticket.code.clone()),
                        ),
                        Button::new(
                            texts.get("button_resolve"),
                            &Press::Resolve(ticket.code.clone()),
                        ),
                    ]],
                )
                .await
        }
        Ok(None) => {
            replies
                .say_text("consultant_queue_empty", &[], Vec::new())
                .await
        }
        Err(refusal) => replies.text(stale.unwrap_or(refusal)).await,
    }
}

async fn reply(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    code: &str,
    body: &str,
) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine.desk.reply_in(&mut savepoint, chat, code, body).await;
    match settle(savepoint, result, replies.texts).await? {
        Ok(_) => {
            state.active_ticket = Some(code.to_string());
            Ok(())
        }
        Err(refusal) => refuse_keeping(replies, refusal, body).await,
    }
}

async fn transfer_choices(engine: &Engine, replies: &mut Replies<'_>, code: &str) -> Result<()> {
    let current = engine
        .desk
        .ticket_in(&mut *replies.tx, code)
        .await
        .ok()
        .map(|ticket| ticket.queue);
    let buttons = engine
        .desk
        .routing()
        .queues
        .iter()
        .filter(|q| current.as_deref() != Some(q.id.as_str()))
        .map(|q| {
            let to = Press::TransferTo {
                code: code.to_string(),
                queue: q.id.clone(),
            };
            Button::new(q.name.clone(), &to)
        })
        .collect();
    replies
        .say_text(
            "consultant_transfer_where",
            &[("code", &code)],
            rows(buttons, 1),
        )
        .await
}

async fn transfer(
    engine: &Engine,
    replies: &mut Replies<'_>,
    code: &str,
    queue: &str,
    reason: &str,
) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine
        .desk
        .transfer_in(&mut savepoint, chat, code, queue, reason)
        .await;
    match settle(savepoint, result, replies.texts).await? {
        Ok(t) => {
            let name = engine
                .desk
                .routing()
                .queue(&t.queue)
                .map_or(t.queue.clone(), |q| q.name.clone());
            replies
                .say_text(
                    "consultant_transferred",
                    &[("code", &t.code), ("queue", &name)],
                    Vec::new(),
                )
                .await
        }
        Err(refusal) => replies.text(refusal).await,
    }
}

async fn resolve(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    code: &str,
    summary: &str,
) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine
        .desk
        .resolve_in(&mut savepoint, chat, code, summary)
        .await;
    match settle(savepoint, result, replies.texts).await? {
        Ok(t) => {
            if state.active_ticket.as_deref() == Some(code) {
                state.active_ticket = None;
            }
            replies
                .say_text("consultant_resolved", &[("code", &t.code)], Vec::new())
                .await
        }
        Err(refusal) => refuse_keeping(replies, refusal, summary).await,
    }
}

async fn show(engine: &Engine, replies: &mut Replies<'_>, code: &str) -> Result<()> {
    let texts = replies.texts;
    match engine
        .desk
        .show_to(&mut *replies.tx, replies.chat, code)
        .await
    {
        Ok(detail) => {
            let t = &detail.ticket;
            let mut body = texts.fill(
                "consultant_ticket",
                &[
                    ("code", &t.code),
                    ("status", &texts.get(t.status.text_key())),
                    ("queue", &t.queue),
                    ("company", &t.company),
                    ("region", &t.region),
                    ("category", &t.category),
                    ("contact", &t.contact),
                    ("consultant", &t.consultant_name.as_deref().unwrap_or("-")),
                    ("details", &notices::detail_lines(texts, t)),
                ],
            );
            body.push('\n');
            for m in detail.messages.iter().rev().take(10).rev() {
                let name = m.consultant_name.as_deref();
                let author = match m.author.as_str() {
                    "sme" => texts.get("consultant_author_sme").to_string(),
                    "note" => texts.fill(
                        "consultant_author_note",
                        &[("consultant", &name.unwrap_or(""))],
                    ),
                    _ => name.map_or_else(
                        || texts.get("consultant_author_unnamed").to_string(),
                        str::to_string,
                    ),
                };
                body.push('\n');
                body.push_str(&texts.fill(
                    "consultant_ticket_message",
                    &[("author", &author), ("message", &m.body)],
                ));
            }
            replies.text(body).await
        }
        Err(refusal) => replies.text(refusal.say(texts)).await,
    }
}

async fn lookup(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    question: &str,
) -> Result<()> {
    let kb = &engine.kb;
    let texts = replies.texts;
    let result = kb.find(question);
    if result.outcome == Outcome::Fallback || result.ranked.is_empty() {
        return replies
            .say_text("consultant_kb_none", &[], Vec::new())
            .await;
    }
    let held = engine
        .desk
        .held_by_in(&mut *replies.tx, replies.chat)
        .await?;
    let target = state
        .active_ticket
        .clone()
        .filter(|c| held.iter().any(|t| &t.code == c))
        .or_else(|| (held.len() == 1).then(|| held[0].code.clone()));
    let mut body = texts.get("consultant_kb_results").to_string();
    let mut buttons = Vec::new();
    for (i, scored) in result.ranked.iter().take(3).enumerate() {
        let entry = kb.entry(scored.entry);
        body.push('\n');
        body.push_str(&texts.fill(
            "consultant_kb_item",
            &[
                ("number", &(i + 1)),
                ("title", &entry.title()),
                ("score", &format!("{:.2}", scored.confidence)),
            ],
        ));
        if let Some(code) = &target {
            buttons.push(vec![Button::new(
                texts.fill(
                    "button_send_answer",
                    &[("number", &(i + 1)), ("code", code)],
                ),
                &Press::Send {
                    code: code.clone(),
                    entry: entry.id().to_string(),
                },
            )]);
        }
    }
    if target.is_none() {
        body.push_str("\n\n");
        body.push_str(texts.get("consultant_kb_pick_ticket"));
    }
    replies.say(body, buttons).await
}
