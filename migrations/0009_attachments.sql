-- Files, locations and contact cards: kept in a ticket's transcript and sent
-- by the outbox by the messenger's own file id (never downloaded). The JSON is
-- {kind, file_id, size?, mime?, file_name?}; a message's text is its caption.
ALTER TABLE ticket_messages ADD COLUMN attachment jsonb
    CHECK (attachment IS NULL OR (attachment ? 'kind' AND attachment ? 'file_id'));
ALTER TABLE outbox ADD COLUMN attachment jsonb
    CHECK (attachment IS NULL OR (attachment ? 'kind' AND attachment ? 'file_id'));
