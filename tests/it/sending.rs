//! Sending when the Bot API is slow or says "too many requests": the real
//! `onestop serve` with its default client against the fake Bot API.

use std::time::Duration;

use crate::common::fake_telegram::{FakeTelegram, Request};
use crate::common::pg::TestDb;
use crate::operations::{greetings, wait_until, Process};

/// Sends to one chat are answered this late (the message itself arrives at
/// once): longer than teloxide's own client waits (17 s), shorter than ours.
const SLOW_ANSWER: Duration = Duration::from_secs(25);

#[test]
fn one_slow_answer_holds_back_only_its_own_chat_and_its_message_goes_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new());
    let fake = FakeTelegram::start_blocking();
    let _bot = Process::serve(&db, &fake, &[]);
    let slow = 8100;
    fake.set_slow_chat(slow, SLOW_ANSWER);
    fake.push_text(slow, "/start");
    wait_until("the slow chat's greeting arrives", || {
        greetings(&fake, slow) == 1
    });
    // Its second greeting can go only when the first is answered.
    fake.push_text(slow, "/start");

    let others = 8200..8230;
    for chat in others.clone() {
        fake.push_text(chat, "/start");
    }
    wait_until("every other chat is greeted", || {
        others.clone().all(|chat| greetings(&fake, chat) == 1)
    });
    assert_eq!(
        greetings(&fake, slow),
        1,
        "the other chats were answered while the slow chat's first answer was still on its way"
    );
    fake.set_slow_chat(slow, Duration::ZERO);

    wait_until("the slow chat's second greeting follows", || {
        greetings(&fake, slow) == 2
    });
    // Anything sent twice would come in the next moments; a third message
    // to every chat marks the end of what this run sends.
    fake.push_text(slow, "/start");
    wait_until("the slow chat's third greeting", || {
        greetings(&fake, slow) == 3
    });
    let to_slow: Vec<String> = fake.sent_to(slow).into_iter().map(|m| m.plain).collect();
    assert_eq!(
        to_slow.len(),
        3,
        "each greeting once, none given up on and sent again: {to_slow:#?}"
    );
    for chat in others {
        assert_eq!(fake.sent_to(chat).len(), 1, "chat {chat}: one greeting");
    }
}

#[test]
fn too_many_requests_pauses_sending_for_as_long_as_telegram_asks() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new());
    let fake = FakeTelegram::start_blocking();
    let _bot = Process::serve(&db, &fake, &[]);
    // The bot is up and sending.
    fake.push_text(8300, "/start");
    wait_until("the first chat is greeted", || greetings(&fake, 8300) == 1);

    let retry_after = Duration::from_secs(3);
    fake.rate_limit_next(1, retry_after.as_secs() as u32);
    fake.push_text(8301, "/start");
    let first_send_to = |chat: i64| {
        fake.requests()
            .into_iter()
            .find(|r| r.method == "sendMessage" && chat_of(r) == Some(chat))
            .map(|r| r.at)
    };
    wait_until("a send is refused with 429", || {
        first_send_to(8301).is_some()
    });
    let refused_at = first_send_to(8301).unwrap();
    // Written while the bot waits: they wait too.
    let others = 8302..8310;
    for chat in others.clone() {
        fake.push_text(chat, "/start");
    }
    wait_until("everyone is greeted after the pause", || {
        (8301..8310).all(|chat| greetings(&fake, chat) == 1)
    });
    let early: Vec<Duration> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "sendMessage" && r.at > refused_at)
        .map(|r| r.at - refused_at)
        .filter(|after| *after < retry_after - Duration::from_millis(50))
        .collect();
    assert!(
        early.is_empty(),
        "no send before Telegram's retry_after ran out; these went after {early:?}"
    );
    assert_eq!(greetings(&fake, 8301), 1, "the refused greeting went once");
}

/// The chat a request was for, however its `chat_id` was written.
fn chat_of(request: &Request) -> Option<i64> {
    let chat = &request.params["chat_id"];
    chat.as_i64().or_else(|| chat.as_str()?.parse().ok())
}
