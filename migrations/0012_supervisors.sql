-- The supervisor's web page: who may sign in (a token printed once by
-- `onestop supervisor add`, kept only as its SHA-256), their sign-in
-- sessions (the cookie's secret, kept only as its SHA-256), and the audit
-- log of sign-ins and exports.

CREATE TABLE supervisors (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (btrim(name) <> ''),
    token_sha256 bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- `supervisor remove`: the token and every session of it stop working.
    revoked_at   timestamptz
);
-- One working token per name; a removed name may be added again.
CREATE UNIQUE INDEX supervisors_one_active_name ON supervisors (name) WHERE revoked_at IS NULL;

CREATE TABLE supervisor_sessions (
    secret_sha256 bytea PRIMARY KEY,
    supervisor_id bigint NOT NULL REFERENCES supervisors (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX supervisor_sessions_of ON supervisor_sessions (supervisor_id);

-- Every sign-in (and refused try) and every export. Never updated or deleted.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    -- The supervisor's name; NULL for a refused sign-in.
    supervisor text,
    action     text NOT NULL,
    detail     text NOT NULL DEFAULT '',
    -- The address the request came from.
    address    text NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
