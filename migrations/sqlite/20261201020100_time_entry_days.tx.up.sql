-- Time per client, date and billing, kept in the same transaction as every
-- change of a time entry (see the PostgreSQL file).
CREATE TABLE time_entry_days (
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    billing   TEXT NOT NULL,
    work_date DATE NOT NULL,
    minutes   BIGINT NOT NULL DEFAULT 0,
    entries   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, billing, work_date)
);
INSERT INTO time_entry_days (client_id, billing, work_date, minutes, entries)
    SELECT client_id, billing, work_date, sum(minutes), count(*) FROM time_entries GROUP BY client_id, billing, work_date;

CREATE TRIGGER time_entries_days_insert AFTER INSERT ON time_entries
BEGIN
    INSERT OR IGNORE INTO time_entry_days (client_id, billing, work_date) VALUES (NEW.client_id, NEW.billing, NEW.work_date);
    UPDATE time_entry_days SET minutes = minutes + NEW.minutes, entries = entries + 1
    WHERE client_id = NEW.client_id AND billing = NEW.billing AND work_date = NEW.work_date;
END;
CREATE TRIGGER time_entries_days_delete AFTER DELETE ON time_entries
BEGIN
    UPDATE time_entry_days SET minutes = minutes - OLD.minutes, entries = entries - 1
    WHERE client_id = OLD.client_id AND billing = OLD.billing AND work_date = OLD.work_date;
END;
CREATE TRIGGER time_entries_days_update AFTER UPDATE OF client_id, billing, work_date, minutes ON time_entries
BEGIN
    UPDATE time_entry_days SET minutes = minutes - OLD.minutes, entries = entries - 1
    WHERE client_id = OLD.client_id AND billing = OLD.billing AND work_date = OLD.work_date;
    INSERT OR IGNORE INTO time_entry_days (client_id, billing, work_date) VALUES (NEW.client_id, NEW.billing, NEW.work_date);
    UPDATE time_entry_days SET minutes = minutes + NEW.minutes, entries = entries + 1
    WHERE client_id = NEW.client_id AND billing = NEW.billing AND work_date = NEW.work_date;
END;
