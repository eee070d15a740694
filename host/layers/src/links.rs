//! Symlinks and hard links within one layer, resolved in a single pass.
//!
//! Every entry seen so far is indexed by path. A wanted link is resolved against that
//! index, the way the kernel would resolve it inside the extracted layer: absolute
//! targets start at the layer root, `..` stops at the root, every component may itself
//! be a symlink, and at most [`MAX_HOPS`] links are followed.
//!
//! When the resolution ends at a path not seen yet, the link waits for it: if a regular
//! file arrives there later it is captured then. If it ends at a regular file seen
//! earlier that nobody wanted, the body is gone (the stream is read once): the link is
//! reported as unresolved. Hard links always point backwards, so a hard link to an
//! uncaptured file is never recoverable; those are counted in
//! [`crate::LayerStats::unrecoverable_hardlinks`].

use std::collections::HashMap;

use crate::FileData;

/// Linux's limit on links followed in one lookup (`MAXSYMLINKS`).
pub(crate) const MAX_HOPS: u32 = 40;

/// A captured regular file, as a link resolving to it delivers it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) data: FileData,
    pub(crate) mode: u32,
}

#[derive(Debug)]
pub(crate) enum Node {
    /// A regular file, with its body when it was captured.
    File(Option<Target>),
    /// Raw target, resolved relative to the link's directory when followed.
    Symlink(String),
    /// Normalised path of an earlier entry.
    Hardlink(String),
    /// Directories, devices, FIFOs.
    Other,
}

/// Where a resolution ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    Captured(Target),
    /// A regular file seen earlier without capturing its body.
    NotCaptured(String),
    /// A directory, device, or a file used as a directory.
    NotAFile(String),
    /// Nothing there yet: it may come later in this layer, or live in a lower one.
    Missing(String),
    TooManyHops(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Symlink,
    Hardlink,
}

/// A wanted link whose target has not been found yet.
#[derive(Debug)]
pub(crate) struct Waiting {
    pub(crate) path: String,
    pub(crate) kind: LinkKind,
    pub(crate) wanted_by: Vec<usize>,
    /// Links followed so far; carried across re-resolutions so that cycles built from
    /// later entries still end.
    pub(crate) hops: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Links {
    nodes: HashMap<String, Node>,
    /// Waiting links by the path their resolution stopped at.
    waiting: HashMap<String, Vec<Waiting>>,
}

impl Links {
    /// Records an entry; a later entry with the same path replaces an earlier one, as
    /// it would on extraction.
    pub(crate) fn insert(&mut self, path: &str, node: Node) {
        match self.nodes.get_mut(path) {
            Some(slot) => *slot = node,
            None => {
                self.nodes.insert(path.to_owned(), node);
            }
        }
    }

    /// Whether a link waits for a file at exactly `path`.
    pub(crate) fn is_awaited(&self, path: &str) -> bool {
        self.waiting.contains_key(path)
    }

    pub(crate) fn wait(&mut self, at: String, link: Waiting) {
        self.waiting.entry(at).or_default().push(link);
    }

    /// Takes the links whose resolution an entry at `path` may change: those waiting
    /// for `path` itself and, when `path` is a symlink, for anything beneath it.
    pub(crate) fn take_woken(&mut self, path: &str, is_symlink: bool) -> Vec<(String, Waiting)> {
        let mut woken = Vec::new();
        if let Some(links) = self.waiting.remove(path) {
            woken.extend(links.into_iter().map(|link| (path.to_owned(), link)));
        }
        if is_symlink && !self.waiting.is_empty() {
            let beneath: Vec<String> = self
                .waiting
                .keys()
                .filter(|at| is_beneath(at, path))
                .cloned()
                .collect();
            for at in beneath {
                if let Some(links) = self.waiting.remove(&at) {
                    woken.extend(links.into_iter().map(|link| (at.clone(), link)));
                }
            }
        }
        woken
    }

    /// The links still waiting when the layer ends, with where each stopped.
    pub(crate) fn into_waiting(self) -> impl Iterator<Item = (String, Waiting)> {
        self.waiting
            .into_iter()
            .flat_map(|(at, links)| links.into_iter().map(move |link| (at.clone(), link)))
    }

    /// Resolves a normalised path through the links indexed so far, following the last
    /// component too. `hops` counts links followed, across calls for one link.
    pub(crate) fn resolve(&self, path: &str, hops: &mut u32) -> Outcome {
        // Components still to walk, last first, so a link's target is pushed cheaply.
        let mut todo: Vec<&str> = path.split('/').rev().collect();
        let mut done: Vec<&str> = Vec::new();
        while let Some(component) = todo.pop() {
            match component {
                "" | "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                name => done.push(name),
            }
            let here = done.join("/");
            let last = todo.is_empty();
            match self.nodes.get(&here) {
                None => {}
                Some(Node::Symlink(target)) => {
                    *hops += 1;
                    if *hops > MAX_HOPS {
                        return Outcome::TooManyHops(here);
                    }
                    done.pop();
                    if target.starts_with('/') {
                        done.clear();
                    }
                    todo.extend(target.split('/').rev());
                }
                Some(Node::Hardlink(target)) if last => {
                    *hops += 1;
                    if *hops > MAX_HOPS {
                        return Outcome::TooManyHops(here);
                    }
                    done.clear();
                    todo.extend(target.split('/').rev());
                }
                Some(Node::File(Some(target))) if last => return Outcome::Captured(target.clone()),
                Some(Node::File(None)) if last => return Outcome::NotCaptured(here),
                Some(Node::Other) if !last => {}
                Some(_) => return Outcome::NotAFile(here),
            }
        }
        if done.is_empty() {
            return Outcome::NotAFile(String::new());
        }
        Outcome::Missing(done.join("/"))
    }
}

fn is_beneath(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn captured(bytes: &[u8]) -> Node {
        Node::File(Some(Target {
            data: FileData::Inline(Arc::from(bytes)),
            mode: 0o644,
        }))
    }

    fn resolve(links: &Links, path: &str) -> Outcome {
        links.resolve(path, &mut 0)
    }

    #[test]
    fn follows_relative_absolute_and_directory_links() {
        let mut links = Links::default();
        links.insert("usr/lib/os-release", captured(b"ID=x"));
        links.insert(
            "etc/os-release",
            Node::Symlink("../usr/lib/os-release".into()),
        );
        links.insert("lib", Node::Symlink("/usr/lib".into()));
        links.insert("etc/abs", Node::Symlink("/lib/os-release".into()));
        links.insert(
            "etc/escape",
            Node::Symlink("../../../../usr/lib/os-release".into()),
        );
        for path in ["etc/os-release", "etc/abs", "etc/escape", "lib/os-release"] {
            assert!(
                matches!(resolve(&links, path), Outcome::Captured(_)),
                "{path}"
            );
        }
    }

    #[test]
    fn reports_why_a_link_does_not_resolve() {
        let mut links = Links::default();
        links.insert("a", Node::Symlink("b".into()));
        links.insert("b", Node::Symlink("a".into()));
        links.insert("plain", Node::File(None));
        links.insert("to-plain", Node::Hardlink("plain".into()));
        links.insert("dir", Node::Other);
        links.insert("to-dir", Node::Symlink("dir".into()));
        links.insert("later", Node::Symlink("usr/share/x".into()));
        assert!(matches!(resolve(&links, "a"), Outcome::TooManyHops(_)));
        assert!(matches!(resolve(&links, "to-plain"), Outcome::NotCaptured(p) if p == "plain"));
        assert!(matches!(resolve(&links, "to-dir"), Outcome::NotAFile(p) if p == "dir"));
        assert!(matches!(resolve(&links, "plain/x"), Outcome::NotAFile(_)));
        assert!(matches!(resolve(&links, "later"), Outcome::Missing(p) if p == "usr/share/x"));
    }

    #[test]
    fn wakes_links_beneath_a_new_symlink() {
        let mut links = Links::default();
        let waiting = |path: &str| Waiting {
            path: path.into(),
            kind: LinkKind::Symlink,
            wanted_by: vec![0],
            hops: 1,
        };
        links.wait("usr/lib/os-release".into(), waiting("etc/os-release"));
        links.wait("usr/libexec/x".into(), waiting("y"));
        let woken = links.take_woken("usr/lib", true);
        assert_eq!(woken.len(), 1);
        assert_eq!(woken[0].0, "usr/lib/os-release");
        assert!(links.take_woken("usr/lib", false).is_empty());
        assert!(links.is_awaited("usr/libexec/x"));
    }
}
