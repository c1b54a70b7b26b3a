//! The SME's side of a conversation: the menu, questions answered from the
//! knowledge base, flows (intake, handoff, program finder), their tickets'
//! status, the relay to a consultant, and the follow-up rating.

use anyhow::Result;
use sqlx::Connection;

use super::commands::SmeCommand;
use super::flows::{Action, Flow, SlotType, Step, Target};
use super::{settle, ChatState, Engine, FlowState, Input, Replies};
use crate::desk::{pii, show_time, NewTicket};
use crate::kb::model::Entry;
use crate::kb::{render, Outcome};
use crate::protocol::{rows, Button, MenuPage, Press};
use crate::vocabulary::{
    canonical_category, region_short_name, CATEGORIES, NATIONWIDE, REGIONS, STAGES,
};

/// The main menu: (label, what pressing it means).
fn menu() -> [(&'static str, Press); 5] {
    [
        ("지원사업 찾기", Press::Flow("finder".into())),
        ("자주 묻는 질문", Press::Menu(MenuPage::Faq)),
        ("애로사항 접수", Press::Flow("intake".into())),
        ("상담원 연결", handoff()),
        ("내 접수 현황", Press::Menu(MenuPage::Status)),
    ]
}

/// The button to a person.
fn handoff() -> Press {
    Press::Flow("handoff".into())
}

fn menu_buttons() -> Vec<Vec<Button>> {
    rows(
        menu()
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
                greet(engine, replies).await
            }
            Some(SmeCommand::Cancel) => cancel(replies, state).await,
            Some(SmeCommand::Back) => back(engine, replies, state).await,
            Some(SmeCommand::Status) => status(engine, replies).await,
            None => {
                replies
                    .text("알 수 없는 명령이에요. /start 를 누르면 메뉴를 볼 수 있어요.")
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
    // A consultant holds this SME's ticket: the message is for them.
    let claimed = engine
        .desk
        .requester_has_claimed_ticket_in(&mut *replies.tx, replies.chat)
        .await?;
    if claimed {
        let chat = replies.chat;
        let mut savepoint = replies.tx.begin().await?;
        let result = engine.desk.sme_message_in(&mut savepoint, chat, text).await;
        if let Err(refusal) = settle(savepoint, result).await? {
            replies.text(refusal).await?;
        }
        return Ok(());
    }
    if let Some((_, pressed)) = menu().iter().find(|(label, _)| *label == text) {
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

async fn greet(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    replies
        .say(engine.kb.texts.get("greeting"), menu_buttons())
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
    let result = kb.find(text);
    tracing::debug!(outcome = result.outcome.as_str(), "matched");
    state.offered.clear();
    match result.outcome {
        Outcome::Answer => {
            let entry = kb.entry(result.ranked[0].entry);
            let mut buttons = vec![Button::new("자세히", &Press::Entry(entry.id().to_string()))];
            if matches!(entry, Entry::Program(_)) {
                buttons.push(Button::new(
                    "신청 방법",
                    &Press::Apply(entry.id().to_string()),
                ));
            }
            buttons.push(Button::new("상담원 연결", &handoff()));
            replies.say(render::reply(kb, &result), vec![buttons]).await
        }
        Outcome::Suggest => {
            let offered = render::suggestions(kb, &result);
            state.offered = offered
                .iter()
                .map(|&e| kb.entry(e).id().to_string())
                .collect();
            let mut buttons: Vec<Vec<Button>> = offered
                .iter()
                .map(|&e| {
                    let entry = kb.entry(e);
                    vec![Button::new(
                        entry.title(),
                        &Press::Entry(entry.id().to_string()),
                    )]
                })
                .collect();
            buttons.push(vec![Button::new("상담원 연결", &handoff())]);
            replies.say(render::reply(kb, &result), buttons).await
        }
        Outcome::Fallback => {
            engine.desk.record_unanswered_in(replies.tx, text).await?;
            replies
                .say(
                    kb.texts.get("fallback"),
                    vec![vec![
                        Button::new("상담원 연결", &handoff()),
                        Button::new("메뉴", &Press::Menu(MenuPage::Start)),
                    ]],
                )
                .await
        }
    }
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
        Press::Menu(MenuPage::Start) => greet(engine, replies).await,
        Press::Flow(id) => start_flow(engine, replies, state, id).await,
        Press::Entry(id) => show_entry(engine, replies, id).await,
        Press::Apply(id) => match engine.kb.by_id(id) {
            Some(Entry::Program(p)) => {
                replies
                    .text(format!(
                        "📝 {} 신청 방법\n{}\n\n문의: {}",
                        p.name, p.apply, p.contact
                    ))
                    .await
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
            if let Err(refusal) = settle(savepoint, result).await? {
                replies.text(refusal).await?;
            }
            Ok(())
        }
        // A button from an old message (a finished flow, say), or one of
        // the consultant's side.
        _ => stale_button(replies).await,
    }
}

async fn stale_button(replies: &mut Replies<'_>) -> Result<()> {
    replies
        .say(
            "이 버튼은 더 이상 쓸 수 없어요. 메뉴에서 다시 골라 주세요.",
            menu_buttons(),
        )
        .await
}

async fn show_entry(engine: &Engine, replies: &mut Replies<'_>, id: &str) -> Result<()> {
    match engine.kb.by_id(id) {
        Some(entry) => {
            let mut buttons = Vec::new();
            if matches!(entry, Entry::Program(_)) {
                buttons.push(Button::new("신청 방법", &Press::Apply(id.to_string())));
            }
            buttons.push(Button::new("상담원 연결", &handoff()));
            replies
                .say(render::entry(&engine.kb, entry), vec![buttons])
                .await
        }
        None => {
            replies
                .say(
                    "그 안내는 지금 찾을 수 없어요. 궁금한 점을 다시 적어 주세요.",
                    menu_buttons(),
                )
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
    replies
        .say(
            "자주 묻는 질문이에요. 궁금한 점을 직접 적어 주셔도 돼요.",
            buttons,
        )
        .await
}

async fn status(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    let tickets = engine
        .desk
        .tickets_of_requester_in(&mut *replies.tx, replies.chat, 10)
        .await?;
    if tickets.is_empty() {
        return replies
            .say(
                "아직 접수하신 건이 없어요. 어려운 점이 있으면 '애로사항 접수'를 눌러 주세요.",
                vec![vec![Button::new(
                    "애로사항 접수",
                    &Press::Flow("intake".into()),
                )]],
            )
            .await;
    }
    let mut body = String::from("내 접수 현황이에요.");
    for t in &tickets {
        body.push_str(&format!(
            "\n• {} · {} · 접수 {}",
            t.code,
            t.status.label(),
            show_time(t.created_at)
        ));
    }
    replies.text(body).await
}

async fn start_flow(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    id: &str,
) -> Result<()> {
    let Some(flow) = engine.flows.get(id) else {
        return replies
            .say(
                "지금은 그 기능을 쓸 수 없어요. 메뉴에서 다시 골라 주세요.",
                menu_buttons(),
            )
            .await;
    };
    state.offered.clear();
    state.flow = Some(FlowState {
        id: flow.id.clone(),
        step: flow.start.clone(),
        slots: flow.preset.clone(),
        history: Vec::new(),
    });
    ask(replies, flow, state).await
}

/// Sends the prompt of the current step.
async fn ask(replies: &mut Replies<'_>, flow: &Flow, state: &ChatState) -> Result<()> {
    let Some(fs) = &state.flow else {
        return Ok(());
    };
    let Some(step) = flow.step(&fs.step) else {
        return Ok(());
    };
    let prompt = step.ask.replace("{summary}", &summary(&fs.slots));
    let mut buttons: Vec<Vec<Button>> = match step.kind {
        SlotType::Region => rows(
            REGIONS
                .iter()
                .map(|(short, _)| Button::new(*short, &Press::Choose(short.to_string())))
                .collect(),
            4,
        ),
        SlotType::Category => rows(
            CATEGORIES
                .iter()
                .map(|c| Button::new(*c, &Press::Choose(c.to_string())))
                .collect(),
            4,
        ),
        SlotType::Stage => rows(
            STAGES
                .iter()
                .map(|s| Button::new(*s, &Press::Choose(s.to_string())))
                .collect(),
            2,
        ),
        // By number: Telegram allows 64 bytes of button data, and a Korean
        // option can be longer than that.
        SlotType::Choice => rows(
            step.options
                .iter()
                .enumerate()
                .map(|(i, o)| Button::new(o.as_str(), &Press::Choose((i + 1).to_string())))
                .collect(),
            2,
        ),
        SlotType::YesNo => vec![vec![
            Button::new("예", &Press::Yes),
            Button::new("아니요", &Press::No),
        ]],
        _ => Vec::new(),
    };
    let mut controls = Vec::new();
    if step.optional {
        controls.push(Button::new("건너뛰기", &Press::Skip));
    }
    if !fs.history.is_empty() {
        controls.push(Button::new("이전", &Press::Back));
    }
    controls.push(Button::new("취소", &Press::Cancel));
    buttons.push(controls);
    replies.say(prompt, buttons).await
}

fn summary(slots: &std::collections::BTreeMap<String, String>) -> String {
    const LABELS: [(&str, &str); 9] = [
        ("company", "회사"),
        ("region", "지역"),
        ("category", "분야"),
        ("description", "내용"),
        ("contact", "연락처"),
        ("business_number", "사업자등록번호"),
        ("stage", "단계"),
        ("need", "필요한 지원"),
        ("", ""),
    ];
    let mut out = Vec::new();
    for (key, label) in LABELS.iter().filter(|(k, _)| !k.is_empty()) {
        if let Some(value) = slots.get(*key).filter(|v| !v.is_empty()) {
            out.push(format!("• {label}: {value}"));
        }
    }
    out.join("\n")
}

async fn cancel(replies: &mut Replies<'_>, state: &mut ChatState) -> Result<()> {
    let was_in_flow = state.flow.take().is_some();
    let body = if was_in_flow {
        "취소했어요. 입력하신 내용은 저장하지 않았어요. 다른 도움이 필요하시면 말씀해 주세요."
    } else {
        "진행 중인 일이 없어요. /start 를 누르면 메뉴를 볼 수 있어요."
    };
    replies.say(body, menu_buttons()).await
}

async fn back(engine: &Engine, replies: &mut Replies<'_>, state: &mut ChatState) -> Result<()> {
    let Some(fs) = state.flow.as_mut() else {
        return cancel(replies, state).await;
    };
    match fs.history.pop() {
        Some(previous) => {
            fs.step = previous;
            let flow = engine.flows.get(&fs.id).cloned();
            match flow {
                Some(flow) => ask(replies, &flow, state).await,
                None => cancel(replies, state).await,
            }
        }
        None => {
            replies
                .text("첫 질문이에요. 그만두려면 '취소'를 눌러 주세요.")
                .await?;
            let flow = engine.flows.get(&fs.id).cloned();
            match flow {
                Some(flow) => ask(replies, &flow, state).await,
                None => Ok(()),
            }
        }
    }
}

/// The answer to the current step: checked, kept, and on to the next.
async fn flow_answer(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    text: &str,
) -> Result<()> {
    let Some(fs) = state.flow.clone() else {
        return Ok(());
    };
    let Some(flow) = engine.flows.get(&fs.id).cloned() else {
        // The flow was removed by a reload: start over.
        state.flow = None;
        return greet(engine, replies).await;
    };
    let Some(step) = flow.step(&fs.step).cloned() else {
        state.flow = None;
        return greet(engine, replies).await;
    };
    let target = match check_answer(&step, text) {
        Err(problem) => {
            replies.text(problem).await?;
            return ask(replies, &flow, state).await;
        }
        Ok(Checked::Yes) => step.yes.clone(),
        Ok(Checked::No) => step.no.clone(),
        Ok(Checked::Value(value)) => {
            let fs = state.flow.as_mut().expect("in a flow");
            if let Some(slot) = &step.slot {
                fs.slots.insert(slot.clone(), value);
            }
            step.next.clone()
        }
    };
    match target {
        Some(Target::Step(next)) => {
            let fs = state.flow.as_mut().expect("in a flow");
            fs.history.push(fs.step.clone());
            fs.step = next;
            ask(replies, &flow, state).await
        }
        Some(Target::Action(action)) => {
            let slots = state.flow.take().map(|f| f.slots).unwrap_or_default();
            run_action(engine, replies, state, &flow, action, slots).await
        }
        None => {
            state.flow = None;
            greet(engine, replies).await
        }
    }
}

enum Checked {
    Value(String),
    Yes,
    No,
}

/// Checks an answer against the step's type; the error is the re-ask reason.
fn check_answer(step: &Step, text: &str) -> Result<Checked, String> {
    let text = text.trim();
    if step.optional && matches!(text, "건너뛰기" | "없음" | "없어요" | "skip") {
        return Ok(Checked::Value(String::new()));
    }
    match step.kind {
        SlotType::Text => {
            if text.chars().count() > super::MAX_MESSAGE_CHARS {
                Err("내용이 너무 길어요. 4,000자 이내로 줄여 주세요.".into())
            } else {
                Ok(Checked::Value(text.to_string()))
            }
        }
        SlotType::Region => match region_short_name(text) {
            Some(r) if r != NATIONWIDE => Ok(Checked::Value(r.to_string())),
            _ => Err("지역을 알아보지 못했어요. 아래 버튼에서 골라 주세요.".into()),
        },
        SlotType::Category => {
            let c = canonical_category(text);
            if CATEGORIES.contains(&c) {
                Ok(Checked::Value(c.to_string()))
            } else {
                Err("분야를 알아보지 못했어요. 아래 버튼에서 골라 주세요.".into())
            }
        }
        SlotType::Stage => {
            if STAGES.contains(&text) {
                Ok(Checked::Value(text.to_string()))
            } else {
                Err("사업 단계를 아래 버튼에서 골라 주세요.".into())
            }
        }
        SlotType::Choice => {
            let by_number = text
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| step.options.get(n));
            match by_number.or_else(|| step.options.iter().find(|o| o.as_str() == text)) {
                Some(o) => Ok(Checked::Value(o.clone())),
                None => Err("아래 버튼에서 골라 주세요.".into()),
            }
        }
        SlotType::YesNo => match text {
            "예" | "네" | "응" | "ㅇㅇ" | "yes" | "y" | "좋아요" | "네 접수해 주세요" => Ok(Checked::Yes),
            "아니요" | "아니오" | "아니" | "no" | "n" | "ㄴㄴ" => Ok(Checked::No),
            _ => Err("'예' 또는 '아니요'로 답해 주세요.".into()),
        },
        SlotType::Phone => phone(text)
            .map(Checked::Value)
            .ok_or_else(|| "전화번호를 알아보지 못했어요. 010-1234-5678처럼 적어 주세요.".into()),
        SlotType::Email => email(text)
            .map(Checked::Value)
            .ok_or_else(|| "이메일 주소를 알아보지 못했어요. name@example.com처럼 적어 주세요.".into()),
        SlotType::Contact => phone(text)
            .or_else(|| email(text))
            .map(Checked::Value)
            .ok_or_else(|| {
                "연락처를 알아보지 못했어요. 010-1234-5678 같은 전화번호나 이메일 주소를 적어 주세요."
                    .into()
            }),
        SlotType::BusinessNumber => pii::business_number(text)
            .map(Checked::Value)
            .map_err(|e| e.to_string()),
    }
}

/// A Korean phone number as 0XX-XXXX-XXXX, or `None`.
fn phone(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let rest_ok = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+' | '(' | ')' | '.'));
    if !rest_ok {
        return None;
    }
    let digits = match digits.strip_prefix("82") {
        Some(rest) if text.trim_start().starts_with('+') => format!("0{rest}"),
        _ => digits,
    };
    if !(9..=11).contains(&digits.len()) || !digits.starts_with('0') {
        return None;
    }
    let (a, rest) = if digits.starts_with("02") {
        digits.split_at(2)
    } else {
        digits.split_at(3)
    };
    let (b, c) = rest.split_at(rest.len() - 4);
    Some(format!("{a}-{b}-{c}"))
}

fn email(text: &str) -> Option<String> {
    let text = text.trim();
    let (user, domain) = text.split_once('@')?;
    let ok = !user.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.contains(char::is_whitespace);
    ok.then(|| text.to_string())
}

async fn run_action(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    flow: &Flow,
    action: Action,
    slots: std::collections::BTreeMap<String, String>,
) -> Result<()> {
    let slot = |k: &str| slots.get(k).cloned().unwrap_or_default();
    match action {
        Action::Cancel => cancel(replies, state).await,
        Action::OpenTicket => {
            let new = NewTicket {
                requester_chat: replies.chat,
                company: slot("company"),
                region: slot("region"),
                category: slot("category"),
                description: slot("description"),
                contact: slot("contact"),
                business_number: Some(slot("business_number")).filter(|b| !b.is_empty()),
            };
            let mut savepoint = replies.tx.begin().await?;
            let result = engine.desk.open_ticket_in(&mut savepoint, new).await;
            match settle(savepoint, result).await? {
                // The desk wrote the receipt with the code.
                Ok(_) => Ok(()),
                Err(refusal) => {
                    replies
                        .say(
                            format!("{refusal}\n처음부터 다시 해 주세요."),
                            vec![vec![Button::new(
                                flow.title.clone(),
                                &Press::Flow(flow.id.clone()),
                            )]],
                        )
                        .await
                }
            }
        }
        Action::FindPrograms => {
            let region = slot("region");
            let stage = slot("stage");
            let need = slot("need");
            let mut fits: Vec<(u8, &crate::kb::Program)> = engine
                .kb
                .programs
                .iter()
                .filter(|p| {
                    p.regions.is_empty()
                        || p.regions.iter().any(|r| r == &region || r == NATIONWIDE)
                })
                .filter(|p| p.stages.is_empty() || p.stages.iter().any(|s| s == &stage))
                .map(|p| {
                    let local = p.regions.iter().any(|r| r == &region);
                    let score = u8::from(p.category == need) * 2 + u8::from(local);
                    (score, p)
                })
                .filter(|(score, _)| *score >= 2)
                .collect();
            fits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
            if fits.is_empty() {
                return replies
                    .say(
                        format!("{region} · {stage} · {need}에 딱 맞는 지원사업을 찾지 못했어요. 상담원이 알맞은 곳을 찾아 드릴 수 있어요."),
                        vec![vec![Button::new("상담원 연결", &handoff())]],
                    )
                    .await;
            }
            let mut body = format!("{region} · {stage} · {need}에 맞는 지원사업이에요.");
            let mut buttons = Vec::new();
            for (i, (_, p)) in fits.iter().take(5).enumerate() {
                body.push_str(&format!("\n{}. {} ({})", i + 1, p.name, p.agency));
                buttons.push(vec![Button::new(
                    p.name.clone(),
                    &Press::Entry(p.id.clone()),
                )]);
            }
            state.offered = fits.iter().take(5).map(|(_, p)| p.id.clone()).collect();
            replies.say(body, buttons).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_read_in_the_usual_shapes() {
        assert_eq!(phone("010-1234-5678").as_deref(), Some("010-1234-5678"));
        assert_eq!(phone("01012345678").as_deref(), Some("010-1234-5678"));
        assert_eq!(phone("02 123 4567").as_deref(), Some("02-123-4567"));
        assert_eq!(phone("+82 10 1234 5678").as_deref(), Some("010-1234-5678"));
        assert_eq!(phone("전화 주세요"), None);
        assert_eq!(phone("1234"), None);
    }

    #[test]
    fn emails_need_a_user_and_a_dotted_domain() {
        assert!(email("kim@example.co.kr").is_some());
        assert!(email("kim@localhost").is_none());
        assert!(email("@example.com").is_none());
        assert!(email("kim @example.com").is_none());
    }
}
