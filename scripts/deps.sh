#!/usr/bin/env bash
# Everything the build and the tests need on a fresh Debian 12 machine, idempotently:
# the wasm target, then each scripts/deps/*.sh (one per area that needs outside tools).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
for deps in scripts/deps/*.sh; do
  bash "$deps"
done
