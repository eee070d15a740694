//! The tar walk: every entry is classified, routed, and its body either captured or
//! read past. Bodies are always read here, never skipped by tokio-tar, so that the
//! only bytes tokio-tar reads on its own are headers, which the gauge can bound.

use std::{collections::HashMap, io};

use futures::StreamExt as _;
use tokio::io::AsyncRead;
use tokio_tar::{Archive, Entry, EntryType};

use crate::{
    CapturedFile, LayerError, LayerFiles, LayerStats, Limits, LinkKind, Place, Router,
    UnresolvedLink,
    links::{Links, Node, Outcome, Target, Waiting},
    output::Unresolved,
    path,
    pipeline::{Context, TarStream},
    route,
    spool::{self, CHUNK, CaptureError, Spooler},
};

/// Walks the tar in `stream` and returns the stream, positioned after the tar's end,
/// for the digest check. Without a router, every body is only read.
pub(crate) async fn walk<'a>(
    stream: TarStream<'a>,
    context: &Context,
    router: Option<&Router>,
    limits: &Limits,
) -> Result<(TarStream<'a>, Walker), LayerError> {
    let mut walker = Walker::new(limits);
    let mut archive = Archive::new(stream);
    let mut entries = archive
        .entries()
        .map_err(|err| context.stream_error(err, Place::Start))?;
    loop {
        context.gauge.begin_headers(limits.max_header_bytes);
        let next = entries.next().await;
        context.gauge.end_headers();
        let mut entry = match next {
            None => break,
            Some(Ok(entry)) => entry,
            Some(Err(err)) => return Err(context.stream_error(err, walker.place_after())),
        };
        walker.on_entry(&mut entry, context, router).await?;
    }
    drop(entries);
    // Only the entries, dropped above, ever share the archive, so this cannot fail.
    let stream = archive.into_inner().map_err(|_| LayerError::Tar {
        digest: context.digest.clone(),
        place: Place::AfterEnd,
        source: io::Error::other("the tar reader is still shared"),
    })?;
    Ok((stream, walker))
}

/// Per-layer state of the walk.
pub(crate) struct Walker {
    links: Links,
    /// Captured files; `None` where a later entry with the same path replaced one.
    files: Vec<Option<CapturedFile>>,
    captured_at: HashMap<String, usize>,
    whiteouts: Vec<String>,
    unresolved: Vec<UnresolvedLink>,
    spooler: Spooler,
    stats: LayerStats,
    max_entries: u64,
    max_uncompressed: u64,
    max_file_size: u64,
    /// The last entry's path, for error messages.
    last: String,
    buf: Vec<u8>,
    scratch: Vec<usize>,
}

impl Walker {
    fn new(limits: &Limits) -> Walker {
        Walker {
            links: Links::default(),
            files: Vec::new(),
            captured_at: HashMap::new(),
            whiteouts: Vec::new(),
            unresolved: Vec::new(),
            spooler: Spooler::new(limits),
            stats: LayerStats::default(),
            max_entries: limits.max_entries,
            max_uncompressed: limits.max_uncompressed,
            max_file_size: limits.max_file_size,
            last: String::new(),
            buf: vec![0; CHUNK],
            scratch: Vec::new(),
        }
    }

    fn place_after(&self) -> Place {
        if self.stats.entries == 0 {
            Place::Start
        } else {
            Place::After(self.last.clone())
        }
    }

    async fn on_entry<S: AsyncRead + Unpin>(
        &mut self,
        entry: &mut Entry<Archive<S>>,
        context: &Context,
        router: Option<&Router>,
    ) -> Result<(), LayerError> {
        self.stats.entries += 1;
        if self.stats.entries > self.max_entries {
            return Err(LayerError::TooManyEntries {
                digest: context.digest.clone(),
                limit: self.max_entries,
            });
        }
        let raw_path = entry
            .path_bytes()
            .map_err(|err| context.stream_error(err, self.place_after()))?;
        let path = path::entry_path(&raw_path).map_err(|_| LayerError::PathTraversal {
            digest: context.digest.clone(),
            path: String::from_utf8_lossy(&raw_path).into_owned(),
        })?;
        self.last.clone_from(&path);
        let size = entry.effective_size();
        if size > self.max_uncompressed {
            return Err(LayerError::EntryTooLarge {
                digest: context.digest.clone(),
                path,
                size,
                limit: self.max_uncompressed,
            });
        }

        let Some(router) = router else {
            return self.skip(entry, size, context).await;
        };
        if path.is_empty() {
            return self.skip(entry, size, context).await;
        }
        if path::is_whiteout(&path) {
            self.whiteouts.push(path);
            return self.skip(entry, size, context).await;
        }
        self.forget_captured(&path);
        match entry.header().entry_type() {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                self.on_file(entry, path, size, context, router).await
            }
            EntryType::Symlink => {
                let target = self.link_name(entry, context)?;
                self.skip(entry, size, context).await?;
                self.on_symlink(path, String::from_utf8_lossy(&target).into_owned(), router);
                Ok(())
            }
            EntryType::Link => {
                let target = self.link_name(entry, context)?;
                self.skip(entry, size, context).await?;
                self.on_hardlink(path, path::clamped(&target), context, router)
            }
            _ => {
                self.links.insert(&path, Node::Other);
                self.wake(&path, false);
                self.skip(entry, size, context).await
            }
        }
    }

    async fn on_file<S: AsyncRead + Unpin>(
        &mut self,
        entry: &mut Entry<Archive<S>>,
        path: String,
        size: u64,
        context: &Context,
        router: &Router,
    ) -> Result<(), LayerError> {
        let mode = entry.header().mode().unwrap_or(0) & 0o7777;
        let mut wanted = Vec::new();
        router.by_path(&path, &mut self.scratch, &mut wanted);
        router.by_mode(mode, &mut wanted);
        let mut head = Vec::new();
        if router.wants_heads() {
            // Magic needs the first bytes; they are kept and become the body's start.
            let len = usize::try_from(size).unwrap_or(usize::MAX);
            head.resize(router.magic_len().min(len), 0);
            spool::read_full(entry, &mut head)
                .await
                .map_err(|err| self.capture_error(err, &path, context))?;
            router.by_head(&head, &mut wanted);
        }
        let awaited = self.links.is_awaited(&path);
        if wanted.is_empty() && !awaited {
            let rest = size - head.len() as u64;
            spool::skip(entry, rest, &mut self.buf)
                .await
                .map_err(|err| self.capture_error(err, &path, context))?;
            self.links.insert(&path, Node::File(None));
            return Ok(());
        }
        if size > self.max_file_size {
            return Err(LayerError::FileTooLarge {
                digest: context.digest.clone(),
                path,
                size,
                limit: self.max_file_size,
            });
        }
        let data = self
            .spooler
            .capture(entry, head, size, &mut self.buf)
            .await
            .map_err(|err| self.capture_error(err, &path, context))?;
        if !wanted.is_empty() {
            self.push(CapturedFile {
                path: path.clone(),
                mode,
                size,
                data: data.clone(),
                wanted_by: route::settle(wanted),
            });
        }
        self.links
            .insert(&path, Node::File(Some(Target { data, mode })));
        if awaited {
            self.wake(&path, false);
        }
        Ok(())
    }

    /// Symlinks are routed by path only: what they point to is not known yet.
    fn on_symlink(&mut self, path: String, target: String, router: &Router) {
        self.links.insert(&path, Node::Symlink(target));
        self.wake(&path, true);
        let mut wanted = Vec::new();
        router.by_path(&path, &mut self.scratch, &mut wanted);
        if wanted.is_empty() {
            return;
        }
        let mut hops = 0;
        let outcome = self.links.resolve(&path, &mut hops);
        let link = Waiting {
            path,
            kind: LinkKind::Symlink,
            wanted_by: route::settle(wanted),
            hops,
        };
        self.settle(link, outcome);
    }

    /// A hard link is the same file as its target, so when the target's body is at hand
    /// it is routed like that file: by its own path, the target's mode and first bytes.
    fn on_hardlink(
        &mut self,
        path: String,
        target: String,
        context: &Context,
        router: &Router,
    ) -> Result<(), LayerError> {
        self.links.insert(&path, Node::Hardlink(target));
        self.wake(&path, false);
        let mut wanted = Vec::new();
        router.by_path(&path, &mut self.scratch, &mut wanted);
        let mut hops = 0;
        match self.links.resolve(&path, &mut hops) {
            Outcome::Captured(target) => {
                router.by_mode(target.mode, &mut wanted);
                if router.wants_heads() {
                    let head = target
                        .data
                        .read_at(0, router.magic_len())
                        .map_err(|source| LayerError::Spool {
                            digest: context.digest.clone(),
                            path: path.clone(),
                            source,
                        })?;
                    router.by_head(&head, &mut wanted);
                }
                if !wanted.is_empty() {
                    self.push(CapturedFile {
                        path,
                        mode: target.mode,
                        size: target.data.len(),
                        data: target.data,
                        wanted_by: route::settle(wanted),
                    });
                }
            }
            outcome if !wanted.is_empty() => {
                let link = Waiting {
                    path,
                    kind: LinkKind::Hardlink,
                    wanted_by: route::settle(wanted),
                    hops,
                };
                self.settle(link, outcome);
            }
            _ => {}
        }
        Ok(())
    }

    /// Delivers, parks or gives up on a wanted link, by where its resolution ended.
    fn settle(&mut self, link: Waiting, outcome: Outcome) {
        let (target, reason) = match outcome {
            Outcome::Captured(target) => {
                self.push(CapturedFile {
                    path: link.path,
                    mode: target.mode,
                    size: target.data.len(),
                    data: target.data,
                    wanted_by: link.wanted_by,
                });
                return;
            }
            Outcome::Missing(at) => {
                self.links.wait(at, link);
                return;
            }
            Outcome::NotCaptured(at) => (at, Unresolved::NotCaptured),
            Outcome::NotAFile(at) => (at, Unresolved::NotAFile),
            Outcome::TooManyHops(at) => (at, Unresolved::TooManyHops),
        };
        self.unresolve(link, target, reason);
    }

    fn unresolve(&mut self, link: Waiting, target: String, reason: Unresolved) {
        if link.kind == LinkKind::Hardlink && reason == Unresolved::NotCaptured {
            self.stats.unrecoverable_hardlinks += 1;
        }
        self.unresolved.push(UnresolvedLink {
            path: link.path,
            kind: link.kind,
            target,
            reason,
            wanted_by: link.wanted_by,
        });
    }

    /// Re-resolves the links an entry at `path` may satisfy.
    fn wake(&mut self, path: &str, is_symlink: bool) {
        for (at, mut link) in self.links.take_woken(path, is_symlink) {
            let outcome = self.links.resolve(&at, &mut link.hops);
            self.settle(link, outcome);
        }
    }

    fn push(&mut self, file: CapturedFile) {
        let index = self.files.len();
        if let Some(replaced) = self.captured_at.insert(file.path.clone(), index) {
            self.files[replaced] = None;
        }
        self.files.push(Some(file));
    }

    /// A later entry with the same path replaces an earlier one, as on extraction.
    fn forget_captured(&mut self, path: &str) {
        if let Some(replaced) = self.captured_at.remove(path) {
            self.files[replaced] = None;
        }
    }

    fn link_name<S: AsyncRead + Unpin>(
        &self,
        entry: &Entry<Archive<S>>,
        context: &Context,
    ) -> Result<Vec<u8>, LayerError> {
        let name = entry
            .link_name_bytes()
            .map_err(|err| context.stream_error(err, Place::In(self.last.clone())))?;
        Ok(name.map(|name| name.into_owned()).unwrap_or_default())
    }

    async fn skip<S: AsyncRead + Unpin>(
        &mut self,
        entry: &mut Entry<Archive<S>>,
        size: u64,
        context: &Context,
    ) -> Result<(), LayerError> {
        spool::skip(entry, size, &mut self.buf)
            .await
            .map_err(|err| {
                let path = self.last.clone();
                self.capture_error(err, &path, context)
            })
    }

    fn capture_error(&self, err: CaptureError, path: &str, context: &Context) -> LayerError {
        let place = Place::In(path.to_owned());
        match err {
            CaptureError::Read(err) => context.stream_error(err, place),
            CaptureError::Short => context.stream_error(
                io::Error::new(io::ErrorKind::UnexpectedEof, "entry body ends early"),
                place,
            ),
            CaptureError::Spool(source) => LayerError::Spool {
                digest: context.digest.clone(),
                path: path.to_owned(),
                source,
            },
        }
    }

    /// The walk's result; `compressed`/`uncompressed` counts are filled in by the caller.
    pub(crate) fn finish(mut self) -> LayerFiles {
        for (at, link) in std::mem::take(&mut self.links).into_waiting() {
            self.unresolve(link, at, Unresolved::NotInLayer);
        }
        self.unresolved.sort_by(|a, b| a.path.cmp(&b.path));
        let files: Vec<CapturedFile> = self.files.into_iter().flatten().collect();
        let mut stats = self.stats;
        stats.captured_files = files.len() as u64;
        stats.inline_bytes = self.spooler.inline_bytes;
        stats.spooled_bytes = self.spooler.spooled_bytes;
        stats.unresolved_links = self.unresolved.len() as u64;
        LayerFiles {
            files,
            whiteouts: self.whiteouts,
            unresolved_links: self.unresolved,
            stats,
        }
    }
}
