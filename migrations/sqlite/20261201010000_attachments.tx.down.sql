ALTER TABLE workspace DROP COLUMN attach_blocked;
ALTER TABLE workspace DROP COLUMN attach_max_files;
ALTER TABLE workspace DROP COLUMN attach_max_file_bytes;
ALTER TABLE messages DROP COLUMN attachments;
ALTER TABLE requests DROP COLUMN attachments;
DROP TABLE attachments;
