-- One-time codes that open the setup page of a fresh instance. Each process
-- that starts before setup prints one in its log; only their hashes are
-- kept, and all of them go once the workspace exists.
CREATE TABLE setup_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash  BLOB NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
