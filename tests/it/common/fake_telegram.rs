//! A fake Telegram Bot API server on loopback, for end-to-end tests.
//!
//! It speaks the wire format teloxide 0.17 (teloxide-core 0.13) uses:
//! `POST {api_url}/bot{token}/{method}` with a JSON body (multipart for
//! methods that can carry files, such as `setWebhook`), answered with
//! `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`.
//!
//! The server runs on its own thread with its own single-threaded tokio
//! runtime, so it works the same from a plain `#[test]` and from a
//! `#[tokio::test]`. Every control and inspection method is synchronous and
//! cheap (a std `Mutex`); the waiting ones come in a blocking form
//! (`wait_for`, backed by a `Condvar`) and an async form (`wait_for_async`,
//! backed by a tokio `Notify`) so an in-process bot on the test's own runtime
//! is never starved.
//!
//! What it checks like the real server does (so the bot meets these errors in
//! tests rather than in production): empty or over-long text, malformed HTML
//! (`parse_mode: "HTML"`), unescaped reserved characters in MarkdownV2,
//! callback data over 64 bytes (Korean is 3 bytes a syllable), a URL
//! button whose address is not http(s) or tg, editing a
//! message that does not exist or into exactly the same content, answering an
//! unknown callback query, two concurrent `getUpdates` (the older one gets 409),
//! `getUpdates` while a webhook is set (409).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// The token the fake accepts. Requests with any other token get 401.
pub const TOKEN: &str = "123456:TEST";
/// The bot's own user id (the part of the token before the colon).
pub const BOT_ID: i64 = 123456;
pub const BOT_USERNAME: &str = "onestop_test_bot";
pub const BOT_FIRST_NAME: &str = "원스톱 도우미";

/// A message the bot sent (`sendMessage`), as it was sent.
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    /// Position among all messages the bot sent to any chat (0-based).
    pub index: usize,
    pub chat_id: i64,
    /// The id the fake gave it (one counter per chat, shared with the user's
    /// messages, as in real private chats).
    pub message_id: i64,
    /// The text exactly as the bot sent it (markup included).
    pub text: String,
    /// What the user sees: HTML tags / MarkdownV2 markers removed, entities
    /// and escapes resolved.
    pub plain: String,
    pub parse_mode: Option<String>,
    /// The `reply_markup` JSON as sent.
    pub reply_markup: Option<Value>,
    /// Inline keyboard rows as (label, callback_data); a button without
    /// callback data (a URL button, say) has its URL or "" as the second part.
    pub buttons: Vec<Vec<(String, String)>>,
    /// A file sent by id (`sendPhoto`, `sendDocument`, …): its field name
    /// (`photo`, `document`, …) and file id; `text` is then its caption.
    pub file: Option<(String, String)>,
}

impl SentMessage {
    /// The callback data of the first button whose label contains `label`.
    pub fn button(&self, label: &str) -> Option<&str> {
        self.buttons
            .iter()
            .flatten()
            .find(|(text, _)| text.contains(label))
            .map(|(_, data)| data.as_str())
    }

    /// The web address of the first URL button (a `url`, no callback data)
    /// whose label contains `label`; `None` for a callback button.
    pub fn link(&self, label: &str) -> Option<String> {
        self.reply_markup
            .as_ref()?
            .get("inline_keyboard")?
            .as_array()?
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .find(|b| b["text"].as_str().is_some_and(|t| t.contains(label)))
            .filter(|b| b.get("callback_data").is_none())
            .and_then(|b| b["url"].as_str())
            .map(str::to_owned)
    }

    /// All button labels, row by row flattened.
    pub fn button_labels(&self) -> Vec<&str> {
        self.buttons
            .iter()
            .flatten()
            .map(|(text, _)| text.as_str())
            .collect()
    }
}

/// An `editMessageText` or `editMessageReplyMarkup` call that succeeded.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub method: String,
    pub chat_id: i64,
    pub message_id: i64,
    /// The new text (`editMessageText` only).
    pub text: Option<String>,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<Value>,
    /// The message's buttons after the edit.
    pub buttons: Vec<Vec<(String, String)>>,
}

/// An `answerCallbackQuery` call that succeeded.
#[derive(Clone, Debug, PartialEq)]
pub struct CallbackAnswer {
    pub callback_query_id: String,
    pub text: Option<String>,
    pub show_alert: bool,
}

/// One request that reached the handler (not those dropped by an outage).
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: String,
    /// When it reached the handler.
    pub at: std::time::Instant,
    /// Parameters from the query string and the body (JSON, urlencoded form
    /// or multipart; form values that look like JSON are parsed).
    pub params: Value,
}

#[derive(Default)]
struct State {
    /// Every update ever pushed, in push order.
    updates: Vec<Value>,
    next_update_id: i64,
    /// Updates with `update_id` below this are confirmed (forgotten).
    acknowledged: i64,
    /// Updates to hand out again: (update_id, delivered since requeued).
    redeliver: Vec<(i64, bool)>,
    allowed_updates: Option<Vec<String>>,
    /// Bumped by every `getUpdates`; a waiting poll that sees a newer one
    /// answers 409 like Telegram does.
    poll_generation: u64,
    /// How many polls were ended by a newer one (409 Conflict).
    conflicts: u64,
    next_message_id: HashMap<i64, i64>,
    /// Current JSON of every message the bot sent, by (chat, message id).
    messages: HashMap<(i64, i64), Value>,
    sent: Vec<SentMessage>,
    edits: Vec<Edit>,
    callback_answers: Vec<CallbackAnswer>,
    open_callbacks: HashSet<String>,
    requests: Vec<Request>,
    counts: BTreeMap<String, u64>,
    rate_limited: u32,
    retry_after: u32,
    /// How long `sendMessage` takes to answer (the message is delivered at
    /// once; only the answer waits), as a Bot API under load.
    answer_delay: AnswerDelay,
    /// `sendMessage` calls answered so far under `answer_delay`.
    delayed_answers: u64,
    /// Answers to sends to these chats take this long, until cleared.
    slow_chats: HashMap<i64, Duration>,
    bad_gateway: bool,
    blocked: HashSet<i64>,
    webhook_url: String,
    commands: Option<Value>,
    /// The command lists as they stand, by scope (the scope's JSON as text;
    /// `{"type":"default"}` when none was given), as Telegram keeps them.
    scoped_commands: BTreeMap<String, Value>,
    /// Updates pushed as JSON text (sent as they are, which serde_json
    /// could not write: lone surrogates), by update_id.
    raw_text: HashMap<i64, String>,
    /// Updates handed out whatever `allowed_updates` says, as a careless
    /// or hostile server would.
    unfiltered: HashSet<i64>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    notify: Notify,
    outage: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wakes every waiter (blocking and async) after a change.
    fn wake(&self) {
        self.changed.notify_all();
        self.notify.notify_waiters();
    }
}

/// How long the fake takes to answer `sendMessage`: `usual`, and every
/// `slow_every`-th call (if not 0) `slow` instead.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnswerDelay {
    pub usual: Duration,
    pub slow_every: u64,
    pub slow: Duration,
}

/// The fake Bot API server. Dropping it stops the server.
pub struct FakeTelegram {
    shared: Arc<Shared>,
    url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeTelegram {
    /// Starts a server on 127.0.0.1 with a free port. It runs on its own
    /// thread, so this never blocks; `start_blocking` is the same for plain
    /// `#[test]`s.
    pub async fn start() -> FakeTelegram {
        Self::start_blocking()
    }

    /// Starts a server (see `start`), usable without any runtime.
    pub fn start_blocking() -> FakeTelegram {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                next_update_id: 1,
                ..State::default()
            }),
            changed: Condvar::new(),
            notify: Notify::new(),
            outage: AtomicBool::new(false),
        });
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fake-telegram-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("fake Telegram runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    let app = Router::new()
                        .fallback(handle)
                        .with_state(server_shared.clone());
                    let listener = FakeListener {
                        inner: listener,
                        shared: server_shared,
                    };
                    tokio::select! {
                        result = axum::serve(listener, app) => {
                            if let Err(error) = result {
                                eprintln!("fake Telegram stopped: {error}");
                            }
                        }
                        _ = shutdown_rx => {}
                    }
                });
                runtime.shutdown_background();
            })
            .expect("spawn the fake Telegram thread");
        FakeTelegram {
            shared,
            url: format!("http://127.0.0.1:{port}/"),
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>/`, for `TELOXIDE_API_URL` or `Bot::set_api_url`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The token to give the bot (`TELOXIDE_TOKEN`).
    pub fn token(&self) -> &str {
        TOKEN
    }

    // ---- feeding updates ------------------------------------------------

    /// Queues a text message from the user `chat_id` in its private chat
    /// (user id = chat id, first name "사용자{chat_id}"). A text starting
    /// with `/` gets a `bot_command` entity. Returns the update_id.
    pub fn push_text(&self, chat_id: i64, text: &str) -> i64 {
        let mut state = self.shared.lock();
        let message_id = state.take_message_id(chat_id);
        let mut message = json!({
            "message_id": message_id,
            "from": user_json(chat_id),
            "chat": private_chat_json(chat_id),
            "date": now(),
            "text": text,
        });
        if text.starts_with('/') {
            let command = text.split_whitespace().next().unwrap_or(text);
            message["entities"] = json!([{
                "type": "bot_command",
                "offset": 0,
                "length": command.encode_utf16().count(),
            }]);
        }
        let id = state.push_update(json!({ "message": message }));
        drop(state);
        self.shared.wake();
        id
    }

    /// Queues a press of an inline button with `data` on the bot's message
    /// `message_id` in `chat_id`. The query id is `"cb-{update_id}"`.
    /// Returns the update_id.
    pub fn push_callback(&self, chat_id: i64, data: &str, message_id: i64) -> i64 {
        let mut state = self.shared.lock();
        let id = state.next_update_id;
        let message = state
            .messages
            .get(&(chat_id, message_id))
            .cloned()
            .unwrap_or_else(|| {
                json!({
                    "message_id": message_id,
                    "from": bot_user_json(),
                    "chat": private_chat_json(chat_id),
                    "date": now(),
                    "text": "",
                })
            });
        let query_id = format!("cb-{id}");
        state.open_callbacks.insert(query_id.clone());
        let id = state.push_update(json!({
            "callback_query": {
                "id": query_id,
                "from": user_json(chat_id),
                "message": message,
                "chat_instance": format!("ci-{chat_id}"),
                "data": data,
            }
        }));
        drop(state);
        self.shared.wake();
        id
    }

    /// Queues any update JSON. Without an `update_id` it gets the next one;
    /// with one, later ids continue above it. Returns the update_id.
    pub fn push_raw(&self, update: Value) -> i64 {
        let mut state = self.shared.lock();
        let id = match update.get("update_id").and_then(Value::as_i64) {
            Some(id) => {
                state.next_update_id = state.next_update_id.max(id + 1);
                if let Some(query_id) = update.pointer("/callback_query/id").and_then(Value::as_str)
                {
                    state.open_callbacks.insert(query_id.to_owned());
                }
                state.updates.push(update);
                id
            }
            None => {
                assert!(update.is_object(), "an update is a JSON object");
                if let Some(query_id) = update.pointer("/callback_query/id").and_then(Value::as_str)
                {
                    state.open_callbacks.insert(query_id.to_owned());
                }
                state.push_update(update)
            }
        };
        drop(state);
        self.shared.wake();
        id
    }

    /// Queues an update given as JSON text: `fields` is what follows
    /// `"update_id": N,` inside the object, sent byte for byte (so it may
    /// hold what no JSON library writes, such as `"\ud800"`). Handed out
    /// whatever `allowed_updates` says. Returns the update_id.
    pub fn push_raw_text(&self, fields: &str) -> i64 {
        let mut state = self.shared.lock();
        let id = state.push_update(json!({ "raw_text": true }));
        state
            .raw_text
            .insert(id, format!("{{\"update_id\": {id}, {fields}}}"));
        state.unfiltered.insert(id);
        drop(state);
        self.shared.wake();
        id
    }

    /// Queues any update JSON (it gets the next update_id) and hands it out
    /// whatever `allowed_updates` says, as a careless or hostile server
    /// would. Returns the update_id.
    pub fn push_unfiltered(&self, update: Value) -> i64 {
        let mut state = self.shared.lock();
        let id = state.push_update(update);
        state.unfiltered.insert(id);
        drop(state);
        self.shared.wake();
        id
    }

    /// Hands out update `update_id` again on the next `getUpdates`, even if it
    /// was acknowledged (what Telegram does when a bot dies before its
    /// acknowledgement arrives). It counts as delivered again once a later
    /// `getUpdates` has an offset above it.
    pub fn redeliver(&self, update_id: i64) {
        let mut state = self.shared.lock();
        assert!(
            state.update(update_id).is_some(),
            "redeliver({update_id}): no such update was pushed"
        );
        state.redeliver.push((update_id, false));
        drop(state);
        self.shared.wake();
    }

    // ---- inspecting -----------------------------------------------------

    /// Every message the bot sent, in send order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared.lock().sent.clone()
    }

    /// The messages the bot sent from position `index` on (cheap to poll).
    pub fn sent_from(&self, index: usize) -> Vec<SentMessage> {
        let state = self.shared.lock();
        state.sent[index.min(state.sent.len())..].to_vec()
    }

    /// Number of messages the bot sent so far (to pass to `wait_for_since`).
    pub fn sent_count(&self) -> usize {
        self.shared.lock().sent.len()
    }

    /// The messages the bot sent to `chat_id`, in send order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.shared
            .lock()
            .sent
            .iter()
            .filter(|message| message.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// A bot message as it is now (edits applied).
    pub fn message(&self, chat_id: i64, message_id: i64) -> Option<SentMessage> {
        let state = self.shared.lock();
        let original = state
            .sent
            .iter()
            .find(|m| m.chat_id == chat_id && m.message_id == message_id)?
            .clone();
        let current = state.messages.get(&(chat_id, message_id))?;
        let text = current["text"].as_str().unwrap_or_default().to_owned();
        let reply_markup = current.get("reply_markup").cloned();
        let last_edit = state
            .edits
            .iter()
            .rev()
            .find(|e| e.chat_id == chat_id && e.message_id == message_id && e.text.is_some());
        Some(SentMessage {
            text: last_edit
                .and_then(|e| e.text.clone())
                .unwrap_or(original.text),
            parse_mode: last_edit.map_or(original.parse_mode, |e| e.parse_mode.clone()),
            plain: text,
            buttons: buttons_of(reply_markup.as_ref()),
            reply_markup,
            ..original
        })
    }

    /// Every successful edit, in order.
    pub fn edits(&self) -> Vec<Edit> {
        self.shared.lock().edits.clone()
    }

    /// Every successful `answerCallbackQuery`, in order.
    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.shared.lock().callback_answers.clone()
    }

    /// The highest `offset` a `getUpdates` has sent: every update with a
    /// smaller id is confirmed. 0 before any.
    pub fn acknowledged_offset(&self) -> i64 {
        self.shared.lock().acknowledged
    }

    /// How many pushed updates are not yet confirmed (plus pending
    /// redeliveries).
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().pending_count()
    }

    /// How many requests for `method` reached the server (the name compared
    /// case-insensitively, as Telegram does).
    pub fn request_count(&self, method: &str) -> u64 {
        self.shared
            .lock()
            .counts
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(method))
            .map(|(_, count)| count)
            .sum()
    }

    /// Requests per method that reached the server: served methods under
    /// their documented names ("sendMessage"), others as they arrived
    /// (teloxide sends "SendDice").
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared.lock().counts.clone()
    }

    /// Every request that reached the server, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    /// The URL of the webhook the bot set ("" when none).
    pub fn webhook_url(&self) -> String {
        self.shared.lock().webhook_url.clone()
    }

    /// The `commands` of the last `setMyCommands`.
    pub fn commands(&self) -> Option<Value> {
        self.shared.lock().commands.clone()
    }

    /// The command list registered for `scope` (e.g. `{"type":"default"}`,
    /// `{"type":"chat","chat_id":9001}`), as `setMyCommands` and
    /// `deleteMyCommands` left it.
    pub fn commands_for(&self, scope: &Value) -> Option<Value> {
        self.shared
            .lock()
            .scoped_commands
            .get(&scope_key(Some(scope)))
            .cloned()
    }

    // ---- waiting --------------------------------------------------------

    /// Waits until the bot has sent `chat_id` a message matching `predicate`
    /// (messages sent before the call count too) and returns the first one.
    /// Panics on timeout, listing what was sent.
    pub fn wait_for(
        &self,
        chat_id: i64,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> SentMessage {
        self.wait_for_since(chat_id, 0, predicate, timeout)
    }

    /// Like `wait_for`, but only messages with `index >= since` count
    /// (take `since` from `sent_count()` before pushing).
    pub fn wait_for_since(
        &self,
        chat_id: i64,
        since: usize,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> SentMessage {
        let found = self.wait_blocking(timeout, |state| {
            find_sent(state, chat_id, since, &predicate)
        });
        found.unwrap_or_else(|| {
            panic!(
                "no message to chat {chat_id} (from #{since}) matched within {timeout:?}; sent so far:\n{}",
                self.describe_sent()
            )
        })
    }

    /// Waits until the bot has sent at least `total` messages in all and
    /// returns them all. Panics on timeout, listing what was sent.
    pub fn wait_for_count(&self, total: usize, timeout: Duration) -> Vec<SentMessage> {
        let found = self.wait_blocking(timeout, |state| {
            (state.sent.len() >= total).then(|| state.sent.clone())
        });
        found.unwrap_or_else(|| {
            panic!(
                "expected {total} sent messages within {timeout:?}; sent so far:\n{}",
                self.describe_sent()
            )
        })
    }

    /// How many `getUpdates` were answered 409 Conflict because a newer one
    /// came in while they waited: two bots polling at once.
    pub fn conflicts(&self) -> u64 {
        self.shared.lock().conflicts
    }

    /// Waits until `getUpdates` has confirmed every update up to `update_id`.
    /// Panics on timeout.
    pub fn wait_for_ack(&self, update_id: i64, timeout: Duration) {
        let found = self.wait_blocking(timeout, |state| {
            (state.acknowledged > update_id).then_some(())
        });
        if found.is_none() {
            panic!(
                "update {update_id} not acknowledged within {timeout:?} (offset is {})",
                self.acknowledged_offset()
            );
        }
    }

    /// `wait_for` without blocking the calling runtime.
    pub async fn wait_for_async(
        &self,
        chat_id: i64,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> SentMessage {
        self.wait_for_since_async(chat_id, 0, predicate, timeout)
            .await
    }

    /// `wait_for_since` without blocking the calling runtime.
    pub async fn wait_for_since_async(
        &self,
        chat_id: i64,
        since: usize,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> SentMessage {
        let found = self
            .wait_async(timeout, |state| {
                find_sent(state, chat_id, since, &predicate)
            })
            .await;
        found.unwrap_or_else(|| {
            panic!(
                "no message to chat {chat_id} (from #{since}) matched within {timeout:?}; sent so far:\n{}",
                self.describe_sent()
            )
        })
    }

    /// `wait_for_count` without blocking the calling runtime.
    pub async fn wait_for_count_async(&self, total: usize, timeout: Duration) -> Vec<SentMessage> {
        let found = self
            .wait_async(timeout, |state| {
                (state.sent.len() >= total).then(|| state.sent.clone())
            })
            .await;
        found.unwrap_or_else(|| {
            panic!(
                "expected {total} sent messages within {timeout:?}; sent so far:\n{}",
                self.describe_sent()
            )
        })
    }

    // ---- faults ---------------------------------------------------------

    /// While on, Telegram is unreachable: new connections are closed at once
    /// and open ones fail on their next read or write, so every call fails
    /// fast with `RequestError::Network`. Waiting long polls end too.
    pub fn set_outage(&self, on: bool) {
        self.shared.outage.store(on, Ordering::SeqCst);
        self.shared.wake();
    }

    /// While on, every request gets HTTP 502 with an HTML body, like a proxy
    /// in front of a dead Bot API. Note teloxide sleeps 10 s on any 5xx
    /// before reporting `RequestError::InvalidJson`.
    pub fn set_bad_gateway(&self, on: bool) {
        self.shared.lock().bad_gateway = on;
        self.shared.wake();
    }

    /// From now on, `sendMessage` delivers at once but answers after
    /// `delay` (the whole answer, as a slow Bot API would).
    pub fn set_answer_delay(&self, delay: AnswerDelay) {
        let mut state = self.shared.lock();
        state.answer_delay = delay;
        state.delayed_answers = 0;
    }

    /// From now on, a `sendMessage` to `chat_id` delivers at once but
    /// answers after `delay` (`Duration::ZERO` ends it).
    pub fn set_slow_chat(&self, chat_id: i64, delay: Duration) {
        let mut state = self.shared.lock();
        if delay.is_zero() {
            state.slow_chats.remove(&chat_id);
        } else {
            state.slow_chats.insert(chat_id, delay);
        }
    }

    /// The next `n` `sendMessage` calls get 429 with `retry_after` (nothing
    /// is sent). teloxide reports `RequestError::RetryAfter`.
    pub fn rate_limit_next(&self, n: u32, retry_after_secs: u32) {
        let mut state = self.shared.lock();
        state.rate_limited = n;
        state.retry_after = retry_after_secs;
    }

    /// From now on, sending to `chat_id` fails with 403 "Forbidden: bot was
    /// blocked by the user".
    pub fn block_chat(&self, chat_id: i64) {
        self.shared.lock().blocked.insert(chat_id);
    }

    // ---- internals ------------------------------------------------------

    fn describe_sent(&self) -> String {
        let state = self.shared.lock();
        if state.sent.is_empty() {
            return "  (nothing)".to_owned();
        }
        state
            .sent
            .iter()
            .map(|m| {
                format!(
                    "  #{} chat {} msg {}: {:?} buttons {:?}",
                    m.index, m.chat_id, m.message_id, m.text, m.buttons
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn wait_blocking<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            if let Some(found) = check(&state) {
                return Some(found);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    async fn wait_async<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = check(&self.shared.lock()) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return check(&self.shared.lock());
            }
        }
    }
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn find_sent(
    state: &State,
    chat_id: i64,
    since: usize,
    predicate: &impl Fn(&SentMessage) -> bool,
) -> Option<SentMessage> {
    state
        .sent
        .iter()
        .skip(since)
        .find(|m| m.chat_id == chat_id && predicate(m))
        .cloned()
}

impl State {
    /// How long the answer to a `sendMessage` to `chat_id` waits.
    fn answer_wait(&mut self, chat_id: Option<i64>) -> Duration {
        if let Some(slow) = chat_id.and_then(|chat| self.slow_chats.get(&chat)) {
            return *slow;
        }
        let delay = self.answer_delay;
        self.delayed_answers += 1;
        if delay.slow_every > 0 && self.delayed_answers.is_multiple_of(delay.slow_every) {
            delay.slow
        } else {
            delay.usual
        }
    }

    fn take_message_id(&mut self, chat_id: i64) -> i64 {
        let next = self.next_message_id.entry(chat_id).or_insert(1);
        let id = *next;
        *next += 1;
        id
    }

    fn push_update(&mut self, mut update: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        update["update_id"] = json!(id);
        self.updates.push(update);
        id
    }

    fn update(&self, update_id: i64) -> Option<&Value> {
        self.updates
            .iter()
            .find(|u| u["update_id"].as_i64() == Some(update_id))
    }

    fn pending_count(&self) -> usize {
        self.redeliver.len()
            + self
                .updates
                .iter()
                .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= self.acknowledged)
                .count()
    }

    fn allowed(&self, update: &Value) -> bool {
        if let Some(id) = update["update_id"].as_i64() {
            if self.unfiltered.contains(&id) {
                return true;
            }
        }
        match &self.allowed_updates {
            Some(allowed) if !allowed.is_empty() => update
                .as_object()
                .map(|o| o.keys().any(|k| k != "update_id" && allowed.contains(k)))
                .unwrap_or(false),
            _ => {
                // Telegram leaves these out unless asked for explicitly.
                !["chat_member", "message_reaction", "message_reaction_count"]
                    .iter()
                    .any(|k| update.get(*k).is_some())
            }
        }
    }

    /// The updates a `getUpdates` with this (already applied) offset returns.
    fn batch(&mut self, limit: usize) -> Vec<Value> {
        let mut batch = Vec::new();
        let mut redeliver = std::mem::take(&mut self.redeliver);
        for (id, delivered) in redeliver.iter_mut() {
            if batch.len() >= limit {
                break;
            }
            if let Some(update) = self.update(*id) {
                batch.push(update.clone());
                *delivered = true;
            }
        }
        self.redeliver = redeliver;
        let mut fresh: Vec<&Value> = self
            .updates
            .iter()
            .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= self.acknowledged)
            .filter(|u| self.allowed(u))
            .collect();
        fresh.sort_by_key(|u| u["update_id"].as_i64());
        for update in fresh {
            if batch.len() >= limit {
                break;
            }
            batch.push(update.clone());
        }
        batch
    }
}

// ---- JSON builders ------------------------------------------------------

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn user_json(user_id: i64) -> Value {
    json!({
        "id": user_id,
        "is_bot": false,
        "first_name": format!("사용자{user_id}"),
        "language_code": "ko",
    })
}

fn private_chat_json(chat_id: i64) -> Value {
    json!({
        "id": chat_id,
        "type": "private",
        "first_name": format!("사용자{chat_id}"),
    })
}

fn bot_user_json() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
    })
}

fn buttons_of(markup: Option<&Value>) -> Vec<Vec<(String, String)>> {
    let Some(rows) = markup
        .and_then(|m| m.get("inline_keyboard"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    rows.iter()
        .map(|row| {
            row.as_array()
                .map(|buttons| {
                    buttons
                        .iter()
                        .map(|b| {
                            let text = b["text"].as_str().unwrap_or_default().to_owned();
                            let data = ["callback_data", "url"]
                                .iter()
                                .find_map(|k| b.get(*k).and_then(Value::as_str))
                                .unwrap_or_default()
                                .to_owned();
                            (text, data)
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

// ---- HTTP ---------------------------------------------------------------

/// Accepts connections, dropping them while an outage is on.
struct FakeListener {
    inner: tokio::net::TcpListener,
    shared: Arc<Shared>,
}

impl axum::serve::Listener for FakeListener {
    type Io = OutageIo;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    if self.shared.outage.load(Ordering::SeqCst) {
                        drop(stream);
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    let io = OutageIo {
                        inner: stream,
                        shared: self.shared.clone(),
                    };
                    return (io, addr);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection that breaks on its next read or write while an outage is on.
struct OutageIo {
    inner: tokio::net::TcpStream,
    shared: Arc<Shared>,
}

impl OutageIo {
    fn broken(&self) -> Option<io::Error> {
        self.shared
            .outage
            .load(Ordering::SeqCst)
            .then(|| io::Error::new(io::ErrorKind::ConnectionReset, "fake Telegram outage"))
    }
}

impl AsyncRead for OutageIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(error) = self.broken() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for OutageIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(error) = self.broken() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn reply(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn ok(result: Value) -> Response {
    reply(StatusCode::OK, json!({ "ok": true, "result": result }))
}

fn error(code: u16, description: &str) -> Response {
    reply(
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
        json!({ "ok": false, "error_code": code, "description": description }),
    )
}

fn bad_request(description: &str) -> Response {
    error(400, &format!("Bad Request: {description}"))
}

/// The methods the fake serves, as the Bot API documentation spells them;
/// requests are counted under these names whatever case they arrive in.
const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendVoice",
    "sendVideo",
    "sendAudio",
    "sendAnimation",
    "sendVideoNote",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "deleteMyCommands",
    "sendChatAction",
];

async fn handle(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // `{api_url}/bot{token}/{method}`: tolerate any prefix before `bot…`.
    let segments: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    let Some(position) = segments.iter().rposition(|s| s.starts_with("bot")) else {
        return error(404, "Not Found");
    };
    let token = &segments[position]["bot".len()..];
    let Some(&method) = segments.get(position + 1) else {
        return error(404, "Not Found");
    };
    // Method names are case-insensitive; teloxide sends "GetMe", "SendMessage".
    let method = METHODS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or(method);
    if segments.len() != position + 2 {
        return error(404, "Not Found");
    }
    let params = match parse_params(uri.query(), &headers, &body) {
        Ok(params) => params,
        Err(problem) => return bad_request(&problem),
    };
    {
        let mut state = shared.lock();
        *state.counts.entry(method.to_owned()).or_insert(0) += 1;
        state.requests.push(Request {
            method: method.to_owned(),
            at: std::time::Instant::now(),
            params: params.clone(),
        });
        if state.bad_gateway {
            drop(state);
            shared.wake();
            return (
                StatusCode::BAD_GATEWAY,
                [(axum::http::header::CONTENT_TYPE, "text/html")],
                "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>",
            )
                .into_response();
        }
    }
    shared.wake();
    if token != TOKEN {
        return error(401, "Unauthorized");
    }
    let p = Params(&params);
    match method {
        "getMe" => ok(json!({
            "id": BOT_ID,
            "is_bot": true,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
            "can_connect_to_business": false,
            "has_main_web_app": false,
        })),
        "getUpdates" => get_updates(&shared, p).await,
        "sendMessage" => {
            let response = send_message(&shared, p);
            let wait = shared.lock().answer_wait(p.i64("chat_id"));
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            response
        }
        "sendPhoto" | "sendDocument" | "sendVoice" | "sendVideo" | "sendAudio"
        | "sendAnimation" | "sendVideoNote" => send_file(&shared, method, p),
        "editMessageText" | "editMessageReplyMarkup" => edit_message(&shared, method, p),
        "answerCallbackQuery" => answer_callback(&shared, p),
        "deleteWebhook" => {
            let mut state = shared.lock();
            state.webhook_url.clear();
            if p.bool("drop_pending_updates") {
                state.acknowledged = state.next_update_id;
                state.redeliver.clear();
            }
            ok(json!(true))
        }
        "setWebhook" => {
            let url = p.str("url").unwrap_or_default();
            if !url.is_empty() && !url.starts_with("https://") {
                return bad_request("bad webhook: An HTTPS URL must be provided for webhook");
            }
            shared.lock().webhook_url = url.to_owned();
            ok(json!(true))
        }
        "getWebhookInfo" => {
            let state = shared.lock();
            let mut info = json!({
                "url": state.webhook_url,
                "has_custom_certificate": false,
                "pending_update_count": state.pending_count(),
            });
            if let Some(allowed) = &state.allowed_updates {
                info["allowed_updates"] = json!(allowed);
            }
            ok(info)
        }
        "setMyCommands" => {
            let Some(commands) = p.get("commands").cloned() else {
                return bad_request("parameter \"commands\" is required");
            };
            if !commands.as_array().is_some_and(|list| {
                list.iter().all(|c| {
                    let name = c["command"].as_str().unwrap_or_default();
                    let description = c["description"].as_str().unwrap_or_default();
                    (1..=32).contains(&name.len())
                        && name
                            .chars()
                            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                        && (1..=256).contains(&description.chars().count())
                })
            }) {
                return bad_request("BOT_COMMAND_INVALID");
            }
            let mut state = shared.lock();
            state
                .scoped_commands
                .insert(scope_key(p.get("scope")), commands.clone());
            state.commands = Some(commands);
            ok(json!(true))
        }
        "deleteMyCommands" => {
            let mut state = shared.lock();
            state.scoped_commands.remove(&scope_key(p.get("scope")));
            state.commands = None;
            ok(json!(true))
        }
        "sendChatAction" => ok(json!(true)),
        _ => error(404, "Not Found: method not found"),
    }
}

/// A `BotCommandScope` as a key: its JSON with sorted keys, the default
/// scope when none is given.
fn scope_key(scope: Option<&Value>) -> String {
    let scope = scope.cloned().unwrap_or_else(|| json!({"type": "default"}));
    // serde_json's map is ordered by key, so equal scopes print the same.
    let sorted: BTreeMap<String, Value> = scope
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    serde_json::to_string(&sorted).unwrap()
}

async fn get_updates(shared: &Shared, p: Params<'_>) -> Response {
    let timeout = Duration::from_secs(p.i64("timeout").unwrap_or(0).clamp(0, 50) as u64);
    let limit = p.i64("limit").unwrap_or(100).clamp(1, 100) as usize;
    let generation = {
        let mut state = shared.lock();
        if !state.webhook_url.is_empty() {
            return error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            );
        }
        if let Some(offset) = p.i64("offset") {
            if offset > 0 {
                state.acknowledged = state.acknowledged.max(offset);
                state
                    .redeliver
                    .retain(|&(id, delivered)| !(delivered && id < offset));
            } else if offset < 0 {
                // The last -offset updates; all earlier ones are forgotten.
                let ids: Vec<i64> = state
                    .updates
                    .iter()
                    .filter_map(|u| u["update_id"].as_i64())
                    .collect();
                let keep = (-offset) as usize;
                if ids.len() > keep {
                    state.acknowledged = state.acknowledged.max(ids[ids.len() - keep]);
                }
            }
        }
        if let Some(allowed) = p.get("allowed_updates").and_then(Value::as_array) {
            state.allowed_updates = Some(
                allowed
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            );
        }
        state.poll_generation += 1;
        state.poll_generation
    };
    shared.wake();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let notified = shared.notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut state = shared.lock();
            if state.poll_generation != generation {
                state.conflicts += 1;
                return error(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                );
            }
            if shared.outage.load(Ordering::SeqCst) {
                // The connection is broken anyway; end the poll at once.
                return error(502, "Bad Gateway");
            }
            let batch = state.batch(limit);
            if !batch.is_empty() || tokio::time::Instant::now() >= deadline {
                // Updates pushed as text go out byte for byte.
                let items: Vec<String> = batch
                    .iter()
                    .map(|u| {
                        u["update_id"]
                            .as_i64()
                            .and_then(|id| state.raw_text.get(&id).cloned())
                            .unwrap_or_else(|| u.to_string())
                    })
                    .collect();
                return (
                    StatusCode::OK,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    format!("{{\"ok\":true,\"result\":[{}]}}", items.join(",")),
                )
                    .into_response();
            }
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

fn send_message(shared: &Shared, p: Params<'_>) -> Response {
    let Some(chat_id) = p.i64("chat_id") else {
        return bad_request("chat not found");
    };
    let text = p.str("text").unwrap_or_default().to_owned();
    let parse_mode = p.str("parse_mode").map(str::to_owned);
    let plain = match render(&text, parse_mode.as_deref()) {
        Ok(plain) => plain,
        Err(problem) => return bad_request(&format!("can't parse entities: {problem}")),
    };
    if plain.trim().is_empty() {
        return bad_request("message text is empty");
    }
    if plain.chars().count() > 4096 {
        return bad_request("message is too long");
    }
    let reply_markup = p.get("reply_markup").cloned();
    if let Err(problem) = check_markup(reply_markup.as_ref()) {
        return bad_request(&problem);
    }
    let mut state = shared.lock();
    if state.rate_limited > 0 {
        state.rate_limited -= 1;
        let retry_after = state.retry_after;
        return reply(
            StatusCode::TOO_MANY_REQUESTS,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": { "retry_after": retry_after },
            }),
        );
    }
    if state.blocked.contains(&chat_id) {
        return error(403, "Forbidden: bot was blocked by the user");
    }
    let message_id = state.take_message_id(chat_id);
    let mut message = json!({
        "message_id": message_id,
        "from": bot_user_json(),
        "chat": private_chat_json(chat_id),
        "date": now(),
        "text": plain,
    });
    if let Some(markup) = reply_markup
        .as_ref()
        .filter(|m| m.get("inline_keyboard").is_some())
    {
        message["reply_markup"] = markup.clone();
    }
    state
        .messages
        .insert((chat_id, message_id), message.clone());
    let index = state.sent.len();
    state.sent.push(SentMessage {
        index,
        chat_id,
        message_id,
        text,
        plain,
        parse_mode,
        buttons: buttons_of(reply_markup.as_ref()),
        reply_markup,
        file: None,
    });
    drop(state);
    shared.wake();
    ok(message)
}

/// `sendPhoto`, `sendDocument`, …: a file by the id Telegram gave it (the
/// fake accepts any id), with a caption of at most 1,024 characters.
fn send_file(shared: &Shared, method: &str, p: Params<'_>) -> Response {
    let field = match method {
        "sendPhoto" => "photo",
        "sendDocument" => "document",
        "sendVoice" => "voice",
        "sendVideo" => "video",
        "sendAudio" => "audio",
        "sendAnimation" => "animation",
        _ => "video_note",
    };
    let Some(chat_id) = p.i64("chat_id") else {
        return bad_request("chat not found");
    };
    let Some(file_id) = p.str(field).map(str::to_owned) else {
        return bad_request("there is no file in the request");
    };
    let caption = p.str("caption").unwrap_or_default().to_owned();
    if caption.chars().count() > 1024 {
        return bad_request("message caption is too long");
    }
    let mut state = shared.lock();
    if state.blocked.contains(&chat_id) {
        return error(403, "Forbidden: bot was blocked by the user");
    }
    let message_id = state.take_message_id(chat_id);
    let file = if field == "photo" {
        json!([{ "file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1 }])
    } else {
        json!({ "file_id": file_id, "file_unique_id": file_id })
    };
    let mut message = json!({
        "message_id": message_id,
        "from": bot_user_json(),
        "chat": private_chat_json(chat_id),
        "date": now(),
    });
    message[field] = file;
    if !caption.is_empty() {
        message["caption"] = json!(caption);
    }
    state
        .messages
        .insert((chat_id, message_id), message.clone());
    let index = state.sent.len();
    state.sent.push(SentMessage {
        index,
        chat_id,
        message_id,
        text: caption.clone(),
        plain: caption,
        parse_mode: None,
        buttons: Vec::new(),
        reply_markup: None,
        file: Some((field.to_owned(), file_id)),
    });
    drop(state);
    shared.wake();
    ok(message)
}

fn edit_message(shared: &Shared, method: &str, p: Params<'_>) -> Response {
    if p.get("inline_message_id").is_some() {
        return bad_request("MESSAGE_ID_INVALID");
    }
    let (Some(chat_id), Some(message_id)) = (p.i64("chat_id"), p.i64("message_id")) else {
        return bad_request("message identifier is not specified");
    };
    let parse_mode = p.str("parse_mode").map(str::to_owned);
    let text = if method == "editMessageText" {
        let text = p.str("text").unwrap_or_default().to_owned();
        let plain = match render(&text, parse_mode.as_deref()) {
            Ok(plain) => plain,
            Err(problem) => return bad_request(&format!("can't parse entities: {problem}")),
        };
        if plain.trim().is_empty() {
            return bad_request("message text is empty");
        }
        if plain.chars().count() > 4096 {
            return bad_request("MESSAGE_TOO_LONG");
        }
        Some((text, plain))
    } else {
        None
    };
    let reply_markup = p.get("reply_markup").cloned();
    if let Err(problem) = check_markup(reply_markup.as_ref()) {
        return bad_request(&problem);
    }
    let mut state = shared.lock();
    let Some(current) = state.messages.get(&(chat_id, message_id)).cloned() else {
        return bad_request("message to edit not found");
    };
    let mut edited = current.clone();
    if let Some((_, plain)) = &text {
        edited["text"] = json!(plain);
    }
    let object = edited.as_object_mut().unwrap();
    match reply_markup.as_ref().filter(|m| {
        m.get("inline_keyboard")
            .is_some_and(|k| k.as_array().is_some_and(|a| !a.is_empty()))
    }) {
        Some(markup) => {
            object.insert("reply_markup".to_owned(), markup.clone());
        }
        None => {
            object.remove("reply_markup");
        }
    }
    object.remove("edit_date");
    let unchanged = edited == {
        let mut before = current;
        before.as_object_mut().unwrap().remove("edit_date");
        before
    };
    if unchanged {
        return bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
    }
    edited["edit_date"] = json!(now());
    state.messages.insert((chat_id, message_id), edited.clone());
    state.edits.push(Edit {
        method: method.to_owned(),
        chat_id,
        message_id,
        text: text.map(|(text, _)| text),
        parse_mode,
        buttons: buttons_of(edited.get("reply_markup")),
        reply_markup,
    });
    drop(state);
    shared.wake();
    ok(edited)
}

fn answer_callback(shared: &Shared, p: Params<'_>) -> Response {
    let id = p.str("callback_query_id").unwrap_or_default().to_owned();
    let mut state = shared.lock();
    if !state.open_callbacks.remove(&id) {
        return bad_request("query is too old and response timeout expired or query id is invalid");
    }
    state.callback_answers.push(CallbackAnswer {
        callback_query_id: id,
        text: p.str("text").map(str::to_owned),
        show_alert: p.bool("show_alert"),
    });
    drop(state);
    shared.wake();
    ok(json!(true))
}

/// Inline keyboards: every button has a label and exactly one action;
/// callback data is 1–64 bytes.
fn check_markup(markup: Option<&Value>) -> Result<(), String> {
    let Some(markup) = markup else {
        return Ok(());
    };
    let Some(rows) = markup.get("inline_keyboard") else {
        return Ok(());
    };
    let rows = rows
        .as_array()
        .ok_or("can't parse reply keyboard markup JSON object")?;
    for row in rows {
        let row = row
            .as_array()
            .ok_or("can't parse reply keyboard markup JSON object")?;
        for button in row {
            if button["text"].as_str().is_none_or(str::is_empty) {
                return Err("can't parse inline keyboard button: Text must be non-empty".to_owned());
            }
            if let Some(data) = button.get("callback_data") {
                let bytes = data.as_str().map_or(0, str::len);
                if bytes == 0 || bytes > 64 {
                    return Err("BUTTON_DATA_INVALID".to_owned());
                }
            } else if let Some(url) = button.get("url") {
                let web = url.as_str().is_some_and(|u| {
                    (u.starts_with("http://")
                        || u.starts_with("https://")
                        || u.starts_with("tg://"))
                        && !u.contains(char::is_whitespace)
                });
                if !web {
                    return Err("BUTTON_URL_INVALID".to_owned());
                }
            } else if button.as_object().is_some_and(|o| o.len() < 2) {
                return Err(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                        .to_owned(),
                );
            }
        }
    }
    Ok(())
}

/// What the user sees, or the reason Telegram refuses the markup.
fn render(text: &str, parse_mode: Option<&str>) -> Result<String, String> {
    match parse_mode {
        Some("HTML") => render_html(text),
        Some("MarkdownV2") => render_markdown_v2(text),
        Some("Markdown") | None => Ok(text.to_owned()),
        Some(other) => Err(format!("unsupported parse_mode \"{other}\"")),
    }
}

const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

fn render_html(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let offset = text.len() - rest.len();
        if c == '<' {
            let Some(end) = rest.find('>') else {
                return Err(format!("Unclosed start tag at byte offset {offset}"));
            };
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let name = name.trim().to_ascii_lowercase();
                match open.pop() {
                    Some(expected) if expected == name => {}
                    Some(expected) => {
                        return Err(format!(
                            "Unmatched end tag at byte offset {offset}, expected \"</{expected}>\", found \"</{name}>\""
                        ))
                    }
                    None => {
                        return Err(format!(
                            "Unexpected end tag at byte offset {offset}"
                        ))
                    }
                }
            } else {
                let name = tag
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if !HTML_TAGS.contains(&name.as_str()) {
                    return Err(format!(
                        "Unsupported start tag \"{name}\" at byte offset {offset}"
                    ));
                }
                open.push(name);
            }
        } else if c == '&' {
            let entity = rest[1..]
                .find(';')
                .map(|end| &rest[1..1 + end])
                .filter(|e| {
                    e.len() <= 10 && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '#')
                });
            let decoded = entity.and_then(|e| match e {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => e
                    .strip_prefix("#x")
                    .or(e.strip_prefix("#X"))
                    .map_or_else(
                        || e.strip_prefix('#').and_then(|d| d.parse().ok()),
                        |h| u32::from_str_radix(h, 16).ok(),
                    )
                    .and_then(char::from_u32),
            });
            match (entity, decoded) {
                (Some(entity), Some(decoded)) => {
                    out.push(decoded);
                    rest = &rest[entity.len() + 2..];
                }
                _ => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

/// MarkdownV2: outside code, `\` escapes anything, and the characters
/// `# + - = { } . ! >` must be escaped (a `>` only where it does not start a
/// line). The formatting characters are removed from the rendering.
fn render_markdown_v2(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    let mut in_code = false;
    let mut line_start = true;
    while let Some((offset, c)) = chars.next() {
        let at_line_start = line_start;
        line_start = c == '\n';
        if c == '\\' {
            match chars.next() {
                Some((_, escaped)) => out.push(escaped),
                None => {
                    return Err(format!(
                        "Character '\\' at byte offset {offset} is not escaped"
                    ))
                }
            }
            continue;
        }
        if c == '`' {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push(c);
            continue;
        }
        match c {
            '#' | '+' | '-' | '=' | '{' | '}' | '.' | '!' => {
                return Err(format!(
                    "Character '{c}' is reserved and must be escaped with the preceding '\\'"
                ))
            }
            '>' if !at_line_start => {
                return Err(
                    "Character '>' is reserved and must be escaped with the preceding '\\'"
                        .to_owned(),
                )
            }
            '*' | '_' | '~' | '|' | '[' | ']' | '>' => {}
            _ => out.push(c),
        }
    }
    if in_code {
        return Err("Can't find end of Code entity".to_owned());
    }
    Ok(out)
}

// ---- request parameters -------------------------------------------------

#[derive(Clone, Copy)]
struct Params<'a>(&'a Value);

impl<'a> Params<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(Value::as_str)
    }

    fn i64(&self, key: &str) -> Option<i64> {
        let value = self.get(key)?;
        value
            .as_i64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
    }

    fn bool(&self, key: &str) -> bool {
        match self.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            _ => false,
        }
    }
}

/// Query string + body (JSON, urlencoded or multipart) as one JSON object.
fn parse_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Value, String> {
    let mut params = serde_json::Map::new();
    if let Some(query) = query {
        for (key, value) in parse_urlencoded(query) {
            params.insert(key, form_value(value));
        }
    }
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if body.is_empty() {
        return Ok(Value::Object(params));
    }
    match mime.as_str() {
        "application/json" => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| format!("can't parse JSON request body: {e}"))?;
            match value {
                Value::Object(object) => params.extend(object),
                _ => return Err("JSON request body must be an object".to_owned()),
            }
        }
        "application/x-www-form-urlencoded" => {
            for (key, value) in parse_urlencoded(&String::from_utf8_lossy(body)) {
                params.insert(key, form_value(value));
            }
        }
        "multipart/form-data" => {
            let boundary = content_type
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .next()
                .map(|b| b.trim_matches('"').to_owned())
                .ok_or("multipart body without a boundary")?;
            for (key, value) in parse_multipart(body, &boundary)? {
                params.insert(key, value);
            }
        }
        _ => return Err(format!("unsupported content type {content_type:?}")),
    }
    Ok(Value::Object(params))
}

/// A form value: JSON objects/arrays and plain numbers are parsed, the rest
/// stays a string.
fn form_value(value: String) -> Value {
    let trimmed = value.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(parsed) = serde_json::from_str(&value) {
            return parsed;
        }
    }
    if let Ok(number) = value.parse::<i64>() {
        return json!(number);
    }
    match value.as_str() {
        "true" => json!(true),
        "false" => json!(false),
        _ => Value::String(value),
    }
}

fn parse_urlencoded(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Text parts become values (parsed like form values); file parts become
/// `{"file_name": …, "bytes": n}`.
fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<(String, Value)>, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut positions = Vec::new();
    let mut from = 0;
    while let Some(found) = find(&body[from..], delimiter) {
        positions.push(from + found);
        from += found + delimiter.len();
    }
    for pair in positions.windows(2) {
        let mut part = &body[pair[0] + delimiter.len()..pair[1]];
        part = part.strip_prefix(b"\r\n").unwrap_or(part);
        part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            return Err("malformed multipart part".to_owned());
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or_default();
        let attribute = |name: &str| {
            disposition
                .split(';')
                .filter_map(|p| p.trim().strip_prefix(&format!("{name}=")))
                .next()
                .map(|v| v.trim_matches('"').to_owned())
        };
        let Some(name) = attribute("name") else {
            return Err("multipart part without a name".to_owned());
        };
        let value = match attribute("filename") {
            Some(file_name) => json!({ "file_name": file_name, "bytes": content.len() }),
            None => form_value(String::from_utf8_lossy(content).into_owned()),
        };
        parts.push((name, value));
    }
    Ok(parts)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
