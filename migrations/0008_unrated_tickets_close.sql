-- A resolved ticket whose SME never rates it closes itself: a `close` job,
-- scheduled when the rating is asked for.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('escalate', 'lease', 'followup', 'close'));
