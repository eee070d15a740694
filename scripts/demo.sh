#!/usr/bin/env bash
# The main job on embedded defaults: build Scry, make a real Debian 12 image if there is
# none yet, and index it with the embedded plugins.
set -euo pipefail
cd "$(dirname "$0")/.."
export SCRY_FIXTURES="${SCRY_FIXTURES:-/var/tmp/scry-fixtures}"
scripts/deps.sh
scripts/fixtures.sh "$SCRY_FIXTURES"
cargo build --release -p scry
target_dir="${CARGO_TARGET_DIR:-target}"
"$target_dir/release/scry" plugins list
"$target_dir/release/scry" scan "$SCRY_FIXTURES/bookworm/oci"
