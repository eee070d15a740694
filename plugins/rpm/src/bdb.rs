//! Read-only walk of a Berkeley DB hash database, the format of rpm's legacy `Packages`.
//!
//! Page 0 is the hash metadata page; bucket `b` starts at page
//! `b + spares[ceil(log2(b + 1))]` and continues through `next_pgno` links. Each hash
//! page holds key/data item pairs; items too big for a page live on a chain of overflow
//! pages. Every page is visited at most once, so a corrupt link cannot loop.

use std::io::{Read, Seek};

use crate::input::{DbError, Input, bytes_at, malformed, u8_at};

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
/// Hash format versions of Berkeley DB 3.x through 18.x, which share the layout read here.
const HASH_VERSIONS: std::ops::RangeInclusive<u32> = 7..=10;

const META_LEN: usize = 224;
const META_TYPE_HASH: u8 = 8;
const META_FLAG_CHECKSUM: u8 = 0x01;

/// Generic page header: lsn, pgno, prev, next, entries, hf_offset, level, type.
const PAGE_HEADER_LEN: usize = 26;
const PAGE_INVALID: u8 = 0;
const PAGE_HASH_UNSORTED: u8 = 2;
const PAGE_OVERFLOW: u8 = 7;
const PAGE_HASH: u8 = 13;

const ITEM_KEYDATA: u8 = 1;
const ITEM_DUPLICATE: u8 = 2;
const ITEM_OFFPAGE: u8 = 3;
const ITEM_OFFDUP: u8 = 4;

/// The database's byte order, told by which way round the magic number reads.
#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u16(self, buf: &[u8], at: usize) -> Result<u16, DbError> {
        let raw = bytes_at(buf, at)?;
        Ok(if self.big {
            u16::from_be_bytes(raw)
        } else {
            u16::from_le_bytes(raw)
        })
    }

    fn u32(self, buf: &[u8], at: usize) -> Result<u32, DbError> {
        let raw = bytes_at(buf, at)?;
        Ok(if self.big {
            u32::from_be_bytes(raw)
        } else {
            u32::from_le_bytes(raw)
        })
    }
}

struct Db<'a, R> {
    input: &'a mut Input<R>,
    order: Order,
    page_size: usize,
    last_pgno: u32,
    /// Pages already read, so each is read once and a loop is caught.
    seen: Vec<bool>,
}

/// One hash page, with its header fields decoded.
struct Page {
    bytes: Vec<u8>,
    kind: u8,
    next: u32,
    entries: usize,
    /// For an overflow page: how many bytes of data it holds.
    hf_offset: usize,
}

/// Calls `each` with the data of every record except rpm's record 0 (which only holds
/// the next free instance number), in bucket order.
pub fn for_each_value<R: Read + Seek>(
    input: &mut Input<R>,
    mut each: impl FnMut(&[u8]) -> Result<(), DbError>,
) -> Result<(), DbError> {
    if input.size() < META_LEN as u64 {
        return Err(malformed!(
            "{} bytes is too short for a Berkeley DB metadata page",
            input.size()
        ));
    }
    let meta = input.read_at(0, META_LEN)?;
    let magic: [u8; 4] = bytes_at(&meta, 12)?;
    let order = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
        (HASH_MAGIC, _) => Order { big: false },
        (_, HASH_MAGIC) => Order { big: true },
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
            return Err(DbError::Unsupported(
                "Berkeley DB btree database; rpm's Packages is a hash database".into(),
            ));
        }
        _ => return Err(malformed!("not a Berkeley DB hash database (bad magic)")),
    };
    let version = order.u32(&meta, 16)?;
    if !HASH_VERSIONS.contains(&version) {
        return Err(DbError::Unsupported(format!(
            "Berkeley DB hash version {version}"
        )));
    }
    let page_size = order.u32(&meta, 20)?;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(malformed!("absurd Berkeley DB page size {page_size}"));
    }
    if u8_at(&meta, 24)? != 0 {
        return Err(DbError::Unsupported(
            "encrypted Berkeley DB database".into(),
        ));
    }
    if u8_at(&meta, 25)? != META_TYPE_HASH {
        return Err(malformed!("page 0 is not a hash metadata page"));
    }
    if u8_at(&meta, 26)? & META_FLAG_CHECKSUM != 0 {
        return Err(DbError::Unsupported(
            "Berkeley DB database with page checksums".into(),
        ));
    }
    let last_pgno = order.u32(&meta, 32)?;
    let pages_in_file = input.size() / u64::from(page_size);
    if u64::from(last_pgno) >= pages_in_file {
        return Err(malformed!(
            "truncated: metadata names page {last_pgno}, file holds {pages_in_file} pages"
        ));
    }
    let max_bucket = order.u32(&meta, 72)?;
    if max_bucket > last_pgno {
        return Err(malformed!(
            "absurd bucket count {max_bucket} for {last_pgno} pages"
        ));
    }
    let mut spares = [0u32; 32];
    for (i, spare) in spares.iter_mut().enumerate() {
        *spare = order.u32(&meta, 96 + 4 * i)?;
    }

    let mut db = Db {
        input,
        order,
        page_size: page_size as usize,
        last_pgno,
        seen: vec![false; last_pgno as usize + 1],
    };
    db.seen[0] = true;
    for bucket in 0..=max_bucket {
        let first = spares
            .get(ceil_log2(bucket.saturating_add(1)))
            .and_then(|spare| spare.checked_add(bucket))
            .ok_or_else(|| malformed!("bucket {bucket} maps past the last page"))?;
        db.walk_bucket(bucket, first, &mut each)?;
    }
    Ok(())
}

/// `ceil(log2(n))` for `n >= 1`; at most 32.
fn ceil_log2(n: u32) -> usize {
    (u32::BITS - (n - 1).leading_zeros()) as usize
}

impl<R: Read + Seek> Db<'_, R> {
    fn page(&mut self, pgno: u32) -> Result<Page, DbError> {
        if pgno == 0 || pgno > self.last_pgno {
            return Err(malformed!(
                "link to page {pgno}, outside pages 1..={}",
                self.last_pgno
            ));
        }
        if std::mem::replace(&mut self.seen[pgno as usize], true) {
            return Err(malformed!("page {pgno} is linked to twice (a cycle)"));
        }
        let size = self.page_size;
        let bytes = self.input.read_at(u64::from(pgno) * size as u64, size)?;
        let order = self.order;
        let kind = u8_at(&bytes, 25)?;
        let own = order.u32(&bytes, 8)?;
        let entries = usize::from(order.u16(&bytes, 20)?);
        let hf_offset = usize::from(order.u16(&bytes, 22)?);
        let next = order.u32(&bytes, 16)?;
        // A page allocated but never written is all zeroes, its own number included.
        if kind != PAGE_INVALID && own != pgno {
            return Err(malformed!("page {pgno} says it is page {own}"));
        }
        Ok(Page {
            bytes,
            kind,
            next,
            entries,
            hf_offset,
        })
    }

    fn walk_bucket(
        &mut self,
        bucket: u32,
        first: u32,
        each: &mut impl FnMut(&[u8]) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut pgno = first;
        while pgno != 0 {
            let page = self.page(pgno)?;
            match page.kind {
                PAGE_HASH | PAGE_HASH_UNSORTED => {}
                // A bucket that never held a record may start on a never-written page.
                PAGE_INVALID if pgno == first && page.entries == 0 && page.next == 0 => {
                    return Ok(());
                }
                kind => {
                    return Err(malformed!(
                        "page {pgno} of bucket {bucket} has type {kind}, not a hash page"
                    ));
                }
            }
            if page.entries % 2 != 0 || PAGE_HEADER_LEN + 2 * page.entries > self.page_size {
                return Err(malformed!(
                    "hash page {pgno} has an absurd entry count {}",
                    page.entries
                ));
            }
            for pair in 0..page.entries / 2 {
                let key = self.item(&page, pgno, 2 * pair)?;
                if key.iter().all(|&byte| byte == 0) {
                    continue;
                }
                each(&self.item(&page, pgno, 2 * pair + 1)?)?;
            }
            pgno = page.next;
        }
        Ok(())
    }

    /// Item `index` of a hash page: inline bytes, or the contents of its overflow chain.
    fn item(&mut self, page: &Page, pgno: u32, index: usize) -> Result<Vec<u8>, DbError> {
        let offset_of = |i: usize| -> Result<usize, DbError> {
            Ok(usize::from(
                self.order.u16(&page.bytes, PAGE_HEADER_LEN + 2 * i)?,
            ))
        };
        let start = offset_of(index)?;
        // Items are packed downwards from the end of the page, so an item ends where the
        // one before it in the index starts.
        let end = if index == 0 {
            self.page_size
        } else {
            offset_of(index - 1)?
        };
        if start < PAGE_HEADER_LEN + 2 * page.entries || start >= end || end > self.page_size {
            return Err(malformed!(
                "item {index} of hash page {pgno} has bad bounds"
            ));
        }
        let item = &page.bytes[start..end];
        match item[0] {
            ITEM_KEYDATA => Ok(item[1..].to_vec()),
            ITEM_OFFPAGE => {
                let first = self.order.u32(item, 4)?;
                let len = self.order.u32(item, 8)?;
                self.overflow(first, len)
            }
            ITEM_DUPLICATE | ITEM_OFFDUP => Err(DbError::Unsupported(format!(
                "duplicate records on hash page {pgno}; rpm's Packages has none"
            ))),
            kind => Err(malformed!(
                "item {index} of hash page {pgno} has unknown type {kind}"
            )),
        }
    }

    /// Reassembles `len` bytes from the overflow chain starting at `first`.
    fn overflow(&mut self, first: u32, len: u32) -> Result<Vec<u8>, DbError> {
        let len = len as usize;
        if len as u64 > self.input.size() {
            return Err(malformed!(
                "overflow item of {len} bytes is larger than the file"
            ));
        }
        let mut out = Vec::with_capacity(len);
        let mut pgno = first;
        while out.len() < len {
            if pgno == 0 {
                return Err(malformed!(
                    "overflow chain from page {first} ends after {} of {len} bytes",
                    out.len()
                ));
            }
            let page = self.page(pgno)?;
            if page.kind != PAGE_OVERFLOW {
                return Err(malformed!(
                    "page {pgno} in the overflow chain from page {first} has type {}",
                    page.kind
                ));
            }
            let here = page.hf_offset;
            if here == 0 || PAGE_HEADER_LEN + here > self.page_size || out.len() + here > len {
                return Err(malformed!(
                    "overflow page {pgno} claims {here} bytes, which do not fit"
                ));
            }
            out.extend_from_slice(&page.bytes[PAGE_HEADER_LEN..PAGE_HEADER_LEN + here]);
            pgno = page.next;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_log2_maps_buckets_to_doublings() {
        assert_eq!([1, 2, 3, 4, 5, 8, 9].map(ceil_log2), [0, 1, 2, 2, 3, 3, 4]);
        assert_eq!(ceil_log2(u32::MAX), 32);
    }
}
