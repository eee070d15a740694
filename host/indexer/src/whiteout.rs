//! OCI whiteouts: `<dir>/.wh.<name>` deletes `<dir>/<name>` and everything beneath it;
//! `<dir>/.wh..wh..opq` deletes everything beneath `<dir>` that lower layers put there.

use scry_model::LayerArtifacts;

const PREFIX: &str = ".wh.";
const OPAQUE: &str = ".wh..wh..opq";

enum Rule {
    /// This path and everything beneath it.
    Path(String),
    /// Everything strictly beneath this directory ("" is the root).
    Beneath(String),
}

pub struct Whiteouts {
    by_layer: Vec<Vec<Rule>>,
}

impl Whiteouts {
    pub fn new(layers: &[LayerArtifacts]) -> Self {
        let by_layer = layers
            .iter()
            .map(|layer| {
                layer
                    .whiteouts
                    .iter()
                    .filter_map(|path| rule(path))
                    .collect()
            })
            .collect();
        Whiteouts { by_layer }
    }

    /// Whether a layer above `layer` deletes `path`.
    pub fn removes(&self, path: &str, layer: usize) -> bool {
        let path = path.trim_matches('/');
        self.by_layer
            .iter()
            .skip(layer + 1)
            .flatten()
            .any(|rule| match rule {
                Rule::Path(deleted) => is_within(path, deleted),
                Rule::Beneath(dir) => path != dir && is_within(path, dir),
            })
    }
}

fn rule(whiteout: &str) -> Option<Rule> {
    let whiteout = whiteout.trim_matches('/');
    let (dir, name) = match whiteout.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", whiteout),
    };
    if name == OPAQUE {
        return Some(Rule::Beneath(dir.to_string()));
    }
    let deleted = name.strip_prefix(PREFIX)?;
    Some(Rule::Path(if dir.is_empty() {
        deleted.to_string()
    } else {
        format!("{dir}/{deleted}")
    }))
}

/// Component-wise: `a/bc` is not within `a/b`.
fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(whiteouts: &[&[&str]]) -> Vec<LayerArtifacts> {
        whiteouts
            .iter()
            .map(|paths| LayerArtifacts {
                whiteouts: paths.iter().map(|p| p.to_string()).collect(),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn plain_whiteout_removes_the_path_and_beneath_only_from_lower_layers() {
        let w = Whiteouts::new(&layers(&[&[], &["usr/lib/py/.wh.urllib3"]]));
        assert!(w.removes("usr/lib/py/urllib3", 0));
        assert!(w.removes("usr/lib/py/urllib3/__init__.py", 0));
        assert!(!w.removes("usr/lib/py/urllib3-extra", 0));
        assert!(
            !w.removes("usr/lib/py/urllib3", 1),
            "a whiteout does not delete its own layer"
        );
    }

    #[test]
    fn opaque_whiteout_removes_beneath_but_not_the_dir() {
        let w = Whiteouts::new(&layers(&[&[], &["app/.wh..wh..opq"]]));
        assert!(w.removes("app/node_modules/x", 0));
        assert!(!w.removes("app", 0));
        assert!(!w.removes("application/x", 0));
    }

    #[test]
    fn root_level_whiteouts() {
        let w = Whiteouts::new(&layers(&[&[], &[".wh.opt"]]));
        assert!(w.removes("opt/tool", 0));
        assert!(!w.removes("optional", 0));
    }
}
