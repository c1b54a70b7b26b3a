//! An SME walking through a flow (intake, handoff, program finder): each
//! step asked with its buttons, the answer checked against the step's type
//! (phone numbers, emails, regions, yes/no…) and kept, back and cancel, and
//! the flow's action at the end (open a ticket, find programs).

use anyhow::Result;
use sqlx::Connection;

use super::{greet, menu_buttons};
use crate::desk::{outbox, pii, Detail, NewTicket};
use crate::dialog::flows::{Action, Flow, SlotType, Step, Target};
use crate::dialog::{settle, ChatState, Engine, FlowState, Replies};
use crate::protocol::{rows, Button, Press, Reply};
use crate::texts::Texts;
use crate::vocabulary::{
    canonical_category, region_short_name, CATEGORIES, NATIONWIDE, REGIONS, STAGES,
};

/// Starts flow `id` at its first step; a flow that opens a ticket while one
/// of the SME's is open asks first whether to add to that one instead.
pub(super) async fn start_flow(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    id: &str,
) -> Result<()> {
    let Some(flow) = engine.flows.get(id) else {
        let menu = menu_buttons(replies.texts);
        return replies.say_text("sme_flow_missing", &[], menu).await;
    };
    if flow.opens_ticket() {
        let open = engine
            .desk
            .active_ticket_of_requester_in(&mut *replies.tx, replies.chat)
            .await?;
        if let Some(ticket) = open {
            let texts = replies.texts;
            let buttons = vec![vec![
                Button::new(
                    texts.get("button_add_to_ticket"),
                    &Press::AddTo(ticket.code.clone()),
                ),
                Button::new(
                    texts.get("button_new_ticket"),
                    &Press::NewTicket(flow.id.clone()),
                ),
            ]];
            return replies
                .say_text(
                    "sme_ticket_already_open",
                    &[("code", &ticket.code)],
                    buttons,
                )
                .await;
        }
    }
    begin(replies, state, flow).await
}

/// Starts flow `id` even though a ticket is open: a new topic, on purpose.
pub(super) async fn start_new_ticket_flow(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    id: &str,
) -> Result<()> {
    match engine.flows.get(id) {
        Some(flow) => begin(replies, state, flow).await,
        None => {
            let menu = menu_buttons(replies.texts);
            replies.say_text("sme_flow_missing", &[], menu).await
        }
    }
}

async fn begin(replies: &mut Replies<'_>, state: &mut ChatState, flow: &Flow) -> Result<()> {
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
    let texts = replies.texts;
    let prompt = step.ask.replace("{summary}", &summary(texts, flow, fs));
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
            Button::new(texts.get("button_yes"), &Press::Yes),
            Button::new(texts.get("button_no"), &Press::No),
        ]],
        _ => Vec::new(),
    };
    let mut controls = Vec::new();
    if step.optional {
        controls.push(Button::new(texts.get("button_skip"), &Press::Skip));
    }
    if !fs.history.is_empty() {
        controls.push(Button::new(texts.get("button_back"), &Press::Back));
    }
    controls.push(Button::new(texts.get("button_cancel"), &Press::Cancel));
    buttons.push(controls);
    replies.say(prompt, buttons).await
}

/// What a flow's `{summary}` says: one line per slot given, in the order
/// the flow asked them.
fn summary(texts: &Texts, flow: &Flow, fs: &FlowState) -> String {
    collected(texts, flow, fs)
        .iter()
        .map(|d| {
            texts.fill(
                "sme_summary_line",
                &[("label", &d.label), ("value", &d.value)],
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The slots given so far with their labels: the preset ones, then those of
/// the steps on the way to the current one (itself included), in that
/// order; answers left empty (a skipped step) are left out.
fn collected(texts: &Texts, flow: &Flow, fs: &FlowState) -> Vec<Detail> {
    let mut slots: Vec<(&str, Option<&str>)> = flow
        .preset
        .keys()
        .map(|slot| (slot.as_str(), None))
        .collect();
    let path = fs.history.iter().chain(std::iter::once(&fs.step));
    for step in path.filter_map(|id| flow.step(id)) {
        let Some(slot) = step.slot.as_deref() else {
            continue;
        };
        match slots.iter_mut().find(|(s, _)| *s == slot) {
            Some(known) => known.1 = known.1.or(step.label.as_deref()),
            None => slots.push((slot, step.label.as_deref())),
        }
    }
    slots
        .into_iter()
        .filter_map(|(slot, label)| {
            let value = fs.slots.get(slot).filter(|v| !v.trim().is_empty())?;
            Some(Detail {
                slot: slot.to_string(),
                label: label.map_or_else(|| slot_label(texts, slot), str::to_string),
                value: value.clone(),
            })
        })
        .collect()
}

/// What a slot without a `label` is called: the bot's word for the slots
/// it knows (`sme_slot_company`: 회사), else the slot's own name with
/// spaces for `_` (`employees`, `founded year`).
fn slot_label(texts: &Texts, slot: &str) -> String {
    let key = format!("sme_slot_{slot}");
    if Texts::is_known(&key) {
        texts.get(&key).to_string()
    } else {
        slot.replace('_', " ")
    }
}

pub(super) async fn cancel(replies: &mut Replies<'_>, state: &mut ChatState) -> Result<()> {
    let was_in_flow = state.flow.take().is_some();
    let key = if was_in_flow {
        "sme_cancelled"
    } else {
        "sme_nothing_to_cancel"
    };
    let menu = menu_buttons(replies.texts);
    replies.say_text(key, &[], menu).await
}

pub(super) async fn back(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
) -> Result<()> {
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
            replies.say_text("sme_first_step", &[], Vec::new()).await?;
            let flow = engine.flows.get(&fs.id).cloned();
            match flow {
                Some(flow) => ask(replies, &flow, state).await,
                None => Ok(()),
            }
        }
    }
}

/// The answer to the current step: checked, kept, and on to the next.
pub(super) async fn flow_answer(
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
        return greet(replies).await;
    };
    let Some(step) = flow.step(&fs.step).cloned() else {
        state.flow = None;
        return greet(replies).await;
    };
    let target = match check_answer(&step, text) {
        Err(problem) => {
            replies.say_text(problem, &[], Vec::new()).await?;
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
            let fs = state.flow.take().unwrap_or_default();
            run_action(engine, replies, state, &flow, action, fs).await
        }
        None => {
            state.flow = None;
            greet(replies).await
        }
    }
}

enum Checked {
    Value(String),
    Yes,
    No,
}

/// Checks an answer against the step's type; the error is the key of the
/// text that says why the step is asked again.
fn check_answer(step: &Step, text: &str) -> Result<Checked, &'static str> {
    let text = text.trim();
    if step.optional && matches!(text, "건너뛰기" | "없음" | "없어요" | "skip") {
        return Ok(Checked::Value(String::new()));
    }
    match step.kind {
        SlotType::Text => {
            if text.chars().count() > crate::dialog::MAX_MESSAGE_CHARS {
                Err("sme_answer_too_long")
            } else {
                Ok(Checked::Value(text.to_string()))
            }
        }
        SlotType::Region => match region_short_name(text) {
            Some(r) if r != NATIONWIDE => Ok(Checked::Value(r.to_string())),
            _ => Err("sme_answer_region"),
        },
        SlotType::Category => {
            let c = canonical_category(text);
            if CATEGORIES.contains(&c) {
                Ok(Checked::Value(c.to_string()))
            } else {
                Err("sme_answer_category")
            }
        }
        SlotType::Stage => {
            if STAGES.contains(&text) {
                Ok(Checked::Value(text.to_string()))
            } else {
                Err("sme_answer_stage")
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
                None => Err("sme_answer_choice"),
            }
        }
        SlotType::YesNo => yes_or_no(text).ok_or("sme_answer_yes_no"),
        SlotType::Phone => phone(text).map(Checked::Value).ok_or("sme_answer_phone"),
        SlotType::Email => email(text).map(Checked::Value).ok_or("sme_answer_email"),
        SlotType::Contact => phone(text)
            .or_else(|| email(text))
            .map(Checked::Value)
            .ok_or("sme_answer_contact"),
        SlotType::BusinessNumber => pii::business_number(text)
            .map(Checked::Value)
            .map_err(|e| e.text_key()),
    }
}

/// Ways of saying yes, compared without spaces, punctuation or emoji.
const YES: &[&str] = &[
    "예",
    "네",
    "넹",
    "넵",
    "넴",
    "녜",
    "네네",
    "넵넵",
    "넹넹",
    "예예",
    "응",
    "웅",
    "응응",
    "ㅇ",
    "ㅇㅇ",
    "ㅇㅋ",
    "ㅇㅋㅇㅋ",
    "오케이",
    "오키",
    "좋아요",
    "좋아",
    "좋습니다",
    "좋죠",
    "그래요",
    "그래",
    "그럼요",
    "그럼",
    "맞아요",
    "맞아",
    "맞습니다",
    "맞네요",
    "물론이죠",
    "당연하죠",
    "부탁해요",
    "부탁드려요",
    "부탁드립니다",
    "해주세요",
    "해 주세요",
    "접수해주세요",
    "yes",
    "y",
    "ok",
    "okay",
    "sure",
];

/// Ways of saying no, compared the same way.
const NO: &[&str] = &[
    "아니요",
    "아니오",
    "아뇨",
    "아니",
    "아니에요",
    "아니예요",
    "아니야",
    "아녜요",
    "아니용",
    "노",
    "ㄴ",
    "ㄴㄴ",
    "ㄴㄴㄴ",
    "싫어요",
    "싫어",
    "싫습니다",
    "안돼요",
    "안 돼요",
    "안돼",
    "됐어요",
    "됐습니다",
    "no",
    "n",
    "nope",
];

/// A yes/no step's answer: yes or no said in one of the common ways
/// (네, 넹, ㅇㅇ, 좋아요 …; 아뇨, ㄴㄴ, 싫어요 …), with or without
/// punctuation, emoji and spaces; or an answer that starts with one of
/// them ("네 맞아요", "아니요 다시 할게요").
fn yes_or_no(text: &str) -> Option<Checked> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let whole = words.concat();
    let is = |list: &[&str], word: &str| list.iter().any(|w| w.replace(' ', "") == word);
    let first = words.first()?;
    if is(YES, &whole) || (is(YES, first) && !words.iter().any(|w| is(NO, w))) {
        Some(Checked::Yes)
    } else if is(NO, &whole) || is(NO, first) {
        Some(Checked::No)
    } else {
        None
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

/// The flow's action, its `done` text said first when the action goes
/// through (a refused ticket or a cancel is not done: each says so itself).
async fn run_action(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    flow: &Flow,
    action: Action,
    fs: FlowState,
) -> Result<()> {
    match action {
        // The flow is already over (taken from `state`): say it was cancelled.
        Action::Cancel => {
            let menu = menu_buttons(replies.texts);
            replies.say_text("sme_cancelled", &[], menu).await
        }
        Action::OpenTicket => open_ticket(engine, replies, flow, &fs).await,
        Action::FindPrograms => {
            if let Some(done) = done_text(flow) {
                replies.send(done).await?;
            }
            super::finder::find_programs(engine, replies, state, &fs.slots).await
        }
    }
}

/// The flow's `done` text, if it has one.
fn done_text(flow: &Flow) -> Option<Reply> {
    let done = flow.done.trim();
    (!done.is_empty()).then(|| Reply::text(done))
}

/// The intake's end: the flow's `done` text, then the desk opens the
/// ticket, with every answer of the flow as its details, and writes the
/// receipt; a refusal takes back the `done` text and is said with a button
/// to start the flow again.
async fn open_ticket(
    engine: &Engine,
    replies: &mut Replies<'_>,
    flow: &Flow,
    fs: &FlowState,
) -> Result<()> {
    let slots = &fs.slots;
    let details = collected(replies.texts, flow, fs);
    let slot = |k: &str| slots.get(k).cloned().unwrap_or_default();
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
    if let Some(done) = done_text(flow) {
        outbox::enqueue(&mut savepoint, replies.chat, &done, None).await?;
    }
    let result = engine
        .desk
        .open_ticket_with_details_in(&mut savepoint, new, details)
        .await;
    match settle(savepoint, result, replies.texts).await? {
        // The desk wrote the receipt with the code.
        Ok(_) => Ok(()),
        Err(refusal) => {
            let again = Button::new(flow.title.clone(), &Press::Flow(flow.id.clone()));
            replies
                .say_text(
                    "sme_intake_refused",
                    &[("refusal", &refusal)],
                    vec![vec![again]],
                )
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_are_heard_in_their_common_forms() {
        let yes = |t: &str| matches!(yes_or_no(t), Some(Checked::Yes));
        let no = |t: &str| matches!(yes_or_no(t), Some(Checked::No));
        for t in [
            "네",
            "넹",
            "넵",
            "네네",
            "예",
            "응",
            "ㅇㅇ",
            "ㅇㅋ",
            "좋아요",
            "그래요",
            "맞아요",
            "네!",
            "넵~",
            "넹 😊",
            " 네네. ",
            "네 접수해 주세요",
            "네 맞아요",
            "YES",
            "Ok",
        ] {
            assert!(yes(t), "{t}");
        }
        for t in [
            "아니요",
            "아뇨",
            "아니",
            "ㄴㄴ",
            "아니에요",
            "싫어요",
            "아니요!",
            "아뇨 ㅠㅠ",
            "아니 다시 할게요",
            "no",
        ] {
            assert!(no(t), "{t}");
        }
        for t in ["", "글쎄요", "😊", "잘 모르겠어요", "네 아니요"] {
            assert!(yes_or_no(t).is_none(), "{t}");
        }
    }

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
