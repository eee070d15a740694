//! Compression formats, tar dialects and the stream's bookkeeping.

mod common;

use std::sync::Mutex;

use common::*;
use scry_layers::{Compression, Limits, Router, read_layer, walk_only};

fn sample() -> Vec<u8> {
    tar(&[
        Dir("etc"),
        file("etc/os-release", b"ID=debian\n"),
        file("etc/hostname", b"box\n"),
        Dir("var/lib/dpkg"),
        file("var/lib/dpkg/status", b"Package: bash\n"),
    ])
}

fn os_and_dpkg() -> Vec<scry_layers::FileWants> {
    vec![
        globs(&["etc/os-release"]),
        globs(&["**/var/lib/dpkg/status"]),
    ]
}

#[tokio::test]
async fn reads_gzip_zstd_and_plain_tar_alike() {
    let tar = sample();
    for (blob, compression) in [
        (gzip(&tar), Compression::Gzip),
        (zstd(&tar), Compression::Zstd),
        (tar.clone(), Compression::Uncompressed),
    ] {
        let files = read(&blob, &os_and_dpkg()).await.unwrap();
        assert_eq!(
            summary(&files),
            [
                ("etc/os-release".into(), b"ID=debian\n".to_vec(), vec![0]),
                (
                    "var/lib/dpkg/status".into(),
                    b"Package: bash\n".to_vec(),
                    vec![1]
                ),
            ],
            "{compression}"
        );
        let stats = &files.stats;
        assert_eq!(stats.compression, compression);
        assert_eq!(stats.compressed_bytes, blob.len() as u64);
        assert_eq!(stats.uncompressed_bytes, tar.len() as u64);
        assert_eq!(stats.entries, 5);
        assert_eq!(stats.captured_files, 2);
        assert_eq!(stats.inline_bytes, 24);
    }
}

#[tokio::test]
async fn reads_multi_member_gzip_and_multi_frame_zstd() {
    // Split the tar at an arbitrary byte: members need not align with entries.
    let tar = sample();
    let (front, back) = tar.split_at(700);
    for compress in [gzip, zstd] {
        let mut blob = compress(front);
        blob.extend(compress(back));
        let files = read(&blob, &os_and_dpkg()).await.unwrap();
        assert_eq!(paths(&files), ["etc/os-release", "var/lib/dpkg/status"]);
    }
}

#[tokio::test]
async fn tolerates_undecodable_bytes_after_the_tar_but_hashes_them() {
    let mut blob = gzip(&sample());
    blob.extend(b"\0\0\0\0junk");
    let files = read(&blob, &os_and_dpkg()).await.unwrap();
    assert_eq!(paths(&files), ["etc/os-release", "var/lib/dpkg/status"]);
    assert_eq!(files.stats.compressed_bytes, blob.len() as u64);
}

#[tokio::test]
async fn reads_an_empty_layer() {
    let files = read(&tar(&[]), &os_and_dpkg()).await.unwrap();
    assert!(files.files.is_empty());
    assert_eq!(files.stats.entries, 0);
    let files = read(b"", &os_and_dpkg()).await.unwrap();
    assert!(files.files.is_empty());
}

#[tokio::test]
async fn reads_a_pax_long_path() {
    let long = format!(
        "usr/lib/python3.12/site-packages/{}/METADATA",
        "d".repeat(150)
    );
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_pax_extensions([("path", long.as_bytes())])
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_path("usr/lib/truncated").unwrap();
    header.set_size(5);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, &b"Name:"[..]).unwrap();
    let blob = gzip(&builder.into_inner().unwrap());

    let files = read(&blob, &[globs(&["usr/lib/*/site-packages/*/METADATA"])])
        .await
        .unwrap();
    assert_eq!(summary(&files), [(long, b"Name:".to_vec(), vec![0])]);
}

#[tokio::test]
async fn reads_a_gnu_long_name_and_long_link() {
    let long: &'static str =
        Box::leak(format!("opt/{}/lib/os-release", "n".repeat(120)).into_boxed_str());
    let blob = gzip(&tar(&[
        file(long, b"ID=alpine\n"),
        Symlink(
            "etc/os-release",
            Box::leak(format!("/{long}").into_boxed_str()),
        ),
    ]));
    let files = read(
        &blob,
        &[globs(&["opt/*/lib/os-release"]), globs(&["etc/os-release"])],
    )
    .await
    .unwrap();
    assert_eq!(
        summary(&files),
        [
            (long.to_owned(), b"ID=alpine\n".to_vec(), vec![0]),
            ("etc/os-release".into(), b"ID=alpine\n".to_vec(), vec![1]),
        ]
    );
}

#[tokio::test]
async fn normalises_dot_slash_and_absolute_names() {
    let mut builder = tar::Builder::new(Vec::new());
    raw_entry(&mut builder, b"./", tar::EntryType::Directory, b"");
    raw_entry(
        &mut builder,
        b"./etc/os-release",
        tar::EntryType::Regular,
        b"a",
    );
    raw_entry(
        &mut builder,
        b"/etc//./issue",
        tar::EntryType::Regular,
        b"b",
    );
    let blob = builder.into_inner().unwrap();
    let files = read(&blob, &[globs(&["etc/*"])]).await.unwrap();
    assert_eq!(paths(&files), ["etc/os-release", "etc/issue"]);
}

#[tokio::test]
async fn the_digest_covers_bytes_after_the_tar_end() {
    // tar's end marker is followed by record padding; an extra zero block is fine too.
    let mut tar = sample();
    tar.extend([0u8; 4096]);
    let files = read(&gzip(&tar), &os_and_dpkg()).await.unwrap();
    assert_eq!(files.stats.uncompressed_bytes, tar.len() as u64);
}

#[tokio::test]
async fn reports_progress_in_raw_bytes() {
    // Incompressible, so the blob is a few MiB.
    let mut noise = Vec::with_capacity(3 << 20);
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    while noise.len() < 3 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    let blob = gzip(&tar(&[File("blob.bin", 0o644, noise)]));
    let stored = store(&blob);
    let seen = Mutex::new(Vec::new());
    let files = read_layer(
        &stored.layer,
        &Router::new(&[]).unwrap(),
        &Limits::default(),
        &reqwest::Client::new(),
        &|n| seen.lock().unwrap().push(n),
    )
    .await
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(*seen.last().unwrap(), blob.len() as u64);
    assert_eq!(files.stats.compressed_bytes, blob.len() as u64);
}

#[tokio::test]
async fn walk_only_reads_everything_and_captures_nothing() {
    let tar = sample();
    let blob = zstd(&tar);
    let stored = store(&blob);
    let stats = walk_only(&stored.layer, &Limits::default(), &reqwest::Client::new())
        .await
        .unwrap();
    assert_eq!(stats.entries, 5);
    assert_eq!(stats.captured_files, 0);
    assert_eq!(stats.uncompressed_bytes, tar.len() as u64);
    assert_eq!(stats.compression, Compression::Zstd);
}

#[test]
fn reading_a_layer_is_send() {
    fn assert_send<T: Send>(_: T) {}
    let layer = store(b"").layer;
    let router = Router::new(&[]).unwrap();
    let limits = Limits::default();
    let http = reqwest::Client::new();
    assert_send(read_layer(&layer, &router, &limits, &http, &|_| {}));
    assert_send(walk_only(&layer, &limits, &http));
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<scry_layers::LayerError>();
    assert_error::<scry_layers::BadGlob>();
}
