//! Compression detection by magic bytes, and the matching streaming decoder.

use std::{
    fmt, io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use async_compression::tokio::bufread::{GzipDecoder, ZstdDecoder};
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};

use crate::guard::{Fault, Gauge};

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
/// Bytes needed to tell the formats apart.
pub(crate) const MAGIC_LEN: usize = 4;

/// How a layer blob was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// A plain tar.
    #[default]
    Uncompressed,
    Gzip,
    Zstd,
}

impl Compression {
    /// Media types are often wrong or generic, so the bytes decide.
    pub(crate) fn detect(head: &[u8]) -> Compression {
        if head.starts_with(GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::Uncompressed
        }
    }
}

impl Compression {
    /// The stream's format name: `tar` for an uncompressed layer.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Uncompressed => "tar",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

enum Codec<R> {
    Plain(R),
    Gzip(GzipDecoder<R>),
    Zstd(ZstdDecoder<R>),
}

/// Decompresses a buffered raw stream. A decoding failure is recorded in the gauge.
pub(crate) struct Decoder<R> {
    codec: Codec<R>,
    gauge: Arc<Gauge>,
}

impl<R: AsyncBufRead + Unpin> Decoder<R> {
    pub(crate) fn new(raw: R, compression: Compression, gauge: Arc<Gauge>) -> Self {
        let codec = match compression {
            Compression::Uncompressed => Codec::Plain(raw),
            Compression::Gzip => {
                let mut decoder = GzipDecoder::new(raw);
                // `cat a.gz b.gz` is a valid gzip file, and some tools write layers so.
                decoder.multiple_members(true);
                Codec::Gzip(decoder)
            }
            Compression::Zstd => {
                let mut decoder = ZstdDecoder::new(raw);
                decoder.multiple_members(true);
                Codec::Zstd(decoder)
            }
        };
        Decoder { codec, gauge }
    }

    pub(crate) fn into_inner(self) -> R {
        match self.codec {
            Codec::Plain(raw) => raw,
            Codec::Gzip(decoder) => decoder.into_inner(),
            Codec::Zstd(decoder) => decoder.into_inner(),
        }
    }
}

impl<R: AsyncBufRead + Unpin> AsyncRead for Decoder<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = match &mut this.codec {
            Codec::Plain(raw) => Pin::new(raw).poll_read(cx, buf),
            Codec::Gzip(decoder) => Pin::new(decoder).poll_read(cx, buf),
            Codec::Zstd(decoder) => Pin::new(decoder).poll_read(cx, buf),
        };
        // A source failure was recorded first and stays the reported cause.
        Poll::Ready(ready!(result).map_err(|err| this.gauge.trip(Fault::Decode(err))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_magic_bytes() {
        assert_eq!(Compression::detect(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::detect(b"etc/"), Compression::Uncompressed);
        assert_eq!(Compression::detect(&[]), Compression::Uncompressed);
    }
}
