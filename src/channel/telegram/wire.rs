//! Reading what the Bot API sends, without trusting it to be well formed.
//!
//! A `getUpdates` answer is split into its updates as raw JSON text (one
//! update that nobody can read must not take its batch down with it), each
//! kept exactly as it came; [`read`] then turns one raw update into what the
//! bot handles. Everything here is pure: no database, no network.
//!
//! What real traffic (and a hostile fake) holds, and how it is met:
//! - `\u0000` and other control characters in text or button data: removed
//!   from what the bot handles (the raw update keeps them).
//! - Lone UTF-16 surrogates (`"\ud800"`), which serde refuses in a string:
//!   read as U+FFFD.
//! - Update kinds the bot does not handle, or ones newer than this code:
//!   [`Inbound::Ignored`].
//! - A known kind missing a field the bot needs (a message without a chat):
//!   a [`ReadError`], so the update is marked failed instead of retried.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::protocol::without_control_characters;

/// One update as Telegram sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawUpdate {
    pub id: i64,
    /// The update's JSON text, byte for byte.
    pub json: String,
}

/// The Bot API's answer to `getUpdates`.
#[derive(Debug)]
pub enum Batch {
    Updates {
        updates: Vec<RawUpdate>,
        /// Entries of `result` without a readable `update_id`: nothing can
        /// be done with them but report them.
        unreadable: Vec<String>,
    },
    /// `ok: false`: Telegram's error code and description.
    Refused {
        code: i64,
        description: String,
        retry_after: Option<u64>,
    },
}

#[derive(Deserialize)]
struct Envelope<'a> {
    ok: bool,
    #[serde(borrow, default)]
    result: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    error_code: Option<i64>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

#[derive(Deserialize)]
struct UpdateId {
    update_id: i64,
}

/// Splits a `getUpdates` answer into raw updates. Fails only when the body
/// as a whole is not a Bot API answer (a proxy's HTML page, a cut-off body).
pub fn split_batch(body: &[u8]) -> Result<Batch, String> {
    let text = String::from_utf8_lossy(body);
    let envelope: Envelope = serde_json::from_str(&text)
        .map_err(|e| format!("not a Bot API answer ({e}): {}", preview(&text)))?;
    if !envelope.ok {
        return Ok(Batch::Refused {
            code: envelope.error_code.unwrap_or(0),
            description: envelope.description.unwrap_or_default(),
            retry_after: envelope.parameters.and_then(|p| p.retry_after),
        });
    }
    let mut updates = Vec::new();
    let mut unreadable = Vec::new();
    for raw in envelope.result.unwrap_or_default() {
        match update_id(raw.get()) {
            Some(id) => updates.push(RawUpdate {
                id,
                json: raw.get().to_owned(),
            }),
            None => unreadable.push(preview(raw.get())),
        }
    }
    Ok(Batch::Updates {
        updates,
        unreadable,
    })
}

/// The `update_id` of one raw update, however odd the rest of it is.
pub fn update_id(json: &str) -> Option<i64> {
    serde_json::from_str::<UpdateId>(json)
        .ok()
        .map(|u| u.update_id)
}

fn preview(text: &str) -> String {
    const MAX: usize = 200;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// A chat the bot was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chat {
    pub id: i64,
    /// A one-to-one chat with a person (not a group, supergroup or channel).
    pub private: bool,
}

/// What one update asks of the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A message: its text, or "" for a photo, sticker, voice note, …
    Message {
        chat: Chat,
        from: Option<i64>,
        text: String,
    },
    /// A pressed inline button.
    Button {
        chat: Chat,
        from: i64,
        data: String,
        callback_id: String,
    },
    /// A kind of update the bot does not handle (an edit, a reaction, a
    /// channel post, a kind newer than this code). `chat` where it names one.
    Ignored { kind: String, chat: Option<i64> },
}

impl Inbound {
    /// The chat whose order this update keeps, if any.
    pub fn chat(&self) -> Option<i64> {
        match self {
            Inbound::Message { chat, .. } | Inbound::Button { chat, .. } => Some(chat.id),
            Inbound::Ignored { chat, .. } => *chat,
        }
    }

    /// The update's kind as Telegram names it (`message`, `callback_query`, …).
    pub fn kind(&self) -> &str {
        match self {
            Inbound::Message { .. } => "message",
            Inbound::Button { .. } => "callback_query",
            Inbound::Ignored { kind, .. } => kind,
        }
    }
}

/// Why an update could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable {kind} update: {reason}")]
pub struct ReadError {
    pub kind: String,
    /// The chat, when it could still be made out (to tell its user).
    pub chat: Option<i64>,
    pub reason: String,
}

#[derive(Deserialize)]
struct WireChat {
    id: i64,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

impl WireChat {
    fn chat(&self) -> Chat {
        Chat {
            id: self.id,
            private: self.kind.as_deref().is_none_or(|k| k == "private"),
        }
    }
}

#[derive(Deserialize)]
struct WireUser {
    id: i64,
}

#[derive(Deserialize)]
struct WireMessage {
    chat: WireChat,
    #[serde(default)]
    from: Option<WireUser>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireCallback {
    id: String,
    from: WireUser,
    #[serde(default)]
    message: Option<WireCallbackMessage>,
    #[serde(default)]
    data: Option<String>,
}

/// The message a button hangs under; possibly "inaccessible" (only chat,
/// message_id and date 0).
#[derive(Deserialize)]
struct WireCallbackMessage {
    chat: WireChat,
}

/// Reads one raw update.
pub fn read(json: &str) -> Result<Inbound, ReadError> {
    let json = replace_lone_surrogates(json);
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| ReadError {
        kind: "?".into(),
        chat: None,
        reason: e.to_string(),
    })?;
    let Some(object) = value.as_object() else {
        return Err(ReadError {
            kind: "?".into(),
            chat: None,
            reason: "an update is not a JSON object".into(),
        });
    };
    let Some((kind, body)) = object.iter().find(|(key, _)| *key != "update_id") else {
        return Ok(Inbound::Ignored {
            kind: "empty".into(),
            chat: None,
        });
    };
    let chat_hint = body
        .pointer("/chat/id")
        .or_else(|| body.pointer("/message/chat/id"))
        .and_then(serde_json::Value::as_i64);
    let malformed = |e: serde_json::Error| ReadError {
        kind: kind.clone(),
        chat: chat_hint,
        reason: e.to_string(),
    };
    match kind.as_str() {
        "message" => {
            let m = WireMessage::deserialize(body).map_err(malformed)?;
            Ok(Inbound::Message {
                chat: m.chat.chat(),
                from: m.from.map(|u| u.id),
                text: without_control_characters(&m.text.unwrap_or_default()).into_owned(),
            })
        }
        "callback_query" => {
            let q = WireCallback::deserialize(body).map_err(malformed)?;
            let chat = q.message.map_or(
                Chat {
                    id: q.from.id,
                    private: true,
                },
                |m| m.chat.chat(),
            );
            Ok(Inbound::Button {
                chat,
                from: q.from.id,
                data: without_control_characters(&q.data.unwrap_or_default()).into_owned(),
                callback_id: q.id,
            })
        }
        _ => Ok(Inbound::Ignored {
            kind: kind.clone(),
            chat: chat_hint,
        }),
    }
}

/// Rewrites `\uD800`–`\uDFFF` escapes that do not form a surrogate pair as
/// `\uFFFD`, so the text parses. Everything else is left as it is.
pub fn replace_lone_surrogates(json: &str) -> Cow<'_, str> {
    if !json.contains("\\u") {
        return Cow::Borrowed(json);
    }
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        // An escape: `\\` and `\"` are two bytes; `\uXXXX` six.
        if bytes.get(i + 1) != Some(&b'u') {
            i += 2;
            continue;
        }
        let Some(unit) = hex_unit(bytes, i + 2) else {
            i += 2;
            continue;
        };
        let high = (0xD800..=0xDBFF).contains(&unit);
        let low = (0xDC00..=0xDFFF).contains(&unit);
        if high {
            let paired = bytes.get(i + 6) == Some(&b'\\')
                && bytes.get(i + 7) == Some(&b'u')
                && hex_unit(bytes, i + 8).is_some_and(|u| (0xDC00..=0xDFFF).contains(&u));
            if paired {
                i += 12;
                continue;
            }
        }
        if high || low {
            let out = out.get_or_insert_with(|| String::with_capacity(json.len()));
            out.push_str(&json[copied..i]);
            out.push_str("\\uFFFD");
            copied = i + 6;
        }
        i += 6;
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut out) => {
            out.push_str(&json[copied..]);
            Cow::Owned(out)
        }
    }
}

fn hex_unit(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text_json: &str) -> String {
        format!(
            r#"{{"update_id": 7, "message": {{"message_id": 1, "date": 0,
               "chat": {{"id": 42, "type": "private"}}, "from": {{"id": 42, "is_bot": false,
               "first_name": "가"}}, "text": {text_json}}}}}"#
        )
    }

    #[test]
    fn nul_characters_are_removed_from_the_text_the_bot_handles() {
        let inbound = read(&message(r#""창업\u0000지원금""#)).unwrap();
        assert_eq!(
            inbound,
            Inbound::Message {
                chat: Chat {
                    id: 42,
                    private: true
                },
                from: Some(42),
                text: "창업지원금".into()
            }
        );
    }

    #[test]
    fn lone_surrogates_read_as_replacement_characters_and_pairs_stay() {
        let Inbound::Message { text, .. } = read(&message(r#""a\ud800b\udc00c""#)).unwrap() else {
            panic!()
        };
        assert_eq!(text, "a\u{FFFD}b\u{FFFD}c");
        let Inbound::Message { text, .. } = read(&message(r#""\ud83d\ude00 \\ud800""#)).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            text, "😀 \\ud800",
            "a pair is kept; an escaped backslash is not an escape"
        );
    }

    #[test]
    fn a_batch_splits_even_when_one_update_is_unreadable() {
        let body = format!(
            r#"{{"ok": true, "result": [{}, {{"update_id": 8, "message_reaction": {{"chat": {{"id": 5, "type": "private"}}}}}}, {{"no_id": true}}, {{"update_id": 9, "message": {{"text": "\ud800"}}}}]}}"#,
            message(r#""하나""#)
        );
        let Batch::Updates {
            updates,
            unreadable,
        } = split_batch(body.as_bytes()).unwrap()
        else {
            panic!()
        };
        assert_eq!(updates.iter().map(|u| u.id).collect::<Vec<_>>(), [7, 8, 9]);
        assert_eq!(unreadable.len(), 1);
        assert_eq!(
            read(&updates[1].json).unwrap(),
            Inbound::Ignored {
                kind: "message_reaction".into(),
                chat: Some(5)
            }
        );
        let error = read(&updates[2].json).unwrap_err();
        assert_eq!(error.kind, "message");
        assert!(error.reason.contains("chat"), "{error}");
    }

    #[test]
    fn a_refusal_carries_its_code_and_wait() {
        let body = br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#;
        let Batch::Refused {
            code, retry_after, ..
        } = split_batch(body).unwrap()
        else {
            panic!()
        };
        assert_eq!((code, retry_after), (429, Some(3)));
        assert!(split_batch(b"<html>502 Bad Gateway</html>").is_err());
    }

    #[test]
    fn buttons_in_groups_and_inaccessible_messages_name_their_chat() {
        let json = r#"{"update_id": 3, "callback_query": {"id": "q", "from": {"id": 11},
            "message": {"message_id": 4, "date": 0, "chat": {"id": -100, "type": "supergroup"}},
            "data": "claim:\u0000x"}}"#;
        assert_eq!(
            read(json).unwrap(),
            Inbound::Button {
                chat: Chat {
                    id: -100,
                    private: false
                },
                from: 11,
                data: "claim:x".into(),
                callback_id: "q".into()
            }
        );
    }
}
