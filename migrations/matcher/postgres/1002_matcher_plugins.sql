-- Matcher plugins added, replaced or removed on running servers, shared by every
-- matcher process on this database (the indexer's scanner set has its own tables,
-- so one database can hold both).
CREATE TABLE matcher_plugin_blob (
    hash TEXT PRIMARY KEY,   -- sha256:<hex> of the component
    wasm BYTEA NOT NULL
);

-- Per plugin name: the component that adds or replaces it, or NULL when removed.
CREATE TABLE matcher_plugin_override (
    name   TEXT PRIMARY KEY,
    hash   TEXT REFERENCES matcher_plugin_blob (hash),
    origin TEXT NOT NULL
);

-- One row; bumped by every change, so followers read one number to know.
CREATE TABLE matcher_plugin_set_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
