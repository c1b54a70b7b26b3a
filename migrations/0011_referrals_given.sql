-- Questions answered with a referral (a knowledge-base entry naming the
-- institution that handles the topic), counted per entry: an answer, not
-- a fallback, which `onestop stats` reports apart from both.
CREATE TABLE referrals_given (
    entry_id   text PRIMARY KEY,
    title      text NOT NULL,
    times      bigint NOT NULL DEFAULT 1,
    first_at   timestamptz NOT NULL DEFAULT now(),
    last_at    timestamptz NOT NULL DEFAULT now()
);
