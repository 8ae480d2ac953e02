-- Low-balance alerts (issue 11): each client's thresholds, in hours
-- (minutes stored) or percent of the period's purchase; an alert is sent
-- once per threshold per period (the unique key makes that hold across
-- processes); staff follow the clients whose alerts they want.
CREATE TABLE hour_alert_thresholds (
    id        BIGSERIAL PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    unit      TEXT NOT NULL CHECK (unit IN ('minutes', 'percent')),
    value     INTEGER NOT NULL CHECK (value > 0),
    UNIQUE (client_id, unit, value)
);

CREATE TABLE hour_alerts (
    id                BIGSERIAL PRIMARY KEY,
    client_id         BIGINT NOT NULL REFERENCES clients (id),
    period_start      DATE NOT NULL,
    threshold         TEXT NOT NULL, -- 'minutes:120', 'percent:25' or 'overage'
    remaining_minutes INTEGER NOT NULL,
    purchased_minutes INTEGER NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (client_id, period_start, threshold)
);

CREATE TABLE client_followers (
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, user_id)
);
