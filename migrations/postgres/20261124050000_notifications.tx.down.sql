DROP TABLE pending_notifications;
DROP TABLE notification_cursor;
