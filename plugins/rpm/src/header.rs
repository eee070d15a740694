//! The rpm header blob as the package databases store it: no lead and no header magic,
//! just `il` (index entry count, u32 BE), `dl` (data length, u32 BE), `il` 16-byte
//! index entries `(tag, type, offset, count)` and `dl` bytes of data.

use crate::input::{DbError, malformed, u32_be};

pub const TAG_NAME: u32 = 1000;
pub const TAG_VERSION: u32 = 1001;
pub const TAG_RELEASE: u32 = 1002;
pub const TAG_EPOCH: u32 = 1003;
pub const TAG_ARCH: u32 = 1022;
pub const TAG_SOURCERPM: u32 = 1044;
pub const TAG_MODULARITYLABEL: u32 = 5096;

/// Region tags (HEADER_IMAGE, HEADER_SIGNATURES, HEADER_IMMUTABLE): the first entry of
/// a header signed as a whole points at a 16-byte trailer that closes the region.
const REGION_TAGS: std::ops::RangeInclusive<u32> = 61..=63;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_BIN: u32 = 7;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own sanity limits on a header: at most 0xffff tags and 256 MiB of data.
const MAX_ENTRIES: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;

const ENTRY_SIZE: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: usize,
    count: u32,
}

/// A parsed header: the index, and the data store it points into.
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

impl<'a> Header<'a> {
    pub fn parse(blob: &'a [u8]) -> Result<Self, DbError> {
        let il = u32_be(blob, 0).map_err(|_| malformed!("header blob shorter than 8 bytes"))?;
        let dl = u32_be(blob, 4).map_err(|_| malformed!("header blob shorter than 8 bytes"))?;
        if il == 0 || il > MAX_ENTRIES {
            return Err(malformed!("header has an absurd tag count {il}"));
        }
        if dl > MAX_DATA {
            return Err(malformed!("header has an absurd data length {dl}"));
        }
        let index_end = 8 + il as usize * ENTRY_SIZE;
        let data = blob
            .get(index_end..index_end + dl as usize)
            .ok_or_else(|| {
                malformed!(
                    "header blob of {} bytes is shorter than its {il} tags and {dl} data bytes",
                    blob.len()
                )
            })?;
        let mut entries = Vec::with_capacity(il as usize);
        for at in (8..index_end).step_by(ENTRY_SIZE) {
            // Reads through an entry are bounds-checked again; this only keeps every
            // offset inside the data store so slicing from it cannot fail.
            let offset = u32_be(blob, at + 8)?;
            if offset > dl {
                return Err(malformed!(
                    "header tag {} points at data offset {offset} past its {dl} data bytes",
                    u32_be(blob, at)?
                ));
            }
            entries.push(Entry {
                tag: u32_be(blob, at)?,
                kind: u32_be(blob, at + 4)?,
                offset: offset as usize,
                count: u32_be(blob, at + 12)?,
            });
        }
        let header = Header { entries, data };
        header.check_region()?;
        Ok(header)
    }

    /// A region's trailer repeats the region tag (legacy headers use another region
    /// tag) with a negative offset that counts the entries the region covers.
    fn check_region(&self) -> Result<(), DbError> {
        let first = self.entries[0];
        if !REGION_TAGS.contains(&first.tag) {
            return Ok(());
        }
        if first.kind != TYPE_BIN || first.count != ENTRY_SIZE as u32 {
            return Err(malformed!(
                "region tag {} has a bad type or size",
                first.tag
            ));
        }
        let trailer = self
            .data
            .get(first.offset..first.offset + ENTRY_SIZE)
            .ok_or_else(|| malformed!("region trailer of tag {} is cut off", first.tag))?;
        let tag = u32_be(trailer, 0)?;
        let covered = (u32_be(trailer, 8)? as i32).unsigned_abs() as usize;
        if !REGION_TAGS.contains(&tag)
            || !covered.is_multiple_of(ENTRY_SIZE)
            || covered / ENTRY_SIZE > self.entries.len()
        {
            return Err(malformed!(
                "region trailer of tag {} is inconsistent",
                first.tag
            ));
        }
        Ok(())
    }

    /// The entry for `tag`. When a tag appears twice, the later entry wins: entries
    /// added after the signed region replace the region's own.
    fn entry(&self, tag: u32) -> Option<Entry> {
        self.entries
            .iter()
            .rev()
            .find(|entry| entry.tag == tag)
            .copied()
    }

    /// A string tag (the first element for a string array or i18n table), or `None` when
    /// the header does not have it.
    pub fn string(&self, tag: u32) -> Result<Option<String>, DbError> {
        let Some(entry) = self.entry(tag) else {
            return Ok(None);
        };
        if !matches!(
            entry.kind,
            TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING
        ) {
            return Err(malformed!(
                "header tag {tag} has type {}, not a string",
                entry.kind
            ));
        }
        let rest = &self.data[entry.offset..];
        let len = rest
            .iter()
            .position(|&byte| byte == 0)
            .ok_or_else(|| malformed!("header tag {tag} string runs past the data"))?;
        Ok(Some(String::from_utf8_lossy(&rest[..len]).into_owned()))
    }

    /// The first value of an INT32 tag.
    pub fn int32(&self, tag: u32) -> Result<Option<u32>, DbError> {
        let Some(entry) = self.entry(tag) else {
            return Ok(None);
        };
        if entry.kind != TYPE_INT32 || entry.count == 0 {
            return Err(malformed!(
                "header tag {tag} has type {}, not int32",
                entry.kind
            ));
        }
        u32_be(self.data, entry.offset)
            .map(Some)
            .map_err(|_| malformed!("header tag {tag} value runs past the data"))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a header blob from `(tag, type, value bytes)` in order.
    pub fn build(tags: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for &(tag, kind, value) in tags {
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&kind.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(value);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(tags.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&data);
        blob
    }

    #[test]
    fn reads_strings_and_ints_and_later_entries_win() {
        let blob = build(&[
            (TAG_NAME, TYPE_STRING, b"old\0"),
            (TAG_EPOCH, TYPE_INT32, &7u32.to_be_bytes()),
            (TAG_NAME, TYPE_STRING, b"bash\0"),
        ]);
        let header = Header::parse(&blob).unwrap();
        assert_eq!(header.string(TAG_NAME).unwrap().as_deref(), Some("bash"));
        assert_eq!(header.int32(TAG_EPOCH).unwrap(), Some(7));
        assert_eq!(header.string(TAG_ARCH).unwrap(), None);
        assert!(header.int32(TAG_NAME).is_err());
    }

    #[test]
    fn rejects_absurd_and_truncated_headers() {
        assert!(Header::parse(&[0, 0]).is_err());
        assert!(Header::parse(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
        let blob = build(&[(TAG_NAME, TYPE_STRING, b"bash\0")]);
        assert!(Header::parse(&blob[..blob.len() - 1]).is_err());
        // A string without its terminating NUL.
        let blob = build(&[(TAG_NAME, TYPE_STRING, b"bash")]);
        assert!(Header::parse(&blob).unwrap().string(TAG_NAME).is_err());
    }

    #[test]
    fn rejects_an_entry_pointing_past_the_data() {
        let mut blob = build(&[(TAG_NAME, TYPE_STRING, b"bash\0")]);
        blob[16..20].copy_from_slice(&1000u32.to_be_bytes());
        assert!(Header::parse(&blob).is_err());
    }
}
