#!/usr/bin/env bash
# The test command: installs what the tests need, builds the real test inputs (cached
# in $SCRY_FIXTURES), then runs the checks and every test of both workspaces.
set -euo pipefail
cd "$(dirname "$0")/.."

export SCRY_FIXTURES="${SCRY_FIXTURES:-/var/tmp/scry-fixtures}"
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "dependencies"
scripts/deps.sh
step "fixtures"
scripts/fixtures.sh "$SCRY_FIXTURES"

step "format"
cargo fmt --all --check
cargo fmt --all --check --manifest-path plugins/Cargo.toml
cargo fmt --check --manifest-path sdk/template/Cargo.toml
step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --manifest-path plugins/Cargo.toml --workspace --target wasm32-wasip2 -- -D warnings
cargo clippy --manifest-path plugins/Cargo.toml --workspace --exclude 'scry-hostile-*' --all-targets -- -D warnings

step "plugin tests (native)"
cargo test --manifest-path plugins/Cargo.toml --workspace --exclude 'scry-hostile-*'
cargo test --manifest-path sdk/template/Cargo.toml
step "workspace tests"
cargo test --workspace
step "done"
