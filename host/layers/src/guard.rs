//! Shared counters of one layer's stream, and the reader that enforces the size limits
//! on the decompressed bytes.
//!
//! tokio-tar and the decoders wrap or replace the I/O errors they see, so a stage that
//! fails records *why* in the [`Gauge`] and returns a placeholder error; the walker then
//! turns the recorded fault into a precise [`crate::LayerError`].

use std::{
    io,
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll, ready},
};

use tokio::io::{AsyncRead, ReadBuf};

use crate::Limits;

/// The first failure of a stage below the tar reader.
#[derive(Debug)]
pub(crate) enum Fault {
    /// Disk or network.
    Source(io::Error),
    Decode(io::Error),
    TooMuchData {
        limit: u64,
    },
    Ratio {
        uncompressed: u64,
        compressed: u64,
        limit: u64,
    },
    HeaderTooLarge {
        limit: u64,
    },
}

/// Counters shared by the stages of one layer's stream. They all run in the task that
/// walks the layer, so relaxed ordering is enough.
#[derive(Debug)]
pub(crate) struct Gauge {
    compressed: AtomicU64,
    uncompressed: AtomicU64,
    uncompressed_eof: AtomicBool,
    /// Bytes the tar reader may still take while it parses headers; `u64::MAX` while
    /// an entry's body is read (bodies are streamed, never held).
    header_allowance: AtomicU64,
    fault: Mutex<Option<Fault>>,
}

impl Gauge {
    pub(crate) fn new() -> Arc<Gauge> {
        Arc::new(Gauge {
            compressed: AtomicU64::new(0),
            uncompressed: AtomicU64::new(0),
            uncompressed_eof: AtomicBool::new(false),
            header_allowance: AtomicU64::new(u64::MAX),
            fault: Mutex::new(None),
        })
    }

    /// Records a fault, keeping the first: later stages only see its consequences.
    /// Returns the placeholder error the failing stage hands upwards.
    pub(crate) fn trip(&self, fault: Fault) -> io::Error {
        let mut slot = self.fault.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(fault);
        }
        io::Error::other("the layer stream failed (recorded separately)")
    }

    pub(crate) fn take_fault(&self) -> Option<Fault> {
        self.fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(crate) fn add_compressed(&self, n: u64) -> u64 {
        self.compressed.fetch_add(n, Ordering::Relaxed) + n
    }

    pub(crate) fn compressed(&self) -> u64 {
        self.compressed.load(Ordering::Relaxed)
    }

    pub(crate) fn uncompressed(&self) -> u64 {
        self.uncompressed.load(Ordering::Relaxed)
    }

    /// Whether the decompressed stream has ended: a tar error after that is truncation.
    pub(crate) fn uncompressed_ended(&self) -> bool {
        self.uncompressed_eof.load(Ordering::Relaxed)
    }

    pub(crate) fn begin_headers(&self, allowance: u64) {
        self.header_allowance.store(allowance, Ordering::Relaxed);
    }

    pub(crate) fn end_headers(&self) {
        self.header_allowance.store(u64::MAX, Ordering::Relaxed);
    }
}

/// Counts the decompressed bytes and stops the stream when a limit is passed.
pub(crate) struct LimitReader<R> {
    inner: R,
    gauge: Arc<Gauge>,
    max_uncompressed: u64,
    max_ratio: u64,
    ratio_floor: u64,
    max_header_bytes: u64,
}

impl<R> LimitReader<R> {
    pub(crate) fn new(inner: R, gauge: Arc<Gauge>, limits: &Limits) -> Self {
        LimitReader {
            inner,
            gauge,
            max_uncompressed: limits.max_uncompressed,
            max_ratio: limits.max_ratio,
            ratio_floor: limits.ratio_floor,
            max_header_bytes: limits.max_header_bytes,
        }
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }

    fn check(&self, n: u64) -> io::Result<()> {
        let gauge = &self.gauge;
        let total = gauge.uncompressed.fetch_add(n, Ordering::Relaxed) + n;
        if total > self.max_uncompressed {
            return Err(gauge.trip(Fault::TooMuchData {
                limit: self.max_uncompressed,
            }));
        }
        if total > self.ratio_floor {
            let compressed = gauge.compressed();
            if total / self.max_ratio.max(1) > compressed {
                return Err(gauge.trip(Fault::Ratio {
                    uncompressed: total,
                    compressed,
                    limit: self.max_ratio,
                }));
            }
        }
        let allowance = gauge.header_allowance.load(Ordering::Relaxed);
        if allowance != u64::MAX {
            if n > allowance {
                return Err(gauge.trip(Fault::HeaderTooLarge {
                    limit: self.max_header_bytes,
                }));
            }
            gauge
                .header_allowance
                .store(allowance - n, Ordering::Relaxed);
        }
        Ok(())
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for LimitReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let n = (buf.filled().len() - before) as u64;
        if n == 0 && buf.remaining() > 0 {
            this.gauge.uncompressed_eof.store(true, Ordering::Relaxed);
            return Poll::Ready(Ok(()));
        }
        Poll::Ready(this.check(n))
    }
}
