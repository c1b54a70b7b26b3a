//! Tickets through their life: open → claimed → resolved → closed, with
//! transfer and reopen; every change logged as an event, with the messages
//! it causes written to the outbox in the same transaction.

use chrono::{DateTime, Datelike, Utc};
use sqlx::PgConnection;
use tracing::{info, instrument};

use super::consultants::lock_active as lock_consultant;
use super::consultants::Consultant;
use super::jobs::{self, JobKind};
use super::notices;
use super::outbox;
use super::pii;
use super::store::{add_message, fetch_by_id, lock_ticket, log_event};
pub use super::store::{Detail, Event, Message, Ticket, TicketDetail};
pub use super::views::TicketFilter;
use super::{kst, now, Actor, Desk, DeskAction, DeskError, DeskResult, TicketStatus};
use crate::protocol::{Press, Reply};
use crate::texts::Texts;
use crate::vocabulary::{canonical_category, region_short_name, CATEGORIES, NATIONWIDE};

/// Longest description (and relayed message) kept: the messenger's own
/// limit, so whatever one message can carry is taken.
pub const MAX_DESCRIPTION: usize = outbox::MAX_BODY_CHARS;

/// What an SME gives at intake.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub requester_chat: i64,
    pub company: String,
    pub region: String,
    pub category: String,
    pub description: String,
    pub contact: String,
    pub business_number: Option<String>,
}

impl Desk {
    /// Opens a ticket from an intake, routes it, and tells the SME its code.
    #[instrument(skip_all, fields(chat = new.requester_chat))]
    pub async fn open_ticket(&self, new: NewTicket) -> DeskResult<Ticket> {
        self.in_transaction(async |tx| self.open_ticket_in(tx, new).await)
            .await
    }

    /// [`Desk::open_ticket`] inside the caller's transaction.
    pub async fn open_ticket_in(
        &self,
        tx: &mut PgConnection,
        new: NewTicket,
    ) -> DeskResult<Ticket> {
        self.open_ticket_with_details_in(tx, new, Vec::new()).await
    }

    /// [`Desk::open_ticket_in`] for a ticket opened by a flow: `details`
    /// are every answer the flow collected, in the order it asked them,
    /// kept with the ticket as they are (answers left empty are dropped).
    pub async fn open_ticket_with_details_in(
        &self,
        tx: &mut PgConnection,
        new: NewTicket,
        details: Vec<Detail>,
    ) -> DeskResult<Ticket> {
        let texts = self.texts();
        let new = validate(&texts, new)?;
        let details: Vec<Detail> = details
            .into_iter()
            .map(|d| Detail {
                value: d.value.trim().to_string(),
                ..d
            })
            .filter(|d| !d.value.is_empty())
            .collect();
        let queue = self.routing().route(&new.category, &new.region).clone();
        let opened = now();
        let year = opened.with_timezone(&kst()).year();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tickets (code, requester_chat, company, region, category, description, \
             contact, business_number, queue, created_at, details) \
             VALUES ($1 || '-' || lpad(nextval('ticket_number')::text, 6, '0'), \
                     $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(year.to_string())
        .bind(new.requester_chat)
        .bind(&new.company)
        .bind(&new.region)
        .bind(&new.category)
        .bind(&new.description)
        .bind(&new.contact)
        .bind(&new.business_number)
        .bind(&queue.id)
        .bind(opened)
        .bind(sqlx::types::Json(&details))
        .fetch_one(&mut *tx)
        .await?;
        let ticket = fetch_by_id(&mut *tx, id).await?;
        let actor = Actor::Sme(new.requester_chat);
        log_event(
            &mut *tx,
            id,
            &actor,
            "opened",
            &format!("queue={}", queue.id),
        )
        .await?;
        add_message(&mut *tx, id, "sme", None, &new.description).await?;
        let routing = self.routing();
        let due = routing.notice_due(&queue.id, opened);
        jobs::schedule(&mut *tx, id, JobKind::Escalate, due).await?;
        let calendar = &routing.calendar;
        let closed_until = (!calendar.is_open(&queue.hours, opened))
            .then(|| calendar.describe_next_open(&queue.hours, opened));
        let notice = notices::received(&texts, &ticket, &queue.name, closed_until.as_deref());
        outbox::enqueue(&mut *tx, ticket.requester_chat, &notice, Some(id)).await?;
        info!(code = %ticket.code, queue = %queue.id, "ticket opened");
        Ok(ticket)
    }

    pub(super) async fn schedule_lease(
        &self,
        tx: &mut PgConnection,
        ticket: &Ticket,
        from: DateTime<Utc>,
    ) -> DeskResult<()> {
        let due = self.routing().lease_expires(&ticket.queue, from);
        jobs::schedule(tx, ticket.id, JobKind::Lease, due).await
    }

    /// Schedules the escalation clock of an open ticket from `from`.
    pub(super) async fn schedule_escalation(
        &self,
        tx: &mut PgConnection,
        ticket_id: i64,
        queue: &str,
        from: DateTime<Utc>,
    ) -> DeskResult<()> {
        let routing = self.routing();
        if routing.queue(queue).is_none() {
            return Ok(());
        }
        let due = routing.notice_due(queue, from);
        jobs::schedule(tx, ticket_id, JobKind::Escalate, due).await
    }

    /// Moves a ticket to another queue; it becomes open there.
    #[instrument(skip(self, reason))]
    pub async fn transfer(
        &self,
        messenger_id: i64,
        code: &str,
        to_queue: &str,
        reason: &str,
    ) -> DeskResult<Ticket> {
        self.in_transaction(async |tx| {
            self.transfer_in(tx, messenger_id, code, to_queue, reason)
                .await
        })
        .await
    }

    /// [`Desk::transfer`] inside the caller's transaction.
    pub async fn transfer_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
        to_queue: &str,
        reason: &str,
    ) -> DeskResult<Ticket> {
        let Some(queue) = self.routing().queue(to_queue).cloned() else {
            return Err(self.unknown_queue_error(to_queue));
        };
        let consultant = lock_consultant(&mut *tx, messenger_id).await?;
        let ticket = lock_ticket(&mut *tx, code).await?;
        self.check_may_transfer(&ticket, &consultant)?;
        if ticket.queue == queue.id {
            return Err(DeskError::Invalid(self.texts().fill(
                "refusal_already_in_queue",
                &[("code", &ticket.code), ("queue", &queue.id)],
            )));
        }
        let at = now();
        sqlx::query(
            "UPDATE tickets SET status = 'open', consultant_id = NULL, claimed_at = NULL, \
             queue = $2, escalation = 0, announced_queue = NULL WHERE id = $1",
        )
        .bind(ticket.id)
        .bind(&queue.id)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{} → {}: {}", ticket.queue, queue.id, reason.trim());
        log_event(
            &mut *tx,
            ticket.id,
            &consultant.actor(),
            "transferred",
            &detail,
        )
        .await?;
        jobs::cancel(&mut *tx, ticket.id, JobKind::Lease).await?;
        self.schedule_escalation(&mut *tx, ticket.id, &queue.id, at)
            .await?;
        let moved = fetch_by_id(&mut *tx, ticket.id).await?;
        let texts = self.texts();
        close_old_cards(tx, &texts, &moved, &queue.name).await?;
        outbox::enqueue(
            &mut *tx,
            moved.requester_chat,
            &notices::transferred(&texts, &moved, &queue.name),
            Some(moved.id),
        )
        .await?;
        info!(code = %moved.code, to = %queue.id, "ticket transferred");
        Ok(moved)
    }

    /// Resolves a claimed ticket; the SME gets `summary` and, later, the
    /// follow-up question.
    #[instrument(skip(self, summary))]
    pub async fn resolve(
        &self,
        messenger_id: i64,
        code: &str,
        summary: &str,
    ) -> DeskResult<Ticket> {
        self.in_transaction(async |tx| self.resolve_in(tx, messenger_id, code, summary).await)
            .await
    }

    /// [`Desk::resolve`] inside the caller's transaction.
    pub async fn resolve_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
        summary: &str,
    ) -> DeskResult<Ticket> {
        let summary = summary.trim();
        if summary.is_empty() {
            return Err(DeskError::Invalid(
                self.texts().get("refusal_empty_summary").to_string(),
            ));
        }
        let consultant = lock_consultant(&mut *tx, messenger_id).await?;
        let ticket = lock_ticket(&mut *tx, code).await?;
        self.require_holder(&ticket, &consultant, DeskAction::Resolve)?;
        let at = now();
        sqlx::query("UPDATE tickets SET status = 'resolved', resolved_at = $2 WHERE id = $1")
            .bind(ticket.id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        log_event(
            &mut *tx,
            ticket.id,
            &consultant.actor(),
            "resolved",
            summary,
        )
        .await?;
        add_message(
            &mut *tx,
            ticket.id,
            "consultant",
            Some(consultant.id),
            summary,
        )
        .await?;
        jobs::cancel(&mut *tx, ticket.id, JobKind::Lease).await?;
        // An earlier round's clock (resolved, rated low, reopened) must not
        // close this one.
        jobs::cancel(&mut *tx, ticket.id, JobKind::CloseUnrated).await?;
        let routing = self.routing();
        let due = routing.followup_due(&ticket.queue, at);
        jobs::schedule(&mut *tx, ticket.id, JobKind::Followup, due).await?;
        let resolved = fetch_by_id(&mut *tx, ticket.id).await?;
        let texts = self.texts();
        let after = super::notifier::span(&texts, routing.sla.followup_after);
        outbox::enqueue(
            &mut *tx,
            resolved.requester_chat,
            &notices::resolved(&texts, &resolved, summary, &after),
            Some(resolved.id),
        )
        .await?;
        info!(code = %resolved.code, "ticket resolved");
        Ok(resolved)
    }

    /// The holder may transfer a claimed ticket; anyone of its queue a
    /// waiting one.
    fn check_may_transfer(&self, ticket: &Ticket, consultant: &Consultant) -> DeskResult<()> {
        match ticket.status {
            TicketStatus::Claimed if ticket.consultant_id != Some(consultant.id) => {
                Err(DeskError::NotHolder {
                    code: ticket.code.clone(),
                    by: ticket.consultant_name.clone().unwrap_or_default(),
                    action: DeskAction::Transfer,
                })
            }
            TicketStatus::Claimed => Ok(()),
            TicketStatus::Open if self.may_work_on(consultant, &ticket.queue) => Ok(()),
            TicketStatus::Open => Err(DeskError::NotYourQueue {
                code: ticket.code.clone(),
                queue: ticket.queue.clone(),
            }),
            other => Err(DeskError::WrongStatus {
                code: ticket.code.clone(),
                status: other,
                action: DeskAction::Transfer,
            }),
        }
    }

    pub(super) fn require_holder(
        &self,
        ticket: &Ticket,
        consultant: &Consultant,
        action: DeskAction,
    ) -> DeskResult<()> {
        if ticket.status != TicketStatus::Claimed {
            return Err(DeskError::WrongStatus {
                code: ticket.code.clone(),
                status: ticket.status,
                action,
            });
        }
        if ticket.consultant_id != Some(consultant.id) {
            return Err(DeskError::NotHolder {
                code: ticket.code.clone(),
                by: ticket.consultant_name.clone().unwrap_or_default(),
                action,
            });
        }
        Ok(())
    }

    /// Puts a claimed ticket back in its queue (lease expired, consultant
    /// deactivated): the consultant and the SME are told.
    pub(super) async fn release(
        &self,
        tx: &mut PgConnection,
        code: &str,
        actor: &Actor,
        reason: &str,
    ) -> DeskResult<Ticket> {
        let texts = self.texts();
        let ticket = lock_ticket(tx, code).await?;
        sqlx::query(
            "UPDATE tickets SET status = 'open', consultant_id = NULL, claimed_at = NULL, \
             priority = priority + 1, escalation = 0, announced_queue = NULL WHERE id = $1",
        )
        .bind(ticket.id)
        .execute(&mut *tx)
        .await?;
        log_event(tx, ticket.id, actor, "released", reason).await?;
        jobs::cancel(tx, ticket.id, JobKind::Lease).await?;
        self.schedule_escalation(tx, ticket.id, &ticket.queue, now())
            .await?;
        if let Some(chat) = ticket.consultant_messenger {
            let notice = notices::lease_expired(&texts, &ticket);
            outbox::enqueue(tx, chat, &notice, Some(ticket.id)).await?;
        }
        outbox::enqueue(
            tx,
            ticket.requester_chat,
            &notices::reassigning(&texts, &ticket),
            Some(ticket.id),
        )
        .await?;
        info!(code = %ticket.code, reason, "ticket released to its queue");
        fetch_by_id(tx, ticket.id).await
    }

    /// Reopens a resolved or closed ticket (a consultant's decision).
    #[instrument(skip(self, reason))]
    pub async fn reopen(&self, messenger_id: i64, code: &str, reason: &str) -> DeskResult<Ticket> {
        self.in_transaction(async |tx| self.reopen_in(tx, messenger_id, code, reason).await)
            .await
    }

    /// [`Desk::reopen`] inside the caller's transaction.
    pub async fn reopen_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
        reason: &str,
    ) -> DeskResult<Ticket> {
        let consultant = lock_consultant(&mut *tx, messenger_id).await?;
        let ticket = lock_ticket(&mut *tx, code).await?;
        if !self.may_work_on(&consultant, &ticket.queue)
            && ticket.consultant_id != Some(consultant.id)
        {
            return Err(DeskError::NotYourQueue {
                code: ticket.code,
                queue: ticket.queue,
            });
        }
        let reopened = self
            .reopen_locked(&mut *tx, ticket, &consultant.actor(), reason.trim())
            .await?;
        Ok(reopened)
    }

    async fn reopen_locked(
        &self,
        tx: &mut PgConnection,
        ticket: Ticket,
        actor: &Actor,
        reason: &str,
    ) -> DeskResult<Ticket> {
        if !matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed) {
            return Err(DeskError::WrongStatus {
                code: ticket.code,
                status: ticket.status,
                action: DeskAction::Reopen,
            });
        }
        sqlx::query(
            "UPDATE tickets SET status = 'open', consultant_id = NULL, claimed_at = NULL, \
             resolved_at = NULL, closed_at = NULL, priority = priority + 1, escalation = 0, \
             announced_queue = NULL WHERE id = $1",
        )
        .bind(ticket.id)
        .execute(&mut *tx)
        .await?;
        log_event(tx, ticket.id, actor, "reopened", reason).await?;
        jobs::cancel(tx, ticket.id, JobKind::Followup).await?;
        self.schedule_escalation(tx, ticket.id, &ticket.queue, now())
            .await?;
        let reopened = fetch_by_id(tx, ticket.id).await?;
        info!(code = %reopened.code, "ticket reopened");
        Ok(reopened)
    }

    /// The SME's 1–5 answer to the follow-up: 1–2 reopens, 3–5 closes.
    #[instrument(skip(self))]
    pub async fn rate(&self, requester_chat: i64, code: &str, score: i64) -> DeskResult<Ticket> {
        self.in_transaction(async |tx| self.rate_in(tx, requester_chat, code, score).await)
            .await
    }

    /// [`Desk::rate`] inside the caller's transaction.
    pub async fn rate_in(
        &self,
        tx: &mut PgConnection,
        requester_chat: i64,
        code: &str,
        score: i64,
    ) -> DeskResult<Ticket> {
        if !(1..=5).contains(&score) {
            return Err(DeskError::BadRating(score));
        }
        let score = score as i32;
        let ticket = lock_ticket(&mut *tx, code).await?;
        if ticket.requester_chat != requester_chat {
            // An SME sees only its own tickets: others' codes do not exist.
            return Err(DeskError::UnknownTicket(code.to_string()));
        }
        if ticket.status != TicketStatus::Resolved {
            return Err(DeskError::WrongStatus {
                code: ticket.code,
                status: ticket.status,
                action: DeskAction::Rate,
            });
        }
        let actor = Actor::Sme(requester_chat);
        sqlx::query("UPDATE tickets SET rating = $2 WHERE id = $1")
            .bind(ticket.id)
            .bind(score)
            .execute(&mut *tx)
            .await?;
        log_event(&mut *tx, ticket.id, &actor, "rated", &score.to_string()).await?;
        jobs::cancel(&mut *tx, ticket.id, JobKind::Followup).await?;
        jobs::cancel(&mut *tx, ticket.id, JobKind::CloseUnrated).await?;
        let rated = if score <= 2 {
            let reason = format!("만족도 {score}점");
            self.reopen_locked(&mut *tx, ticket, &actor, &reason)
                .await?
        } else {
            sqlx::query("UPDATE tickets SET status = 'closed', closed_at = $2 WHERE id = $1")
                .bind(ticket.id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            log_event(&mut *tx, ticket.id, &actor, "closed", "").await?;
            fetch_by_id(&mut *tx, ticket.id).await?
        };
        // The question shows the answer, its buttons gone.
        let texts = self.texts();
        let pressed = Press::Rate {
            code: rated.code.clone(),
            score: i64::from(score),
        };
        for question in outbox::carrying(&mut *tx, rated.id, &pressed).await? {
            let body = texts.fill(
                "sme_followup_answered",
                &[("question", &question.body), ("score", &score)],
            );
            outbox::enqueue_edit(&mut *tx, question.id, &Reply::text(body)).await?;
        }
        outbox::enqueue(
            &mut *tx,
            requester_chat,
            &notices::rated(&texts, &rated, score),
            Some(rated.id),
        )
        .await?;
        Ok(rated)
    }

    /// Refuses now what resolving `code` would refuse later (the ticket is
    /// not held by this consultant), so that nobody types a summary in vain.
    pub async fn check_may_resolve_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
    ) -> DeskResult<()> {
        let consultant = lock_consultant(&mut *tx, messenger_id).await?;
        let ticket = lock_ticket(&mut *tx, code).await?;
        self.require_holder(&ticket, &consultant, DeskAction::Resolve)
    }
}

/// The old queue's cards of a moved ticket say where it went (their buttons
/// removed); the new queue gets cards of its own.
async fn close_old_cards(
    tx: &mut PgConnection,
    texts: &Texts,
    moved: &Ticket,
    queue_name: &str,
) -> DeskResult<()> {
    let claim = Press::Claim(moved.code.clone());
    for card in outbox::carrying(&mut *tx, moved.id, &claim).await? {
        let body = texts.fill(
            "consultant_card_moved",
            &[("card", &card.body), ("queue", &queue_name)],
        );
        outbox::enqueue_edit(&mut *tx, card.id, &Reply::text(body)).await?;
    }
    Ok(())
}

/// Checks and tidies an intake; the message says what to fix.
fn validate(texts: &Texts, mut new: NewTicket) -> DeskResult<NewTicket> {
    let refuse = |key: &str| DeskError::Invalid(texts.get(key).to_string());
    new.company = new.company.trim().to_string();
    new.description = new.description.trim().to_string();
    new.contact = new.contact.trim().to_string();
    if new.company.is_empty() {
        return Err(refuse("refusal_no_company"));
    }
    if new.company.chars().count() > 100 {
        return Err(refuse("refusal_company_too_long"));
    }
    match region_short_name(&new.region) {
        Some(region) if region != NATIONWIDE => new.region = region.to_string(),
        _ => {
            return Err(DeskError::Invalid(
                texts.fill("refusal_unknown_region", &[("region", &new.region.trim())]),
            ))
        }
    }
    let category = canonical_category(new.category.trim());
    if !CATEGORIES.contains(&category) {
        return Err(DeskError::Invalid(texts.fill(
            "refusal_unknown_category",
            &[
                ("category", &new.category.trim()),
                ("categories", &CATEGORIES.join(", ")),
            ],
        )));
    }
    new.category = category.to_string();
    if new.description.is_empty() {
        return Err(refuse("refusal_no_description"));
    }
    if new.description.chars().count() > MAX_DESCRIPTION {
        return Err(DeskError::Invalid(texts.fill(
            "refusal_description_too_long",
            &[("max", &MAX_DESCRIPTION)],
        )));
    }
    if new.contact.is_empty() {
        return Err(refuse("refusal_no_contact"));
    }
    if let Some(number) = new.business_number.take() {
        if !number.trim().is_empty() {
            let checked = pii::business_number(&number).map_err(|e| refuse(e.text_key()))?;
            new.business_number = Some(checked);
        }
    }
    Ok(new)
}
