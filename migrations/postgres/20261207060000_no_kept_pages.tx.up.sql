-- Pages are rendered, not kept (issue 18): the page cache is gone, and with
-- it the portal_data channel that told each process which kept pages a
-- commit made stale (20261202010000_page_cache). Dropping the two functions
-- drops every trigger that called them, on all 31 tables. The triggers that
-- serve something else stay: access revocations (portal_access, which ends
-- event streams), the settings cache's portal_settings, and the counters.
DROP FUNCTION portal_rows_changed() CASCADE;
DROP FUNCTION portal_data_changed() CASCADE;
