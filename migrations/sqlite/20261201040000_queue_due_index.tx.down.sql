DROP INDEX requests_open_nearest_due;
