DROP TABLE client_followers;
DROP TABLE hour_alerts;
DROP TABLE hour_alert_thresholds;
