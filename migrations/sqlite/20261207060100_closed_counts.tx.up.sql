-- request_counts keeps only what an index cannot answer cheaply: the closed
-- count, which grows with history; open counts come from indexes (see the
-- PostgreSQL file). A request created open no longer touches it.
DROP TRIGGER requests_count_insert;
DROP TRIGGER requests_count_delete;
DROP TRIGGER requests_count_update;
ALTER TABLE request_counts DROP COLUMN open_count;
ALTER TABLE request_counts DROP COLUMN submitted_count;
ALTER TABLE request_counts DROP COLUMN in_progress_count;
ALTER TABLE request_counts DROP COLUMN waiting_count;

CREATE TRIGGER requests_count_insert AFTER INSERT ON requests
    WHEN NEW.status = 'completed'
BEGIN
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET closed_count = closed_count + 1 WHERE client_id = NEW.client_id;
END;
CREATE TRIGGER requests_count_delete AFTER DELETE ON requests
    WHEN OLD.status = 'completed'
BEGIN
    UPDATE request_counts SET closed_count = closed_count - 1 WHERE client_id = OLD.client_id;
END;
CREATE TRIGGER requests_count_update AFTER UPDATE OF status, client_id ON requests
    WHEN (OLD.status = 'completed' OR NEW.status = 'completed')
        AND (OLD.status IS NOT NEW.status OR OLD.client_id <> NEW.client_id)
BEGIN
    UPDATE request_counts SET closed_count = closed_count - (OLD.status = 'completed') WHERE client_id = OLD.client_id;
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET closed_count = closed_count + (NEW.status = 'completed') WHERE client_id = NEW.client_id;
END;
