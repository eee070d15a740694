//! Compares each version ordering in `scry_sdk::version` with the real tool, over
//! thousands of generated pairs (fixed seeds) plus real versions and the tools' own
//! test cases.
//!
//! Each oracle runs once per test as a batch process over stdin/stdout:
//! - dpkg: `dpkg --compare-versions` itself (10,000 pairs, one process each) and
//!   `/usr/bin/python3` + `apt_pkg.version_compare` (python3-apt);
//! - rpm: `/usr/bin/python3` + `rpm.labelCompare` (python3-rpm), and the cases of
//!   Debian's golang-github-knqyf263-go-rpm-version-dev;
//! - apk: a table of facts checked against apk-tools 3 (no Debian package), apk-tools
//!   2's own cases (from golang-github-knqyf263-go-apk-version-dev), generated pairs
//!   against go-apk-version (built with golang-go; apk-tools 2, so pairs apk-tools 3
//!   orders differently must disagree) and PyPI univers;
//! - pep440: PyPI `packaging`; semver: PyPI `semantic_version` and `semver`;
//! - maven: Maven's `ComparableVersion` (Debian libmaven3-core-java, run by a Java
//!   program) and PyPI univers; gem: RubyGems' `Gem::Version` (Debian ruby) and univers.
//!
//! The PyPI packages live in the venv `/opt/scry-oracles/venv` (override with
//! `SCRY_ORACLE_PYTHON`). `scripts/deps/version-oracles.sh` installs everything; a
//! missing oracle fails the test, saying what to install.

mod apk;
mod apk_tools3;
mod dpkg;
mod gem;
mod harness;
mod maven;
mod pep440;
mod properties;
mod rpm;
mod semver;
