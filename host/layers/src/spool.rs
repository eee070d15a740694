//! Keeping captured file bodies: small ones in memory, large ones in unlinked temporary
//! files that vanish with the last handle.

use std::{fs::File, io, os::unix::fs::FileExt as _, path::PathBuf, sync::Arc};

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};

/// Chunk size for streaming bodies: large enough that per-read overhead vanishes,
/// small enough to stay in L2.
pub(crate) const CHUNK: usize = 256 * 1024;

/// A captured file's contents.
#[derive(Debug, Clone)]
pub enum FileData {
    Inline(Arc<[u8]>),
    Spooled(Arc<SpooledFile>),
}

impl FileData {
    pub fn len(&self) -> u64 {
        match self {
            FileData::Inline(bytes) => bytes.len() as u64,
            FileData::Spooled(file) => file.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `len` bytes from `offset`; fewer only at the end of the file.
    pub fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        match self {
            FileData::Inline(bytes) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let end = start.saturating_add(len).min(bytes.len());
                Ok(bytes[start..end].to_vec())
            }
            FileData::Spooled(file) => file.read_at(offset, len),
        }
    }
}

/// A large captured file in an already-unlinked temporary file.
#[derive(Debug)]
pub struct SpooledFile {
    file: File,
    len: u64,
}

impl SpooledFile {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Up to `len` bytes from `offset`; fewer only at the end of the file. Positional,
    /// so concurrent readers need no locking.
    pub fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let available = self.len.saturating_sub(offset);
        let len = len.min(usize::try_from(available).unwrap_or(usize::MAX));
        let mut bytes = vec![0; len];
        self.file.read_exact_at(&mut bytes, offset)?;
        Ok(bytes)
    }
}

/// Why a body could not be captured.
#[derive(Debug)]
pub(crate) enum CaptureError {
    /// Reading the tar stream failed.
    Read(io::Error),
    /// The stream ended before the entry's declared size.
    Short,
    /// Writing the temporary file failed.
    Spool(io::Error),
}

/// Decides, per layer, where each captured body goes.
pub(crate) struct Spooler {
    inline_max: u64,
    memory_left: u64,
    dir: PathBuf,
    pub(crate) inline_bytes: u64,
    pub(crate) spooled_bytes: u64,
}

impl Spooler {
    pub(crate) fn new(limits: &crate::Limits) -> Spooler {
        Spooler {
            inline_max: limits.inline_max,
            memory_left: limits.memory_budget,
            dir: limits.spool_dir(),
            inline_bytes: 0,
            spooled_bytes: 0,
        }
    }

    /// Reads the rest of a `size`-byte body, of which `head` was already read.
    pub(crate) async fn capture<R: AsyncRead + Unpin>(
        &mut self,
        body: &mut R,
        head: Vec<u8>,
        size: u64,
        buf: &mut [u8],
    ) -> Result<FileData, CaptureError> {
        if size <= self.inline_max && size <= self.memory_left {
            self.memory_left -= size;
            self.inline_bytes += size;
            return capture_inline(body, head, size).await;
        }
        self.spooled_bytes += size;
        self.spool(body, head, size, buf).await
    }

    async fn spool<R: AsyncRead + Unpin>(
        &mut self,
        body: &mut R,
        head: Vec<u8>,
        size: u64,
        buf: &mut [u8],
    ) -> Result<FileData, CaptureError> {
        let file = tempfile::tempfile_in(&self.dir).map_err(CaptureError::Spool)?;
        let mut file = tokio::fs::File::from_std(file);
        file.write_all(&head).await.map_err(CaptureError::Spool)?;
        let mut left = size - head.len() as u64;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = body
                .read(&mut buf[..want])
                .await
                .map_err(CaptureError::Read)?;
            if n == 0 {
                return Err(CaptureError::Short);
            }
            file.write_all(&buf[..n])
                .await
                .map_err(CaptureError::Spool)?;
            left -= n as u64;
        }
        file.flush().await.map_err(CaptureError::Spool)?;
        let file = file.into_std().await;
        Ok(FileData::Spooled(Arc::new(SpooledFile { file, len: size })))
    }
}

async fn capture_inline<R: AsyncRead + Unpin>(
    body: &mut R,
    head: Vec<u8>,
    size: u64,
) -> Result<FileData, CaptureError> {
    // `size` is at most `inline_max`, so this allocation is bounded.
    let mut bytes = head;
    let start = bytes.len();
    bytes.resize(size as usize, 0);
    read_full(body, &mut bytes[start..]).await?;
    Ok(FileData::Inline(bytes.into()))
}

/// Fills `buf` from `body`, or fails with [`CaptureError::Short`].
pub(crate) async fn read_full<R: AsyncRead + Unpin>(
    body: &mut R,
    buf: &mut [u8],
) -> Result<(), CaptureError> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = body
            .read(&mut buf[filled..])
            .await
            .map_err(CaptureError::Read)?;
        if n == 0 {
            return Err(CaptureError::Short);
        }
        filled += n;
    }
    Ok(())
}

/// Reads and discards `left` bytes of `body`.
pub(crate) async fn skip<R: AsyncRead + Unpin>(
    body: &mut R,
    mut left: u64,
    buf: &mut [u8],
) -> Result<(), CaptureError> {
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = body
            .read(&mut buf[..want])
            .await
            .map_err(CaptureError::Read)?;
        if n == 0 {
            return Err(CaptureError::Short);
        }
        left -= n as u64;
    }
    Ok(())
}
