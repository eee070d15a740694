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
for template in sdk/templates/*/; do
  cargo fmt --check --manifest-path "$template/Cargo.toml"
done
step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p scry-sdk --all-targets --all-features -- -D warnings
cargo clippy --manifest-path plugins/Cargo.toml --workspace --target wasm32-wasip2 -- -D warnings
cargo clippy --manifest-path plugins/Cargo.toml --workspace --exclude 'scry-hostile-*' --all-targets -- -D warnings

step "plugin tests (native)"
cargo test --manifest-path plugins/Cargo.toml --workspace --exclude 'scry-hostile-*'
for template in sdk/templates/*/; do
  cargo test --manifest-path "$template/Cargo.toml"
done
cargo test -p scry-sdk --all-features --lib
step "SDK package (carries its WIT, builds from the packaged sources)"
cargo package --manifest-path sdk/Cargo.toml --allow-dirty --list | grep -qx wit/types.wit
cargo package --manifest-path sdk/Cargo.toml --allow-dirty
step "workspace tests"
cargo test --workspace
step "done"
