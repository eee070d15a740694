//! Where a metadata file sits: which installed distribution it describes and in which
//! `site-packages`-like directory.

/// The installed distribution a metadata file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location<'a> {
    /// The directory (or, for the single-file egg-info form, the file) that holds the
    /// distribution: removing it uninstalls the package.
    pub package_path: &'a str,
    /// The directory the distribution is installed into.
    pub site_dir: &'a str,
}

/// The location of a metadata file, or `None` for other files (e.g. `INSTALLER`):
///
/// * `<site>/<name>.dist-info/METADATA` (wheels)
/// * `<site>/<name>.egg-info/PKG-INFO` (setuptools, directory form)
/// * `<site>/<name>.egg-info` (distutils, single-file form)
/// * `<site>/<name>.egg/EGG-INFO/PKG-INFO` (unzipped eggs)
pub fn of(path: &str) -> Option<Location<'_>> {
    let (dir, name) = split(path);
    let (parent, dir_name) = split(dir);
    match name {
        "METADATA" if dir_name.ends_with(".dist-info") => Some(Location {
            package_path: dir,
            site_dir: parent,
        }),
        "PKG-INFO" if dir_name.ends_with(".egg-info") => Some(Location {
            package_path: dir,
            site_dir: parent,
        }),
        "PKG-INFO" if dir_name == "EGG-INFO" => {
            let (site, egg) = split(parent);
            let package_path = if egg.is_empty() { dir } else { parent };
            Some(Location {
                package_path,
                site_dir: site,
            })
        }
        _ if name.ends_with(".egg-info") => Some(Location {
            package_path: path,
            site_dir: dir,
        }),
        _ => None,
    }
}

/// The `<name>.dist-info` directory an `INSTALLER` file belongs to.
pub fn installer_dist_info(path: &str) -> Option<&str> {
    let (dir, name) = split(path);
    (name == "INSTALLER" && dir.ends_with(".dist-info")).then_some(dir)
}

/// `(directory, last component)`; the directory is empty at the layer root.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(path: &str) -> Option<(&str, &str)> {
        of(path).map(|l| (l.package_path, l.site_dir))
    }

    #[test]
    fn each_metadata_layout() {
        let site = "usr/lib/python3.11/site-packages";
        assert_eq!(
            location("usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA"),
            Some((
                "usr/lib/python3.11/site-packages/six-1.16.0.dist-info",
                site
            ))
        );
        assert_eq!(
            location("usr/lib/python3.11/site-packages/crcmod-1.7.egg-info/PKG-INFO"),
            Some(("usr/lib/python3.11/site-packages/crcmod-1.7.egg-info", site))
        );
        assert_eq!(
            location("usr/lib/python3.11/site-packages/rpm-4.18.0.egg-info"),
            Some(("usr/lib/python3.11/site-packages/rpm-4.18.0.egg-info", site))
        );
        assert_eq!(
            location("usr/lib/python3.11/site-packages/six-1.16.0-py3.11.egg/EGG-INFO/PKG-INFO"),
            Some((
                "usr/lib/python3.11/site-packages/six-1.16.0-py3.11.egg",
                site
            ))
        );
    }

    #[test]
    fn paths_at_the_layer_root() {
        assert_eq!(
            location("six-1.16.0.dist-info/METADATA"),
            Some(("six-1.16.0.dist-info", ""))
        );
        assert_eq!(location("EGG-INFO/PKG-INFO"), Some(("EGG-INFO", "")));
        assert_eq!(location("x.egg-info"), Some(("x.egg-info", "")));
    }

    #[test]
    fn other_files_are_not_metadata() {
        assert_eq!(
            location("site-packages/six-1.16.0.dist-info/INSTALLER"),
            None
        );
        assert_eq!(location("site-packages/six-1.16.0.dist-info/RECORD"), None);
        assert_eq!(location("site-packages/METADATA"), None);
        assert_eq!(location("site-packages/x/PKG-INFO"), None);
    }

    #[test]
    fn installer_files() {
        assert_eq!(
            installer_dist_info("s/six-1.16.0.dist-info/INSTALLER"),
            Some("s/six-1.16.0.dist-info")
        );
        assert_eq!(installer_dist_info("s/x.egg-info/INSTALLER"), None);
    }
}
