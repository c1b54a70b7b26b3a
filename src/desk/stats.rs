//! `onestop stats`: open tickets per queue, how long claiming and resolving
//! take, how satisfied SMEs were, what the knowledge base could not
//! answer (its to-do list) and which referrals it gave (apart from both),
//! and what could not be delivered or handled.
//! Personal data in questions is masked.

use serde::Serialize;

use super::pii::mask;
use super::{Desk, DeskResult};
use crate::nlu::is_foreign;

/// Longest question kept in the to-do list.
const MAX_QUESTION: usize = 300;

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub open_by_queue: Vec<(String, i64)>,
    pub claimed: i64,
    pub resolved: i64,
    pub closed: i64,
    pub median_minutes_to_claim: Option<f64>,
    pub median_minutes_to_resolve: Option<f64>,
    /// (score, how many)
    pub ratings: Vec<(i32, i64)>,
    pub average_rating: Option<f64>,
    /// (question, how often): Korean questions the knowledge base could
    /// not answer.
    pub unanswered: Vec<(String, i64)>,
    /// (message, how often): messages in another language
    /// (`nlu::is_foreign`), answered with a pointer to a consultant.
    pub other_languages: Vec<(String, i64)>,
    /// (entry id, title, how often): questions answered with a referral to
    /// the institution that handles them.
    pub referrals: Vec<(String, String, i64)>,
    pub outbox_pending: i64,
    pub outbox_failed: i64,
    /// Messenger updates not handled yet, and those given up on (kept 30 days).
    pub updates_pending: i64,
    pub updates_failed: i64,
}

impl Desk {
    /// Counts a question that got `fallback`.
    pub async fn record_unanswered(&self, question: &str) -> DeskResult<()> {
        self.on_connection(async |conn| self.record_unanswered_in(conn, question).await)
            .await
    }

    /// [`Desk::record_unanswered`] inside the caller's transaction.
    pub async fn record_unanswered_in(
        &self,
        tx: &mut sqlx::PgConnection,
        question: &str,
    ) -> DeskResult<()> {
        let question: String = mask(question.trim()).chars().take(MAX_QUESTION).collect();
        if question.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO unanswered_questions (question) VALUES ($1) ON CONFLICT (question) \
             DO UPDATE SET times = unanswered_questions.times + 1, last_at = now()",
        )
        .bind(question)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Counts a question answered with the referral `entry_id` (`title`
    /// as lists show it), inside the caller's transaction.
    pub async fn record_referral_in(
        &self,
        tx: &mut sqlx::PgConnection,
        entry_id: &str,
        title: &str,
    ) -> DeskResult<()> {
        sqlx::query(
            "INSERT INTO referrals_given (entry_id, title) VALUES ($1, $2) ON CONFLICT (entry_id) \
             DO UPDATE SET times = referrals_given.times + 1, title = $2, last_at = now()",
        )
        .bind(entry_id)
        .bind(title)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// The questions nothing answered, most asked first (at most `limit`),
    /// masked: (question, how often).
    pub async fn unanswered_questions(&self, limit: i64) -> DeskResult<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT question, times FROM unanswered_questions ORDER BY times DESC, last_at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(q, n)| (mask(&q), n)).collect())
    }

    pub async fn stats(&self, top_unanswered: i64) -> DeskResult<Stats> {
        let pool = self.pool();
        let open_by_queue = sqlx::query_as(
            "SELECT queue, count(*) FROM tickets WHERE status = 'open' GROUP BY queue ORDER BY 2 DESC, 1",
        )
        .fetch_all(pool)
        .await?;
        let (claimed, resolved, closed): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'claimed'), \
                    count(*) FILTER (WHERE status = 'resolved'), \
                    count(*) FILTER (WHERE status = 'closed') FROM tickets",
        )
        .fetch_one(pool)
        .await?;
        let (to_claim, to_resolve) = median_minutes(pool).await?;
        let (ratings, average_rating) = ratings(pool).await?;
        let unanswered: Vec<(String, i64)> = sqlx::query_as(
            "SELECT question, times FROM unanswered_questions ORDER BY times DESC, last_at DESC LIMIT $1",
        )
        .bind(top_unanswered)
        .fetch_all(pool)
        .await?;
        let (other_languages, unanswered): (Vec<_>, Vec<_>) = unanswered
            .into_iter()
            .map(|(q, n)| (mask(&q), n))
            .partition(|(q, _)| is_foreign(q));
        let referrals = sqlx::query_as(
            "SELECT entry_id, title, times FROM referrals_given ORDER BY times DESC, last_at DESC",
        )
        .fetch_all(pool)
        .await?;
        let (outbox_pending, outbox_failed): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL), \
                    count(*) FILTER (WHERE failed_at IS NOT NULL) FROM outbox",
        )
        .fetch_one(pool)
        .await?;
        let (updates_pending, updates_failed): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE processed_at IS NULL), \
                    count(*) FILTER (WHERE failed_at IS NOT NULL) FROM inbound_updates",
        )
        .fetch_one(pool)
        .await?;
        Ok(Stats {
            open_by_queue,
            claimed,
            resolved,
            closed,
            median_minutes_to_claim: to_claim,
            median_minutes_to_resolve: to_resolve,
            ratings,
            average_rating,
            unanswered,
            other_languages,
            referrals,
            outbox_pending,
            outbox_failed,
            updates_pending,
            updates_failed,
        })
    }
}

/// What waits now, for `/metrics`: cheap enough to read at every scrape.
#[derive(Debug, Clone)]
pub struct Gauges {
    /// (channel, pending, failed) for every channel.
    pub outbox: Vec<(&'static str, i64, i64)>,
    /// Open tickets of every queue of the routing (0 included), and of
    /// queues the routing no longer has.
    pub open_by_queue: Vec<(String, i64)>,
    pub updates_pending: i64,
}

impl Desk {
    /// What waits now: see [`Gauges`].
    pub async fn gauges(&self) -> DeskResult<Gauges> {
        use super::addressing::ChannelKind;
        let pool = self.pool();
        // Each count through its partial index (the outbox keeps a week of
        // sent rows).
        let pending: Vec<(ChannelKind, i64)> = sqlx::query_as(
            "SELECT channel, count(*) FROM outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL GROUP BY channel",
        )
        .fetch_all(pool)
        .await?;
        let failed: Vec<(ChannelKind, i64)> = sqlx::query_as(
            "SELECT channel, count(*) FROM outbox WHERE failed_at IS NOT NULL GROUP BY channel",
        )
        .fetch_all(pool)
        .await?;
        let count = |rows: &[(ChannelKind, i64)], kind| {
            rows.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n)
        };
        let outbox = [
            ChannelKind::Telegram,
            ChannelKind::Console,
            ChannelKind::Jsonl,
        ]
        .into_iter()
        .map(|kind| (kind.as_str(), count(&pending, kind), count(&failed, kind)))
        .collect();
        let mut open_by_queue: Vec<(String, i64)> = sqlx::query_as(
            "SELECT queue, count(*) FROM tickets WHERE status = 'open' GROUP BY queue",
        )
        .fetch_all(pool)
        .await?;
        for queue in &self.routing().queues {
            if !open_by_queue.iter().any(|(q, _)| *q == queue.id) {
                open_by_queue.push((queue.id.clone(), 0));
            }
        }
        let updates_pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM inbound_updates WHERE processed_at IS NULL")
                .fetch_one(pool)
                .await?;
        Ok(Gauges {
            outbox,
            open_by_queue,
            updates_pending,
        })
    }
}

/// Median minutes from opening to the first claim, and to the first
/// resolution.
async fn median_minutes(pool: &sqlx::PgPool) -> DeskResult<(Option<f64>, Option<f64>)> {
    Ok(sqlx::query_as(
            "WITH firsts AS ( \
               SELECT t.created_at, \
                 (SELECT min(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'claimed') AS claimed, \
                 (SELECT min(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'resolved') AS resolved \
               FROM tickets t) \
             SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM claimed - created_at) / 60) \
                      FILTER (WHERE claimed IS NOT NULL), \
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved - created_at) / 60) \
                      FILTER (WHERE resolved IS NOT NULL) \
             FROM firsts",
        )
        .fetch_one(pool)
        .await?)
}

/// How many tickets got each rating, and the average.
async fn ratings(pool: &sqlx::PgPool) -> DeskResult<(Vec<(i32, i64)>, Option<f64>)> {
    let ratings: Vec<(i32, i64)> = sqlx::query_as(
        "SELECT rating, count(*) FROM tickets WHERE rating IS NOT NULL GROUP BY rating ORDER BY rating",
    )
    .fetch_all(pool)
    .await?;
    let total: i64 = ratings.iter().map(|(_, n)| n).sum();
    let average = (total > 0).then(|| {
        ratings
            .iter()
            .map(|(s, n)| f64::from(*s) * *n as f64)
            .sum::<f64>()
            / total as f64
    });
    Ok((ratings, average))
}
