//! Updater sets by the names `updaters.sets` uses.

use std::sync::Arc;

use crate::{DEFAULT_SETS, UpdaterSet};

/// The set called `name`, if Scry has it.
pub fn set(name: &str) -> Option<Arc<dyn UpdaterSet>> {
    Some(match name {
        "alpine" => Arc::new(crate::alpine::AlpineSet),
        "debian" => Arc::new(crate::debian::DebianSet),
        "ubuntu" => Arc::new(crate::ubuntu::UbuntuSet),
        "osv" => Arc::new(crate::osv::OsvSet),
        "rhel-vex" => Arc::new(crate::rhel_vex::RhelVexSet),
        "clair.cvss" => Arc::new(crate::cvss::CvssSet),
        _ => return None,
    })
}

/// The sets `names` selects; `None` means every default set. An unknown name is an
/// error naming it and the known ones.
pub fn sets(names: Option<&[String]>) -> Result<Vec<Arc<dyn UpdaterSet>>, String> {
    let defaults: Vec<String> = DEFAULT_SETS.iter().map(|s| s.to_string()).collect();
    names
        .unwrap_or(&defaults)
        .iter()
        .map(|name| {
            set(name).ok_or_else(|| {
                format!(
                    "unknown updater set {name:?} (known: {})",
                    DEFAULT_SETS.join(", ")
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_set_exists_under_its_name() {
        for name in DEFAULT_SETS {
            assert_eq!(set(name).unwrap().name(), name);
        }
    }

    #[test]
    fn unknown_sets_are_named() {
        let err = sets(Some(&["debian".into(), "suse".into()])).err().unwrap();
        assert!(err.contains("\"suse\""), "{err}");
        assert_eq!(sets(Some(&[])).unwrap().len(), 0);
        assert_eq!(sets(None).unwrap().len(), DEFAULT_SETS.len());
    }
}
