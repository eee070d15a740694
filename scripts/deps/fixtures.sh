#!/usr/bin/env bash
# Installs the tools scripts/fixtures.sh needs to build Scry's real test inputs.
# Idempotent: a no-op when everything is present; runs `apt-get update` once, and
# only if a package is missing. Debian 12, as root.
set -euo pipefail

APT_PACKAGES=(
  ca-certificates
  debootstrap                          # bookworm rootfs
  debian-archive-keyring gpgv          # debootstrap's signature check
  dpkg                                 # dpkg-query oracle, dpkg --root for the multilayer image
  apt                                  # apt-get download hello
  umoci                                # OCI layout, layers, whiteouts
  skopeo                               # zstd re-compression, docker-archive
  rpm                                  # rpmbuild, rpm --root, SQLite + BerkeleyDB (bdb_ro) backends
  zstd gzip tar coreutils findutils gawk
  python3 python3-pip                  # pip --target (Python layer), importlib.metadata oracle
  golang-github-knqyf263-go-rpmdb-dev  # real CentOS BerkeleyDB rpmdbs
  ruby                                 # Gem::Specification, the oracle for ruby/
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
