-- The dialog engine's state per chat (where in a flow, what was offered),
-- and every update received from the messenger, stored before it is
-- acknowledged and processed exactly once.

CREATE TABLE conversations (
    chat_id    bigint PRIMARY KEY,
    state      jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inbound_updates (
    update_id    bigint PRIMARY KEY,
    chat_id      bigint NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX inbound_pending ON inbound_updates (update_id) WHERE processed_at IS NULL;

CREATE FUNCTION notify_inbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('onestop_inbound', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER inbound_wakes_processor AFTER INSERT ON inbound_updates
    FOR EACH STATEMENT EXECUTE FUNCTION notify_inbound();
