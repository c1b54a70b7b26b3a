-- The help desk: consultants, tickets with their event log and transcript,
-- durable jobs (SLA escalation, consultant lease, follow-up), the outbox of
-- everything the desk sends, and the questions nothing answered.

CREATE TABLE consultants (
    id           bigserial PRIMARY KEY,
    -- The consultant's messenger user id (their private chat with the bot).
    messenger_id bigint NOT NULL UNIQUE,
    name         text NOT NULL CHECK (btrim(name) <> ''),
    queues       text[] NOT NULL CHECK (cardinality(queues) > 0),
    capacity     integer NOT NULL CHECK (capacity > 0),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE ticket_number;

CREATE TABLE tickets (
    id              bigserial PRIMARY KEY,
    -- The code users quote, e.g. 2026-000123.
    code            text NOT NULL UNIQUE,
    -- The SME's chat, where replies and the follow-up go.
    requester_chat  bigint NOT NULL,
    company         text NOT NULL,
    region          text NOT NULL,
    category        text NOT NULL,
    description     text NOT NULL,
    contact         text NOT NULL,
    business_number text,
    queue           text NOT NULL,
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'claimed', 'resolved', 'closed')),
    priority        integer NOT NULL DEFAULT 0,
    consultant_id   bigint REFERENCES consultants (id),
    -- 0 none, 1 queue reminded, 2 moved to the supervisor queue.
    escalation      integer NOT NULL DEFAULT 0,
    -- The queue whose consultants were last shown this ticket's card; the
    -- notifier announces tickets where it differs from `queue`.
    announced_queue text,
    rating          integer CHECK (rating BETWEEN 1 AND 5),
    created_at      timestamptz NOT NULL DEFAULT now(),
    claimed_at      timestamptz,
    resolved_at     timestamptz,
    closed_at       timestamptz,
    -- A claimed ticket has its consultant; a resolved one keeps who solved it.
    CHECK (status <> 'claimed' OR consultant_id IS NOT NULL),
    CHECK (status <> 'open' OR consultant_id IS NULL)
);

-- The claim query: open tickets of some queues, by priority then age.
CREATE INDEX tickets_claimable ON tickets (queue, priority DESC, created_at, id)
    WHERE status = 'open';
CREATE INDEX tickets_held ON tickets (consultant_id) WHERE status = 'claimed';
CREATE INDEX tickets_requester ON tickets (requester_chat, id);
CREATE INDEX tickets_unannounced ON tickets (id)
    WHERE status = 'open' AND announced_queue IS DISTINCT FROM queue;

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

-- Who did what, when. Never updated or deleted.
CREATE TABLE ticket_events (
    id        bigserial PRIMARY KEY,
    ticket_id bigint NOT NULL REFERENCES tickets (id),
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    kind      text NOT NULL,
    detail    text NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The full transcript. `note` is internal: the SME never sees it.
CREATE TABLE ticket_messages (
    id            bigserial PRIMARY KEY,
    ticket_id     bigint NOT NULL REFERENCES tickets (id),
    at            timestamptz NOT NULL DEFAULT now(),
    author        text NOT NULL CHECK (author IN ('sme', 'consultant', 'bot', 'note')),
    consultant_id bigint REFERENCES consultants (id),
    body          text NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
CREATE TRIGGER ticket_messages_append_only BEFORE UPDATE OR DELETE ON ticket_messages
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Durable timers. At most one pending job of a kind per ticket.
CREATE TABLE jobs (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('escalate', 'lease', 'followup')),
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    due_at     timestamptz NOT NULL,
    done_at    timestamptz,
    outcome    text
);
CREATE UNIQUE INDEX jobs_one_pending ON jobs (ticket_id, kind) WHERE done_at IS NULL;
CREATE INDEX jobs_due ON jobs (due_at) WHERE done_at IS NULL;

-- Every message the desk sends, written in the transaction that causes it.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    chat_id    bigint NOT NULL,
    body       text NOT NULL,
    -- Buttons as [[{"text": "...", "data": "..."}]] rows.
    buttons    jsonb NOT NULL DEFAULT '[]',
    ticket_id  bigint REFERENCES tickets (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    not_before timestamptz NOT NULL DEFAULT now(),
    attempts   integer NOT NULL DEFAULT 0,
    -- A sender holds the row until then, or until its session ends: each
    -- sender holds the advisory lock (7391, locked_by) while it runs, so a
    -- killed sender's rows are picked up again at once.
    locked_until timestamptz,
    locked_by  bigint,
    last_error text,
    sent_at    timestamptz,
    -- Refused for good by the channel (e.g. the user blocked the bot): kept,
    -- counted in `stats`, never silently dropped.
    failed_at  timestamptz,
    -- What the channel returned for the delivery (e.g. a Telegram message id).
    receipt    text
);
CREATE INDEX outbox_pending ON outbox (chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Questions that got `fallback`: the knowledge base's to-do list.
CREATE TABLE unanswered_questions (
    question   text PRIMARY KEY,
    times      bigint NOT NULL DEFAULT 1,
    first_at   timestamptz NOT NULL DEFAULT now(),
    last_at    timestamptz NOT NULL DEFAULT now()
);

-- Wake-ups for listeners (delivered at commit). They are hints: the
-- sender and the notifier also poll, so a missed one delays, never loses.
CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('onestop_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_wakes_sender AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();

CREATE FUNCTION notify_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'open' AND NEW.announced_queue IS DISTINCT FROM NEW.queue THEN
        PERFORM pg_notify('onestop_tickets', NEW.code);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_wake_notifier AFTER INSERT OR UPDATE OF status, queue, announced_queue ON tickets
    FOR EACH ROW EXECUTE FUNCTION notify_ticket();
