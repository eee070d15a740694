#!/usr/bin/env bash
# Installs the reference implementations that sdk/tests/version_oracles/ compares
# Scry's version orderings against. Idempotent: a second run changes nothing.
#
# Interpreters the tests use (explicit paths, never whatever `python3` is on PATH,
# which here is a pyenv 3.11 without Debian's bindings):
#   /usr/bin/python3                   Debian's Python: apt_pkg (python3-apt) and
#                                      rpm (python3-rpm)
#   /opt/scry-oracles/venv/bin/python  a venv over Debian's Python holding the PyPI
#                                      oracles (tests honour SCRY_ORACLE_PYTHON)
# The venv keeps PyPI packages out of Debian's externally managed site-packages and
# works whether or not pyenv is on PATH.
set -euo pipefail

APT_PACKAGES=(
  dpkg                                       # dpkg --compare-versions (10k pairs)
  python3-apt                                # apt_pkg.version_compare
  python3-rpm                                # rpm.labelCompare
  python3-venv                               # the venv below
  golang-go                                  # builds the go-apk-version oracle
  golang-github-knqyf263-go-apk-version-dev  # apk-tools 2's cases + Clair's apk ordering
  # (apk-tools 3, which Scry follows, has no Debian package: its facts are a table
  # in sdk/tests/version_oracles/apk_tools3.rs)
  golang-github-knqyf263-go-rpm-version-dev  # extra rpm cases
  libmaven3-core-java                        # Maven's ComparableVersion (maven3-artifact.jar)
  default-jdk-headless                       # runs the single-file Java Maven oracle
  ruby                                       # RubyGems' Gem::Version
)
# Pinned: the versions the tests were written against.
PIP_PACKAGES=(packaging==26.4 semantic_version==2.10.0 semver==3.1.2 univers==32.0.1)
VENV=/opt/scry-oracles/venv

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [[ ! -x $VENV/bin/python ]]; then
  mkdir -p "$(dirname "$VENV")"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
installed=$("$VENV/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null | tr '[:upper:]_' '[:lower:]-')
for p in "${PIP_PACKAGES[@]}"; do
  want=$(tr '[:upper:]_' '[:lower:]-' <<<"$p")
  if ! grep -qx "$want" <<<"$installed"; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
    break
  fi
done
