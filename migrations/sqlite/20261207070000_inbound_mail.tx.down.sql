DROP TABLE inbound_routes;
DROP TABLE inbound_mails;
DROP TABLE inbound_settings;
