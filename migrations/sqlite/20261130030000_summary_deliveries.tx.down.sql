DROP TABLE summary_deliveries;
