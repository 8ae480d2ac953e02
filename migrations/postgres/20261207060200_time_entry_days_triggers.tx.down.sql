DROP TRIGGER time_entries_days_delete ON time_entries;
DROP TRIGGER time_entries_days_insert ON time_entries;
CREATE TRIGGER time_entries_days_insert AFTER INSERT OR DELETE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION portal_time_entry_days();
