-- PostgreSQL's time_entry_days triggers now match these, one per event, by
-- name (see the PostgreSQL file); nothing changes here.
SELECT 1;
