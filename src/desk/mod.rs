//! The help desk: tickets, their transcript and event log, consultants and
//! their queues, routing (category × region → agency queue), the claim queue,
//! SLA and follow-up jobs, and the outbox of everything the desk sends.
//!
//! Every state change and the messages it causes are written in one
//! transaction; the outbox sender delivers them afterwards.

pub mod calendar;
pub mod claims;
pub mod consultants;
pub mod jobs;
pub mod notices;
pub mod notifier;
pub mod outbox;
pub mod pii;
pub mod routing;
pub mod stats;
pub mod status;
pub mod store;
pub mod tickets;
pub mod timers;
pub mod views;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, Utc};
use sqlx::{PgConnection, PgPool};

pub use consultants::{Consultant, NewConsultant};
pub use routing::Routing;
pub use status::TicketStatus;
pub use tickets::{NewTicket, Ticket, TicketDetail};
pub use views::TicketFilter;

/// Korea Standard Time; Korea has no daylight saving time.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// The desk: its database and the routing it works by. Clones share both,
/// so a reload reaches every part at once.
#[derive(Debug, Clone)]
pub struct Desk {
    pool: PgPool,
    routing: Arc<RwLock<Arc<Routing>>>,
}

impl Desk {
    pub fn new(pool: PgPool, routing: Arc<Routing>) -> Self {
        Self {
            pool,
            routing: Arc::new(RwLock::new(routing)),
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

/// Why a desk action was refused. Nothing changes when one is returned.
/// The texts are shown to consultants and admins as they are.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("접수번호 {0}에 해당하는 접수 건이 없습니다")]
    UnknownTicket(String),
    #[error("등록된 상담원이 아닙니다 (메신저 ID {0})")]
    NotConsultant(i64),
    #[error("{0} 상담원은 비활성화되어 있어 접수 건을 다룰 수 없습니다")]
    Deactivated(String),
    #[error("{code} 건은 이미 {by} 상담원이 담당하고 있습니다")]
    AlreadyClaimed { code: String, by: String },
    #[error("{code} 건은 지금 '{status}' 상태라 {action}할 수 없습니다")]
    WrongStatus {
        code: String,
        status: String,
        action: &'static str,
    },
    #[error("{code} 건은 {by} 상담원이 담당 중입니다. 담당자만 {action}할 수 있습니다")]
    NotHolder {
        code: String,
        by: String,
        action: &'static str,
    },
    #[error("접수번호 {0} 건을 볼 수 없어요. 번호를 확인해 주세요 (내 대기열의 건과 내가 맡은 건만 볼 수 있어요)")]
    NotVisible(String),
    #[error("{code} 건은 이 상담원의 대기열 건이 아니라서 다룰 수 없습니다")]
    NotYourQueue { code: String, queue: String },
    #[error("동시에 담당할 수 있는 {capacity}건을 모두 맡고 있습니다. 진행 중인 건을 해결하거나 이관한 뒤 다시 시도해 주세요")]
    AtCapacity { capacity: i32 },
    #[error("'{queue}'라는 대기열은 없습니다{hint}")]
    UnknownQueue { queue: String, hint: String },
    #[error("만족도 점수는 1부터 5까지입니다 (입력: {0})")]
    BadRating(i64),
    #[error("{0}")]
    Invalid(String),
    #[error("데이터베이스 오류")]
    Database(#[from] sqlx::Error),
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
