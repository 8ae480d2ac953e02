ALTER TABLE requests DROP COLUMN channel;
ALTER TABLE requests DROP COLUMN awaiting_msp;
