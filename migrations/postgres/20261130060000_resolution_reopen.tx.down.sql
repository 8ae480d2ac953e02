ALTER TABLE workspace DROP COLUMN reopen_window_days;
ALTER TABLE requests DROP COLUMN follow_up_of_id;
ALTER TABLE requests DROP COLUMN resolution;
