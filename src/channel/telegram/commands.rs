//! The bot's commands in the messenger's menu (`setMyCommands`): the SME's
//! for everyone (the default scope), the consultant's in the private chat
//! of each active consultant (`BotCommandScope::Chat`). Registered at start,
//! again after a reload (the descriptions are texts), and for a consultant
//! added or deactivated meanwhile (the set of active consultants is looked
//! at every `every`; a deactivated one gets the default list back). A
//! failure is logged and tried again at the next look; it never stops the
//! bot.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};
use tokio::sync::{watch, Notify};
use tracing::{info, warn};

use crate::desk::Desk;
use crate::dialog::commands::{ConsultantCommand, SmeCommand};
use crate::texts::Texts;

/// The SME's commands, described in `texts`.
pub fn sme_commands(texts: &Texts) -> Vec<BotCommand> {
    SmeCommand::LISTED
        .iter()
        .map(|(name, key)| BotCommand::new(*name, texts.get(key)))
        .collect()
}

/// The consultant's commands, described in `texts` and the help's table.
pub fn consultant_commands(texts: &Texts) -> Vec<BotCommand> {
    ConsultantCommand::listed(
        texts.get("command_consultant_help"),
        texts.get("command_cancel"),
    )
    .into_iter()
    .map(|(name, description)| BotCommand::new(name, description))
    .collect()
}

/// The private chat of consultant `messenger_id` as a scope.
fn chat_scope(messenger_id: i64) -> BotCommandScope {
    BotCommandScope::Chat {
        chat_id: Recipient::Id(ChatId(messenger_id)),
    }
}

/// Keeps the commands registered until shutdown; `reloaded` asks for the
/// whole registration again.
pub async fn keep_registered(
    bot: Bot,
    desk: Desk,
    every: Duration,
    reloaded: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // Consultants whose chat has the consultant's list; `None`: the
    // default list is not registered yet (or must be again).
    let mut registered: Option<BTreeSet<i64>> = None;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        match active_consultants(&desk).await {
            Ok(active) => {
                registered = register(&bot, &desk.texts(), registered.as_ref(), &active).await;
            }
            Err(e) => {
                warn!(error = %e, "could not read the consultants to register their commands")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = reloaded.notified() => registered = None,
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

async fn active_consultants(desk: &Desk) -> anyhow::Result<BTreeSet<i64>> {
    Ok(desk
        .consultants()
        .await?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| c.messenger_id)
        .collect())
}

/// Registers what changed since `before` (everything when `None`); returns
/// what is registered now (`None` if the default list failed, so that the
/// next round tries everything again).
async fn register(
    bot: &Bot,
    texts: &Texts,
    before: Option<&BTreeSet<i64>>,
    active: &BTreeSet<i64>,
) -> Option<BTreeSet<i64>> {
    let mut now = BTreeSet::new();
    if before.is_none() {
        if let Err(e) = bot
            .set_my_commands(sme_commands(texts))
            .scope(BotCommandScope::Default)
            .await
        {
            warn!(error = %e, "could not register the SME's commands; will try again");
            return None;
        }
        info!("registered the SME's commands");
    }
    let consultant = consultant_commands(texts);
    for id in active {
        if before.is_some_and(|b| b.contains(id)) {
            now.insert(*id);
            continue;
        }
        match bot
            .set_my_commands(consultant.clone())
            .scope(chat_scope(*id))
            .await
        {
            Ok(_) => {
                now.insert(*id);
            }
            Err(e) => {
                warn!(error = %e, consultant = id, "could not register a consultant's commands; will try again")
            }
        }
    }
    for id in before
        .into_iter()
        .flatten()
        .filter(|id| !active.contains(id))
    {
        // No longer a consultant: the chat falls back to the default list.
        if let Err(e) = bot.delete_my_commands().scope(chat_scope(*id)).await {
            warn!(error = %e, consultant = id, "could not remove a consultant's commands; will try again");
            now.insert(*id);
        }
    }
    Some(now)
}
