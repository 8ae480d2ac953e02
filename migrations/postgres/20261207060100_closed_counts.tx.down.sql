DROP TRIGGER requests_count_update ON requests;
DROP TRIGGER requests_count_delete ON requests;
DROP TRIGGER requests_count_insert ON requests;
DROP FUNCTION portal_count_closed();

ALTER TABLE request_counts
    ADD COLUMN open_count BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN submitted_count BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN in_progress_count BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN waiting_count BIGINT NOT NULL DEFAULT 0;
INSERT INTO request_counts (client_id) SELECT DISTINCT client_id FROM requests ON CONFLICT (client_id) DO NOTHING;
UPDATE request_counts AS rc SET
    open_count = s.open, submitted_count = s.submitted, in_progress_count = s.in_progress, waiting_count = s.waiting
FROM (SELECT client_id,
             count(*) FILTER (WHERE status <> 'completed') AS open,
             count(*) FILTER (WHERE status = 'submitted') AS submitted,
             count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
             count(*) FILTER (WHERE status = 'waiting') AS waiting
      FROM requests GROUP BY client_id) AS s
WHERE s.client_id = rc.client_id;

-- As 20261201060000_status_counts left them.
CREATE FUNCTION portal_count_requests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE request_counts SET
            open_count = open_count - CASE WHEN OLD.status <> 'completed' THEN 1 ELSE 0 END,
            closed_count = closed_count - CASE WHEN OLD.status = 'completed' THEN 1 ELSE 0 END,
            submitted_count = submitted_count - CASE WHEN OLD.status = 'submitted' THEN 1 ELSE 0 END,
            in_progress_count = in_progress_count - CASE WHEN OLD.status = 'in_progress' THEN 1 ELSE 0 END,
            waiting_count = waiting_count - CASE WHEN OLD.status = 'waiting' THEN 1 ELSE 0 END
        WHERE client_id = OLD.client_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO request_counts (client_id, open_count, closed_count, submitted_count, in_progress_count, waiting_count)
        VALUES (NEW.client_id, CASE WHEN NEW.status <> 'completed' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'submitted' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'in_progress' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'waiting' THEN 1 ELSE 0 END)
        ON CONFLICT (client_id) DO UPDATE SET
            open_count = request_counts.open_count + EXCLUDED.open_count,
            closed_count = request_counts.closed_count + EXCLUDED.closed_count,
            submitted_count = request_counts.submitted_count + EXCLUDED.submitted_count,
            in_progress_count = request_counts.in_progress_count + EXCLUDED.in_progress_count,
            waiting_count = request_counts.waiting_count + EXCLUDED.waiting_count;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER requests_count_insert AFTER INSERT OR DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION portal_count_requests();
CREATE TRIGGER requests_count_update AFTER UPDATE OF status, client_id ON requests
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.client_id <> NEW.client_id)
    EXECUTE FUNCTION portal_count_requests();
