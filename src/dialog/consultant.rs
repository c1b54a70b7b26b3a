//! The consultant's side: their queue and tickets, claiming (the loser of a
//! race is told who won), transfer, resolve, internal notes, knowledge-base
//! lookups sent to the SME as a ready reply, and the relay of plain
//! messages to the SME of the ticket in hand.

use anyhow::Result;
use sqlx::Connection;

use super::commands::{CommandError, ConsultantCommand};
use super::{settle, ChatState, Engine, Input, Replies};
use crate::desk::notifier::waiting;
use crate::desk::tickets::Ticket;
use crate::kb::{render, Outcome};
use crate::protocol::{rows, Button, Pending, Press};

pub(super) async fn handle(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    input: &Input,
) -> Result<()> {
    match input {
        Input::Button(data) => match Press::parse(data) {
            Some(pressed) => press(engine, replies, state, &pressed).await,
            None => replies.text("이 버튼은 더 이상 쓸 수 없어요.").await,
        },
        Input::Text(text) => {
            if let Some(command) = text.strip_prefix('/') {
                command_message(engine, replies, state, command).await
            } else {
                plain(engine, replies, state, text).await
            }
        }
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
        Err(CommandError::Usage) => {
            let help = ConsultantCommand::help();
            return replies
                .text(format!("사용법을 확인해 주세요.\n{help}"))
                .await;
        }
        Err(CommandError::Unknown) => {
            let help = ConsultantCommand::help();
            return replies
                .text(format!("알 수 없는 명령이에요.\n{help}"))
                .await;
        }
    };
    match command {
        ConsultantCommand::Help => {
            let buttons = vec![vec![
                Button::new("대기 중인 접수", &Press::Queue),
                Button::new("내 접수", &Press::Mine),
            ]];
            replies.say(ConsultantCommand::help(), buttons).await
        }
        ConsultantCommand::Queue => queue(engine, replies).await,
        ConsultantCommand::Mine => mine(engine, replies).await,
        ConsultantCommand::Claim(code) => claim(engine, replies, state, code.as_deref()).await,
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
        } => ask_for_summary(replies, state, &code).await,
        ConsultantCommand::Resolve {
            code,
            summary: Some(summary),
        } => resolve(engine, replies, state, &code, &summary).await,
        ConsultantCommand::Show(code) => show(engine, replies, &code).await,
        ConsultantCommand::Kb(question) => lookup(engine, replies, state, &question).await,
        ConsultantCommand::Cancel => {
            state.pending = None;
            replies.text("취소했어요.").await
        }
    }
}

/// An internal note; the SME never sees it.
async fn note(engine: &Engine, replies: &mut Replies<'_>, code: &str, text: &str) -> Result<()> {
    let chat = replies.chat;
    let mut savepoint = replies.tx.begin().await?;
    let result = engine.desk.note_in(&mut savepoint, chat, code, text).await;
    match settle(savepoint, result).await? {
        Ok(()) => {
            replies
                .text(format!(
                    "{code} 건에 메모를 남겼어요 (SME에게는 보이지 않아요)."
                ))
                .await
        }
        Err(refusal) => replies.text(refusal).await,
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
        Press::Claim(code) => claim(engine, replies, state, Some(code)).await,
        Press::Transfer(code) => transfer_choices(engine, replies, code).await,
        Press::TransferTo { code, queue } => transfer(engine, replies, code, queue, "").await,
        Press::Resolve(code) => ask_for_summary(replies, state, code).await,
        Press::Use(code) => {
            state.active_ticket = Some(code.to_string());
            replies
                .text(format!(
                    "이제 보내시는 메시지는 {code} 건의 SME에게 전달돼요."
                ))
                .await
        }
        Press::Send { code, entry } => {
            // A knowledge-base answer sent to the SME as the consultant's reply.
            let Some(entry) = engine.kb.by_id(entry) else {
                return replies.text("그 답변을 찾을 수 없어요.").await;
            };
            let body = render::entry(&engine.kb, entry);
            reply(engine, replies, state, code, &body).await
        }
        _ => replies.text("이 버튼은 더 이상 쓸 수 없어요.").await,
    }
}

/// The consultant's next plain message will be the summary of resolving `code`.
async fn ask_for_summary(
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    code: &str,
) -> Result<()> {
    state.pending = Some(Pending::ResolveSummary {
        code: code.to_string(),
    });
    replies
        .text(format!(
            "{code} 건의 해결 내용을 한두 줄로 적어 주세요. SME에게 그대로 전달돼요. (/cancel 로 취소)"
        ))
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
    let held = engine
        .desk
        .held_by_in(&mut *replies.tx, replies.chat)
        .await?;
    let target = match &state.active_ticket {
        Some(code) if held.iter().any(|t| &t.code == code) => Some(code.clone()),
        _ if held.len() == 1 => Some(held[0].code.clone()),
        _ => None,
    };
    match target {
        Some(code) => reply(engine, replies, state, &code, text).await,
        None if held.is_empty() => {
            replies
                .say(
                    "맡고 있는 접수가 없어요. 대기 중인 접수를 확인해 보세요.",
                    vec![vec![Button::new("대기 중인 접수", &Press::Queue)]],
                )
                .await
        }
        None => {
            let buttons = held
                .iter()
                .map(|t| {
                    vec![Button::new(
                        format!("{} · {}", t.code, t.company),
                        &Press::Use(t.code.clone()),
                    )]
                })
                .collect();
            replies
                .say(
                    "어느 건의 SME에게 보낼까요? 고른 뒤 다시 보내 주세요.",
                    buttons,
                )
                .await
        }
    }
}

async fn queue(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    let waiting_tickets = engine
        .desk
        .waiting_for_in(&mut *replies.tx, replies.chat)
        .await?;
    if waiting_tickets.is_empty() {
        return replies.text("대기 중인 접수가 없어요.").await;
    }
    let mut body = format!("대기 중인 접수 {}건", waiting_tickets.len());
    let mut buttons = Vec::new();
    for t in waiting_tickets.iter().take(10) {
        body.push_str(&format!(
            "\n• {} · {} · {} · {} · 대기 {}",
            t.code,
            t.company,
            t.region,
            t.category,
            waiting(t)
        ));
        buttons.push(Button::new(
            format!("담당 {}", t.code),
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
        return replies.text("맡고 있는 접수가 없어요.").await;
    }
    let mut body = format!("내가 맡은 접수 {}건", held.len());
    let mut buttons = Vec::new();
    for t in &held {
        body.push_str(&format!("\n• {} · {} · {}", t.code, t.company, t.category));
        buttons.push(vec![
            Button::new(format!("{} 답하기", t.code), &Press::Use(t.code.clone())),
            Button::new("이관", &Press::Transfer(t.code.clone())),
            Button::new("해결", &Press::Resolve(t.code.clone())),
        ]);
    }
    replies.say(body, buttons).await
}

fn ticket_card(t: &Ticket) -> String {
    format!(
        "{} 건을 맡았어요.\n회사: {}\n지역/분야: {} / {}\n연락처: {}\n\n{}\n\n이제 보내시는 메시지는 이 SME에게 전달돼요. 해결하면 /resolve {} 를 보내 주세요.",
        t.code, t.company, t.region, t.category, t.contact, t.description, t.code
    )
}

async fn claim(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    code: Option<&str>,
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
    match settle(savepoint, result).await? {
        Ok(Some(ticket)) => {
            state.active_ticket = Some(ticket.code.clone());
            replies
                .say(
                    ticket_card(&ticket),
                    vec![vec![
                        Button::new("이관", &Press::Transfer(ticket.code.clone())),
                        Button::new("해결", &Press::Resolve(ticket.code.clone())),
                    ]],
                )
                .await
        }
        Ok(None) => replies.text("대기 중인 접수가 없어요.").await,
        Err(refusal) => replies.text(refusal).await,
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
    match settle(savepoint, result).await? {
        Ok(_) => {
            state.active_ticket = Some(code.to_string());
            Ok(())
        }
        Err(refusal) => replies.text(refusal).await,
    }
}

async fn transfer_choices(engine: &Engine, replies: &mut Replies<'_>, code: &str) -> Result<()> {
    let buttons = engine
        .desk
        .routing()
        .queues
        .iter()
        .map(|q| {
            let to = Press::TransferTo {
                code: code.to_string(),
                queue: q.id.clone(),
            };
            Button::new(q.name.clone(), &to)
        })
        .collect();
    replies
        .say(
            format!("{code} 건을 어느 기관으로 넘길까요?"),
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
    match settle(savepoint, result).await? {
        Ok(t) => {
            let name = engine
                .desk
                .routing()
                .queue(&t.queue)
                .map_or(t.queue.clone(), |q| q.name.clone());
            replies
                .text(format!("{} 건을 {name}(으)로 이관했어요.", t.code))
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
    match settle(savepoint, result).await? {
        Ok(t) => {
            if state.active_ticket.as_deref() == Some(code) {
                state.active_ticket = None;
            }
            replies
                .text(format!(
                    "{} 건을 해결 처리했어요. 며칠 뒤 SME에게 만족도를 여쭤볼게요.",
                    t.code
                ))
                .await
        }
        Err(refusal) => replies.text(refusal).await,
    }
}

async fn show(engine: &Engine, replies: &mut Replies<'_>, code: &str) -> Result<()> {
    match engine
        .desk
        .show_to(&mut *replies.tx, replies.chat, code)
        .await
    {
        Ok(detail) => {
            let t = &detail.ticket;
            let mut body = format!(
                "{} · {} · {}\n회사: {} ({} / {})\n연락처: {}\n담당: {}\n",
                t.code,
                t.status.label(),
                t.queue,
                t.company,
                t.region,
                t.category,
                t.contact,
                t.consultant_name.as_deref().unwrap_or("-")
            );
            for m in detail.messages.iter().rev().take(10).rev() {
                let who = match m.author.as_str() {
                    "sme" => "SME".to_string(),
                    "note" => format!("메모·{}", m.consultant_name.as_deref().unwrap_or("")),
                    _ => m.consultant_name.clone().unwrap_or_else(|| "상담원".into()),
                };
                body.push_str(&format!("\n[{who}] {}", m.body));
            }
            replies.text(body).await
        }
        Err(refusal) => replies.text(refusal.to_string()).await,
    }
}

async fn lookup(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    question: &str,
) -> Result<()> {
    let kb = &engine.kb;
    let result = kb.find(question);
    if result.outcome == Outcome::Fallback || result.ranked.is_empty() {
        return replies
            .text("지식베이스에서 맞는 답을 찾지 못했어요.")
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
    let mut body = String::from("지식베이스 검색 결과예요.");
    let mut buttons = Vec::new();
    for (i, scored) in result.ranked.iter().take(3).enumerate() {
        let entry = kb.entry(scored.entry);
        body.push_str(&format!(
            "\n{}. {} ({:.2})",
            i + 1,
            entry.title(),
            scored.score
        ));
        if let Some(code) = &target {
            buttons.push(vec![Button::new(
                format!("{}번 답변을 {code} SME에게 보내기", i + 1),
                &Press::Send {
                    code: code.clone(),
                    entry: entry.id().to_string(),
                },
            )]);
        }
    }
    if target.is_none() {
        body.push_str("\n\n(맡은 건을 고르면 답변을 SME에게 바로 보낼 수 있어요.)");
    }
    replies.say(body, buttons).await
}
