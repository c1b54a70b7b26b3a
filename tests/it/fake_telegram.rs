//! The fake Telegram Bot API (tests/it/common/fake_telegram.rs), driven by real
//! teloxide: what the end-to-end tests rely on.

use std::time::{Duration, Instant};

use crate::common::fake_telegram::{FakeTelegram, BOT_ID, BOT_USERNAME, TOKEN};
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, ParseMode, UpdateKind,
};
use teloxide::{ApiError, RequestError};

const WAIT: Duration = Duration::from_secs(5);

fn bot(fake: &FakeTelegram) -> Bot {
    Bot::new(fake.token()).set_api_url(fake.url().parse().unwrap())
}

fn keyboard() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![
            InlineKeyboardButton::callback("자금 지원", "topic:fund"),
            InlineKeyboardButton::callback("수출 지원", "topic:export"),
        ],
        vec![InlineKeyboardButton::callback("상담원 연결", "handover")],
    ])
}

#[tokio::test]
async fn get_me_answers_as_the_bot() {
    let fake = FakeTelegram::start().await;
    let me = bot(&fake).get_me().await.unwrap();
    assert_eq!(me.id.0 as i64, BOT_ID);
    assert!(me.is_bot);
    assert_eq!(me.username(), BOT_USERNAME);
    assert_eq!(fake.request_count("getMe"), 1);
}

#[tokio::test]
async fn a_pushed_text_is_delivered_until_acknowledged() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let id = fake.push_text(42, "정책자금 신청하고 싶어요");

    let updates = bot.get_updates().offset(0).timeout(1).await.unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].id.0 as i64, id);
    let UpdateKind::Message(message) = &updates[0].kind else {
        panic!("expected a message, got {:?}", updates[0].kind);
    };
    assert_eq!(message.text(), Some("정책자금 신청하고 싶어요"));
    assert_eq!(message.chat.id, ChatId(42));
    assert!(message.chat.is_private());
    let from = message.from.as_ref().unwrap();
    assert_eq!(from.id.0, 42);
    assert_eq!(from.first_name, "사용자42");

    // Not acknowledged yet: delivered again.
    let again = bot.get_updates().timeout(0).await.unwrap();
    assert_eq!(again.len(), 1);

    // Acknowledged: gone.
    let after = bot
        .get_updates()
        .offset(id as i32 + 1)
        .timeout(0)
        .await
        .unwrap();
    assert!(after.is_empty());
    assert_eq!(fake.acknowledged_offset(), id + 1);
    assert_eq!(fake.pending_updates(), 0);
}

#[tokio::test]
async fn long_polling_waits_for_a_push() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let started = Instant::now();
    let empty = bot.get_updates().timeout(1).await.unwrap();
    assert!(empty.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));

    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(5).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    fake.push_text(7, "여보세요");
    let updates = poll.await.unwrap();
    assert_eq!(updates.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn limit_and_redelivery() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let first = fake.push_text(1, "하나");
    let second = fake.push_text(1, "둘");
    let third = fake.push_text(2, "셋");
    assert_eq!((second, third), (first + 1, first + 2));

    let batch = bot.get_updates().limit(2).await.unwrap();
    assert_eq!(batch.len(), 2);
    let batch = bot.get_updates().offset(second as i32 + 1).await.unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].id.0 as i64, third);
    bot.get_updates().offset(third as i32 + 1).await.unwrap();
    assert_eq!(fake.pending_updates(), 0);

    fake.redeliver(second);
    let batch = bot.get_updates().offset(third as i32 + 1).await.unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].id.0 as i64, second);
    // The redelivered one is confirmed by the next poll with a higher offset.
    let batch = bot.get_updates().offset(third as i32 + 1).await.unwrap();
    assert!(batch.is_empty());
}

#[tokio::test]
async fn a_second_poller_terminates_the_first() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let first = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(5).await }
    });
    let deadline = Instant::now() + WAIT;
    while fake.request_count("getUpdates") == 0 {
        assert!(Instant::now() < deadline, "the first poll never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = bot.get_updates().timeout(0).await.unwrap();
    assert!(second.is_empty());
    let first = first.await.unwrap();
    assert!(
        matches!(
            first,
            Err(RequestError::Api(ApiError::TerminatedByOtherGetUpdates))
        ),
        "{first:?}"
    );
}

#[tokio::test]
async fn a_sent_message_is_recorded_with_its_buttons() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let message = bot
        .send_message(ChatId(5), "안녕하세요")
        .reply_markup(keyboard())
        .await
        .unwrap();
    assert_eq!(message.chat.id, ChatId(5));
    assert_eq!(message.text(), Some("안녕하세요"));
    assert_eq!(message.from.as_ref().unwrap().id.0 as i64, BOT_ID);
    assert_eq!(message.reply_markup(), Some(&keyboard()));

    let sent = fake.wait_for(5, |m| m.text.contains("안녕"), WAIT);
    assert_eq!(sent.message_id, message.id.0 as i64);
    assert_eq!(
        sent.buttons,
        vec![
            vec![
                ("자금 지원".to_owned(), "topic:fund".to_owned()),
                ("수출 지원".to_owned(), "topic:export".to_owned())
            ],
            vec![("상담원 연결".to_owned(), "handover".to_owned())],
        ]
    );
    assert_eq!(sent.button("상담원"), Some("handover"));
    assert_eq!(fake.sent_to(5), vec![sent.clone()]);
    assert!(fake.sent_to(6).is_empty());

    // Message ids count per chat, shared with the user's messages.
    fake.push_text(5, "네");
    let next = bot
        .send_message(ChatId(5), "무엇을 도와드릴까요?")
        .await
        .unwrap();
    assert_eq!(next.id.0, message.id.0 + 2);
    let other = bot.send_message(ChatId(6), "다른 대화").await.unwrap();
    assert_eq!(other.id.0, 1);
    assert_eq!(fake.wait_for_count(3, WAIT).len(), 3);
    assert_eq!(fake.request_count("sendMessage"), 3);
}

#[tokio::test]
async fn a_url_button_is_kept_as_a_url_button_and_a_bad_address_refused() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let markup = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::url("🔗 홈페이지", "http://www.yunghap.com".parse().unwrap()),
        InlineKeyboardButton::callback("상담원 연결", "flow:handoff"),
    ]]);
    bot.send_message(ChatId(7), "융합닷컴이에요.")
        .reply_markup(markup)
        .await
        .unwrap();
    let sent = fake.wait_for(7, |m| m.text.contains("융합닷컴"), WAIT);
    assert_eq!(
        sent.link("홈페이지").as_deref(),
        Some("http://www.yunghap.com/")
    );
    assert_eq!(sent.link("상담원"), None, "a callback button is no link");
    assert_eq!(sent.button("상담원"), Some("flow:handoff"));

    let ftp = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::url(
        "파일",
        "ftp://example.com/x".parse().unwrap(),
    )]]);
    let refused = bot
        .send_message(ChatId(7), "파일이에요.")
        .reply_markup(ftp)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("BUTTON_URL_INVALID"),
        "{refused}"
    );
}

#[test]
fn the_blocking_api_works_without_a_runtime() {
    let fake = FakeTelegram::start_blocking();
    let since = fake.sent_count();
    let sender = std::thread::spawn({
        let (url, token) = (fake.url(), fake.token().to_owned());
        move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let bot = Bot::new(token).set_api_url(url.parse().unwrap());
                bot.send_message(ChatId(9), "늦은 답장").await.unwrap();
            });
        }
    });
    let sent = fake.wait_for_since(9, since, |_| true, WAIT);
    assert_eq!(sent.text, "늦은 답장");
    sender.join().unwrap();
}

#[tokio::test]
async fn a_button_press_round_trip() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let message = bot
        .send_message(ChatId(5), "분야를 고르세요")
        .reply_markup(keyboard())
        .await
        .unwrap();
    let update_id = fake.push_callback(5, "topic:fund", message.id.0 as i64);

    let updates = bot.get_updates().await.unwrap();
    let UpdateKind::CallbackQuery(query) = &updates[0].kind else {
        panic!("expected a callback query, got {:?}", updates[0].kind);
    };
    assert_eq!(query.id.0, format!("cb-{update_id}"));
    assert_eq!(query.data.as_deref(), Some("topic:fund"));
    assert_eq!(query.from.id.0, 5);
    let Some(MaybeInaccessibleMessage::Regular(pressed)) = &query.message else {
        panic!(
            "expected the message with the button, got {:?}",
            query.message
        );
    };
    assert_eq!(pressed.id, message.id);
    assert_eq!(pressed.text(), Some("분야를 고르세요"));

    bot.answer_callback_query(query.id.clone())
        .text("자금 지원을 골랐습니다")
        .await
        .unwrap();
    let answers = fake.callback_answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].text.as_deref(), Some("자금 지원을 골랐습니다"));
    // A query is answered once.
    let twice = bot.answer_callback_query(query.id.clone()).await;
    assert!(
        matches!(twice, Err(RequestError::Api(ApiError::InvalidQueryId))),
        "{twice:?}"
    );

    let edited = bot
        .edit_message_text(ChatId(5), message.id, "자금 지원 분야입니다")
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("자금 지원 분야입니다"));
    assert!(edited.reply_markup().is_none());
    let same = bot
        .edit_message_text(ChatId(5), message.id, "자금 지원 분야입니다")
        .await;
    assert!(
        matches!(same, Err(RequestError::Api(ApiError::MessageNotModified))),
        "{same:?}"
    );
    let missing = bot
        .edit_message_reply_markup(ChatId(5), teloxide::types::MessageId(999))
        .await;
    assert!(
        matches!(
            missing,
            Err(RequestError::Api(ApiError::MessageToEditNotFound))
        ),
        "{missing:?}"
    );
    let current = fake.message(5, message.id.0 as i64).unwrap();
    assert_eq!(current.text, "자금 지원 분야입니다");
    assert!(current.buttons.is_empty());
    assert_eq!(fake.edits().len(), 1);
    // `sent()` keeps the message as it was sent.
    assert_eq!(fake.sent()[0].text, "분야를 고르세요");
}

#[tokio::test]
async fn an_outage_fails_fast_and_recovers() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    bot.get_me().await.unwrap(); // a pooled keep-alive connection exists now

    fake.set_outage(true);
    let started = Instant::now();
    let down = bot.send_message(ChatId(5), "안 갈 메시지").await;
    assert!(matches!(down, Err(RequestError::Network(_))), "{down:?}");
    let down = bot.get_updates().timeout(1).await;
    assert!(matches!(down, Err(RequestError::Network(_))), "{down:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(fake.sent().is_empty());

    fake.set_outage(false);
    bot.send_message(ChatId(5), "다시 연결됨").await.unwrap();
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn an_outage_ends_a_waiting_long_poll() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(10).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    fake.set_outage(true);
    let result = poll.await.unwrap();
    assert!(
        matches!(result, Err(RequestError::Network(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn rate_limiting_gives_retry_after() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    fake.rate_limit_next(2, 3);
    for _ in 0..2 {
        let limited = bot.send_message(ChatId(5), "잠시만요").await;
        match limited {
            Err(RequestError::RetryAfter(after)) => assert_eq!(after.seconds(), 3),
            other => panic!("expected RetryAfter, got {other:?}"),
        }
    }
    assert!(fake.sent().is_empty());
    bot.send_message(ChatId(5), "잠시만요").await.unwrap();
    assert_eq!(fake.sent().len(), 1);
    assert_eq!(fake.request_count("sendMessage"), 3);
}

#[tokio::test]
async fn telegram_s_own_refusals() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);

    let long = bot.send_message(ChatId(5), "가".repeat(4097)).await;
    assert!(
        matches!(long, Err(RequestError::Api(ApiError::MessageIsTooLong))),
        "{long:?}"
    );
    bot.send_message(ChatId(5), "가".repeat(4096))
        .await
        .unwrap();

    // 22 Hangul syllables are 66 bytes: over the 64-byte callback data limit.
    let data = "가".repeat(22);
    let big = bot
        .send_message(ChatId(5), "고르세요")
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![
            InlineKeyboardButton::callback("버튼", data),
        ]]))
        .await;
    assert!(
        matches!(big, Err(RequestError::Api(ApiError::ButtonDataInvalid))),
        "{big:?}"
    );

    let html = bot
        .send_message(ChatId(5), "매출 < 10억 <b>중소기업</b>")
        .parse_mode(ParseMode::Html)
        .await;
    assert!(
        matches!(
            &html,
            Err(RequestError::Api(ApiError::CantParseEntities(_)))
        ),
        "{html:?}"
    );
    let html = bot
        .send_message(ChatId(5), "매출 &lt; 10억 <b>중소기업</b>")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    assert_eq!(html.text(), Some("매출 < 10억 중소기업"));
    assert_eq!(fake.sent().last().unwrap().plain, "매출 < 10억 중소기업");

    let markdown = bot
        .send_message(ChatId(5), "신청 기간은 3.31까지")
        .parse_mode(ParseMode::MarkdownV2)
        .await;
    assert!(
        matches!(
            &markdown,
            Err(RequestError::Api(ApiError::CantParseEntities(_)))
        ),
        "{markdown:?}"
    );
    bot.send_message(ChatId(5), "*신청 기간*은 3\\.31까지")
        .parse_mode(ParseMode::MarkdownV2)
        .await
        .unwrap();

    fake.block_chat(13);
    let blocked = bot.send_message(ChatId(13), "안녕하세요").await;
    assert!(
        matches!(blocked, Err(RequestError::Api(ApiError::BotBlocked))),
        "{blocked:?}"
    );
    assert_eq!(fake.sent().len(), 3);
}

#[tokio::test]
async fn webhook_commands_and_unknown_methods() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);

    let info = bot.get_webhook_info().await.unwrap();
    assert!(info.url.is_none());
    bot.set_webhook("https://example.invalid/hook".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(fake.webhook_url(), "https://example.invalid/hook");
    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(info.url.unwrap().as_str(), "https://example.invalid/hook");
    let refused = bot.get_updates().await;
    assert!(refused.is_err(), "{refused:?}");
    bot.delete_webhook().await.unwrap();
    assert_eq!(fake.webhook_url(), "");
    bot.get_updates().await.unwrap();

    bot.set_my_commands(vec![teloxide::types::BotCommand::new("start", "상담 시작")])
        .await
        .unwrap();
    assert_eq!(
        fake.commands().unwrap(),
        serde_json::json!([{"command": "start", "description": "상담 시작"}])
    );

    let unknown = bot.send_dice(ChatId(5)).await;
    assert!(
        matches!(&unknown, Err(RequestError::Api(ApiError::Unknown(d))) if d == "Not Found: method not found"),
        "{unknown:?}"
    );
    assert_eq!(fake.request_count("sendDice"), 1);
    assert_eq!(fake.request_counts()["getWebhookInfo"], 2);

    let wrong_token = Bot::new("999:WRONG").set_api_url(fake.url().parse().unwrap());
    assert!(wrong_token.get_me().await.is_err());
    assert_ne!(TOKEN, "999:WRONG");
}

#[tokio::test]
async fn a_teloxide_dispatcher_answers_through_the_fake() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let handler = Update::filter_message().endpoint(|bot: Bot, message: Message| async move {
        let text = message.text().unwrap_or_default();
        bot.send_message(message.chat.id, format!("받았습니다: {text}"))
            .await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let since = fake.sent_count();
    let id = fake.push_text(77, "수출 바우처");
    let reply = fake
        .wait_for_since_async(77, since, |m| m.text.contains("수출 바우처"), WAIT)
        .await;
    assert_eq!(reply.text, "받았습니다: 수출 바우처");

    // teloxide acknowledges with its next poll.
    let deadline = Instant::now() + WAIT;
    while fake.acknowledged_offset() <= id {
        assert!(Instant::now() < deadline, "update {id} never acknowledged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    token.shutdown().unwrap().await;
    running.await.unwrap();
    assert!(fake.request_count("getUpdates") >= 2);
}

/// Raw HTTP, to check what teloxide cannot show quickly: query-string
/// parameters, and the 502 of `set_bad_gateway` (teloxide sleeps 10 s on 5xx).
#[test]
fn raw_http_query_parameters_and_bad_gateway() {
    use std::io::{Read, Write};

    fn get(fake: &FakeTelegram, path: &str) -> String {
        let address = fake
            .url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    let fake = FakeTelegram::start_blocking();
    let response = get(
        &fake,
        "/bot123456:TEST/sendMessage?chat_id=3&text=%EC%95%88%EB%85%95+%ED%95%98%EC%84%B8%EC%9A%94",
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(fake.sent_to(3)[0].text, "안녕 하세요");

    let response = get(&fake, "/bot123456:TEST/frobnicate");
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    assert!(response.contains(r#""description":"Not Found: method not found""#));

    fake.set_bad_gateway(true);
    let response = get(&fake, "/bot123456:TEST/getMe");
    assert!(response.starts_with("HTTP/1.1 502"), "{response}");
    fake.set_bad_gateway(false);
    let response = get(&fake, "/bot123456:TEST/getMe");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(fake.request_count("getMe"), 2);
}
