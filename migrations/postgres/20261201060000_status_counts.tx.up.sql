-- The staff queue's counts per open status, kept beside the open and closed
-- counts by the same trigger: an unfiltered queue reads one row per client
-- instead of counting every open request of every client on each view.
ALTER TABLE request_counts
    ADD COLUMN submitted_count BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN in_progress_count BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN waiting_count BIGINT NOT NULL DEFAULT 0;
UPDATE request_counts AS rc SET
    submitted_count = s.submitted, in_progress_count = s.in_progress, waiting_count = s.waiting
FROM (SELECT client_id,
             count(*) FILTER (WHERE status = 'submitted') AS submitted,
             count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
             count(*) FILTER (WHERE status = 'waiting') AS waiting
      FROM requests GROUP BY client_id) AS s
WHERE s.client_id = rc.client_id;

CREATE OR REPLACE FUNCTION portal_count_requests() RETURNS trigger LANGUAGE plpgsql AS $$
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
