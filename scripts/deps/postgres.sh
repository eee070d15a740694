#!/usr/bin/env bash
# Makes sure PostgreSQL serves 127.0.0.1:5432 with trust auth for the store's tests
# (user `postgres`; each test run makes and drops its own databases). Idempotent: a
# no-op when it already answers. Debian 12, as root.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p 5432

# A fresh install asks loopback clients for a password: trust them, as CI machines do.
if ! psql -h 127.0.0.1 -U postgres -d postgres -w -tAc 'SELECT 1' >/dev/null 2>&1; then
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  psql -h 127.0.0.1 -U postgres -d postgres -w -tAc 'SELECT 1' >/dev/null
fi
