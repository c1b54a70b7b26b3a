//! Which channel delivers a chat's messages. Every outbox row carries a
//! [`ChannelKind`]; a sender takes only the rows of its own kind. A row is
//! addressed when it is written (by the `outbox_address` trigger of
//! migration 0011): to its chat's channel in `chat_channels`, Telegram when
//! the chat has none. An edit goes with the message it edits.

use sqlx::PgPool;

/// The channels that deliver outbox rows (the Postgres enum `outbox_channel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "outbox_channel", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// The messenger: `serve`'s sender.
    Telegram,
    /// The terminal of `onestop chat`.
    Console,
    /// A JSON-lines file or standard output: `worker --deliver`.
    Jsonl,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Telegram => "telegram",
            ChannelKind::Console => "console",
            ChannelKind::Jsonl => "jsonl",
        }
    }
}

impl std::fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Addresses `chats` to `channel`: every message written to them from now
/// on goes there (Telegram is the default and needs no call). Messages
/// already written keep their channel.
pub async fn address_chats(
    pool: &PgPool,
    chats: &[i64],
    channel: ChannelKind,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_channels (chat_id, channel) SELECT unnest($1::bigint[]), $2 \
         ON CONFLICT (chat_id) DO UPDATE SET channel = EXCLUDED.channel",
    )
    .bind(chats)
    .bind(channel)
    .execute(pool)
    .await?;
    Ok(())
}
