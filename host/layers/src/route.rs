//! Which plugins want an entry: by path glob, by execute bit, by leading bytes.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::BadGlob;

/// What one plugin asks for; mirrors the WIT `wants` record. A regular file is wanted
/// when any criterion holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileWants {
    /// Globs over normalised paths (no leading `/`): `*` stays within one component,
    /// `**` spans components, so `**/var/lib/dpkg/status` also matches at the root.
    pub globs: Vec<String>,
    /// Every regular file with any execute bit.
    pub executables: bool,
    /// Files whose contents start with one of these byte strings (an empty one matches
    /// every regular file).
    pub magic: Vec<Vec<u8>>,
}

/// Plugins' wants, compiled once and shared by every layer. A plugin is named by its
/// position in the list given to [`Router::new`].
#[derive(Debug, Clone)]
pub struct Router {
    globs: GlobSet,
    /// For each glob in `globs`, the plugin that asked for it.
    glob_owner: Vec<usize>,
    executables: Vec<usize>,
    magic: Vec<(Vec<u8>, usize)>,
    /// Longest magic: how many leading bytes of a file the router needs to see.
    magic_len: usize,
    plugins: usize,
}

impl Router {
    pub fn new(wants: &[FileWants]) -> Result<Router, BadGlob> {
        let mut globs = GlobSetBuilder::new();
        let mut glob_owner = Vec::new();
        let mut executables = Vec::new();
        let mut magic = Vec::new();
        for (plugin, want) in wants.iter().enumerate() {
            for glob in &want.globs {
                // Paths never start with `/` or `./`; accept globs written that way.
                let pattern = glob.trim_start_matches("./").trim_start_matches('/');
                let compiled = GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|err| BadGlob {
                        plugin,
                        glob: glob.clone(),
                        reason: err.kind().to_string(),
                    })?;
                globs.add(compiled);
                glob_owner.push(plugin);
            }
            if want.executables {
                executables.push(plugin);
            }
            magic.extend(want.magic.iter().map(|bytes| (bytes.clone(), plugin)));
        }
        let globs = globs.build().map_err(|err| BadGlob {
            plugin: 0,
            glob: err.glob().unwrap_or_default().to_owned(),
            reason: err.kind().to_string(),
        })?;
        let magic_len = magic
            .iter()
            .map(|(bytes, _)| bytes.len())
            .max()
            .unwrap_or(0);
        Ok(Router {
            globs,
            glob_owner,
            executables,
            magic,
            magic_len,
            plugins: wants.len(),
        })
    }

    /// How many plugins the router was built for.
    pub fn plugins(&self) -> usize {
        self.plugins
    }

    /// Leading bytes of a regular file that [`Router::by_head`] needs.
    pub(crate) fn magic_len(&self) -> usize {
        self.magic_len
    }

    pub(crate) fn wants_heads(&self) -> bool {
        !self.magic.is_empty()
    }

    /// Adds the plugins whose globs match `path`.
    pub(crate) fn by_path(&self, path: &str, scratch: &mut Vec<usize>, wanted: &mut Vec<usize>) {
        if self.globs.is_empty() {
            return;
        }
        self.globs.matches_into(path, scratch);
        wanted.extend(scratch.iter().map(|&glob| self.glob_owner[glob]));
    }

    /// Adds the plugins that want every executable, if `mode` has an execute bit.
    pub(crate) fn by_mode(&self, mode: u32, wanted: &mut Vec<usize>) {
        if mode & 0o111 != 0 {
            wanted.extend_from_slice(&self.executables);
        }
    }

    /// Adds the plugins whose magic `head` starts with.
    pub(crate) fn by_head(&self, head: &[u8], wanted: &mut Vec<usize>) {
        for (bytes, plugin) in &self.magic {
            if head.starts_with(bytes) {
                wanted.push(*plugin);
            }
        }
    }
}

/// Sorted plugin indices without repeats, the form [`crate::CapturedFile::wanted_by`]
/// has.
pub(crate) fn settle(mut wanted: Vec<usize>) -> Vec<usize> {
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(router: &Router, path: &str, mode: u32, head: &[u8]) -> Vec<usize> {
        let mut wanted = Vec::new();
        router.by_path(path, &mut Vec::new(), &mut wanted);
        router.by_mode(mode, &mut wanted);
        router.by_head(head, &mut wanted);
        settle(wanted)
    }

    #[test]
    fn globs_keep_to_components() {
        let router = Router::new(&[
            FileWants {
                globs: vec!["**/var/lib/dpkg/status".into()],
                ..FileWants::default()
            },
            FileWants {
                globs: vec!["usr/lib/*/site-packages/*.dist-info/METADATA".into()],
                ..FileWants::default()
            },
            FileWants {
                globs: vec!["/etc/os-release".into(), "etc/*-release".into()],
                ..FileWants::default()
            },
        ])
        .unwrap();
        assert_eq!(route(&router, "var/lib/dpkg/status", 0o644, b""), [0]);
        assert_eq!(route(&router, "a/b/var/lib/dpkg/status", 0o644, b""), [0]);
        assert_eq!(
            route(
                &router,
                "usr/lib/python3.11/site-packages/pip-23.dist-info/METADATA",
                0o644,
                b""
            ),
            [1]
        );
        assert!(
            route(
                &router,
                "usr/lib/a/b/site-packages/x.dist-info/METADATA",
                0o644,
                b""
            )
            .is_empty()
        );
        assert_eq!(route(&router, "etc/os-release", 0o644, b""), [2]);
        assert!(route(&router, "etc/sub/os-release", 0o644, b"").is_empty());
    }

    #[test]
    fn executables_and_magic() {
        let router = Router::new(&[
            FileWants {
                executables: true,
                ..FileWants::default()
            },
            FileWants {
                magic: vec![b"\x7fELF".to_vec(), b"PK\x03\x04".to_vec()],
                ..FileWants::default()
            },
        ])
        .unwrap();
        assert_eq!(router.magic_len(), 4);
        assert_eq!(route(&router, "bin/sh", 0o755, b"\x7fELF\x02"), [0, 1]);
        assert_eq!(route(&router, "lib/a.jar", 0o644, b"PK\x03\x04"), [1]);
        assert_eq!(route(&router, "bin/x", 0o100, b"#!"), [0]);
        assert!(route(&router, "lib/short", 0o644, b"PK").is_empty());
    }

    #[test]
    fn a_bad_glob_is_named() {
        let err = Router::new(&[
            FileWants::default(),
            FileWants {
                globs: vec!["usr/[lib".into()],
                ..FileWants::default()
            },
        ])
        .unwrap_err();
        assert_eq!(err.plugin, 1);
        assert_eq!(err.glob, "usr/[lib");
        assert!(err.to_string().contains("usr/[lib"), "{err}");
    }
}
