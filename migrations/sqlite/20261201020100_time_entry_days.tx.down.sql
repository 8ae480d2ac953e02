DROP TRIGGER time_entries_days_update;
DROP TRIGGER time_entries_days_delete;
DROP TRIGGER time_entries_days_insert;
DROP TABLE time_entry_days;
