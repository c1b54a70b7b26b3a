//! The help desk: tickets, their transcript and event log, consultants and
//! their queues, routing (category × region → agency queue), the claim queue,
//! SLA and follow-up jobs, and the outbox of everything the desk sends.
//!
//! Every state change and the messages it causes are written in one
//! transaction; the outbox sender delivers them afterwards.

pub mod addressing;
pub mod board;
pub mod calendar;
pub mod claims;
pub mod consultants;
pub mod jobs;
pub mod notices;
pub mod notifier;
pub mod outbox;
pub mod pii;
mod relay;
pub mod routing;
pub mod stats;
pub mod status;
pub mod store;
pub mod tickets;
pub mod timers;
pub mod trends;
pub mod views;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, Utc};
use sqlx::{PgConnection, PgPool};

use crate::texts::{self, Texts};

pub use consultants::{Consultant, NewConsultant};
pub use routing::Routing;
pub use status::TicketStatus;
pub use tickets::{Detail, NewTicket, Ticket, TicketDetail};
pub use views::TicketFilter;

/// Korea Standard Time; Korea has no daylight saving time.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// The desk: its database, the routing it works by and the texts it
/// speaks with. Clones share all three, so a reload reaches every part at
/// once.
#[derive(Debug, Clone)]
pub struct Desk {
    pool: PgPool,
    routing: Arc<RwLock<Arc<Routing>>>,
    texts: Arc<RwLock<Arc<Texts>>>,
}

impl Desk {
    /// A desk speaking with the built-in texts until [`Desk::set_texts`].
    pub fn new(pool: PgPool, routing: Arc<Routing>) -> Self {
        Self {
            pool,
            routing: Arc::new(RwLock::new(routing)),
            texts: Arc::new(RwLock::new(Arc::new(texts::defaults().clone()))),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs `action` in a transaction of its own, committed if it succeeds.
    /// Every desk action has two forms: `X_in(tx, …)`, which the dialog
    /// engine calls inside the update's transaction, and `X(…)`, for the CLI,
    /// the worker and tests, which is `X_in` run through this.
    pub(crate) async fn in_transaction<T>(
        &self,
        action: impl AsyncFnOnce(&mut PgConnection) -> DeskResult<T>,
    ) -> DeskResult<T> {
        let mut tx = self.pool().begin().await?;
        let result = action(&mut tx).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Runs a read (or a single statement) on a pooled connection: the
    /// outside form of reads, as [`Desk::in_transaction`] is of changes.
    pub(crate) async fn on_connection<T>(
        &self,
        read: impl AsyncFnOnce(&mut PgConnection) -> DeskResult<T>,
    ) -> DeskResult<T> {
        let mut conn = self.pool().acquire().await?;
        read(&mut conn).await
    }

    /// The routing in force now.
    pub fn routing(&self) -> Arc<Routing> {
        self.routing
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The routing every clone of this desk works by from now on (a reload).
    pub fn set_routing(&self, routing: Arc<Routing>) {
        *self.routing.write().unwrap_or_else(|e| e.into_inner()) = routing;
    }

    /// The texts in force now: what the desk's notices and refusals say.
    pub fn texts(&self) -> Arc<Texts> {
        self.texts.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The texts every clone of this desk speaks with from now on (a reload).
    pub fn set_texts(&self, texts: Arc<Texts>) {
        *self.texts.write().unwrap_or_else(|e| e.into_inner()) = texts;
    }
}

/// Who did something, as written in the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The SME, by chat id.
    Sme(i64),
    /// A consultant: their row id and name.
    Consultant { id: i64, name: String },
    /// onestop itself: SLA and follow-up jobs.
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Sme(chat) => write!(f, "sme:{chat}"),
            Actor::Consultant { id, name } => write!(f, "consultant:{id}:{name}"),
            Actor::System => write!(f, "system"),
        }
    }
}

/// What a consultant or an SME tried, as a refusal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskAction {
    Claim,
    Transfer,
    Resolve,
    Reopen,
    Rate,
    Reply,
}

impl DeskAction {
    /// The key of the bot's text that names it (담당, 이관, …).
    pub fn text_key(self) -> &'static str {
        match self {
            DeskAction::Claim => "word_action_claim",
            DeskAction::Transfer => "word_action_transfer",
            DeskAction::Resolve => "word_action_resolve",
            DeskAction::Reopen => "word_action_reopen",
            DeskAction::Rate => "word_action_rate",
            DeskAction::Reply => "word_action_reply",
        }
    }
}

/// Why a desk action was refused. Nothing changes when one is returned.
/// [`DeskError::say`] words it with the bot's texts (the `refusal_…` keys)
/// for the person who asked; `Display` uses the built-in ones.
#[derive(Debug)]
pub enum DeskError {
    UnknownTicket(String),
    NotConsultant(i64),
    Deactivated(String),
    AlreadyClaimed {
        code: String,
        by: String,
    },
    WrongStatus {
        code: String,
        status: TicketStatus,
        action: DeskAction,
    },
    NotHolder {
        code: String,
        by: String,
        action: DeskAction,
    },
    NotVisible(String),
    NotYourQueue {
        code: String,
        queue: String,
    },
    AtCapacity {
        capacity: i32,
    },
    /// A queue id routing does not have, with the closest one if any is
    /// close, else every queue id.
    UnknownQueue {
        queue: String,
        guess: Option<String>,
        queues: Vec<String>,
    },
    BadRating(i64),
    /// Anything else, already worded.
    Invalid(String),
    Database(sqlx::Error),
}

impl DeskError {
    /// Whether the database could not be reached (an outage, not a refusal).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DeskError::Database(e) if crate::database::outage::is_unavailable(e))
    }

    /// The refusal in the words of `texts`.
    pub fn say(&self, texts: &Texts) -> String {
        match self {
            DeskError::UnknownTicket(code) => {
                texts.fill("refusal_unknown_ticket", &[("code", code)])
            }
            DeskError::NotConsultant(id) => texts.fill("refusal_not_consultant", &[("id", id)]),
            DeskError::Deactivated(name) => {
                texts.fill("refusal_deactivated", &[("consultant", name)])
            }
            DeskError::AlreadyClaimed { code, by } => texts.fill(
                "refusal_already_claimed",
                &[("code", code), ("consultant", by)],
            ),
            DeskError::WrongStatus {
                code,
                status,
                action,
            } => texts.fill(
                "refusal_wrong_status",
                &[
                    ("code", code),
                    ("status", &texts.get(status.text_key())),
                    ("action", &texts.get(action.text_key())),
                ],
            ),
            DeskError::NotHolder { code, by, action } => texts.fill(
                "refusal_not_holder",
                &[
                    ("code", code),
                    ("consultant", by),
                    ("action", &texts.get(action.text_key())),
                ],
            ),
            DeskError::NotVisible(code) => texts.fill("refusal_not_visible", &[("code", code)]),
            DeskError::NotYourQueue { code, .. } => {
                texts.fill("refusal_not_your_queue", &[("code", code)])
            }
            DeskError::AtCapacity { capacity } => {
                texts.fill("refusal_at_capacity", &[("capacity", capacity)])
            }
            DeskError::UnknownQueue {
                queue,
                guess: Some(guess),
                ..
            } => texts.fill(
                "refusal_unknown_queue_guess",
                &[("queue", queue), ("guess", guess)],
            ),
            DeskError::UnknownQueue {
                queue,
                guess: None,
                queues,
            } => texts.fill(
                "refusal_unknown_queue",
                &[("queue", queue), ("queues", &queues.join(", "))],
            ),
            DeskError::BadRating(score) => texts.fill("refusal_bad_rating", &[("score", score)]),
            DeskError::Invalid(said) => said.clone(),
            DeskError::Database(_) => "데이터베이스 오류".to_string(),
        }
    }
}

impl std::fmt::Display for DeskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.say(texts::defaults()))
    }
}

impl std::error::Error for DeskError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeskError::Database(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for DeskError {
    fn from(e: sqlx::Error) -> Self {
        DeskError::Database(e)
    }
}

pub type DeskResult<T> = Result<T, DeskError>;

/// Now, in UTC (all times are stored in UTC and shown in KST).
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A time as Koreans read it: `2026-11-23 14:05`.
pub fn show_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&kst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
