-- Matcher storage: update operations, content-addressed vulnerabilities and
-- enrichment records linked to the operations that supplied them, the latest
-- operation per updater, and updater status. Versions from 1001 so the indexer's
-- migrations (0001…) and these can share one database.

-- One run of one updater that changed something. `id` orders operations: newest is
-- highest. `date` is RFC 3339 UTC with fixed width, so it sorts as text too.
CREATE TABLE update_operation (
    -- AUTOINCREMENT: ids never come back after deletions, so order and identity hold.
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ref         TEXT NOT NULL UNIQUE,
    updater     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    kind        TEXT NOT NULL,
    date        TEXT NOT NULL
);
CREATE INDEX update_operation_updater ON update_operation (updater, kind, id);
CREATE INDEX update_operation_kind ON update_operation (kind, id);

-- Maintained on every commit and deletion, so matching never scans operations.
CREATE TABLE latest_update_operation (
    updater      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    operation_id INTEGER NOT NULL REFERENCES update_operation (id) ON DELETE CASCADE,
    PRIMARY KEY (updater, kind)
);
CREATE INDEX latest_update_operation_id ON latest_update_operation (operation_id);

-- Names a delta updater's operation withdrew.
CREATE TABLE update_operation_deleted_name (
    operation_id INTEGER NOT NULL REFERENCES update_operation (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    PRIMARY KEY (operation_id, name)
);

-- One row per distinct (updater, content hash); flat columns, empty string = absent.
CREATE TABLE vulnerability (
    -- Reports carry this id: never reused.
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    updater                TEXT NOT NULL,
    hash                   TEXT NOT NULL,
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL,
    issued                 TEXT NOT NULL,
    links                  TEXT NOT NULL,
    severity               TEXT NOT NULL,
    normalized_severity    TEXT NOT NULL,
    package_name           TEXT NOT NULL,
    package_version        TEXT NOT NULL,
    package_module         TEXT NOT NULL,
    package_arch           TEXT NOT NULL,
    package_kind           TEXT NOT NULL,
    dist_did               TEXT NOT NULL,
    dist_name              TEXT NOT NULL,
    dist_version           TEXT NOT NULL,
    dist_version_code_name TEXT NOT NULL,
    dist_version_id        TEXT NOT NULL,
    dist_arch              TEXT NOT NULL,
    dist_cpe               TEXT NOT NULL,
    dist_pretty_name       TEXT NOT NULL,
    repo_name              TEXT NOT NULL,
    repo_key               TEXT NOT NULL,
    repo_uri               TEXT NOT NULL,
    repo_cpe               TEXT NOT NULL,
    fixed_in_version       TEXT NOT NULL,
    arch_op                TEXT NOT NULL,
    -- Both empty: no range.
    range_lower            TEXT NOT NULL,
    range_upper            TEXT NOT NULL,
    UNIQUE (updater, hash)
);
CREATE INDEX vulnerability_package_name ON vulnerability (package_name);
CREATE INDEX vulnerability_name ON vulnerability (name);

-- No cascade from vulnerability: garbage collection must never drop a live link.
CREATE TABLE update_operation_vulnerability (
    operation_id     INTEGER NOT NULL REFERENCES update_operation (id) ON DELETE CASCADE,
    vulnerability_id INTEGER NOT NULL REFERENCES vulnerability (id),
    PRIMARY KEY (operation_id, vulnerability_id)
);
CREATE INDEX update_operation_vulnerability_vuln
    ON update_operation_vulnerability (vulnerability_id, operation_id);

CREATE TABLE enrichment (
    id      INTEGER PRIMARY KEY,
    updater TEXT NOT NULL,
    hash    TEXT NOT NULL,
    tags    TEXT NOT NULL,
    data    TEXT NOT NULL,
    UNIQUE (updater, hash)
);

CREATE TABLE enrichment_tag (
    enrichment_id INTEGER NOT NULL REFERENCES enrichment (id) ON DELETE CASCADE,
    tag           TEXT NOT NULL,
    PRIMARY KEY (tag, enrichment_id)
);
CREATE INDEX enrichment_tag_enrichment ON enrichment_tag (enrichment_id);

CREATE TABLE update_operation_enrichment (
    operation_id  INTEGER NOT NULL REFERENCES update_operation (id) ON DELETE CASCADE,
    enrichment_id INTEGER NOT NULL REFERENCES enrichment (id),
    PRIMARY KEY (operation_id, enrichment_id)
);
CREATE INDEX update_operation_enrichment_enrichment
    ON update_operation_enrichment (enrichment_id, operation_id);

CREATE TABLE updater_status (
    updater                  TEXT PRIMARY KEY,
    last_attempt             TEXT NOT NULL,
    last_success             TEXT,
    last_run_succeeded       BOOLEAN NOT NULL,
    last_attempt_fingerprint TEXT,
    last_error               TEXT
);
