#!/usr/bin/env bash
# Installs what plugins/rpm's tests need. Idempotent: a no-op when everything is
# present; runs `apt-get update` only if a package is missing. Debian 12, as root.
set -euo pipefail

APT_PACKAGES=(
  rpm                                  # rpm/rpmdb/rpmbuild: the oracle, BerkeleyDB (bdb_ro) -> SQLite
  golang-github-knqyf263-go-rpmdb-dev  # real CentOS 5-8 BerkeleyDB Packages files
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
