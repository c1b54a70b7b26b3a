//! The pages: *Now* (the board, refreshing itself), *A ticket*, and their
//! CSV downloads. Every text from the desk is masked (`desk::pii`) before
//! it reaches a template, and the template engine escapes it.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::gate::Signed;
use super::{auth, csv, internal_error, WebState};
use crate::desk::pii::mask;
use crate::desk::store::{Message, TicketDetail};
use crate::desk::{show_time, DeskError};

/// How often the *Now* page reloads itself.
const REFRESH_SECONDS: u32 = 30;
/// How many overdue tickets the *Now* page lists (all are in the CSV).
const OVERDUE_SHOWN: usize = 50;

/// A page's query parameters (the last of a repeated name wins).
pub(super) fn params(raw: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Renders `template` for `who`, or the generic error page.
pub(super) fn page(
    state: &WebState,
    status: StatusCode,
    template: &str,
    who: &auth::Supervisor,
    page: &str,
    context: minijinja::Value,
) -> Response {
    let base = minijinja::context! { supervisor => &who.name, page => page };
    let context = minijinja::context! { ..base, ..context };
    match state.templates.render(template, context) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => internal_error(e),
    }
}

/// A sentence instead of a page (an unknown ticket, a bad date), with
/// `status`; what the person typed is shown as typed.
pub(super) fn message(
    state: &WebState,
    status: StatusCode,
    who: &auth::Supervisor,
    title: &str,
    said: &str,
) -> Response {
    let context = minijinja::context! { title => title, message => said };
    page(state, status, "message.html", who, "", context)
}

/// Writes an export to the audit log, then hands over the CSV.
pub(super) async fn export(
    state: &WebState,
    who: &auth::Supervisor,
    request: &str,
    file_name: &str,
    body: String,
) -> Response {
    let logged = auth::audit(state.desk.pool(), Some(&who.name), "export", request, "").await;
    match logged {
        Ok(()) => csv::download(file_name, body),
        Err(e) => internal_error(e),
    }
}

/// GET /now.
pub async fn now(State(state): State<WebState>, Signed(who): Signed) -> Response {
    let board = match state.desk.board().await {
        Ok(board) => board,
        Err(e) => return internal_error(e.into()),
    };
    let context = minijinja::context! {
        title => "지금",
        at => show_time(board.at),
        board => board,
        refresh_seconds => REFRESH_SECONDS,
        overdue_shown => OVERDUE_SHOWN,
    };
    page(&state, StatusCode::OK, "now.html", &who, "now", context)
}

/// GET /now.csv?table=queues|overdue|consultants.
pub async fn now_csv(
    State(state): State<WebState>,
    Signed(who): Signed,
    RawQuery(raw): RawQuery,
) -> Response {
    let table = params(raw).remove("table").unwrap_or_default();
    let board = match state.desk.board().await {
        Ok(board) => board,
        Err(e) => return internal_error(e.into()),
    };
    let body = match table.as_str() {
        "queues" => csv::table(
            &[
                "queue",
                "name",
                "waiting",
                "oldest_code",
                "oldest_minutes",
                "past_sla",
                "in_hand",
            ],
            board.queues.iter().map(|q| {
                vec![
                    q.id.clone(),
                    q.name.clone(),
                    q.waiting.to_string(),
                    q.oldest_code.clone().unwrap_or_default(),
                    q.oldest_minutes.map(|m| m.to_string()).unwrap_or_default(),
                    q.past_sla.to_string(),
                    q.in_hand.to_string(),
                ]
            }),
        ),
        "overdue" => csv::table(
            &[
                "code",
                "queue",
                "company",
                "waiting_minutes",
                "late_minutes",
            ],
            board.overdue.iter().map(|t| {
                vec![
                    t.code.clone(),
                    t.queue.clone(),
                    t.company.clone(),
                    t.waiting_minutes.to_string(),
                    t.late_minutes.to_string(),
                ]
            }),
        ),
        "consultants" => csv::table(
            &["name", "in", "held", "capacity", "queues"],
            board.consultants.iter().map(|c| {
                vec![
                    c.name.clone(),
                    c.is_in.to_string(),
                    c.held.to_string(),
                    c.capacity.to_string(),
                    c.queues.join(" "),
                ]
            }),
        ),
        _ => return unknown_table(&state, &who, &table),
    };
    let file = format!("now-{table}.csv");
    export(&state, &who, &format!("now {table}"), &file, body).await
}

pub(super) fn unknown_table(state: &WebState, who: &auth::Supervisor, table: &str) -> Response {
    message(
        state,
        StatusCode::BAD_REQUEST,
        who,
        "없는 표",
        &format!("'{table}'라는 표는 없습니다."),
    )
}

/// A ticket as the page shows it: personal data masked, times in KST.
#[derive(Serialize)]
struct TicketView {
    code: String,
    status: String,
    queue: String,
    company: String,
    region: String,
    category: String,
    contact: String,
    consultant: Option<String>,
    created_at: String,
    rating: Option<i32>,
    description: String,
    details: Vec<(String, String)>,
}

#[derive(Serialize)]
struct LineView {
    at: String,
    who: String,
    kind: String,
    detail: String,
}

#[derive(Serialize)]
struct MessageView {
    at: String,
    who: String,
    note: bool,
    body: String,
    /// A file, location or contact card, as a reference (never fetched).
    attachment: Option<String>,
}

/// Who an event's actor is, without an SME's chat id.
fn actor(actor: &str) -> String {
    match actor.split(':').collect::<Vec<_>>().as_slice() {
        ["sme", ..] => "SME".to_string(),
        ["consultant", _, name @ ..] => name.join(":"),
        ["system"] => "시스템".to_string(),
        _ => actor.to_string(),
    }
}

fn message_view(m: &Message) -> MessageView {
    let who = match m.author.as_str() {
        "sme" => "SME".to_string(),
        "bot" => "봇".to_string(),
        "note" => format!(
            "메모 · {}",
            m.consultant_name.as_deref().unwrap_or("상담원")
        ),
        _ => m.consultant_name.clone().unwrap_or_else(|| "상담원".into()),
    };
    let attachment = m.attachment.as_ref().map(|a| {
        let name = a.file_name.as_deref().map(mask).unwrap_or_default();
        format!("{} {name} (파일 ID {})", a.kind.as_str(), mask(&a.file_id))
    });
    MessageView {
        at: show_time(m.at),
        who,
        note: m.author == "note",
        body: mask(&m.body),
        attachment,
    }
}

fn ticket_view(
    state: &WebState,
    detail: &TicketDetail,
) -> (TicketView, Vec<LineView>, Vec<MessageView>) {
    let t = &detail.ticket;
    let view = TicketView {
        code: t.code.clone(),
        status: state.desk.texts().get(t.status.text_key()).to_string(),
        queue: t.queue.clone(),
        company: mask(&t.company),
        region: t.region.clone(),
        category: t.category.clone(),
        contact: mask(&t.contact),
        consultant: t.consultant_name.clone(),
        created_at: show_time(t.created_at),
        rating: t.rating,
        description: mask(&t.description),
        details: t
            .extra_details()
            .map(|d| (d.label.clone(), mask(&d.value)))
            .collect(),
    };
    let events = detail
        .events
        .iter()
        .map(|e| LineView {
            at: show_time(e.at),
            who: actor(&e.actor),
            kind: e.kind.clone(),
            detail: mask(&e.detail),
        })
        .collect();
    let messages = detail.messages.iter().map(message_view).collect();
    (view, events, messages)
}

/// GET /tickets/{code} (with `?csv=events` or `?csv=transcript`, a download).
pub async fn ticket(
    State(state): State<WebState>,
    Signed(who): Signed,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let detail = match state.desk.show(&code).await {
        Ok(detail) => detail,
        Err(DeskError::UnknownTicket(_)) => {
            let said = format!("접수번호 '{code}'인 접수가 없습니다.");
            return message(&state, StatusCode::NOT_FOUND, &who, "없는 접수", &said);
        }
        Err(e) => return internal_error(e.into()),
    };
    let (view, events, messages) = ticket_view(&state, &detail);
    match params(raw).remove("csv").as_deref() {
        None => {}
        Some("events") => {
            let body = csv::table(
                &["at", "who", "kind", "detail"],
                events.iter().map(|e| {
                    vec![
                        e.at.clone(),
                        e.who.clone(),
                        e.kind.clone(),
                        e.detail.clone(),
                    ]
                }),
            );
            let file = format!("ticket-{}-events.csv", view.code);
            return export(
                &state,
                &who,
                &format!("ticket {} events", view.code),
                &file,
                body,
            )
            .await;
        }
        Some("transcript") => {
            let body = csv::table(
                &["at", "who", "body", "attachment"],
                messages.iter().map(|m| {
                    vec![
                        m.at.clone(),
                        m.who.clone(),
                        m.body.clone(),
                        m.attachment.clone().unwrap_or_default(),
                    ]
                }),
            );
            let file = format!("ticket-{}-transcript.csv", view.code);
            return export(
                &state,
                &who,
                &format!("ticket {} transcript", view.code),
                &file,
                body,
            )
            .await;
        }
        Some(other) => return unknown_table(&state, &who, other),
    }
    let title = format!("접수 {}", view.code);
    let context =
        minijinja::context! { title => title, t => view, events => events, messages => messages };
    page(
        &state,
        StatusCode::OK,
        "ticket.html",
        &who,
        "ticket",
        context,
    )
}

/// Any other path: a plain 404 that says nothing of the server.
pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><meta charset=utf-8><title>없는 페이지</title><p>없는 페이지입니다. <a href=\"/now\">지금 화면으로</a></p>"),
    )
        .into_response()
}
