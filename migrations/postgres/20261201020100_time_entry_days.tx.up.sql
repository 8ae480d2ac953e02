-- Time per client, date and billing, kept in the same transaction as every
-- change of a time entry (issue 11). The hour bank's ledger walks a client's
-- whole history on every Hours page and summary: read from here it is one
-- row per day worked, not one per entry (50,000 entries over five years are
-- some 1,800 rows). `entries` lets a day emptied by deletes be skipped.
CREATE TABLE time_entry_days (
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    billing   TEXT NOT NULL,
    work_date DATE NOT NULL,
    minutes   BIGINT NOT NULL DEFAULT 0,
    entries   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, billing, work_date)
);
INSERT INTO time_entry_days (client_id, billing, work_date, minutes, entries)
    SELECT client_id, billing, work_date, sum(minutes), count(*) FROM time_entries GROUP BY client_id, billing, work_date;

CREATE FUNCTION portal_time_entry_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE time_entry_days SET minutes = minutes - OLD.minutes, entries = entries - 1
        WHERE client_id = OLD.client_id AND billing = OLD.billing AND work_date = OLD.work_date;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO time_entry_days (client_id, billing, work_date, minutes, entries)
        VALUES (NEW.client_id, NEW.billing, NEW.work_date, NEW.minutes, 1)
        ON CONFLICT (client_id, billing, work_date) DO UPDATE SET
            minutes = time_entry_days.minutes + EXCLUDED.minutes,
            entries = time_entry_days.entries + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER time_entries_days_insert AFTER INSERT OR DELETE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION portal_time_entry_days();
CREATE TRIGGER time_entries_days_update AFTER UPDATE OF client_id, billing, work_date, minutes ON time_entries
    FOR EACH ROW EXECUTE FUNCTION portal_time_entry_days();
