DROP TRIGGER time_entries_days_update ON time_entries;
DROP TRIGGER time_entries_days_insert ON time_entries;
DROP FUNCTION portal_time_entry_days();
DROP TABLE time_entry_days;
