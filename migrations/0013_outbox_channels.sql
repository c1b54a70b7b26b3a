-- Each outbox row is addressed to the channel that must deliver it, and a
-- sender takes only its own: `worker --deliver FILE` beside `serve` never
-- takes a Telegram reply, the console never prints one.
CREATE TYPE outbox_channel AS ENUM ('telegram', 'console', 'jsonl');

-- Chats reached through a channel other than Telegram (the console's two
-- chats, chats handed to another system through a JSON-lines file). A chat
-- without a row here is a Telegram chat.
CREATE TABLE chat_channels (
    chat_id bigint PRIMARY KEY,
    channel outbox_channel NOT NULL
);

-- Rows written before this migration were Telegram's.
ALTER TABLE outbox ADD COLUMN channel outbox_channel NOT NULL DEFAULT 'telegram';
ALTER TABLE outbox ALTER COLUMN channel DROP DEFAULT;

-- A row written without a channel goes to its chat's (above). An edit is
-- written with the channel of the message it edits.
CREATE FUNCTION outbox_address() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.channel IS NULL THEN
        NEW.channel := coalesce(
            (SELECT channel FROM chat_channels WHERE chat_id = NEW.chat_id), 'telegram');
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER outbox_addressed BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_address();

-- Each sender's queue: the pending rows of its channel, chat by chat.
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (channel, chat_id, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;

-- Messages refused for good, counted by channel for `/metrics`.
CREATE INDEX outbox_failed ON outbox (channel) WHERE failed_at IS NOT NULL;
