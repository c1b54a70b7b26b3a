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

use crate::protocol::{without_control_characters, Attachment, AttachmentKind};

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
    /// A message: its text (or a file's caption), the file, location or
    /// contact it carries, or, for a message with nothing to read or relay
    /// (a sticker, a poll), what it is.
    Message {
        chat: Chat,
        from: Option<i64>,
        text: String,
        attachment: Option<Attachment>,
        other: Option<String>,
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
    #[serde(default)]
    caption: Option<String>,
    /// Sizes of one photo, smallest first.
    #[serde(default)]
    photo: Option<Vec<WireFile>>,
    #[serde(default)]
    document: Option<WireFile>,
    #[serde(default)]
    voice: Option<WireFile>,
    #[serde(default)]
    video: Option<WireFile>,
    #[serde(default)]
    audio: Option<WireFile>,
    #[serde(default)]
    animation: Option<WireFile>,
    #[serde(default)]
    video_note: Option<WireFile>,
    #[serde(default)]
    location: Option<WireLocation>,
    #[serde(default)]
    contact: Option<WireContact>,
}

#[derive(Deserialize)]
struct WireFile {
    file_id: String,
    #[serde(default)]
    file_size: Option<i64>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
}

#[derive(Deserialize)]
struct WireLocation {
    latitude: f64,
    longitude: f64,
}

#[derive(Deserialize)]
struct WireContact {
    phone_number: String,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
}

/// Message fields that carry nothing the bot can read or relay.
const NOTHING_TO_RELAY: &[&str] = &["sticker", "poll", "dice", "game", "venue", "story"];

impl WireMessage {
    /// The file, location or contact the message carries, if any.
    fn attachment(&mut self) -> Option<Attachment> {
        let file = |kind: AttachmentKind, f: WireFile| Attachment {
            kind,
            file_id: clean(&f.file_id),
            size: f.file_size,
            mime: f.mime_type.as_deref().map(clean),
            file_name: f.file_name.as_deref().map(clean),
        };
        if let Some(largest) = self.photo.take().and_then(|sizes| sizes.into_iter().last()) {
            return Some(file(AttachmentKind::Photo, largest));
        }
        let files = [
            (AttachmentKind::Document, self.document.take()),
            (AttachmentKind::Voice, self.voice.take()),
            (AttachmentKind::Video, self.video.take()),
            (AttachmentKind::Audio, self.audio.take()),
            (AttachmentKind::Animation, self.animation.take()),
            (AttachmentKind::VideoNote, self.video_note.take()),
        ];
        if let Some((kind, f)) = files.into_iter().find_map(|(k, f)| f.map(|f| (k, f))) {
            return Some(file(kind, f));
        }
        if let Some(at) = self.location.take() {
            return Some(Attachment {
                kind: AttachmentKind::Location,
                file_id: format!("{},{}", at.latitude, at.longitude),
                size: None,
                mime: None,
                file_name: None,
            });
        }
        self.contact.take().map(|c| {
            let name = [c.first_name, c.last_name]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            Attachment {
                kind: AttachmentKind::Contact,
                file_id: clean(&c.phone_number),
                size: None,
                mime: None,
                file_name: (!name.is_empty()).then(|| clean(&name)),
            }
        })
    }
}

fn clean(text: &str) -> String {
    without_control_characters(text).into_owned()
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
            let mut m = WireMessage::deserialize(body).map_err(malformed)?;
            let attachment = m.attachment();
            let other = NOTHING_TO_RELAY
                .iter()
                .find(|field| body.get(**field).is_some())
                .map(|field| field.to_string());
            let text = m.text.take().or(m.caption.take()).unwrap_or_default();
            Ok(Inbound::Message {
                chat: m.chat.chat(),
                from: m.from.map(|u| u.id),
                text: clean(&text),
                attachment,
                other,
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
    fn files_locations_and_contacts_are_read_with_their_captions() {
        let photo = r#"{"update_id": 7, "message": {"message_id": 3, "date": 0,
            "chat": {"id": 42, "type": "private"}, "from": {"id": 42},
            "caption": "이거 견적서 사진이에요",
            "photo": [{"file_id": "small", "file_size": 10, "width": 90, "height": 90},
                      {"file_id": "large", "file_size": 90000, "width": 900, "height": 900}]}}"#;
        let Inbound::Message {
            text, attachment, ..
        } = read(photo).unwrap()
        else {
            panic!("a photo is a message");
        };
        assert_eq!(text, "이거 견적서 사진이에요");
        let attachment = attachment.expect("the photo");
        assert_eq!(attachment.kind, AttachmentKind::Photo);
        assert_eq!(attachment.file_id, "large", "the largest size is kept");
        assert_eq!(attachment.size, Some(90000));

        let document = r#"{"update_id": 8, "message": {"message_id": 4, "date": 0,
            "chat": {"id": 42, "type": "private"},
            "document": {"file_id": "doc1", "file_name": "견적서.pdf",
                         "mime_type": "application/pdf", "file_size": 2048}}}"#;
        let Inbound::Message { attachment, .. } = read(document).unwrap() else {
            panic!("a document is a message");
        };
        let attachment = attachment.unwrap();
        assert_eq!(attachment.kind, AttachmentKind::Document);
        assert_eq!(attachment.mime.as_deref(), Some("application/pdf"));
        assert_eq!(attachment.file_name.as_deref(), Some("견적서.pdf"));

        let location = r#"{"update_id": 9, "message": {"message_id": 5, "date": 0,
            "chat": {"id": 42, "type": "private"},
            "location": {"latitude": 37.5, "longitude": 127.25}}}"#;
        let Inbound::Message { attachment, .. } = read(location).unwrap() else {
            panic!("a location is a message");
        };
        assert_eq!(attachment.unwrap().file_id, "37.5,127.25");

        let sticker = r#"{"update_id": 10, "message": {"message_id": 6, "date": 0,
            "chat": {"id": 42, "type": "private"},
            "sticker": {"file_id": "s", "width": 1, "height": 1, "is_animated": false}}}"#;
        let Inbound::Message {
            attachment, other, ..
        } = read(sticker).unwrap()
        else {
            panic!("a sticker is a message");
        };
        assert_eq!(attachment, None);
        assert_eq!(other.as_deref(), Some("sticker"));
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
                text: "창업지원금".into(),
                attachment: None,
                other: None,
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
