//! What the desk tells SMEs and consultants, in Korean. Each function builds
//! one message; the desk writes it to the outbox with the change it reports.

use super::show_time;
use super::store::Ticket;
use crate::protocol::{Button, Press, Reply};

/// To the SME: the ticket is received; `closed_until` tells when a
/// consultant will answer if the queue is closed now.
pub fn received(ticket: &Ticket, queue_name: &str, closed_until: Option<&str>) -> Reply {
    let mut body = format!(
        "애로사항이 접수되었습니다.\n접수번호: {}\n담당 기관: {}\n\n담당 상담원이 배정되면 이 대화창으로 연락드릴게요. \
         진행 상황은 /status 로 확인하실 수 있어요.",
        ticket.code, queue_name
    );
    if let Some(when) = closed_until {
        body.push_str(&format!(
            "\n\n지금은 상담 시간이 아니에요. {when}부터 상담원이 순서대로 답변드립니다."
        ));
    }
    Reply::text(body)
}

/// To the consultants of a queue: a new (or newly moved) ticket.
/// `why` is the last event of the ticket: why its queue sees it now.
pub fn card(ticket: &Ticket, waiting: &str, why: &str) -> Reply {
    let title = match why {
        "transferred" => "이관된 접수",
        "reopened" => "다시 열린 접수",
        "released" => "다시 대기 중인 접수",
        "escalated" => "지연된 접수",
        _ => "새 접수",
    };
    let summary: String = ticket.description.chars().take(200).collect();
    let ellipsis = if ticket.description.chars().count() > 200 {
        "…"
    } else {
        ""
    };
    Reply {
        body: format!(
            "[{title}] {}\n회사: {}\n지역: {} · 분야: {}\n대기: {}\n\n{}{}",
            ticket.code, ticket.company, ticket.region, ticket.category, waiting, summary, ellipsis
        ),
        buttons: vec![vec![
            Button::new("담당하기", &Press::Claim(ticket.code.clone())),
            Button::new("이관", &Press::Transfer(ticket.code.clone())),
            Button::new("해결", &Press::Resolve(ticket.code.clone())),
        ]],
    }
}

/// To the SME: a consultant took the ticket.
pub fn claimed(ticket: &Ticket, consultant: &str) -> Reply {
    Reply::text(claimed_text(consultant, &ticket.code))
}

/// The text of [`claimed`]; with `%1$s` and `%2$s` it is the template the
/// claim statement fills in with PostgreSQL's `format()`.
pub fn claimed_text(consultant: &str, code: &str) -> String {
    format!(
        "{consultant} 상담원이 접수번호 {code} 건을 맡았습니다. 이제 이 대화창에 남기시는 말씀은 상담원에게 바로 전달됩니다."
    )
}

/// To the SME: a consultant's reply.
pub fn from_consultant(ticket: &Ticket, consultant: &str, body: &str) -> Reply {
    Reply::text(format!(
        "[{} 상담원 · {}]\n{}",
        consultant, ticket.code, body
    ))
}

/// To the consultant: the SME's message in a claimed ticket.
pub fn from_sme(ticket: &Ticket, body: &str) -> Reply {
    Reply::text(format!("[{} · {}]\n{}", ticket.code, ticket.company, body))
}

/// To the SME: the ticket went to another agency.
pub fn transferred(ticket: &Ticket, queue_name: &str) -> Reply {
    Reply::text(format!(
        "접수번호 {} 건을 {}(으)로 연계했습니다. 담당 기관 상담원이 이어서 도와드릴게요.",
        ticket.code, queue_name
    ))
}

/// To the SME: resolved, with the consultant's summary.
pub fn resolved(ticket: &Ticket, summary: &str) -> Reply {
    Reply::text(format!(
        "접수번호 {} 건이 해결 처리되었습니다.\n\n{}\n\n며칠 뒤 문제가 잘 해결되었는지 여쭤볼게요.",
        ticket.code, summary
    ))
}

/// To the SME: the follow-up question, answered with a button.
pub fn followup(ticket: &Ticket) -> Reply {
    Reply {
        body: format!(
            "지난번 접수하신 {} 건({})은 잘 해결되었나요?\n1점(전혀 아니다)부터 5점(완전히 해결)까지 골라 주세요.",
            ticket.code,
            summary_line(&ticket.description)
        ),
        buttons: vec![(1..=5)
            .map(|score| Button::new(format!("{score}점"), &Press::Rate { code: ticket.code.clone(), score }))
            .collect()],
    }
}

/// To the SME: thanks for the rating; a low one reopens the ticket.
pub fn rated(ticket: &Ticket, score: i32) -> Reply {
    if score <= 2 {
        Reply::text(format!(
            "불편을 드려 죄송합니다. 접수번호 {} 건을 다시 열어 상담원이 이어서 도와드릴게요.",
            ticket.code
        ))
    } else {
        Reply::text(format!(
            "평가해 주셔서 감사합니다. 접수번호 {} 건을 종료합니다. 또 도움이 필요하시면 언제든 말씀해 주세요.",
            ticket.code
        ))
    }
}

/// To the SME: reopened (by a consultant or on their own request).
pub fn reopened(ticket: &Ticket) -> Reply {
    Reply::text(format!(
        "접수번호 {} 건이 다시 열렸습니다. 상담원이 배정되면 연락드릴게요.",
        ticket.code
    ))
}

/// To a queue's consultants: a ticket has waited too long.
pub fn escalation_reminder(ticket: &Ticket) -> Reply {
    Reply {
        body: format!(
            "[대기 지연] {} 건이 {}부터 담당자를 기다리고 있습니다. ({} · {} · {})",
            ticket.code,
            show_time(ticket.created_at),
            ticket.company,
            ticket.region,
            ticket.category
        ),
        buttons: vec![vec![Button::new(
            "담당하기",
            &Press::Claim(ticket.code.clone()),
        )]],
    }
}

/// To the consultant who let the lease run out.
pub fn lease_expired(ticket: &Ticket) -> Reply {
    Reply::text(format!(
        "{} 건에 한동안 답변이 없어 대기열로 돌려보냈습니다. 다른 상담원이 이어서 맡을 수 있습니다.",
        ticket.code
    ))
}

/// To the SME: their consultant changed because of silence.
pub fn reassigning(ticket: &Ticket) -> Reply {
    Reply::text(format!(
        "답변이 늦어져 죄송합니다. 접수번호 {} 건에 다른 상담원을 배정하고 있어요.",
        ticket.code
    ))
}

fn summary_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let short: String = line.chars().take(30).collect();
    if line.chars().count() > 30 {
        format!("{short}…")
    } else {
        short
    }
}
