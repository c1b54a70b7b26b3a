//! What people see of tickets: one ticket with its history (to a consultant
//! only if it is in their queues or theirs), lists by filter, a consultant's
//! tickets and queue, an SME's tickets. Reads only.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::PgConnection;
use tracing::{info, instrument};

use super::store::{Event, Message, Ticket, TicketDetail, SELECT_TICKET};
use super::{kst, Desk, DeskError, DeskResult, TicketStatus};

/// Which tickets `list` and `details` return: every condition given must
/// hold.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub queue: Option<String>,
    pub requester_chat: Option<i64>,
    /// The ticket's consultant (who holds it, or held it when it was
    /// resolved): a messenger id or a name (any case). One no consultant
    /// has is refused, so a typo does not read as "no tickets".
    pub consultant: Option<String>,
    /// Opened on or after this day, in Korea time.
    pub created_from: Option<NaiveDate>,
    /// Opened on or before this day (the whole day), in Korea time.
    pub created_to: Option<NaiveDate>,
    /// Words that must each appear (any case) in the company, the code,
    /// the description or a message of the transcript (notes included).
    pub search: Vec<String>,
    /// At most this many tickets (the newest); `None` for all.
    pub limit: Option<i64>,
}

/// The first instant of a range of days, and the first instant after it.
type CreatedRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// An event with the ticket it belongs to.
#[derive(sqlx::FromRow)]
struct EventOf {
    ticket_id: i64,
    #[sqlx(flatten)]
    event: Event,
}

/// A message with the ticket it belongs to.
#[derive(sqlx::FromRow)]
struct MessageOf {
    ticket_id: i64,
    #[sqlx(flatten)]
    message: Message,
}

impl TicketFilter {
    /// The start of `day` in Korea, as stored (UTC).
    fn day_start(day: NaiveDate) -> DateTime<Utc> {
        day.and_time(NaiveTime::MIN)
            .and_local_timezone(kst())
            .single()
            .expect("Korea time has no gaps")
            .with_timezone(&Utc)
    }

    /// The first instant of the range and the first instant after it.
    pub(super) fn created_range(&self) -> DeskResult<CreatedRange> {
        if let (Some(from), Some(to)) = (self.created_from, self.created_to) {
            if from > to {
                return Err(DeskError::Invalid(format!(
                    "기간의 시작({from})이 끝({to})보다 늦습니다"
                )));
            }
        }
        let after = self.created_to.map(|to| {
            to.succ_opt()
                .map_or(DateTime::<Utc>::MAX_UTC, Self::day_start)
        });
        Ok((self.created_from.map(Self::day_start), after))
    }

    /// The search words, lower-cased, without empty ones.
    fn words(&self) -> Vec<String> {
        self.search
            .iter()
            .flat_map(|w| w.split_whitespace())
            .map(str::to_lowercase)
            .collect()
    }
}

/// The conditions of [`TicketFilter`] on `tickets t`, parameters $1 to $8.
const FILTERED: &str = "($1::text IS NULL OR t.status = $1) \
     AND ($2::text IS NULL OR t.queue = $2) \
     AND ($3::bigint IS NULL OR t.requester_chat = $3) \
     AND ($4::bigint[] IS NULL OR t.consultant_id = ANY($4)) \
     AND ($5::timestamptz IS NULL OR t.created_at >= $5) \
     AND ($6::timestamptz IS NULL OR t.created_at < $6) \
     AND NOT EXISTS (SELECT 1 FROM unnest($7::text[]) AS w(word) WHERE NOT ( \
         strpos(lower(t.company), w.word) > 0 OR strpos(lower(t.code), w.word) > 0 \
         OR strpos(lower(t.description), w.word) > 0 \
         OR EXISTS (SELECT 1 FROM ticket_messages m \
                    WHERE m.ticket_id = t.id AND strpos(lower(m.body), w.word) > 0))) \
     ORDER BY t.id DESC LIMIT $8";

impl Desk {
    /// A ticket with its event log and transcript.
    pub async fn show(&self, code: &str) -> DeskResult<TicketDetail> {
        self.on_connection(async |conn| self.show_in(conn, code).await)
            .await
    }

    /// The ticket `code` alone, without its history.
    pub async fn ticket_in(&self, conn: &mut PgConnection, code: &str) -> DeskResult<Ticket> {
        sqlx::query_as(&format!("{SELECT_TICKET} WHERE t.code = $1"))
            .bind(code.trim())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| DeskError::UnknownTicket(code.trim().to_string()))
    }

    /// [`Desk::show`] on the caller's connection (or transaction).
    pub async fn show_in(&self, conn: &mut PgConnection, code: &str) -> DeskResult<TicketDetail> {
        let ticket = self.ticket_in(&mut *conn, code).await?;
        let events = sqlx::query_as(
            "SELECT at, actor, kind, detail FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket.id)
        .fetch_all(&mut *conn)
        .await?;
        let messages = sqlx::query_as(
            "SELECT m.at, m.author, c.name AS consultant_name, m.body, m.attachment FROM ticket_messages m \
             LEFT JOIN consultants c ON c.id = m.consultant_id WHERE m.ticket_id = $1 ORDER BY m.id",
        )
        .bind(ticket.id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(TicketDetail {
            ticket,
            events,
            messages,
        })
    }

    /// A ticket as the consultant `messenger_id` may see it: one of their
    /// queues' (the rule of claiming) or one they hold. Any other ticket is
    /// refused with the same words as one that does not exist, so nothing
    /// of it shows.
    #[instrument(skip(self, conn))]
    pub async fn show_to(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
        code: &str,
    ) -> DeskResult<TicketDetail> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        let hidden = || DeskError::NotVisible(code.trim().to_string());
        let detail = match self.show_in(conn, code).await {
            Ok(detail) => detail,
            Err(DeskError::UnknownTicket(_)) => return Err(hidden()),
            Err(e) => return Err(e),
        };
        let ticket = &detail.ticket;
        if !self.may_work_on(&consultant, &ticket.queue)
            && ticket.consultant_id != Some(consultant.id)
        {
            info!(code = %ticket.code, consultant = consultant.id, "refused to show a ticket outside the consultant's queues");
            return Err(hidden());
        }
        Ok(detail)
    }

    /// Tickets by filter, newest first.
    pub async fn list(&self, filter: &TicketFilter) -> DeskResult<Vec<Ticket>> {
        self.on_connection(async |conn| self.list_in(conn, filter).await)
            .await
    }

    /// [`Desk::list`] on the caller's connection (or transaction).
    pub async fn list_in(
        &self,
        conn: &mut PgConnection,
        filter: &TicketFilter,
    ) -> DeskResult<Vec<Ticket>> {
        let (from, before) = filter.created_range()?;
        let consultants = match &filter.consultant {
            Some(who) => Some(consultant_ids(&mut *conn, who).await?),
            None => None,
        };
        Ok(sqlx::query_as(&format!("{SELECT_TICKET} WHERE {FILTERED}"))
            .bind(filter.status.map(TicketStatus::as_str))
            .bind(&filter.queue)
            .bind(filter.requester_chat)
            .bind(consultants)
            .bind(from)
            .bind(before)
            .bind(filter.words())
            .bind(filter.limit)
            .fetch_all(&mut *conn)
            .await?)
    }

    /// The tickets of `filter`, newest first, each with its event log and
    /// transcript in order: what `tickets export` writes.
    pub async fn details(&self, filter: &TicketFilter) -> DeskResult<Vec<TicketDetail>> {
        self.on_connection(async |conn| {
            let tickets = self.list_in(&mut *conn, filter).await?;
            let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
            let mut events: HashMap<i64, Vec<Event>> = HashMap::new();
            let rows: Vec<EventOf> = sqlx::query_as(
                "SELECT ticket_id, at, actor, kind, detail FROM ticket_events \
                 WHERE ticket_id = ANY($1) ORDER BY ticket_id, id",
            )
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                events.entry(row.ticket_id).or_default().push(row.event);
            }
            let mut messages: HashMap<i64, Vec<Message>> = HashMap::new();
            let rows: Vec<MessageOf> = sqlx::query_as(
                "SELECT m.ticket_id, m.at, m.author, c.name AS consultant_name, m.body, m.attachment \
                 FROM ticket_messages m LEFT JOIN consultants c ON c.id = m.consultant_id \
                 WHERE m.ticket_id = ANY($1) ORDER BY m.ticket_id, m.id",
            )
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                messages.entry(row.ticket_id).or_default().push(row.message);
            }
            Ok(tickets
                .into_iter()
                .map(|ticket| TicketDetail {
                    events: events.remove(&ticket.id).unwrap_or_default(),
                    messages: messages.remove(&ticket.id).unwrap_or_default(),
                    ticket,
                })
                .collect())
        })
        .await
    }

    /// The tickets a consultant holds now.
    pub async fn held_by(&self, messenger_id: i64) -> DeskResult<Vec<Ticket>> {
        self.on_connection(async |conn| self.held_by_in(conn, messenger_id).await)
            .await
    }

    /// [`Desk::held_by`] on the caller's connection (or transaction).
    pub async fn held_by_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<Vec<Ticket>> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.consultant_id = $1 AND t.status = 'claimed' ORDER BY t.claimed_at"
        ))
        .bind(consultant.id)
        .fetch_all(conn)
        .await?)
    }

    /// The open tickets of a consultant's queues, in claim order.
    pub async fn waiting_for_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
    ) -> DeskResult<Vec<Ticket>> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.status = 'open' AND t.queue = ANY($1) \
             ORDER BY t.priority DESC, t.created_at, t.id LIMIT 50"
        ))
        .bind(&consultant.queues)
        .fetch_all(conn)
        .await?)
    }

    /// The tickets an SME opened, newest first.
    pub async fn tickets_of_requester_in(
        &self,
        conn: &mut PgConnection,
        requester_chat: i64,
        limit: i64,
    ) -> DeskResult<Vec<Ticket>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.requester_chat = $1 ORDER BY t.id DESC LIMIT $2"
        ))
        .bind(requester_chat)
        .bind(limit)
        .fetch_all(conn)
        .await?)
    }

    /// The SME's ticket a person is on or will be: claimed first, else the
    /// newest waiting one (reopened tickets wait again). Their plain
    /// messages join it.
    pub async fn active_ticket_of_requester_in(
        &self,
        conn: &mut PgConnection,
        requester_chat: i64,
    ) -> DeskResult<Option<Ticket>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE t.requester_chat = $1 AND t.status IN ('open', 'claimed') \
             ORDER BY (t.status = 'claimed') DESC, t.id DESC LIMIT 1"
        ))
        .bind(requester_chat)
        .fetch_optional(conn)
        .await?)
    }

    /// `/search`: the tickets a consultant may work on (their queues, what
    /// they hold; every queue for a supervisor) in which every word of
    /// `words` appears in the code, the company, the description or the
    /// transcript, newest first.
    pub async fn search_in(
        &self,
        conn: &mut PgConnection,
        messenger_id: i64,
        words: &str,
        limit: i64,
    ) -> DeskResult<Vec<Ticket>> {
        let consultant = self.consultant_in(&mut *conn, messenger_id).await?;
        let everywhere = consultant
            .queues
            .iter()
            .any(|q| *q == self.routing().supervisor_queue);
        let patterns: Vec<String> = words
            .split_whitespace()
            .map(|word| {
                let escaped = word
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
            .collect();
        if patterns.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(&format!(
            "{SELECT_TICKET} WHERE ($2 OR t.queue = ANY($3) OR t.consultant_id = $4) \
             AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(p) WHERE NOT ( \
                 t.code ILIKE w.p OR t.company ILIKE w.p OR t.description ILIKE w.p \
                 OR EXISTS (SELECT 1 FROM ticket_messages m \
                            WHERE m.ticket_id = t.id AND m.body ILIKE w.p))) \
             ORDER BY t.id DESC LIMIT $5"
        ))
        .bind(&patterns)
        .bind(everywhere)
        .bind(&consultant.queues)
        .bind(consultant.id)
        .bind(limit)
        .fetch_all(conn)
        .await?)
    }
}

/// The consultants a `--consultant` value names: by messenger id, or by
/// name in any case. None is an error.
pub(super) async fn consultant_ids(conn: &mut PgConnection, who: &str) -> DeskResult<Vec<i64>> {
    let who = who.trim();
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM consultants WHERE messenger_id::text = $1 OR lower(name) = lower($1) \
         ORDER BY id",
    )
    .bind(who)
    .fetch_all(conn)
    .await?;
    if ids.is_empty() {
        return Err(DeskError::Invalid(format!(
            "'{who}'(메신저 ID 또는 이름)인 상담원이 없습니다"
        )));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_range_is_korea_days_with_the_last_day_whole() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let filter = TicketFilter {
            created_from: Some(day("2026-03-01")),
            created_to: Some(day("2026-03-31")),
            ..Default::default()
        };
        let (from, before) = filter.created_range().unwrap();
        assert_eq!(from.unwrap().to_rfc3339(), "2026-02-28T15:00:00+00:00");
        assert_eq!(before.unwrap().to_rfc3339(), "2026-03-31T15:00:00+00:00");
        let backwards = TicketFilter {
            created_from: Some(day("2026-04-01")),
            created_to: Some(day("2026-03-01")),
            ..Default::default()
        };
        assert!(backwards.created_range().is_err());
    }

    #[test]
    fn search_words_are_split_and_lower_cased() {
        let filter = TicketFilter {
            search: vec!["ACME  대출".into(), " ".into()],
            ..Default::default()
        };
        assert_eq!(filter.words(), ["acme", "대출"]);
    }
}
