-- A claimed job holds a lease, renewed while its step runs; a job whose lease ran out (its
-- worker died, or its outcome could not be written) is claimed again.
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;  -- unix millis, while running
CREATE INDEX jobs_leases ON jobs(state, lease_until);

-- Failures in a row of one piece of work (kind, subject), whichever job row ran it: an item
-- that keeps failing waits longer each time, whoever queues it. Success or a manual retry
-- deletes the row.
CREATE TABLE item_backoff (
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    streak      INTEGER NOT NULL,
    next_run_at INTEGER NOT NULL,  -- unix millis: not before
    last_error  TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, subject)
);

-- One row a degraded daemon rewrites to notice that storage accepts writes again.
CREATE TABLE storage_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
