//! A minimal read-only reader of the SQLite file format, enough for `rpmdb.sqlite`: the
//! 100-byte file header, table b-tree pages, overflow chains and the record format.
//! `sqlite_schema` (the table b-tree rooted at page 1) names the root page of table
//! `Packages`, whose rows are `(hnum INTEGER PRIMARY KEY, blob BLOB)`.
//!
//! Only the main database file is read: rpm checkpoints its write-ahead log on close.

use std::io::{Read, Seek};

use crate::input::{DbError, Input, malformed, u8_at, u16_be, u32_be};

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
const FILE_HEADER_LEN: usize = 100;
/// SQLite itself refuses trees deeper than 20; anything far past that is a loop or junk.
const MAX_DEPTH: usize = 64;

const PAGE_TABLE_INTERIOR: u8 = 0x05;
const PAGE_TABLE_LEAF: u8 = 0x0d;

/// The table rpm keeps its headers in.
const PACKAGES_TABLE: &str = "Packages";

/// One column value of a record; only the kinds the schema and rpm rows use are kept.
#[derive(Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Float,
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

struct Db<'a, R> {
    input: &'a mut Input<R>,
    page_size: usize,
    /// Page size less the bytes reserved at the end of each page.
    usable: usize,
    page_count: u32,
    /// Pages already read: b-trees and overflow chains never share pages, so a second
    /// visit means a loop.
    seen: Vec<bool>,
}

/// Calls `each` with the `blob` column of every row of table `Packages`, in rowid order.
pub fn for_each_blob<R: Read + Seek>(
    input: &mut Input<R>,
    mut each: impl FnMut(&[u8]) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let mut db = Db::open(input)?;
    let root = db.packages_root()?;
    db.walk_table(root, &mut |payload| {
        let values = record(payload)?;
        match values.get(1) {
            Some(Value::Blob(blob)) => each(blob),
            other => Err(malformed!(
                "a row of {PACKAGES_TABLE} has {other:?} where the header blob belongs"
            )),
        }
    })
}

impl<'a, R: Read + Seek> Db<'a, R> {
    fn open(input: &'a mut Input<R>) -> Result<Self, DbError> {
        if input.size() < FILE_HEADER_LEN as u64 {
            return Err(malformed!(
                "{} bytes is too short for an SQLite header",
                input.size()
            ));
        }
        let header = input.read_at(0, FILE_HEADER_LEN)?;
        if &header[..16] != MAGIC {
            return Err(malformed!("not an SQLite database (bad magic)"));
        }
        let page_size = match u16_be(&header, 16)? {
            1 => 65536,
            size => usize::from(size),
        };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(malformed!("absurd SQLite page size {page_size}"));
        }
        // 1 is the rollback journal, 2 write-ahead logging; later versions may change
        // the format in ways this reader does not know.
        let read_version = u8_at(&header, 19)?;
        if read_version > 2 {
            return Err(DbError::Unsupported(format!(
                "SQLite read format version {read_version}"
            )));
        }
        let usable = page_size - usize::from(u8_at(&header, 20)?);
        if usable < 480 {
            return Err(malformed!("SQLite usable page size {usable} is below 480"));
        }
        if header[21..24] != [64, 32, 32] {
            return Err(malformed!("SQLite payload fractions are not 64/32/32"));
        }
        let encoding = u32_be(&header, 56)?;
        if encoding > 1 {
            return Err(DbError::Unsupported(format!(
                "SQLite text encoding {encoding} (UTF-16)"
            )));
        }
        let pages_in_file = input.size() / page_size as u64;
        // The header's page count is only current when the two change counters agree
        // (older writers did not maintain it); otherwise the file size tells.
        let declared = u32_be(&header, 28)?;
        let page_count = if declared != 0 && header[24..28] == header[92..96] {
            if u64::from(declared) > pages_in_file {
                return Err(malformed!(
                    "truncated: header counts {declared} pages, file holds {pages_in_file}"
                ));
            }
            declared
        } else {
            u32::try_from(pages_in_file).map_err(|_| malformed!("absurd SQLite file size"))?
        };
        Ok(Db {
            input,
            page_size,
            usable,
            page_count,
            seen: vec![false; page_count as usize + 1],
        })
    }

    fn page(&mut self, pgno: u32) -> Result<Vec<u8>, DbError> {
        if pgno == 0 || pgno > self.page_count {
            return Err(malformed!(
                "link to page {pgno}, outside pages 1..={}",
                self.page_count
            ));
        }
        if std::mem::replace(&mut self.seen[pgno as usize], true) {
            return Err(malformed!("page {pgno} is linked to twice (a cycle)"));
        }
        let offset = u64::from(pgno - 1) * self.page_size as u64;
        self.input.read_at(offset, self.page_size)
    }

    /// The root page of table `Packages`, from the schema table on page 1.
    fn packages_root(&mut self) -> Result<u32, DbError> {
        let mut root = None;
        self.walk_table(1, &mut |payload| {
            let values = record(payload)?;
            let is_packages = matches!(values.first(), Some(Value::Text(b"table")))
                && matches!(values.get(1), Some(Value::Text(name))
                    if name.eq_ignore_ascii_case(PACKAGES_TABLE.as_bytes()));
            if is_packages {
                match values.get(3) {
                    Some(&Value::Int(page)) if page > 0 && page <= i64::from(u32::MAX) => {
                        root = Some(page as u32);
                    }
                    other => {
                        return Err(malformed!(
                            "schema row of {PACKAGES_TABLE} has root page {other:?}"
                        ));
                    }
                }
            }
            Ok(())
        })?;
        root.ok_or_else(|| malformed!("SQLite database has no table {PACKAGES_TABLE}"))
    }

    /// Calls `each` with the full payload of every row of the table b-tree at `root`.
    fn walk_table(
        &mut self,
        root: u32,
        each: &mut dyn FnMut(&[u8]) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        // Depth-first, children pushed in reverse so rows come out in rowid order.
        let mut stack = vec![(root, 0)];
        while let Some((pgno, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                return Err(malformed!(
                    "table b-tree deeper than {MAX_DEPTH} at page {pgno}"
                ));
            }
            let page = self.page(pgno)?;
            let at = if pgno == 1 { FILE_HEADER_LEN } else { 0 };
            let kind = u8_at(&page, at)?;
            let cells = usize::from(u16_be(&page, at + 3)?);
            let pointers = at + if kind == PAGE_TABLE_INTERIOR { 12 } else { 8 };
            if pointers + 2 * cells > self.usable {
                return Err(malformed!("page {pgno} has an absurd cell count {cells}"));
            }
            let usable = self.usable;
            let cell_at = |i: usize| -> Result<usize, DbError> {
                let ptr = usize::from(u16_be(&page, pointers + 2 * i)?);
                if ptr < pointers + 2 * cells || ptr >= usable {
                    return Err(malformed!(
                        "cell {i} of page {pgno} points outside the page"
                    ));
                }
                Ok(ptr)
            };
            match kind {
                PAGE_TABLE_INTERIOR => {
                    stack.push((u32_be(&page, at + 8)?, depth + 1));
                    for i in (0..cells).rev() {
                        stack.push((u32_be(&page, cell_at(i)?)?, depth + 1));
                    }
                }
                PAGE_TABLE_LEAF => {
                    for i in 0..cells {
                        let payload = self.leaf_payload(&page, pgno, cell_at(i)?)?;
                        each(&payload)?;
                    }
                }
                kind => {
                    return Err(malformed!(
                        "page {pgno} has type {kind}, not a table b-tree page"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The payload of the table leaf cell at `cell`, with its overflow pages appended.
    fn leaf_payload(&mut self, page: &[u8], pgno: u32, cell: usize) -> Result<Vec<u8>, DbError> {
        let (size, used) = varint(page, cell)?;
        let (_rowid, used_rowid) = varint(page, cell + used)?;
        let start = cell + used + used_rowid;
        if size > self.input.size() {
            return Err(malformed!(
                "a cell on page {pgno} claims {size} bytes, more than the file"
            ));
        }
        let size = usize::try_from(size).map_err(|_| malformed!("absurd cell size {size}"))?;
        let local = self.local_len(size);
        let inline = page
            .get(start..start + local)
            .filter(|_| start + local <= self.usable)
            .ok_or_else(|| malformed!("a cell on page {pgno} runs off the page"))?;
        let mut payload = Vec::with_capacity(size);
        payload.extend_from_slice(inline);
        if local < size {
            let first = u32_be(page, start + local)?;
            self.overflow(first, size, &mut payload)?;
        }
        Ok(payload)
    }

    /// How much of a `size`-byte table leaf payload is stored on the page itself; the
    /// thresholds are the file format's.
    fn local_len(&self, size: usize) -> usize {
        let max_local = self.usable - 35;
        if size <= max_local {
            return size;
        }
        let min_local = (self.usable - 12) * 32 / 255 - 23;
        let spill = min_local + (size - min_local) % (self.usable - 4);
        if spill <= max_local { spill } else { min_local }
    }

    /// Appends overflow pages (4-byte next link, then content) until `payload` is `size` long.
    fn overflow(&mut self, first: u32, size: usize, payload: &mut Vec<u8>) -> Result<(), DbError> {
        let mut pgno = first;
        while payload.len() < size {
            if pgno == 0 {
                return Err(malformed!(
                    "overflow chain from page {first} ends after {} of {size} bytes",
                    payload.len()
                ));
            }
            let page = self.page(pgno)?;
            let take = (self.usable - 4).min(size - payload.len());
            payload.extend_from_slice(&page[4..4 + take]);
            pgno = u32_be(&page, 0)?;
        }
        Ok(())
    }
}

/// A SQLite varint (1 to 9 bytes, big-endian, 7 bits per byte, all 8 in the ninth) at
/// `at`, and its length.
fn varint(buf: &[u8], at: usize) -> Result<(u64, usize), DbError> {
    let mut value = 0u64;
    for i in 0..8 {
        let byte = u8_at(buf, at + i)?;
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Ok(((value << 8) | u64::from(u8_at(buf, at + 8)?), 9))
}

/// The column values of a record: a header of serial types, then the values.
pub fn record(payload: &[u8]) -> Result<Vec<Value<'_>>, DbError> {
    let (header_len, mut at) = varint(payload, 0)?;
    let header_len = usize::try_from(header_len)
        .ok()
        .filter(|&len| len <= payload.len())
        .ok_or_else(|| {
            malformed!("record header of {header_len} bytes is longer than its record")
        })?;
    let mut body = header_len;
    let mut values = Vec::new();
    while at < header_len {
        let (serial, used) = varint(payload, at)?;
        at += used;
        let len = match serial {
            0 | 8 | 9 => 0,
            1..=4 => serial as usize,
            5 => 6,
            6 | 7 => 8,
            10 | 11 => return Err(malformed!("record uses reserved serial type {serial}")),
            n => usize::try_from((n - 12) / 2)
                .map_err(|_| malformed!("record value of absurd length"))?,
        };
        let bytes = body
            .checked_add(len)
            .and_then(|end| payload.get(body..end))
            .ok_or_else(|| malformed!("record value runs past the end of its record"))?;
        body += len;
        values.push(match serial {
            0 => Value::Null,
            8 => Value::Int(0),
            9 => Value::Int(1),
            1..=6 => Value::Int(
                bytes
                    .iter()
                    .fold(if bytes[0] & 0x80 != 0 { -1 } else { 0 }, |acc, &b| {
                        (acc << 8) | i64::from(b)
                    }),
            ),
            7 => Value::Float,
            n if n % 2 == 0 => Value::Blob(bytes),
            _ => Value::Text(bytes),
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(varint(&[0x05], 0).unwrap(), (5, 1));
        assert_eq!(varint(&[0x81, 0x00], 0).unwrap(), (128, 2));
        assert_eq!(varint(&[0xff; 9], 0).unwrap(), (u64::MAX, 9));
        assert!(varint(&[0x81], 0).is_err());
    }

    #[test]
    fn records() {
        // header: len 5, types NULL, int8, text len 2, blob len 1
        let payload = [5, 0, 1, 17, 14, 0xfe, b'h', b'i', 9];
        assert_eq!(
            record(&payload).unwrap(),
            vec![
                Value::Null,
                Value::Int(-2),
                Value::Text(b"hi"),
                Value::Blob(&[9])
            ]
        );
        assert!(record(&payload[..8]).is_err());
        assert!(record(&[2, 10]).is_err());
        assert!(record(&[0x7f]).is_err());
    }
}
