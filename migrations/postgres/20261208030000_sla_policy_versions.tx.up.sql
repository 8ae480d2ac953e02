-- A request's clock history is worked out from the SLA policy as it stood
-- when its clocks started. Policies are edited in place, so each request
-- points at an immutable snapshot of its policy: calendar, holidays and
-- targets (both JSON text, read only by the Go side). A snapshot is written
-- the first time a request starts under a policy's current settings.
CREATE TABLE sla_policy_versions (
    id              BIGSERIAL PRIMARY KEY,
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
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (policy_id, version)
);
ALTER TABLE requests ADD COLUMN sla_policy_version_id BIGINT REFERENCES sla_policy_versions (id);

-- Existing policies become their version 1 as they stand today (their
-- earlier settings were never kept), and existing requests point at the
-- version of the policy their client uses now: the best record there is.
INSERT INTO sla_policy_versions (policy_id, version, name, warning_percent, timezone, always_open, work_days,
    start_minute, end_minute, holidays, targets, created_at)
SELECT p.id, 1, p.name, p.warning_percent, c.timezone, c.always_open, c.work_days, c.start_minute, c.end_minute,
    coalesce((SELECT json_agg(json_build_object('day', to_char(h.day, 'YYYY-MM-DD'), 'name', h.name) ORDER BY h.day)
              FROM sla_holidays AS h WHERE h.calendar_id = c.id)::text, '[]'),
    coalesce((SELECT json_object_agg(t.urgency, json_build_array(t.response_minutes, t.resolution_minutes))
              FROM sla_targets AS t WHERE t.policy_id = p.id)::text, '{}'),
    now()
FROM sla_policies AS p JOIN sla_calendars AS c ON c.id = p.calendar_id;

UPDATE requests SET sla_policy_version_id = (
    SELECT v.id FROM sla_policy_versions AS v
    WHERE v.policy_id = coalesce((SELECT cl.sla_policy_id FROM clients AS cl WHERE cl.id = requests.client_id),
                                 (SELECT p.id FROM sla_policies AS p WHERE p.is_default)));
