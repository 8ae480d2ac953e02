DROP TRIGGER requests_count_insert;
DROP TRIGGER requests_count_delete;
DROP TRIGGER requests_count_update;
CREATE TRIGGER requests_count_insert AFTER INSERT ON requests
BEGIN
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET open_count = open_count + (NEW.status <> 'completed'),
        closed_count = closed_count + (NEW.status = 'completed') WHERE client_id = NEW.client_id;
END;
CREATE TRIGGER requests_count_delete AFTER DELETE ON requests
BEGIN
    UPDATE request_counts SET open_count = open_count - (OLD.status <> 'completed'),
        closed_count = closed_count - (OLD.status = 'completed') WHERE client_id = OLD.client_id;
END;
CREATE TRIGGER requests_count_update AFTER UPDATE OF status, client_id ON requests
    WHEN OLD.status IS NOT NEW.status OR OLD.client_id <> NEW.client_id
BEGIN
    UPDATE request_counts SET open_count = open_count - (OLD.status <> 'completed'),
        closed_count = closed_count - (OLD.status = 'completed') WHERE client_id = OLD.client_id;
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET open_count = open_count + (NEW.status <> 'completed'),
        closed_count = closed_count + (NEW.status = 'completed') WHERE client_id = NEW.client_id;
END;
ALTER TABLE request_counts DROP COLUMN submitted_count;
ALTER TABLE request_counts DROP COLUMN in_progress_count;
ALTER TABLE request_counts DROP COLUMN waiting_count;
