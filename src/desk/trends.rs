//! The desk over a range of days: the tickets opened in it (by queue and
//! consultant if asked), per day opened, claimed and resolved, time to claim
//! and to resolve (median and 90th percentile), escalations, reopen rate and
//! satisfaction, in total, per queue and per consultant. `onestop stats
//! --from --to` and the supervisor's *Trends* page print the same figures.
//! Reads only.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::views::{consultant_ids, TicketFilter};
use super::{kst, Desk, DeskError, DeskResult};

/// The longest range, in days.
pub const MAX_DAYS: i64 = 366;

/// Which tickets: those opened from `from` to `to` (whole days, Korea
/// time), of `queue` and of `consultant` (a messenger id or a name) if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub queue: Option<String>,
    pub consultant: Option<String>,
}

impl TrendFilter {
    /// The last `days` days up to today (Korea time).
    pub fn last_days(days: i64) -> TrendFilter {
        let to = super::now().with_timezone(&kst()).date_naive();
        TrendFilter {
            from: to - chrono::Duration::days(days - 1),
            to,
            queue: None,
            consultant: None,
        }
    }
}

/// The figures of a set of tickets. Times are minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub opened: i64,
    /// Of them, claimed at least once.
    pub claimed: i64,
    /// Of them, resolved at least once.
    pub resolved: i64,
    pub minutes_to_claim_median: Option<f64>,
    pub minutes_to_claim_p90: Option<f64>,
    pub minutes_to_resolve_median: Option<f64>,
    pub minutes_to_resolve_p90: Option<f64>,
    /// Of them, escalated at least once (a reminder or the supervisor queue).
    pub escalated: i64,
    /// Of the resolved, reopened at least once.
    pub reopened: i64,
    /// `reopened / resolved`.
    pub reopen_rate: Option<f64>,
    pub rated: i64,
    pub average_rating: Option<f64>,
}

/// One day: the tickets of the range opened, first claimed and first
/// resolved that day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    pub day: NaiveDate,
    pub opened: i64,
    pub claimed: i64,
    pub resolved: i64,
}

/// The figures of one queue or consultant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The desk over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trends {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub queue: Option<String>,
    pub consultant: Option<String>,
    pub total: Figures,
    pub days: Vec<Day>,
    pub by_queue: Vec<Group>,
    /// By the ticket's consultant (who holds it, or resolved it); tickets
    /// never claimed are in no group.
    pub by_consultant: Vec<Group>,
}

/// One ticket of the range, with what happened to it.
#[derive(sqlx::FromRow)]
struct Row {
    queue: String,
    consultant: Option<String>,
    created_at: DateTime<Utc>,
    claimed_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    escalated: bool,
    reopened: bool,
    rating: Option<i32>,
}

impl Desk {
    /// The figures of the tickets `filter` names.
    pub async fn trends(&self, filter: &TrendFilter) -> DeskResult<Trends> {
        let days = (filter.to - filter.from).num_days() + 1;
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(DeskError::Invalid(format!(
                "기간은 시작({})부터 끝({})까지 1일에서 {MAX_DAYS}일이어야 합니다",
                filter.from, filter.to
            )));
        }
        let range = TicketFilter {
            created_from: Some(filter.from),
            created_to: Some(filter.to),
            ..Default::default()
        };
        let (from, before) = range.created_range()?;
        self.on_connection(async |conn| {
            let consultants = match &filter.consultant {
                Some(who) => Some(consultant_ids(&mut *conn, who).await?),
                None => None,
            };
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT t.queue, c.name AS consultant, t.created_at, t.rating, \
                   (SELECT min(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'claimed') AS claimed_at, \
                   (SELECT min(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'resolved') AS resolved_at, \
                   EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'escalated') AS escalated, \
                   EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened') AS reopened \
                 FROM tickets t LEFT JOIN consultants c ON c.id = t.consultant_id \
                 WHERE t.created_at >= $1 AND t.created_at < $2 \
                   AND ($3::text IS NULL OR t.queue = $3) \
                   AND ($4::bigint[] IS NULL OR t.consultant_id = ANY($4))",
            )
            .bind(from)
            .bind(before)
            .bind(&filter.queue)
            .bind(consultants)
            .fetch_all(&mut *conn)
            .await?;
            Ok(gather(filter, &rows))
        })
        .await
    }
}

/// The figures of `rows`, in total, per day, per queue, per consultant.
fn gather(filter: &TrendFilter, rows: &[Row]) -> Trends {
    let day_of = |at: DateTime<Utc>| at.with_timezone(&kst()).date_naive();
    let mut days: Vec<Day> = filter
        .from
        .iter_days()
        .take_while(|d| *d <= filter.to)
        .map(|day| Day {
            day,
            opened: 0,
            claimed: 0,
            resolved: 0,
        })
        .collect();
    let index = |at: DateTime<Utc>| {
        let day = day_of(at);
        (day >= filter.from && day <= filter.to).then(|| (day - filter.from).num_days() as usize)
    };
    for row in rows {
        if let Some(i) = index(row.created_at) {
            days[i].opened += 1;
        }
        if let Some(i) = row.claimed_at.and_then(index) {
            days[i].claimed += 1;
        }
        if let Some(i) = row.resolved_at.and_then(index) {
            days[i].resolved += 1;
        }
    }
    let mut by_queue: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    let mut by_consultant: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in rows {
        by_queue.entry(&row.queue).or_default().push(row);
        if let Some(name) = &row.consultant {
            by_consultant.entry(name).or_default().push(row);
        }
    }
    let groups = |map: BTreeMap<&str, Vec<&Row>>| -> Vec<Group> {
        map.into_iter()
            .map(|(name, rows)| Group {
                name: name.to_string(),
                figures: figures(&rows),
            })
            .collect()
    };
    Trends {
        from: filter.from,
        to: filter.to,
        queue: filter.queue.clone(),
        consultant: filter.consultant.clone(),
        total: figures(&rows.iter().collect::<Vec<_>>()),
        days,
        by_queue: groups(by_queue),
        by_consultant: groups(by_consultant),
    }
}

/// The figures of some tickets.
fn figures(rows: &[&Row]) -> Figures {
    let minutes = |at: Option<DateTime<Utc>>, from: DateTime<Utc>| {
        at.map(|at| (at - from).num_milliseconds() as f64 / 60_000.0)
    };
    let mut to_claim: Vec<f64> = rows
        .iter()
        .filter_map(|r| minutes(r.claimed_at, r.created_at))
        .collect();
    let mut to_resolve: Vec<f64> = rows
        .iter()
        .filter_map(|r| minutes(r.resolved_at, r.created_at))
        .collect();
    let resolved = to_resolve.len() as i64;
    let reopened = rows
        .iter()
        .filter(|r| r.reopened && r.resolved_at.is_some())
        .count() as i64;
    let ratings: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.rating)
        .map(f64::from)
        .collect();
    Figures {
        opened: rows.len() as i64,
        claimed: to_claim.len() as i64,
        resolved,
        minutes_to_claim_median: percentile(&mut to_claim, 0.5),
        minutes_to_claim_p90: percentile(&mut to_claim, 0.9),
        minutes_to_resolve_median: percentile(&mut to_resolve, 0.5),
        minutes_to_resolve_p90: percentile(&mut to_resolve, 0.9),
        escalated: rows.iter().filter(|r| r.escalated).count() as i64,
        reopened,
        reopen_rate: (resolved > 0).then(|| round(reopened as f64 / resolved as f64, 4)),
        rated: ratings.len() as i64,
        average_rating: (!ratings.is_empty())
            .then(|| round(ratings.iter().sum::<f64>() / ratings.len() as f64, 2)),
    }
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// The `p` percentile with linear interpolation between the closest ranks
/// (PostgreSQL's `percentile_cont`), rounded to a tenth of a minute.
fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = p * (values.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    let value = values[low] + (values[high] - values[low]) * (rank - low as f64);
    Some(round(value, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_postgres() {
        assert_eq!(percentile(&mut [], 0.5), None);
        assert_eq!(percentile(&mut [7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&mut [4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
        let mut ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&mut ten, 0.9), Some(9.1));
    }

    #[test]
    fn each_ticket_counts_on_the_korean_day_it_was_opened_claimed_and_resolved() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let filter = TrendFilter {
            from: day("2026-03-01"),
            to: day("2026-03-02"),
            queue: None,
            consultant: None,
        };
        let rows = [Row {
            queue: "q".into(),
            consultant: Some("박상담".into()),
            // 23:30 KST on 1 March; claimed 00:30 KST on 2 March.
            created_at: at("2026-03-01T14:30:00Z"),
            claimed_at: Some(at("2026-03-01T15:30:00Z")),
            resolved_at: Some(at("2026-03-05T00:00:00Z")),
            escalated: true,
            reopened: true,
            rating: Some(4),
        }];
        let trends = gather(&filter, &rows);
        let counts: Vec<(i64, i64, i64)> = trends
            .days
            .iter()
            .map(|d| (d.opened, d.claimed, d.resolved))
            .collect();
        assert_eq!(counts, [(1, 0, 0), (0, 1, 0)]);
        assert_eq!(trends.total.minutes_to_claim_median, Some(60.0));
        assert_eq!(trends.total.reopen_rate, Some(1.0));
        assert_eq!(trends.by_consultant[0].name, "박상담");
        assert_eq!(trends.total.average_rating, Some(4.0));
    }
}
