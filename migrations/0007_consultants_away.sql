-- A consultant who said /away gets no ticket cards until /back; what they
-- hold stays theirs.
ALTER TABLE consultants ADD COLUMN away boolean NOT NULL DEFAULT false;
