-- A client user may question a time entry (issue 11): one thread per entry,
-- open until staff answer it, adjust the entry or void it (no longer
-- charged), with the reason shown to the client.
CREATE TABLE time_questions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id     BIGINT NOT NULL REFERENCES clients (id),
    time_entry_id BIGINT NOT NULL UNIQUE REFERENCES time_entries (id) ON DELETE CASCADE,
    opened_by     BIGINT NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'adjusted', 'voided')),
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    closed_at     TIMESTAMP
);
CREATE INDEX time_questions_open ON time_questions (status, client_id);

CREATE TABLE time_question_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id BIGINT NOT NULL REFERENCES time_questions (id) ON DELETE CASCADE,
    client_id   BIGINT NOT NULL REFERENCES clients (id),
    author_id   BIGINT NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX time_question_messages_question ON time_question_messages (question_id, id);
