-- A request's clock history is worked out from the SLA policy as it stood
-- when its clocks started. Policies are edited in place, so each request
-- points at an immutable snapshot of its policy: calendar, holidays and
-- targets (both JSON text, read only by the Go side). A snapshot is written
-- the first time a request starts under a policy's current settings.
CREATE TABLE sla_policy_versions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id       BIGINT REFERENCES sla_policies (id) ON DELETE SET NULL,
    version         INTEGER NOT NULL CHECK (version > 0),
    name            TEXT NOT NULL,
    warning_percent INTEGER NOT NULL,
    timezone        TEXT NOT NULL,
    always_open     BOOLEAN NOT NULL,
    work_days       INTEGER NOT NULL,
    start_minute    INTEGER NOT NULL,
    end_minute      INTEGER NOT NULL,
    holidays        TEXT NOT NULL DEFAULT '[]', -- [{"day":"2026-12-25","name":"Christmas Day"}]
    targets         TEXT NOT NULL DEFAULT '{}', -- {"normal":[response, resolution]} in business minutes
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (policy_id, version)
);
ALTER TABLE requests ADD COLUMN sla_policy_version_id BIGINT;

-- Existing policies become their version 1 as they stand today (their
-- earlier settings were never kept), and existing requests point at the
-- version of the policy their client uses now: the best record there is.
INSERT INTO sla_policy_versions (policy_id, version, name, warning_percent, timezone, always_open, work_days,
    start_minute, end_minute, holidays, targets, created_at)
SELECT p.id, 1, p.name, p.warning_percent, c.timezone, c.always_open, c.work_days, c.start_minute, c.end_minute,
    (SELECT json_group_array(json_object('day', substr(h.day, 1, 10), 'name', h.name))
     FROM (SELECT day, name FROM sla_holidays WHERE calendar_id = c.id ORDER BY day) AS h),
    (SELECT json_group_object(t.urgency, json_array(t.response_minutes, t.resolution_minutes))
     FROM sla_targets AS t WHERE t.policy_id = p.id),
    strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')
FROM sla_policies AS p JOIN sla_calendars AS c ON c.id = p.calendar_id;

UPDATE requests SET sla_policy_version_id = (
    SELECT v.id FROM sla_policy_versions AS v
    WHERE v.policy_id = coalesce((SELECT cl.sla_policy_id FROM clients AS cl WHERE cl.id = requests.client_id),
                                 (SELECT p.id FROM sla_policies AS p WHERE p.is_default)));
