DROP INDEX requests_open_clocks;
