//! A matcher that misbehaves on command, for the runtime's matcher sandbox tests. The
//! vulnerability name of the first candidate picks the misdeed: `spin` loops,
//! `bomb` allocates without bound, `trap` panics, `short` returns too few verdicts.
//! `filter` returns one flag too many when a record's package is named `short`.
//! Configured, it refuses `reject: yes`, and with `only: NAME` handles only the records
//! of package NAME; `info` traps unless it runs unconfigured.
use scry_sdk::config::{self, Config};
use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, Vulnerability,
};

struct Rogue;

impl Matcher for Rogue {
    fn info() -> MatcherInfo {
        // The contract: name and version never depend on configuration.
        assert!(config::current().is_empty(), "info ran configured");
        MatcherInfo {
            name: "hostile-matcher".into(),
            version: "1".into(),
        }
    }

    fn configure(config: &Config) -> Result<(), String> {
        match config.get("reject") {
            Some("yes") => Err("reject is yes, so this configuration is refused".into()),
            _ => Ok(()),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        let extra = records.iter().any(|r| r.package.name == "short");
        let only = config::current().get("only");
        let mut flags: Vec<bool> = records
            .iter()
            .map(|r| only.is_none_or(|name| r.package.name == name))
            .collect();
        flags.extend(extra.then_some(true));
        flags
    }

    fn query() -> Vec<MatchConstraint> {
        vec![MatchConstraint::PackageName]
    }

    // Only reached through the defaults this plugin overrides.
    fn handles(_record: &IndexRecord) -> bool {
        true
    }
    fn verdict(_record: &IndexRecord, _vulnerability: &Vulnerability) -> Result<bool, MatchError> {
        Ok(true)
    }

    fn vulnerable(
        _records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError> {
        match candidates.first().map(|c| c.vulnerability.name.as_str()) {
            Some("spin") => loop {
                std::hint::black_box(&candidates);
            },
            Some("bomb") => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![0x5a; 16 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            Some("trap") => panic!("rogue matcher panics"),
            Some("short") => Ok(Vec::new()),
            _ => Ok(vec![true; candidates.len()]),
        }
    }
}

scry_sdk::export_matcher!(Rogue);
