-- Edits of messages already sent: an outbox row with `edits` set replaces
-- the text (and buttons) of the message that the row `edits` delivered.
-- It is written to that row's chat, so the per-chat order makes it wait
-- until its message was sent; if that message was never delivered (failed,
-- or pruned) the edit is dropped quietly. No foreign key: delivered rows
-- are pruned, and an edit of a pruned row is simply dropped.
ALTER TABLE outbox ADD COLUMN edits bigint;

-- The messages about a ticket (its cards, the follow-up question), found
-- again when their buttons have done their work.
CREATE INDEX outbox_by_ticket ON outbox (ticket_id) WHERE ticket_id IS NOT NULL;
-- Whether a message was edited already.
CREATE INDEX outbox_edits ON outbox (edits) WHERE edits IS NOT NULL;
