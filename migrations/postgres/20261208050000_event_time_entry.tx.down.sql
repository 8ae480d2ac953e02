ALTER TABLE activity_events DROP COLUMN time_entry_id;
