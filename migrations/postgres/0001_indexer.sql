-- Indexer storage: scanners, layers and what each scanner found in each layer,
-- manifests with their ordered layers, index reports and the reverse index that
-- finds the manifests containing a package. Same shape as the SQLite schema, with
-- identity columns and JSONB.

CREATE TABLE scanner (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    TEXT NOT NULL,
    version TEXT NOT NULL,
    kind    TEXT NOT NULL,
    UNIQUE (name, version, kind)
);

CREATE TABLE layer (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest    TEXT NOT NULL UNIQUE,
    -- JSON array of the layer's `.wh.` paths: a property of the layer, not of a scanner.
    whiteouts JSONB NOT NULL DEFAULT '[]'
);

-- A row marks (layer, scanner) as scanned, even when `findings` is empty.
CREATE TABLE layer_result (
    layer_id   BIGINT NOT NULL REFERENCES layer (id) ON DELETE CASCADE,
    scanner_id BIGINT NOT NULL REFERENCES scanner (id),
    findings   JSONB NOT NULL,
    PRIMARY KEY (layer_id, scanner_id)
);

CREATE TABLE manifest (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE
);

-- No cascade from layer: a layer still listed by a manifest cannot be deleted.
CREATE TABLE manifest_layer (
    manifest_id BIGINT NOT NULL REFERENCES manifest (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    layer_id    BIGINT NOT NULL REFERENCES layer (id),
    PRIMARY KEY (manifest_id, position)
);
CREATE INDEX manifest_layer_layer ON manifest_layer (layer_id);

CREATE TABLE index_report (
    manifest_id BIGINT PRIMARY KEY REFERENCES manifest (id) ON DELETE CASCADE,
    index_state TEXT NOT NULL,
    report      JSONB NOT NULL
);

-- One row per (manifest, package, package db, distribution, repository), flattened
-- so affected-manifest queries filter on plain columns. Empty string = absent.
CREATE TABLE manifest_index (
    manifest_id                BIGINT NOT NULL REFERENCES manifest (id) ON DELETE CASCADE,
    package_id                 TEXT NOT NULL,
    package_name               TEXT NOT NULL,
    package_version            TEXT NOT NULL,
    package_kind               TEXT NOT NULL,
    package_normalized_version TEXT NOT NULL,
    package_module             TEXT NOT NULL,
    package_arch               TEXT NOT NULL,
    package_cpe                TEXT NOT NULL,
    source_id                  TEXT NOT NULL,
    source_name                TEXT NOT NULL,
    source_version             TEXT NOT NULL,
    source_kind                TEXT NOT NULL,
    source_normalized_version  TEXT NOT NULL,
    source_cpe                 TEXT NOT NULL,
    package_db                 TEXT NOT NULL,
    dist_id                    TEXT NOT NULL,
    dist_did                   TEXT NOT NULL,
    dist_name                  TEXT NOT NULL,
    dist_version               TEXT NOT NULL,
    dist_version_code_name     TEXT NOT NULL,
    dist_version_id            TEXT NOT NULL,
    dist_arch                  TEXT NOT NULL,
    dist_cpe                   TEXT NOT NULL,
    dist_pretty_name           TEXT NOT NULL,
    repo_id                    TEXT NOT NULL,
    repo_name                  TEXT NOT NULL,
    repo_key                   TEXT NOT NULL,
    repo_uri                   TEXT NOT NULL,
    repo_cpe                   TEXT NOT NULL
);
CREATE INDEX manifest_index_package ON manifest_index (package_name);
CREATE INDEX manifest_index_source ON manifest_index (source_name);
CREATE INDEX manifest_index_manifest ON manifest_index (manifest_id);
