-- The time entry an activity event is about (time_logged, time_deleted), so
-- a webhook can name the entry. No foreign key: a voided entry is deleted
-- and its event stays.
ALTER TABLE activity_events ADD COLUMN time_entry_id BIGINT;
