-- The staff queue lists open requests nearest SLA deadline first. These are
-- the sort's own expressions (models.applySort, SortDue), so both databases
-- read the first page straight from the index instead of sorting every open
-- request of every client on each view. The query repeats the predicate.
CREATE INDEX requests_open_nearest_due ON requests (
    (CASE WHEN (CASE WHEN response_due_at IS NOT NULL AND (resolution_due_at IS NULL OR response_due_at < resolution_due_at)
                     THEN response_due_at ELSE resolution_due_at END) IS NULL THEN 1 ELSE 0 END),
    (CASE WHEN response_due_at IS NOT NULL AND (resolution_due_at IS NULL OR response_due_at < resolution_due_at)
          THEN response_due_at ELSE resolution_due_at END),
    id DESC
) WHERE status <> 'completed';
