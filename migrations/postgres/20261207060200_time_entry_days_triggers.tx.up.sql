-- One trigger per event, named as on SQLite, so the migration test can hold
-- the two dialects' triggers to the same list (the function is unchanged).
DROP TRIGGER time_entries_days_insert ON time_entries;
CREATE TRIGGER time_entries_days_insert AFTER INSERT ON time_entries
    FOR EACH ROW EXECUTE FUNCTION portal_time_entry_days();
CREATE TRIGGER time_entries_days_delete AFTER DELETE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION portal_time_entry_days();
