//! Consultants: who they are on the messenger, which queues they work, and
//! how many tickets they may hold at once.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use tracing::info;

use super::{Actor, Desk, DeskError, DeskResult};

/// A registered consultant.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Consultant {
    pub id: i64,
    pub messenger_id: i64,
    pub name: String,
    pub queues: Vec<String>,
    pub capacity: i32,
    /// Tickets they hold now: the seats taken of `capacity`.
    pub held: i32,
    pub active: bool,
    /// Said /away: no ticket cards until /back.
    pub away: bool,
    pub created_at: DateTime<Utc>,
}

impl Consultant {
    /// Whether every seat is taken.
    pub fn at_capacity(&self) -> bool {
        self.held >= self.capacity
    }

    pub fn actor(&self) -> Actor {
        Actor::Consultant {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

/// What `consultant add` takes.
#[derive(Debug, Clone)]
pub struct NewConsultant {
    pub messenger_id: i64,
    pub name: String,
    pub queues: Vec<String>,
    pub capacity: i32,
}

const SELECT_CONSULTANT: &str =
    "SELECT id, messenger_id, name, queues, capacity, held, active, away, created_at FROM consultants";

/// The consultant with this messenger id, locked for the transaction (so
/// their own concurrent claims are counted one after another).
pub(super) async fn lock(
    tx: &mut PgConnection,
    messenger_id: i64,
) -> Result<Option<Consultant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT_CONSULTANT} WHERE messenger_id = $1 FOR UPDATE"
    ))
    .bind(messenger_id)
    .fetch_optional(&mut *tx)
    .await
}

impl Desk {
    /// Registers a consultant, or updates the one with the same messenger id
    /// (and makes them active again).
    pub async fn add_consultant(&self, new: NewConsultant) -> DeskResult<Consultant> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(DeskError::Invalid("상담원 이름을 적어 주세요".into()));
        }
        if new.capacity < 1 {
            return Err(DeskError::Invalid(
                "동시 담당 건수(capacity)는 1 이상이어야 합니다".into(),
            ));
        }
        if new.queues.is_empty() {
            return Err(DeskError::Invalid(
                "대기열을 하나 이상 지정해 주세요".into(),
            ));
        }
        for queue in &new.queues {
            if self.routing().queue(queue).is_none() {
                return Err(self.unknown_queue_error(queue));
            }
        }
        let consultant: Consultant = sqlx::query_as(
            "INSERT INTO consultants (messenger_id, name, queues, capacity) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (messenger_id) DO UPDATE SET name = EXCLUDED.name, queues = EXCLUDED.queues, \
             capacity = EXCLUDED.capacity, active = true \
             RETURNING id, messenger_id, name, queues, capacity, held, active, away, created_at",
        )
        .bind(new.messenger_id)
        .bind(name)
        .bind(&new.queues)
        .bind(new.capacity)
        .fetch_one(self.pool())
        .await?;
        info!(consultant = consultant.id, "consultant registered");
        Ok(consultant)
    }

    /// All consultants, active first.
    pub async fn consultants(&self) -> DeskResult<Vec<Consultant>> {
        Ok(
            sqlx::query_as(&format!("{SELECT_CONSULTANT} ORDER BY active DESC, id"))
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// The consultant with this messenger id.
    pub async fn consultant(&self, messenger_id: i64) -> DeskResult<Consultant> {
        self.on_connection(async |conn| self.consultant_in(conn, messenger_id).await)
            .await
    }

    /// [`Desk::consultant`] on the caller's connection (or transaction).
    pub async fn consultant_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<Consultant> {
        sqlx::query_as(&format!("{SELECT_CONSULTANT} WHERE messenger_id = $1"))
            .bind(messenger_id)
            .fetch_optional(conn)
            .await?
            .ok_or(DeskError::NotConsultant(messenger_id))
    }

    /// Whether this messenger id belongs to an active consultant.
    pub async fn is_consultant(&self, messenger_id: i64) -> DeskResult<bool> {
        self.on_connection(async |conn| self.is_consultant_in(conn, messenger_id).await)
            .await
    }

    /// [`Desk::is_consultant`] on the caller's connection (or transaction).
    pub async fn is_consultant_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM consultants WHERE messenger_id = $1 AND active)",
        )
        .bind(messenger_id)
        .fetch_one(conn)
        .await?)
    }

    /// Says whether the consultant is away (/away) or in (/back): cards go
    /// only to consultants who are in. What they hold stays theirs.
    pub async fn set_away(&self, messenger_id: i64, away: bool) -> DeskResult<Consultant> {
        self.in_transaction(async |tx| self.set_away_in(tx, messenger_id, away).await)
            .await
    }

    /// [`Desk::set_away`] inside the caller's transaction.
    pub async fn set_away_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        away: bool,
    ) -> DeskResult<Consultant> {
        let consultant = lock_active(tx, messenger_id).await?;
        sqlx::query("UPDATE consultants SET away = $2 WHERE id = $1")
            .bind(consultant.id)
            .bind(away)
            .execute(&mut *tx)
            .await?;
        info!(consultant = consultant.id, away, "consultant away or back");
        Ok(Consultant { away, ..consultant })
    }

    /// Whether this messenger id was ever registered (active or not).
    pub async fn is_registered(&self, messenger_id: i64) -> DeskResult<bool> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM consultants WHERE messenger_id = $1)")
                .bind(messenger_id)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Deactivates a consultant. The tickets they hold go back to their
    /// queues, so none waits on someone who left.
    pub async fn deactivate_consultant(
        &self,
        messenger_id: i64,
    ) -> DeskResult<(Consultant, usize)> {
        let mut tx = self.pool().begin().await?;
        let consultant = lock(&mut tx, messenger_id)
            .await?
            .ok_or(DeskError::NotConsultant(messenger_id))?;
        sqlx::query("UPDATE consultants SET active = false WHERE id = $1")
            .bind(consultant.id)
            .execute(&mut *tx)
            .await?;
        let held: Vec<String> = sqlx::query_scalar(
            "SELECT code FROM tickets WHERE consultant_id = $1 AND status = 'claimed' ORDER BY id",
        )
        .bind(consultant.id)
        .fetch_all(&mut *tx)
        .await?;
        for code in &held {
            self.release(&mut tx, code, &consultant.actor(), "상담원 비활성화")
                .await?;
        }
        tx.commit().await?;
        info!(
            consultant = consultant.id,
            released = held.len(),
            "consultant deactivated"
        );
        Ok((
            Consultant {
                active: false,
                held: 0,
                ..consultant
            },
            held.len(),
        ))
    }

    pub(super) fn unknown_queue_error(&self, name: &str) -> DeskError {
        let routing = self.routing();
        let ids: Vec<&str> = routing.queues.iter().map(|q| q.id.as_str()).collect();
        let best = ids
            .iter()
            .map(|id| (strsim::normalized_levenshtein(id, name), *id))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        DeskError::UnknownQueue {
            queue: name.to_string(),
            guess: best
                .filter(|(score, _)| *score >= 0.5)
                .map(|(_, id)| id.to_string()),
            queues: ids.iter().map(|id| id.to_string()).collect(),
        }
    }
}

impl Desk {
    /// A consultant works on a queue's tickets if it is one of theirs, or if
    /// they are a supervisor.
    pub(super) fn may_work_on(&self, consultant: &Consultant, queue: &str) -> bool {
        consultant.queues.iter().any(|q| q == queue)
            || consultant
                .queues
                .iter()
                .any(|q| *q == self.routing().supervisor_queue)
    }
}

/// The active consultant with this messenger id, their row locked.
pub(super) async fn lock_active(
    tx: &mut PgConnection,
    messenger_id: i64,
) -> DeskResult<Consultant> {
    let consultant = lock(tx, messenger_id)
        .await?
        .ok_or(DeskError::NotConsultant(messenger_id))?;
    if !consultant.active {
        return Err(DeskError::Deactivated(consultant.name));
    }
    Ok(consultant)
}
