//! What the desk tells SMEs and consultants. Each function builds one
//! message from the bot's texts (`sme_…` and `consultant_…` keys of
//! [`crate::texts`]); the desk writes it to the outbox with the change it
//! reports.

use super::show_time;
use super::store::Ticket;
use crate::protocol::{Button, Press, Reply};
use crate::texts::{particle, pieces, Piece, Texts};

/// To the SME: the ticket is received; `closed_until` tells when a
/// consultant will answer if the queue is closed now.
pub fn received(
    texts: &Texts,
    ticket: &Ticket,
    queue_name: &str,
    closed_until: Option<&str>,
) -> Reply {
    let mut body = texts.fill(
        "sme_ticket_received",
        &[("code", &ticket.code), ("queue", &queue_name)],
    );
    if let Some(when) = closed_until {
        body.push_str("\n\n");
        body.push_str(&texts.fill("sme_ticket_received_after_hours", &[("when", &when)]));
    }
    Reply::text(body)
}

/// To the consultants of a queue: a new (or newly moved) ticket.
/// `why` is the last event of the ticket: why its queue sees it now.
pub fn card(texts: &Texts, ticket: &Ticket, waiting: &str, why: &str) -> Reply {
    let title = match why {
        "transferred" => "consultant_card_transferred",
        "reopened" => "consultant_card_reopened",
        "released" => "consultant_card_released",
        "escalated" => "consultant_card_escalated",
        _ => "consultant_card_new",
    };
    let mut description: String = ticket.description.chars().take(200).collect();
    if ticket.description.chars().count() > 200 {
        description.push('…');
    }
    let details = detail_lines(texts, ticket);
    Reply {
        body: texts.fill(
            "consultant_card",
            &[
                ("title", &texts.get(title)),
                ("code", &ticket.code),
                ("company", &ticket.company),
                ("region", &ticket.region),
                ("category", &ticket.category),
                ("waiting", &waiting),
                ("details", &details),
                ("description", &description),
            ],
        ),
        buttons: vec![vec![
            Button::new(
                texts.get("button_claim"),
                &Press::Claim(ticket.code.clone()),
            ),
            Button::new(
                texts.get("button_transfer"),
                &Press::Transfer(ticket.code.clone()),
            ),
        ]],
    }
}

/// What the SME's flow asked besides the intake's usual questions, one
/// `consultant_card_detail` line each, every one after a line break (so
/// nothing when there is none): the `{details}` of a consultant's card,
/// claim and `/show`.
pub fn detail_lines(texts: &Texts, ticket: &Ticket) -> String {
    ticket
        .extra_details()
        .map(|d| {
            let line = texts.fill(
                "consultant_card_detail",
                &[("label", &d.label), ("value", &d.value)],
            );
            format!("\n{line}")
        })
        .collect()
}

/// To the SME: a consultant took the ticket.
pub fn claimed(texts: &Texts, ticket: &Ticket, consultant: &str) -> Reply {
    Reply::text(texts.fill(
        "sme_ticket_claimed",
        &[("consultant", &consultant), ("code", &ticket.code)],
    ))
}

/// The text of [`claimed`] as a template for PostgreSQL's `format()`: the
/// consultant is `%1$s`, the code `%2$s`, and every `%` of the text itself
/// is doubled. The claim statement does not know the words before it runs,
/// so the text may have no particle (`Texts::check` refuses one); were one
/// there, it would be written in both forms, 이(가).
pub fn claimed_template(texts: &Texts) -> String {
    pieces(texts.get("sme_ticket_claimed"))
        .map(|piece| match piece {
            Piece::Placeholder("consultant") => "%1$s".to_string(),
            Piece::Placeholder("code") => "%2$s".to_string(),
            Piece::Placeholder(_) => String::new(),
            Piece::Particle(p) => particle("", p),
            Piece::Literal(text) => text.replace('%', "%%"),
        })
        .collect()
}

/// To the SME: a consultant's reply.
pub fn from_consultant(texts: &Texts, ticket: &Ticket, consultant: &str, body: &str) -> Reply {
    Reply::text(texts.fill(
        "sme_from_consultant",
        &[
            ("consultant", &consultant),
            ("code", &ticket.code),
            ("message", &body),
        ],
    ))
}

/// To the consultant: the SME's message in a claimed ticket.
pub fn from_sme(texts: &Texts, ticket: &Ticket, body: &str) -> Reply {
    Reply::text(texts.fill(
        "consultant_from_sme",
        &[
            ("code", &ticket.code),
            ("company", &ticket.company),
            ("message", &body),
        ],
    ))
}

/// To the SME: the ticket went to another agency.
pub fn transferred(texts: &Texts, ticket: &Ticket, queue_name: &str) -> Reply {
    Reply::text(texts.fill(
        "sme_ticket_transferred",
        &[("code", &ticket.code), ("queue", &queue_name)],
    ))
}

/// To the SME: resolved, with the consultant's summary; `after` says when
/// they will be asked how it went ("3일").
pub fn resolved(texts: &Texts, ticket: &Ticket, summary: &str, after: &str) -> Reply {
    Reply::text(texts.fill(
        "sme_ticket_resolved",
        &[
            ("code", &ticket.code),
            ("summary", &summary),
            ("after", &after),
        ],
    ))
}

/// To the SME: their ticket waited too long and went to the supervisors.
pub fn escalated(texts: &Texts, ticket: &Ticket) -> Reply {
    Reply::text(texts.fill("sme_ticket_escalated", &[("code", &ticket.code)]))
}

/// To the SME: the follow-up question, answered with a button.
pub fn followup(texts: &Texts, ticket: &Ticket) -> Reply {
    Reply {
        body: texts.fill(
            "sme_followup",
            &[
                ("code", &ticket.code),
                ("description", &summary_line(&ticket.description)),
            ],
        ),
        buttons: vec![(1..=5)
            .map(|score| {
                Button::new(
                    texts.fill("button_rate", &[("score", &score)]),
                    &Press::Rate {
                        code: ticket.code.clone(),
                        score,
                    },
                )
            })
            .collect()],
    }
}

/// To the SME: thanks for the rating; a low one reopens the ticket.
pub fn rated(texts: &Texts, ticket: &Ticket, score: i32) -> Reply {
    if score <= 2 {
        // Reopened: what they write next joins the ticket anyway.
        return Reply::text(texts.fill("sme_rated_low", &[("code", &ticket.code)]));
    }
    Reply::with_buttons(
        texts.fill("sme_rated", &[("code", &ticket.code)]),
        vec![vec![Button::new(
            texts.get("button_comment"),
            &Press::Comment(ticket.code.clone()),
        )]],
    )
}

/// To a queue's consultants: a ticket has waited too long.
pub fn escalation_reminder(texts: &Texts, ticket: &Ticket) -> Reply {
    Reply {
        body: texts.fill(
            "consultant_escalation",
            &[
                ("code", &ticket.code),
                ("since", &show_time(ticket.created_at)),
                ("company", &ticket.company),
                ("region", &ticket.region),
                ("category", &ticket.category),
            ],
        ),
        buttons: vec![vec![Button::new(
            texts.get("button_claim"),
            &Press::Claim(ticket.code.clone()),
        )]],
    }
}

/// To the consultant who let the lease run out.
pub fn lease_expired(texts: &Texts, ticket: &Ticket) -> Reply {
    Reply::text(texts.fill("consultant_lease_expired", &[("code", &ticket.code)]))
}

/// To the SME: their consultant changed because of silence.
pub fn reassigning(texts: &Texts, ticket: &Ticket) -> Reply {
    Reply::text(texts.fill("sme_reassigning", &[("code", &ticket.code)]))
}

/// The first line of a text, cut to 30 characters: a ticket's subject.
pub fn summary_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let short: String = line.chars().take(30).collect();
    if line.chars().count() > 30 {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_template_keeps_percent_signs_of_the_text() {
        let mut texts = Texts::default();
        texts.set(
            "sme_ticket_claimed",
            "100% 전달: {consultant} 상담원이 {code} 건을 맡았어요".into(),
        );
        assert_eq!(
            claimed_template(&texts),
            "100%% 전달: %1$s 상담원이 %2$s 건을 맡았어요"
        );
        assert!(claimed_template(&Texts::default()).starts_with("%1$s 상담원이 접수번호 %2$s 건을"));
    }
}
