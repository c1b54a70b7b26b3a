-- How many tickets each consultant holds now, kept on their row so a claim
-- can take a seat with one conditional UPDATE (which PostgreSQL re-checks
-- after waiting for a concurrent claim) instead of locking and counting.
ALTER TABLE consultants ADD COLUMN held integer NOT NULL DEFAULT 0 CHECK (held >= 0);

UPDATE consultants c SET held = (
    SELECT count(*) FROM tickets t WHERE t.consultant_id = c.id AND t.status = 'claimed');

-- Seats are taken by the claim statements; they are given back here, on
-- every way out of `claimed` (resolve, transfer, lease expiry, deactivation).
CREATE FUNCTION free_seat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'claimed' AND NOT (NEW.status = 'claimed' AND NEW.consultant_id = OLD.consultant_id) THEN
        UPDATE consultants SET held = held - 1 WHERE id = OLD.consultant_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_free_seat AFTER UPDATE OF status, consultant_id ON tickets
    FOR EACH ROW EXECUTE FUNCTION free_seat();
