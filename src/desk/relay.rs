//! The conversation inside a ticket: the SME's messages and files join it
//! (and reach the consultant who holds it), the consultant's replies and
//! files reach the SME and renew the lease, and notes stay inside. Each is
//! kept in the transcript in the transaction that sends it on.

use sqlx::PgConnection;
use tracing::instrument;

use super::consultants::lock_active as lock_consultant;
use super::notices;
use super::outbox;
use super::store::{add_message, add_message_with, fetch_by_id, lock_ticket, log_event, Ticket};
use super::tickets::MAX_DESCRIPTION;
use super::{now, Desk, DeskAction, DeskError, DeskResult, TicketStatus};
use crate::protocol::Attachment;
use crate::texts::Texts;

impl Desk {
    /// A consultant's reply in a ticket they hold: kept in the transcript,
    /// sent to the SME, and it renews the consultant's lease.
    #[instrument(skip(self, body))]
    pub async fn reply(&self, messenger_id: i64, code: &str, body: &str) -> DeskResult<Ticket> {
        self.in_transaction(async |tx| self.reply_in(tx, messenger_id, code, body).await)
            .await
    }

    /// [`Desk::reply`] inside the caller's transaction.
    pub async fn reply_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
        body: &str,
    ) -> DeskResult<Ticket> {
        let body = non_empty_message(&self.texts(), body)?;
        self.relay_from_consultant_in(tx, messenger_id, code, &body, None)
            .await
    }

    /// A file, location or contact card from the consultant who holds
    /// `code`, sent on to the SME with its caption and kept in the
    /// transcript; it renews the lease like a reply.
    #[instrument(skip(self, attachment, caption))]
    pub async fn reply_attachment_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
        attachment: &Attachment,
        caption: &str,
    ) -> DeskResult<Ticket> {
        let caption = outbox::clean_caption(caption);
        self.relay_from_consultant_in(tx, messenger_id, code, &caption, Some(attachment))
            .await
    }

    async fn relay_from_consultant_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
        body: &str,
        attachment: Option<&Attachment>,
    ) -> DeskResult<Ticket> {
        let consultant = lock_consultant(&mut *tx, messenger_id).await?;
        let ticket = lock_ticket(&mut *tx, code).await?;
        self.require_holder(&ticket, &consultant, DeskAction::Reply)?;
        add_message_with(
            &mut *tx,
            ticket.id,
            "consultant",
            Some(consultant.id),
            body,
            attachment,
        )
        .await?;
        self.schedule_lease(&mut *tx, &ticket, now()).await?;
        let notice = notices::from_consultant(&self.texts(), &ticket, &consultant.name, body);
        match attachment {
            None => {
                outbox::enqueue(&mut *tx, ticket.requester_chat, &notice, Some(ticket.id)).await?;
            }
            Some(attachment) => {
                outbox::enqueue_attachment(
                    &mut *tx,
                    ticket.requester_chat,
                    attachment,
                    &notice.body,
                    Some(ticket.id),
                )
                .await?;
            }
        }
        Ok(ticket)
    }

    /// An internal note on a ticket; the SME never sees it.
    #[instrument(skip(self, body))]
    pub async fn note(&self, messenger_id: i64, code: &str, body: &str) -> DeskResult<()> {
        self.in_transaction(async |tx| self.note_in(tx, messenger_id, code, body).await)
            .await
    }

    /// [`Desk::note`] inside the caller's transaction.
    pub async fn note_in(
        &self,
        tx: &mut PgConnection,
        messenger_id: i64,
        code: &str,
        body: &str,
    ) -> DeskResult<()> {
        let body = non_empty_message(&self.texts(), body)?;
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
        add_message(&mut *tx, ticket.id, "note", Some(consultant.id), &body).await?;
        // Working on the ticket: the holder's lease starts again.
        if ticket.status == TicketStatus::Claimed && ticket.consultant_id == Some(consultant.id) {
            self.schedule_lease(tx, &ticket, now()).await?;
        }
        Ok(())
    }

    /// The SME's comment on the rating they gave `code`: kept in the
    /// transcript and logged, so the rating is read with it.
    #[instrument(skip(self, tx, body))]
    pub async fn comment_on_rating_in(
        &self,
        tx: &mut PgConnection,
        requester_chat: i64,
        code: &str,
        body: &str,
    ) -> DeskResult<()> {
        let body = non_empty_message(&self.texts(), body)?;
        let ticket = lock_ticket(&mut *tx, code).await?;
        if ticket.requester_chat != requester_chat || ticket.rating.is_none() {
            return Err(DeskError::UnknownTicket(code.to_string()));
        }
        add_message(&mut *tx, ticket.id, "sme", None, &body).await?;
        log_event(
            &mut *tx,
            ticket.id,
            &super::Actor::Sme(requester_chat),
            "commented",
            &body,
        )
        .await?;
        Ok(())
    }

    /// A message from the SME while they have an unresolved ticket: kept in
    /// the transcript and relayed to the consultant if one holds it. Returns
    /// the ticket, or `None` when the SME has no open ticket.
    #[instrument(skip(self, body))]
    pub async fn sme_message(&self, requester_chat: i64, body: &str) -> DeskResult<Option<Ticket>> {
        self.in_transaction(async |tx| self.sme_message_in(tx, requester_chat, body).await)
            .await
    }

    /// [`Desk::sme_message`] inside the caller's transaction.
    pub async fn sme_message_in(
        &self,
        tx: &mut PgConnection,
        requester_chat: i64,
        body: &str,
    ) -> DeskResult<Option<Ticket>> {
        let body = non_empty_message(&self.texts(), body)?;
        self.relay_from_sme_in(tx, requester_chat, &body, None)
            .await
    }

    /// A file, location or contact card from the SME while they have an
    /// unresolved ticket: kept in the transcript (by the messenger's id)
    /// and sent on to the consultant who holds it. `None` when the SME has
    /// no open ticket.
    #[instrument(skip(self, attachment, caption))]
    pub async fn sme_attachment_in(
        &self,
        tx: &mut PgConnection,
        requester_chat: i64,
        attachment: &Attachment,
        caption: &str,
    ) -> DeskResult<Option<Ticket>> {
        let caption = outbox::clean_caption(caption);
        self.relay_from_sme_in(tx, requester_chat, &caption, Some(attachment))
            .await
    }

    async fn relay_from_sme_in(
        &self,
        tx: &mut PgConnection,
        requester_chat: i64,
        body: &str,
        attachment: Option<&Attachment>,
    ) -> DeskResult<Option<Ticket>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM tickets WHERE requester_chat = $1 AND status IN ('open', 'claimed') \
             ORDER BY (status = 'claimed') DESC, id DESC LIMIT 1 FOR UPDATE",
        )
        .bind(requester_chat)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        // Read after the lock, so a claim committed meanwhile is seen.
        let ticket = fetch_by_id(&mut *tx, id).await?;
        add_message_with(&mut *tx, ticket.id, "sme", None, body, attachment).await?;
        if let Some(consultant_chat) = ticket.consultant_messenger {
            let notice = notices::from_sme(&self.texts(), &ticket, body);
            match attachment {
                None => {
                    outbox::enqueue(&mut *tx, consultant_chat, &notice, Some(ticket.id)).await?;
                }
                Some(attachment) => {
                    outbox::enqueue_attachment(
                        &mut *tx,
                        consultant_chat,
                        attachment,
                        &notice.body,
                        Some(ticket.id),
                    )
                    .await?;
                }
            }
        }
        Ok(Some(ticket))
    }
}

fn non_empty_message(texts: &Texts, body: &str) -> DeskResult<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(DeskError::Invalid(
            texts.get("refusal_empty_message").to_string(),
        ));
    }
    if body.chars().count() > MAX_DESCRIPTION {
        return Err(DeskError::Invalid(
            texts.fill("refusal_message_too_long", &[("max", &MAX_DESCRIPTION)]),
        ));
    }
    Ok(body.to_string())
}
