//! Positioned reads over a database file, and the error type every format reader uses.
//!
//! The databases can be tens of megabytes and arrive as a host blob, so the readers
//! ask for one page at a time instead of copying the whole file into the plugin.

use std::fmt;
use std::io::{ErrorKind, Read, Seek, SeekFrom};

/// Why a database could not be read. The scanner turns it into a `ScanError` that
/// names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// The bytes do not form a valid database of the expected kind.
    Malformed(String),
    /// A valid database in a variant this plugin does not read (encrypted, btree, ...).
    Unsupported(String),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Malformed(reason) => write!(f, "malformed: {reason}"),
            DbError::Unsupported(reason) => write!(f, "unsupported: {reason}"),
        }
    }
}

/// Shorthand for a [`DbError::Malformed`] with a formatted reason.
macro_rules! malformed {
    ($($arg:tt)*) => {
        $crate::input::DbError::Malformed(format!($($arg)*))
    };
}
pub(crate) use malformed;

/// A file of known size that can be read at any offset.
pub struct Input<R> {
    inner: R,
    size: u64,
}

impl<R: Read + Seek> Input<R> {
    pub fn new(inner: R, size: u64) -> Self {
        Input { inner, size }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Exactly `len` bytes at `offset`, or `Malformed` when the file ends first. The
    /// length is checked against the file size before allocating, so a corrupt length
    /// field cannot make the plugin reserve more memory than the file holds.
    pub fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, DbError> {
        let end = offset.checked_add(len as u64);
        if end.is_none_or(|end| end > self.size) {
            return Err(malformed!(
                "truncated: {len} bytes wanted at offset {offset}, file has {}",
                self.size
            ));
        }
        let mut buf = vec![0; len];
        self.inner
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.inner.read_exact(&mut buf))
            .map_err(|err| match err.kind() {
                ErrorKind::UnexpectedEof => {
                    malformed!("truncated: {len} bytes wanted at offset {offset}, file ends first")
                }
                _ => malformed!("read of {len} bytes at offset {offset} failed: {err}"),
            })?;
        Ok(buf)
    }
}

/// Bounds-checked integer reads from a page or blob.
pub fn u8_at(buf: &[u8], at: usize) -> Result<u8, DbError> {
    buf.get(at)
        .copied()
        .ok_or_else(|| malformed!("read past the end at byte {at}"))
}

pub fn bytes_at<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], DbError> {
    at.checked_add(N)
        .and_then(|end| buf.get(at..end))
        .and_then(|slice| slice.try_into().ok())
        .ok_or_else(|| malformed!("read of {N} bytes past the end at byte {at}"))
}

pub fn u16_be(buf: &[u8], at: usize) -> Result<u16, DbError> {
    bytes_at(buf, at).map(u16::from_be_bytes)
}

pub fn u32_be(buf: &[u8], at: usize) -> Result<u32, DbError> {
    bytes_at(buf, at).map(u32::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_inside_and_refuses_past_the_end() {
        let mut input = Input::new(Cursor::new(vec![1, 2, 3, 4]), 4);
        assert_eq!(input.read_at(1, 2).unwrap(), vec![2, 3]);
        assert!(matches!(input.read_at(3, 2), Err(DbError::Malformed(_))));
        assert!(matches!(
            input.read_at(u64::MAX, 2),
            Err(DbError::Malformed(_))
        ));
    }

    #[test]
    fn declared_size_larger_than_contents_is_truncation() {
        let mut input = Input::new(Cursor::new(vec![1, 2]), 100);
        let err = input.read_at(0, 10).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
    }
}
