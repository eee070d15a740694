-- Plugins added, replaced or removed on running servers, shared by every process on
-- this database: each follows `plugin_set_version` and applies the overrides to its
-- built-in set.
CREATE TABLE plugin_blob (
    hash TEXT PRIMARY KEY,   -- sha256:<hex> of the component
    wasm BYTEA NOT NULL
);

-- Per plugin name: the component that adds or replaces it, or NULL when removed.
CREATE TABLE plugin_override (
    name   TEXT PRIMARY KEY,
    hash   TEXT REFERENCES plugin_blob (hash),
    origin TEXT NOT NULL
);

-- One row; bumped by every change, so followers read one number to know.
CREATE TABLE plugin_set_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
