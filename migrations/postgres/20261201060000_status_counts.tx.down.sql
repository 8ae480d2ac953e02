CREATE OR REPLACE FUNCTION portal_count_requests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE request_counts SET
            open_count = open_count - CASE WHEN OLD.status <> 'completed' THEN 1 ELSE 0 END,
            closed_count = closed_count - CASE WHEN OLD.status = 'completed' THEN 1 ELSE 0 END
        WHERE client_id = OLD.client_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO request_counts (client_id, open_count, closed_count)
        VALUES (NEW.client_id, CASE WHEN NEW.status <> 'completed' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END)
        ON CONFLICT (client_id) DO UPDATE SET
            open_count = request_counts.open_count + EXCLUDED.open_count,
            closed_count = request_counts.closed_count + EXCLUDED.closed_count;
    END IF;
    RETURN NULL;
END
$$;
ALTER TABLE request_counts DROP COLUMN submitted_count, DROP COLUMN in_progress_count, DROP COLUMN waiting_count;
