//! Broken databases: every one must end in `ScanError::Malformed` (or `Unsupported`)
//! naming the file, never a panic or an endless loop. The inputs are real databases,
//! cut short or with their links bent, and plain random bytes.

mod common;

use std::io::Cursor;
use std::sync::mpsc;
use std::time::Duration;

use scry_plugin_rpm::{bdb, input::Input, package};
use scry_sdk::scanner::{Package, ScanError};

use common::{TempDir, bdb_copy, bdb_to_sqlite, go_rpmdb_packages, scan};

const BDB_PATH: &str = "var/lib/rpm/Packages";
const SQLITE_PATH: &str = "usr/lib/sysimage/rpm/rpmdb.sqlite";
const BDB_PAGE: usize = 4096;

/// A deterministic xorshift generator, so a failure can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// The scan, on another thread so a loop fails the test instead of hanging it.
fn scan_in_time(path: &str, bytes: Vec<u8>) -> Result<Vec<Package>, ScanError> {
    let (done, result) = mpsc::channel();
    let path = path.to_string();
    std::thread::spawn(move || done.send(scan(&path, bytes)).unwrap());
    result
        .recv_timeout(Duration::from_secs(120))
        .expect("the scan did not finish (a loop?) or panicked")
}

/// Asserts `Malformed`, naming `path`, with a reason containing `why`.
fn assert_malformed(path: &str, bytes: Vec<u8>, why: &str) {
    match scan_in_time(path, bytes) {
        Err(ScanError::Malformed(error)) => {
            assert_eq!(error.path, path);
            assert!(
                error.reason.contains(why),
                "reason {:?} lacks {why:?}",
                error.reason
            );
        }
        other => panic!("{path}: expected Malformed ({why}), got {other:?}"),
    }
}

fn centos5() -> Vec<u8> {
    std::fs::read(go_rpmdb_packages("centos5-plain")).unwrap()
}

/// centos5-plain converted to SQLite by rpm.
fn centos5_sqlite() -> Vec<u8> {
    let bdb = bdb_copy("centos5-plain");
    let sqlite = TempDir::new("malformed-sqlite");
    bdb_to_sqlite(bdb.path(), sqlite.path());
    std::fs::read(sqlite.path().join("rpmdb.sqlite")).unwrap()
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn set_le32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Page numbers of the BerkeleyDB pages of type `kind` (byte 25 of the page header).
fn bdb_pages(bytes: &[u8], kind: u8) -> impl Iterator<Item = usize> + '_ {
    (1..bytes.len() / BDB_PAGE).filter(move |&pgno| bytes[pgno * BDB_PAGE + 25] == kind)
}

#[test]
fn random_bytes() {
    let mut random = Random(0x5eed);
    for len in [1, 99, 100, 4096, 65536] {
        assert_malformed(BDB_PATH, random.bytes(len), "");
        assert_malformed(SQLITE_PATH, random.bytes(len), "");
    }
    assert_malformed(BDB_PATH, random.bytes(8192), "bad magic");
    assert_malformed(SQLITE_PATH, random.bytes(8192), "bad magic");
}

#[test]
fn truncated_berkeleydb() {
    let bytes = centos5();
    for len in [100, BDB_PAGE + 10, bytes.len() / 2, bytes.len() - 1] {
        assert_malformed(BDB_PATH, bytes[..len].to_vec(), "");
    }
    assert_malformed(BDB_PATH, bytes[..bytes.len() / 2].to_vec(), "truncated");
}

#[test]
fn truncated_sqlite() {
    let bytes = centos5_sqlite();
    for len in [50, 4096 + 10, bytes.len() / 2, bytes.len() - 1] {
        assert_malformed(SQLITE_PATH, bytes[..len].to_vec(), "");
    }
    assert_malformed(SQLITE_PATH, bytes[..bytes.len() / 2].to_vec(), "truncated");
}

#[test]
fn berkeleydb_hash_page_linked_to_itself() {
    let mut bytes = centos5();
    // centos5's Berkeley DB 4.3 writes unsorted hash pages (type 2), later ones type 13.
    let pgno = bdb_pages(&bytes, 2).next().expect("a hash page");
    set_le32(&mut bytes, pgno * BDB_PAGE + 16, pgno as u32);
    assert_malformed(BDB_PATH, bytes, "cycle");
}

#[test]
fn berkeleydb_overflow_page_linked_to_itself() {
    let mut bytes = centos5();
    let pgno = bdb_pages(&bytes, 7)
        .find(|&pgno| le32(&bytes, pgno * BDB_PAGE + 16) != 0)
        .expect("an overflow page with a successor");
    set_le32(&mut bytes, pgno * BDB_PAGE + 16, pgno as u32);
    assert_malformed(BDB_PATH, bytes, "cycle");
}

#[test]
fn berkeleydb_header_with_absurd_counts() {
    // The first page of an overflow chain (no predecessor) starts with a header blob,
    // whose first field is its tag count.
    let bytes = centos5();
    let first = bdb_pages(&bytes, 7)
        .find(|&pgno| le32(&bytes, pgno * BDB_PAGE + 12) == 0)
        .expect("the first page of an overflow chain");
    let mut tags = bytes.clone();
    tags[first * BDB_PAGE + 26..][..4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_malformed(BDB_PATH, tags, "absurd tag count");
    let mut data = bytes;
    data[first * BDB_PAGE + 30..][..4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    assert_malformed(BDB_PATH, data, "absurd data length");
}

#[test]
fn real_header_blobs_cut_short_or_inflated() {
    let bytes = centos5();
    let mut input = Input::new(Cursor::new(bytes.clone()), bytes.len() as u64);
    let mut blobs = Vec::new();
    bdb::for_each_value(&mut input, |blob| {
        blobs.push(blob.to_vec());
        Ok(())
    })
    .unwrap();
    assert!(blobs.len() > 100);
    let blob = &blobs[0];
    assert!(package::from_blob(blob, "bdb:x").unwrap().is_some());
    for len in [0, 7, 8, 100, blob.len() - 1] {
        assert!(
            package::from_blob(&blob[..len], "bdb:x").is_err(),
            "cut to {len}"
        );
    }
    let mut inflated = blob.clone();
    inflated[4..8].copy_from_slice(&(blob.len() as u32).to_be_bytes());
    assert!(package::from_blob(&inflated, "bdb:x").is_err());
}

#[test]
fn sqlite_interior_pages_linked_to_themselves_or_overfull() {
    let bytes = centos5_sqlite();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    // Every interior table page (rpm's index tables have some too), so the ones of
    // table Packages are surely among them.
    let interior: Vec<usize> = (2..=bytes.len() / page_size)
        .filter(|&pgno| bytes[(pgno - 1) * page_size] == 0x05)
        .collect();
    assert!(!interior.is_empty(), "no interior table page");
    let mut looped = bytes.clone();
    for &pgno in &interior {
        let at = (pgno - 1) * page_size + 8;
        looped[at..at + 4].copy_from_slice(&(pgno as u32).to_be_bytes());
    }
    assert_malformed(SQLITE_PATH, looped, "cycle");

    let mut crowded = bytes;
    for &pgno in &interior {
        let at = (pgno - 1) * page_size + 3;
        crowded[at..at + 2].copy_from_slice(&u16::MAX.to_be_bytes());
    }
    assert_malformed(SQLITE_PATH, crowded, "absurd cell count");
}

/// A SQLite varint at `at` and its length.
fn varint(bytes: &[u8], at: usize) -> (usize, usize) {
    let mut value = 0;
    for i in 0..9 {
        let byte = bytes[at + i];
        value = (value << 7) | usize::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("long varint in test data")
}

#[test]
fn sqlite_overflow_page_linked_to_itself() {
    let mut bytes = centos5_sqlite();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert_eq!(bytes[20], 0, "rpm reserves no bytes per page");
    // The first cell of a leaf table page whose payload spills: Packages rows do.
    let max_local = page_size - 35;
    let overflow = (2..=bytes.len() / page_size)
        .filter(|&pgno| bytes[(pgno - 1) * page_size] == 0x0d)
        .find_map(|pgno| {
            let page = &bytes[(pgno - 1) * page_size..pgno * page_size];
            let cell = usize::from(u16::from_be_bytes([page[8], page[9]]));
            let (size, a) = varint(page, cell);
            let (_, b) = varint(page, cell + a);
            if size <= max_local {
                return None;
            }
            let min_local = (page_size - 12) * 32 / 255 - 23;
            let spill = min_local + (size - min_local) % (page_size - 4);
            let local = if spill <= max_local { spill } else { min_local };
            let at = cell + a + b + local;
            Some(u32::from_be_bytes(page[at..at + 4].try_into().unwrap()) as usize)
        })
        .expect("a row with overflow pages");
    let at = (overflow - 1) * page_size;
    bytes[at..at + 4].copy_from_slice(&(overflow as u32).to_be_bytes());
    assert_malformed(SQLITE_PATH, bytes, "cycle");
}

/// Bends random bytes of a real database, favouring page headers and index areas, and
/// checks each scan ends cleanly: packages or a Malformed/Unsupported error.
fn mutate_and_scan(path: &str, bytes: &[u8], page_size: usize, rounds: usize, seed: u64) {
    let mut random = Random(seed);
    let pages = bytes.len() / page_size;
    let mut errors = 0;
    for round in 0..rounds {
        let mut bent = bytes.to_vec();
        for _ in 0..1 + random.below(8) {
            let at = if random.below(2) == 0 {
                random.below(pages) * page_size + random.below(64)
            } else {
                random.below(bent.len())
            };
            bent[at] = random.next() as u8;
        }
        match scan_in_time(path, bent) {
            Ok(_) => {}
            Err(ScanError::Malformed(error) | ScanError::Unsupported(error)) => {
                assert_eq!(error.path, path);
                errors += 1;
            }
            Err(other) => panic!("round {round}: unexpected {other:?}"),
        }
    }
    println!("{path}: {rounds} bent copies, {errors} rejected, none panicked or hung");
}

#[test]
fn bent_berkeleydb_never_panics_or_hangs() {
    mutate_and_scan(BDB_PATH, &centos5(), BDB_PAGE, 150, 0xbdb);
}

#[test]
fn bent_sqlite_never_panics_or_hangs() {
    let bytes = centos5_sqlite();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    mutate_and_scan(SQLITE_PATH, &bytes, page_size, 150, 0x5917);
}
