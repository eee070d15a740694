//! A matcher that misbehaves on command, for the runtime's matcher sandbox tests. The
//! vulnerability name of the first candidate picks the misdeed: `spin` loops,
//! `bomb` allocates without bound, `trap` panics, `short` returns too few verdicts.
//! `filter` returns one flag too many when a record's package is named `short`.
use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, Vulnerability,
};

struct Rogue;

impl Matcher for Rogue {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "hostile-matcher".into(),
            version: "1".into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        let extra = records.iter().any(|r| r.package.name == "short");
        vec![true; records.len() + usize::from(extra)]
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
