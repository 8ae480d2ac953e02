DROP TRIGGER requests_count_insert;
DROP TRIGGER requests_count_delete;
DROP TRIGGER requests_count_update;
ALTER TABLE request_counts ADD COLUMN open_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request_counts ADD COLUMN submitted_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request_counts ADD COLUMN in_progress_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request_counts ADD COLUMN waiting_count BIGINT NOT NULL DEFAULT 0;
INSERT OR IGNORE INTO request_counts (client_id) SELECT DISTINCT client_id FROM requests;
UPDATE request_counts SET
    open_count = (SELECT count(*) FROM requests AS r WHERE r.client_id = request_counts.client_id AND r.status <> 'completed'),
    submitted_count = (SELECT count(*) FROM requests AS r WHERE r.client_id = request_counts.client_id AND r.status = 'submitted'),
    in_progress_count = (SELECT count(*) FROM requests AS r WHERE r.client_id = request_counts.client_id AND r.status = 'in_progress'),
    waiting_count = (SELECT count(*) FROM requests AS r WHERE r.client_id = request_counts.client_id AND r.status = 'waiting');

-- As 20261201060000_status_counts left them.
CREATE TRIGGER requests_count_insert AFTER INSERT ON requests
BEGIN
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET open_count = open_count + (NEW.status <> 'completed'),
        closed_count = closed_count + (NEW.status = 'completed'),
        submitted_count = submitted_count + (NEW.status = 'submitted'),
        in_progress_count = in_progress_count + (NEW.status = 'in_progress'),
        waiting_count = waiting_count + (NEW.status = 'waiting') WHERE client_id = NEW.client_id;
END;
CREATE TRIGGER requests_count_delete AFTER DELETE ON requests
BEGIN
    UPDATE request_counts SET open_count = open_count - (OLD.status <> 'completed'),
        closed_count = closed_count - (OLD.status = 'completed'),
        submitted_count = submitted_count - (OLD.status = 'submitted'),
        in_progress_count = in_progress_count - (OLD.status = 'in_progress'),
        waiting_count = waiting_count - (OLD.status = 'waiting') WHERE client_id = OLD.client_id;
END;
CREATE TRIGGER requests_count_update AFTER UPDATE OF status, client_id ON requests
    WHEN OLD.status IS NOT NEW.status OR OLD.client_id <> NEW.client_id
BEGIN
    UPDATE request_counts SET open_count = open_count - (OLD.status <> 'completed'),
        closed_count = closed_count - (OLD.status = 'completed'),
        submitted_count = submitted_count - (OLD.status = 'submitted'),
        in_progress_count = in_progress_count - (OLD.status = 'in_progress'),
        waiting_count = waiting_count - (OLD.status = 'waiting') WHERE client_id = OLD.client_id;
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET open_count = open_count + (NEW.status <> 'completed'),
        closed_count = closed_count + (NEW.status = 'completed'),
        submitted_count = submitted_count + (NEW.status = 'submitted'),
        in_progress_count = in_progress_count + (NEW.status = 'in_progress'),
        waiting_count = waiting_count + (NEW.status = 'waiting') WHERE client_id = NEW.client_id;
END;
