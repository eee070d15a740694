-- Notifier storage: one notification set per processed update operation (its
-- receipt: delivery state and attempts), and the set's notifications as JSON.
-- Versions from 2001 so the notifier can share a database with the indexer and matcher.
-- Times are Unix milliseconds.

CREATE TABLE notification_set (
    id            TEXT PRIMARY KEY,
    updater       TEXT NOT NULL,
    -- The update operation the set came from: processed once, whatever the replicas.
    operation_ref TEXT NOT NULL UNIQUE,
    -- created | delivered | delivery_failed | deleted
    status        TEXT NOT NULL,
    created       BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    next_attempt  BIGINT NOT NULL,
    delivered     BIGINT
);
CREATE INDEX notification_set_due ON notification_set (status, next_attempt);

CREATE TABLE notification (
    set_id TEXT NOT NULL REFERENCES notification_set (id) ON DELETE CASCADE,
    -- Pages are ordered by this UUID's text, which orders as its bytes.
    id     TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (set_id, id)
);
