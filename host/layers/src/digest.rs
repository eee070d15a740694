//! The layer digest: parsing the declared one, and hashing the raw bytes as they stream
//! past on their way to the decompressor.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use sha2::{Digest as _, Sha256, Sha512};
use tokio::io::{AsyncRead, ReadBuf};

use crate::guard::{Fault, Gauge};

/// Report progress once per this many raw bytes: often enough for a progress bar,
/// rarely enough to cost nothing.
const PROGRESS_STEP: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Sha256,
    Sha512,
}

/// A declared digest, `<algorithm>:<lowercase hex>`.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub(crate) algorithm: Algorithm,
    pub(crate) hex: String,
}

impl Expected {
    /// `None` when the digest names another algorithm or its hex is malformed.
    pub(crate) fn parse(digest: &str) -> Option<Expected> {
        let (name, hex) = digest.split_once(':')?;
        let (algorithm, hex_len) = match name {
            "sha256" => (Algorithm::Sha256, 64),
            "sha512" => (Algorithm::Sha512, 128),
            _ => return None,
        };
        let well_formed = hex.len() == hex_len
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Expected {
            algorithm,
            hex: hex.to_owned(),
        })
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    fn new(algorithm: Algorithm) -> Hasher {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// `<algorithm>:<hex>`, the form digests are declared in.
    fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => format!("sha256:{}", hex::encode(h.finalize())),
            Hasher::Sha512(h) => format!("sha512:{}", hex::encode(h.finalize())),
        }
    }
}

/// Hashes and counts the raw (still compressed) bytes, and reports progress.
pub(crate) struct HashingReader<'a, R> {
    inner: R,
    hasher: Hasher,
    gauge: Arc<Gauge>,
    progress: &'a (dyn Fn(u64) + Sync),
    reported: u64,
}

impl<'a, R> HashingReader<'a, R> {
    pub(crate) fn new(
        inner: R,
        algorithm: Algorithm,
        gauge: Arc<Gauge>,
        progress: &'a (dyn Fn(u64) + Sync),
    ) -> Self {
        HashingReader {
            inner,
            hasher: Hasher::new(algorithm),
            gauge,
            progress,
            reported: 0,
        }
    }

    /// The digest of every byte read, in `<algorithm>:<hex>` form.
    pub(crate) fn finish(self) -> String {
        let total = self.gauge.compressed();
        if total != self.reported {
            (self.progress)(total);
        }
        self.hasher.finish()
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for HashingReader<'_, R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        if let Err(err) = ready!(Pin::new(&mut this.inner).poll_read(cx, buf)) {
            return Poll::Ready(Err(this.gauge.trip(Fault::Source(err))));
        }
        let fresh = &buf.filled()[before..];
        if !fresh.is_empty() {
            this.hasher.update(fresh);
            let total = this.gauge.add_compressed(fresh.len() as u64);
            if total / PROGRESS_STEP != this.reported / PROGRESS_STEP {
                this.reported = total;
                (this.progress)(total);
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_well_formed_digests() {
        let sha256 = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            Expected::parse(&sha256).map(|e| e.algorithm),
            Some(Algorithm::Sha256)
        );
        let sha512 = format!("sha512:{}", "0f".repeat(64));
        assert_eq!(
            Expected::parse(&sha512).map(|e| e.algorithm),
            Some(Algorithm::Sha512)
        );
        for bad in [
            "sha256:abc".to_owned(),
            format!("sha256:{}", "AB".repeat(32)),
            format!("md5:{}", "ab".repeat(16)),
            "ab".repeat(32),
        ] {
            assert!(Expected::parse(&bad).is_none(), "{bad}");
        }
    }
}
