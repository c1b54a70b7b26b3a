//! The supervisor's board, the desk as it is now: what waits in each queue
//! (how many, the oldest, which are past their SLA) and who is in, with
//! what each consultant holds against capacity. Reads only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::pii::mask;
use super::{Desk, DeskResult};

/// The desk now.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub at: DateTime<Utc>,
    /// Every queue of the routing, then any other queue holding tickets.
    pub queues: Vec<QueueNow>,
    /// Open tickets whose SLA (the first reminder's deadline) has passed,
    /// the longest waiting first.
    pub overdue: Vec<Overdue>,
    /// Active consultants, those in (not away) first.
    pub consultants: Vec<ConsultantNow>,
}

/// One queue now.
#[derive(Debug, Clone, Serialize)]
pub struct QueueNow {
    pub id: String,
    pub name: String,
    pub waiting: i64,
    /// Minutes the oldest waiting ticket has been open.
    pub oldest_minutes: Option<i64>,
    pub oldest_code: Option<String>,
    pub past_sla: i64,
    /// Claimed tickets of the queue.
    pub in_hand: i64,
}

/// A waiting ticket past its SLA.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    pub code: String,
    pub queue: String,
    /// The company, masked like every text on the page.
    pub company: String,
    pub waiting_minutes: i64,
    /// Minutes past the deadline.
    pub late_minutes: i64,
}

/// One active consultant now.
#[derive(Debug, Clone, Serialize)]
pub struct ConsultantNow {
    pub name: String,
    pub queues: Vec<String>,
    pub held: i32,
    pub capacity: i32,
    /// Not away: gets ticket cards.
    pub is_in: bool,
    pub at_capacity: bool,
}

/// An open or claimed ticket, as the board counts it.
#[derive(sqlx::FromRow)]
struct Row {
    code: String,
    queue: String,
    company: String,
    status: String,
    created_at: DateTime<Utc>,
}

impl Desk {
    /// The desk now, for the supervisor's *Now* page.
    pub async fn board(&self) -> DeskResult<Board> {
        let at = super::now();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT code, queue, company, status, created_at FROM tickets \
             WHERE status IN ('open', 'claimed') ORDER BY created_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        let routing = self.routing();
        let mut queues: BTreeMap<String, QueueNow> = BTreeMap::new();
        let order: Vec<String> = routing.queues.iter().map(|q| q.id.clone()).collect();
        for q in &routing.queues {
            queues.insert(q.id.clone(), QueueNow::empty(&q.id, &q.name));
        }
        let mut overdue = Vec::new();
        for row in rows {
            let queue = queues
                .entry(row.queue.clone())
                .or_insert_with(|| QueueNow::empty(&row.queue, &row.queue));
            if row.status == "claimed" {
                queue.in_hand += 1;
                continue;
            }
            let waiting = (at - row.created_at).num_minutes().max(0);
            queue.waiting += 1;
            if queue.oldest_minutes.is_none() {
                queue.oldest_minutes = Some(waiting);
                queue.oldest_code = Some(row.code.clone());
            }
            let due = routing.notice_due(&row.queue, row.created_at);
            if due < at {
                queue.past_sla += 1;
                overdue.push(Overdue {
                    code: row.code,
                    queue: row.queue,
                    company: mask(&row.company),
                    waiting_minutes: waiting,
                    late_minutes: (at - due).num_minutes().max(0),
                });
            }
        }
        let mut ordered: Vec<QueueNow> = order.iter().filter_map(|id| queues.remove(id)).collect();
        ordered.extend(queues.into_values());
        let mut consultants: Vec<ConsultantNow> = self
            .consultants()
            .await?
            .into_iter()
            .filter(|c| c.active)
            .map(|c| ConsultantNow {
                at_capacity: c.at_capacity(),
                name: c.name,
                queues: c.queues,
                held: c.held,
                capacity: c.capacity,
                is_in: !c.away,
            })
            .collect();
        consultants.sort_by(|a, b| b.is_in.cmp(&a.is_in).then(a.name.cmp(&b.name)));
        Ok(Board {
            at,
            queues: ordered,
            overdue,
            consultants,
        })
    }
}

impl QueueNow {
    fn empty(id: &str, name: &str) -> Self {
        QueueNow {
            id: id.to_string(),
            name: name.to_string(),
            waiting: 0,
            oldest_minutes: None,
            oldest_code: None,
            past_sla: 0,
            in_hand: 0,
        }
    }
}
