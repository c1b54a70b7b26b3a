-- Every update is kept as it came, whatever it holds: the raw JSON bytes
-- (NUL characters and lone surrogates included, which jsonb refuses), its
-- kind, and its chat when it names one. One that cannot be handled is
-- marked failed with its error after a bounded number of attempts.
ALTER TABLE inbound_updates
    ADD COLUMN raw bytea,
    ADD COLUMN kind text,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error text,
    ADD COLUMN failed_at timestamptz,
    ALTER COLUMN chat_id DROP NOT NULL;

-- Updates stored by earlier versions, rewritten in Telegram's own shape.
UPDATE inbound_updates SET
    kind = CASE WHEN payload ? 'button' THEN 'callback_query' ELSE 'message' END,
    raw = convert_to((CASE WHEN payload ? 'button' THEN
        jsonb_build_object('update_id', update_id, 'callback_query', jsonb_build_object(
            'id', coalesce(payload->>'callback_id', ''),
            'from', jsonb_build_object('id', chat_id),
            'message', jsonb_build_object('chat', jsonb_build_object('id', chat_id, 'type', 'private')),
            'data', payload->>'button'))
    ELSE
        jsonb_build_object('update_id', update_id, 'message', jsonb_build_object(
            'chat', jsonb_build_object('id', chat_id, 'type', 'private'),
            'from', jsonb_build_object('id', chat_id),
            'text', coalesce(payload->>'text', '')))
    END)::text, 'UTF8');

ALTER TABLE inbound_updates DROP COLUMN payload, ALTER COLUMN raw SET NOT NULL;

-- Group chats already told, once, to write to the bot in a private chat.
CREATE TABLE group_chats (
    chat_id    bigint PRIMARY KEY,
    pointed_at timestamptz NOT NULL DEFAULT now()
);
