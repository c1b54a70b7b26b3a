//! The *Trends* page: the figures of `onestop stats --from --to` for a
//! range of days, per day (an SVG chart and a table), per queue and per
//! consultant, with their CSV downloads.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;

use super::chart::{self, Series};
use super::gate::Signed;
use super::pages::{export, message, page, params, unknown_table};
use super::{auth, csv, internal_error, WebState};
use crate::desk::trends::{Figures, TrendFilter, Trends};
use crate::desk::DeskError;

/// The range a page asks for; the last 30 days by default. A value that
/// is not a date is refused with what was typed.
fn filter(raw: Option<String>) -> Result<TrendFilter, String> {
    let mut params = params(raw);
    let mut filter = TrendFilter::last_days(30);
    let mut date = |name: &str| -> Result<Option<NaiveDate>, String> {
        match params.remove(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| format!("'{v}'는 날짜(예: 2026-03-01)가 아닙니다.")),
        }
    };
    let (from, to) = (date("from")?, date("to")?);
    if let Some(to) = to {
        filter.to = to;
        filter.from = to - chrono::Duration::days(29);
    }
    if let Some(from) = from {
        filter.from = from;
    }
    let mut text = |name: &str| {
        params
            .remove(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    filter.queue = text("queue");
    filter.consultant = text("consultant");
    Ok(filter)
}

/// The trends, or the page that says why not.
async fn read(
    state: &WebState,
    who: &auth::Supervisor,
    raw: Option<String>,
) -> Result<Trends, Response> {
    let filter = filter(raw)
        .map_err(|said| message(state, StatusCode::BAD_REQUEST, who, "잘못된 기간", &said))?;
    match state.desk.trends(&filter).await {
        Ok(trends) => Ok(trends),
        Err(DeskError::Invalid(said)) => Err(message(
            state,
            StatusCode::BAD_REQUEST,
            who,
            "잘못된 조건",
            &said,
        )),
        Err(e) => Err(internal_error(e.into())),
    }
}

/// A minutes figure as the tables show it.
fn shown(minutes: Option<f64>) -> String {
    minutes.map_or(
        "-".to_string(),
        |m| super::render::minutes(m.round() as i64),
    )
}

/// The row of a table for `figures`, in the order of [`FIGURES_HEAD`].
fn row(name: &str, f: &Figures) -> Vec<String> {
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    vec![
        name.to_string(),
        f.opened.to_string(),
        f.claimed.to_string(),
        f.resolved.to_string(),
        opt(f.minutes_to_claim_median),
        opt(f.minutes_to_claim_p90),
        opt(f.minutes_to_resolve_median),
        opt(f.minutes_to_resolve_p90),
        f.escalated.to_string(),
        f.reopened.to_string(),
        opt(f.reopen_rate),
        f.rated.to_string(),
        opt(f.average_rating),
    ]
}

const FIGURES_HEAD: &[&str] = &[
    "name",
    "opened",
    "claimed",
    "resolved",
    "claim_median_min",
    "claim_p90_min",
    "resolve_median_min",
    "resolve_p90_min",
    "escalated",
    "reopened",
    "reopen_rate",
    "rated",
    "average_rating",
];

/// A group's figures with its times in words, for the template.
fn view(name: &str, f: &Figures) -> minijinja::Value {
    minijinja::context! {
        name => name,
        f => f,
        claim_median => shown(f.minutes_to_claim_median),
        claim_p90 => shown(f.minutes_to_claim_p90),
        resolve_median => shown(f.minutes_to_resolve_median),
        resolve_p90 => shown(f.minutes_to_resolve_p90),
        reopen_percent => f.reopen_rate.map(|r| format!("{:.1}%", r * 100.0)),
    }
}

/// GET /trends?from=&to=&queue=&consultant=.
pub async fn trends(
    State(state): State<WebState>,
    Signed(who): Signed,
    RawQuery(raw): RawQuery,
) -> Response {
    let t = match read(&state, &who, raw).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let labels: Vec<String> = t
        .days
        .iter()
        .map(|d| d.day.format("%m-%d").to_string())
        .collect();
    let svg = chart::lines(
        "하루별 접수 · 담당 · 해결",
        &labels,
        &[
            Series {
                name: "접수",
                values: t.days.iter().map(|d| d.opened).collect(),
            },
            Series {
                name: "담당",
                values: t.days.iter().map(|d| d.claimed).collect(),
            },
            Series {
                name: "해결",
                values: t.days.iter().map(|d| d.resolved).collect(),
            },
        ],
    );
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("from", &t.from.to_string())
        .append_pair("to", &t.to.to_string());
    if let Some(queue) = &t.queue {
        query.append_pair("queue", queue);
    }
    if let Some(consultant) = &t.consultant {
        query.append_pair("consultant", consultant);
    }
    let query = query.finish();
    let queues: Vec<String> = state
        .desk
        .routing()
        .queues
        .iter()
        .map(|q| q.id.clone())
        .collect();
    let context = minijinja::context! {
        title => "추세",
        t => &t,
        total => view("전체", &t.total),
        by_queue => t.by_queue.iter().map(|g| view(&g.name, &g.figures)).collect::<Vec<_>>(),
        by_consultant => t.by_consultant.iter().map(|g| view(&g.name, &g.figures)).collect::<Vec<_>>(),
        chart => minijinja::Value::from_safe_string(svg),
        queues => queues,
        query => query,
    };
    page(
        &state,
        StatusCode::OK,
        "trends.html",
        &who,
        "trends",
        context,
    )
}

/// GET /trends.csv?table=days|queues|consultants&from=&to=&queue=&consultant=.
pub async fn trends_csv(
    State(state): State<WebState>,
    Signed(who): Signed,
    RawQuery(raw): RawQuery,
) -> Response {
    let table = params(raw.clone()).remove("table").unwrap_or_default();
    let t = match read(&state, &who, raw).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let body = match table.as_str() {
        "days" => csv::table(
            &["day", "opened", "claimed", "resolved"],
            t.days.iter().map(|d| {
                vec![
                    d.day.to_string(),
                    d.opened.to_string(),
                    d.claimed.to_string(),
                    d.resolved.to_string(),
                ]
            }),
        ),
        "queues" => csv::table(
            FIGURES_HEAD,
            t.by_queue.iter().map(|g| row(&g.name, &g.figures)),
        ),
        "consultants" => csv::table(
            FIGURES_HEAD,
            t.by_consultant.iter().map(|g| row(&g.name, &g.figures)),
        ),
        "total" => csv::table(FIGURES_HEAD, [row("total", &t.total)]),
        _ => return unknown_table(&state, &who, &table),
    };
    let what = format!("trends {table} {}..{}", t.from, t.to);
    let file = format!("trends-{table}-{}-{}.csv", t.from, t.to);
    export(&state, &who, &what, &file, body).await
}
