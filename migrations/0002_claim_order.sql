-- The claim query orders open tickets by priority and age across several
-- queues; walking this index in order and filtering by queue stops at the
-- first free ticket instead of sorting every open one.
CREATE INDEX tickets_claim_order ON tickets (priority DESC, created_at, id)
    WHERE status = 'open';
