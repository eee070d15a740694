//! Normalised layer paths: relative to the layer root, `/`-separated, without a leading
//! `/` or `./`, without empty or `.` components and without a trailing `/`.

/// Whiteout markers (`.wh.<name>`, and `.wh..wh..opq` for opaque directories) all start
/// with this; so do aufs' `.wh..wh.plnk` link dirs, which are bookkeeping, not content.
const WHITEOUT_PREFIX: &str = ".wh.";

/// A tar entry name contains a `..` component.
#[derive(Debug)]
pub(crate) struct Traversal;

/// Normalises a tar entry name. Non-UTF-8 bytes are replaced (paths reach plugins as
/// strings). The tar root itself (`./`) comes out as the empty string.
pub(crate) fn entry_path(raw: &[u8]) -> Result<String, Traversal> {
    let raw = String::from_utf8_lossy(raw);
    let mut path = String::with_capacity(raw.len());
    for component in raw.split('/') {
        match component {
            "" | "." => {}
            ".." => return Err(Traversal),
            name => {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(name);
            }
        }
    }
    Ok(path)
}

/// Normalises a hard link's target, an archived path: `..` cannot climb above the root.
pub(crate) fn clamped(raw: &[u8]) -> String {
    let raw = String::from_utf8_lossy(raw);
    let mut components: Vec<&str> = Vec::new();
    for component in raw.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            name => components.push(name),
        }
    }
    components.join("/")
}

pub(crate) fn is_whiteout(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with(WHITEOUT_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_entry_names() {
        let cases = [
            ("./etc/os-release", "etc/os-release"),
            ("/usr//bin/", "usr/bin"),
            ("./", ""),
            ("a/./b", "a/b"),
            ("..foo/bar..", "..foo/bar.."),
        ];
        for (raw, want) in cases {
            assert_eq!(entry_path(raw.as_bytes()).unwrap(), want, "{raw}");
        }
        for raw in ["../etc/passwd", "a/../../b", "a/.."] {
            assert!(entry_path(raw.as_bytes()).is_err(), "{raw}");
        }
    }

    #[test]
    fn clamps_link_targets_at_the_root() {
        assert_eq!(clamped(b"../../etc/passwd"), "etc/passwd");
        assert_eq!(clamped(b"/usr/lib/../bin/sh"), "usr/bin/sh");
    }

    #[test]
    fn recognises_whiteouts_by_basename() {
        assert!(is_whiteout("usr/share/.wh.doc"));
        assert!(is_whiteout("var/cache/.wh..wh..opq"));
        assert!(is_whiteout(".wh.etc"));
        assert!(!is_whiteout("usr/.wh.d/file"));
        assert!(!is_whiteout("etc/x.wh.y"));
    }
}
