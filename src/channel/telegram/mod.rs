//! Telegram: updates in (`polling`: long polling or the webhook endpoint,
//! each update stored raw before it is acknowledged), read without trusting
//! them (`wire`), handled once each in order per chat (`inbox`), and replies
//! out through the outbox with `sendMessage` (or `sendPhoto`,
//! `sendDocument`, … by Telegram's own file id), edits of sent messages
//! with `editMessageText` or `editMessageReplyMarkup` (this module); the
//! bot's commands registered with `setMyCommands` (`commands`).

pub mod commands;
pub mod inbox;
pub mod leader;
pub mod polling;
pub mod wire;

use teloxide::prelude::*;
use teloxide::types::{FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId};
use teloxide::{ApiError, RequestError};

use crate::desk::outbox::{Channel, ChannelKind, DeliveryError, OutgoingMessage};
use crate::protocol::{Attachment, AttachmentKind};

/// Delivers outbox messages with `sendMessage`, and edits with
/// `editMessageText` (or `editMessageReplyMarkup` when the text stays).
pub struct TelegramChannel {
    bot: Bot,
}

impl TelegramChannel {
    pub fn new(bot: Bot) -> Self {
        Self { bot }
    }
}

/// The inline keyboard of `rows`: a link button opens its web address
/// (one whose address does not parse is left out), any other sends its
/// callback data back.
fn keyboard(rows: &[Vec<crate::protocol::Button>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .filter_map(|b| match &b.url {
                Some(url) => url::Url::parse(url)
                    .ok()
                    .map(|url| InlineKeyboardButton::url(b.text.clone(), url)),
                None => Some(InlineKeyboardButton::callback(
                    b.text.clone(),
                    b.data.clone(),
                )),
            })
            .collect::<Vec<_>>()
    }))
}

impl TelegramChannel {
    /// Edits the message with Telegram id `receipt`. "Not modified" (a
    /// repeat after a crash, say) counts as done; a message that is gone or
    /// can no longer be edited leaves nothing to do.
    async fn edit(
        &self,
        message: &OutgoingMessage,
        receipt: &str,
    ) -> Result<String, DeliveryError> {
        let Ok(id) = receipt.trim().parse::<i32>() else {
            return Err(DeliveryError::Moot(format!(
                "the receipt {receipt:?} is not a Telegram message id"
            )));
        };
        let (chat, id) = (ChatId(message.chat_id), MessageId(id));
        let buttons = &message.buttons.0;
        let result = if message.keeps_text {
            let mut request = self.bot.edit_message_reply_markup(chat, id);
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            request.await.map(|_| ())
        } else {
            // Without a keyboard, editMessageText removes the one there was.
            let mut request = self.bot.edit_message_text(chat, id, &message.body);
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            request.await.map(|_| ())
        };
        match result {
            Ok(()) => Ok(receipt.to_string()),
            Err(error) if not_modified(&error) => Ok(receipt.to_string()),
            Err(error) => Err(classify_edit(error)),
        }
    }
}

/// Whether Telegram refused an edit because the message already reads so
/// (the edit was made before, e.g. just before a crash): that is success.
fn not_modified(error: &RequestError) -> bool {
    match error {
        RequestError::Api(ApiError::MessageNotModified) => true,
        RequestError::Api(ApiError::Unknown(description)) => {
            description.starts_with("Bad Request: message is not modified")
        }
        _ => false,
    }
}

/// An edit's failure: a message that cannot be edited leaves nothing to
/// do; the rest as for a send.
fn classify_edit(error: RequestError) -> DeliveryError {
    match error {
        RequestError::Api(
            api @ (ApiError::MessageToEditNotFound
            | ApiError::MessageCantBeEdited
            | ApiError::MessageIdInvalid),
        ) => DeliveryError::Moot(api.to_string()),
        other => classify(other),
    }
}

impl Channel for TelegramChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    async fn deliver(&self, message: &OutgoingMessage) -> Result<String, DeliveryError> {
        if message.edits.is_some() {
            return match &message.edit_of {
                Some(receipt) => self.edit(message, receipt).await,
                None => Err(DeliveryError::Moot("nothing to edit".into())),
            };
        }
        let sent = match &message.attachment {
            Some(attachment) => self.send_attachment(message, attachment).await,
            None => {
                let mut request = self
                    .bot
                    .send_message(ChatId(message.chat_id), &message.body);
                if !message.buttons.0.is_empty() {
                    request = request.reply_markup(keyboard(&message.buttons.0));
                }
                request.await
            }
        };
        match sent {
            Ok(sent) => Ok(sent.id.0.to_string()),
            Err(error) => Err(classify(error)),
        }
    }
}

impl TelegramChannel {
    /// A file by the id Telegram gave it (nothing is downloaded or
    /// uploaded), with its caption. A location or a contact card is written
    /// out in a text message, so that it goes with its caption in one send.
    async fn send_attachment(
        &self,
        message: &OutgoingMessage,
        attachment: &Attachment,
    ) -> Result<teloxide::types::Message, RequestError> {
        let chat = ChatId(message.chat_id);
        let file = || InputFile::file_id(FileId(attachment.file_id.clone()));
        let caption = message.body.clone();
        let bot = &self.bot;
        match attachment.kind {
            AttachmentKind::Photo => bot.send_photo(chat, file()).caption(caption).await,
            AttachmentKind::Document => bot.send_document(chat, file()).caption(caption).await,
            AttachmentKind::Voice => bot.send_voice(chat, file()).caption(caption).await,
            AttachmentKind::Video => bot.send_video(chat, file()).caption(caption).await,
            AttachmentKind::Audio => bot.send_audio(chat, file()).caption(caption).await,
            AttachmentKind::Animation => bot.send_animation(chat, file()).caption(caption).await,
            // A round video message has no caption in Telegram.
            AttachmentKind::VideoNote => bot.send_video_note(chat, file()).await,
            AttachmentKind::Location | AttachmentKind::Contact => {
                let card = written_out(attachment);
                let text = if caption.is_empty() {
                    card
                } else {
                    format!("{caption}\n{card}")
                };
                bot.send_message(chat, text).await
            }
        }
    }
}

/// A location or contact card as a line of text.
fn written_out(attachment: &Attachment) -> String {
    match attachment.kind {
        AttachmentKind::Location => format!("📍 {}", attachment.file_id),
        _ => match &attachment.file_name {
            Some(name) => format!("👤 {name} {}", attachment.file_id),
            None => format!("👤 {}", attachment.file_id),
        },
    }
}

/// Which failures are worth retrying. Anything that may pass (the network,
/// a 5xx, a rate limit, an answer we could not read) is retried for as long
/// as it takes; only refusals that will never change are permanent.
fn classify(error: RequestError) -> DeliveryError {
    match error {
        RequestError::RetryAfter(wait) => DeliveryError::RateLimited {
            after: wait.duration(),
        },
        RequestError::MigrateToChatId(to) => {
            DeliveryError::Permanent(format!("the group moved to chat {to}"))
        }
        // A wrong token is fixed by the operator, and the messages wait.
        RequestError::Api(api @ ApiError::InvalidToken) => DeliveryError::Retry {
            reason: api.to_string(),
            after: None,
        },
        // Descriptions teloxide does not know: refusals (4xx) will not
        // change; anything else (a 5xx in JSON) may.
        RequestError::Api(ApiError::Unknown(description)) => {
            if ["Bad Request", "Forbidden", "Unauthorized"]
                .iter()
                .any(|refusal| description.starts_with(refusal))
            {
                DeliveryError::Permanent(description)
            } else {
                DeliveryError::Retry {
                    reason: description,
                    after: None,
                }
            }
        }
        // Every known API error is a refusal: blocked, chat not found, user
        // deactivated, a message Telegram will not take.
        RequestError::Api(api) => DeliveryError::Permanent(api.to_string()),
        other => DeliveryError::Retry {
            reason: other.to_string(),
            after: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_that_never_change_are_permanent() {
        assert!(matches!(
            classify(RequestError::Api(ApiError::BotBlocked)),
            DeliveryError::Permanent(_)
        ));
        assert!(matches!(
            classify(RequestError::Api(ApiError::Unknown(
                "Bad Request: BUTTON_TYPE_INVALID".into()
            ))),
            DeliveryError::Permanent(_)
        ));
        assert!(matches!(
            classify(RequestError::Api(ApiError::Unknown(
                "Internal Server Error".into()
            ))),
            DeliveryError::Retry { .. }
        ));
        assert!(matches!(
            classify(RequestError::Api(ApiError::InvalidToken)),
            DeliveryError::Retry { .. }
        ));
        assert!(not_modified(&RequestError::Api(
            ApiError::MessageNotModified
        )));
        assert!(matches!(
            classify_edit(RequestError::Api(ApiError::MessageToEditNotFound)),
            DeliveryError::Moot(_)
        ));
        assert!(matches!(
            classify_edit(RequestError::Api(ApiError::BotBlocked)),
            DeliveryError::Permanent(_)
        ));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(matches!(
            classify(RequestError::Io(std::sync::Arc::new(io))),
            DeliveryError::Retry { .. }
        ));
    }
}
