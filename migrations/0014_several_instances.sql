-- Several `serve` processes on one database: an update is handled only
-- when it is the first unhandled one of its chat (another process may hold
-- an earlier one), which this index answers.
CREATE INDEX inbound_pending_by_chat ON inbound_updates (chat_id, update_id)
    WHERE processed_at IS NULL;
