//! Broken and hostile layers end with a precise error, in bounded memory.

mod common;

use std::io::{self, Read as _, Write as _};

use common::*;
use scry_layers::{LayerError, Limits, Place};
use tar::EntryType;

/// Reads `blob` as a layer and expects an error whose message names the layer digest.
async fn fails(blob: &[u8], limits: &Limits) -> LayerError {
    let err = read_with(blob, &[globs(&["**"])], limits)
        .await
        .expect_err("the layer should be rejected");
    assert!(err.to_string().contains(&sha256(blob)), "{err}");
    err
}

/// A gzip'd tar of `files` files of `len` zeros each, written without holding it whole.
fn zeros_layer(files: u32, len: u64) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    for i in 0..files {
        let mut header = tar::Header::new_gnu();
        header.set_size(len);
        header.set_mode(0o644);
        builder
            .append_data(
                &mut header,
                format!("var/zeros{i}"),
                io::repeat(0).take(len),
            )
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[tokio::test]
async fn a_wrong_digest_returns_no_files() {
    let blob = gzip(&tar(&[file("etc/os-release", b"ID=x\n")]));
    let mut stored = store(&blob);
    let wrong = sha256(b"something else");
    stored.layer.digest = wrong.clone();
    let err = scry_layers::read_layer(
        &stored.layer,
        &router(&[globs(&["**"])]),
        &Limits::default(),
        &reqwest::Client::new(),
        &|_| {},
    )
    .await
    .unwrap_err();
    let LayerError::DigestMismatch { digest, actual } = &err else {
        panic!("{err}");
    };
    assert_eq!(digest, &wrong);
    assert_eq!(actual, &sha256(&blob));
    let message = err.to_string();
    assert!(
        message.contains(&wrong) && message.contains(&sha256(&blob)),
        "{message}"
    );
}

#[tokio::test]
async fn a_malformed_digest_is_rejected_up_front() {
    let mut stored = store(b"");
    stored.layer.digest = "sha1:abc".into();
    let err = scry_layers::walk_only(&stored.layer, &Limits::default(), &reqwest::Client::new())
        .await
        .unwrap_err();
    assert!(matches!(err, LayerError::BadDigest { .. }), "{err}");
    assert!(err.to_string().contains("sha1:abc"), "{err}");
}

#[tokio::test]
async fn path_traversal_names_the_entry() {
    for name in [&b"../../etc/passwd"[..], b"usr/lib/../../../root/.ssh/x"] {
        let mut builder = tar::Builder::new(Vec::new());
        raw_entry(&mut builder, b"etc/ok", EntryType::Regular, b"fine");
        raw_entry(&mut builder, name, EntryType::Regular, b"evil");
        let blob = gzip(&builder.into_inner().unwrap());
        let err = fails(&blob, &Limits::default()).await;
        let LayerError::PathTraversal { path, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(path.as_bytes(), name);
        assert!(err.to_string().contains(path.as_str()), "{err}");
    }
}

#[tokio::test]
async fn a_truncated_gzip_stream() {
    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let full = gzip(&tar(&[File("usr/lib/libx.so", 0o644, body)]));
    let cut = &full[..full.len() / 2];
    let err = fails(cut, &Limits::default()).await;
    assert!(
        matches!(
            &err,
            LayerError::Truncated { stream: "gzip", place: Place::In(path), .. }
                if path == "usr/lib/libx.so"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_truncated_plain_tar() {
    let full = tar(&[file("a", b"1"), File("usr/big", 0o644, vec![7; 10_000])]);
    let err = fails(&full[..3_000], &Limits::default()).await;
    assert!(
        matches!(
            &err,
            LayerError::Truncated { stream: "tar", place: Place::In(path), .. } if path == "usr/big"
        ),
        "{err}"
    );
    // Cut inside a header.
    let err = fails(&full[..1_100], &Limits::default()).await;
    assert!(
        matches!(&err, LayerError::Truncated { stream: "tar", place: Place::After(path), .. } if path == "a"),
        "{err}"
    );
}

#[tokio::test]
async fn corrupt_gzip_data() {
    let mut blob = gzip(&tar(&[File("usr/lib/libx.so", 0o644, vec![3; 50_000])]));
    let middle = blob.len() / 2;
    blob[middle] ^= 0xff;
    blob[middle + 1] ^= 0x55;
    let err = fails(&blob, &Limits::default()).await;
    assert!(
        matches!(err, LayerError::Decompress { .. } | LayerError::Tar { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_gzip_bomb_hits_the_size_limit() {
    // No single entry claims more than the limit; together they do.
    let blob = zeros_layer(8, 4 << 20);
    assert!(blob.len() < 64 << 10, "{}", blob.len());
    let limits = Limits {
        max_uncompressed: 8 << 20,
        ratio_floor: u64::MAX,
        ..Limits::default()
    };
    let err = fails(&blob, &limits).await;
    assert!(
        matches!(err, LayerError::TooMuchData { limit, .. } if limit == 8 << 20),
        "{err}"
    );
}

#[tokio::test]
async fn a_gzip_bomb_hits_the_ratio_limit() {
    let blob = zeros_layer(1, 32 << 20);
    let limits = Limits {
        max_ratio: 100,
        ratio_floor: 1 << 20,
        ..Limits::default()
    };
    let err = fails(&blob, &limits).await;
    let LayerError::RatioExceeded {
        uncompressed,
        compressed,
        ..
    } = err
    else {
        panic!("{err}");
    };
    assert!(uncompressed > 100 * compressed);
    // Stopped early, not after the whole 32 MiB.
    assert!(uncompressed < 4 << 20, "{uncompressed}");
}

#[tokio::test]
async fn a_header_claiming_an_absurd_size() {
    let mut header = tar::Header::new_gnu();
    header.set_path("usr/lib/huge").unwrap();
    header.set_size(1 << 60);
    header.set_mode(0o644);
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, io::empty()).unwrap();
    let blob = gzip(&builder.into_inner().unwrap());
    let err = fails(&blob, &Limits::default()).await;
    assert!(
        matches!(&err, LayerError::EntryTooLarge { path, size, .. } if path == "usr/lib/huge" && *size == 1 << 60),
        "{err}"
    );

    // Plausible but false: the stream simply ends inside the entry.
    header.set_size(1 << 30);
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, io::empty()).unwrap();
    let blob = gzip(&builder.into_inner().unwrap());
    let err = read_with(&blob, &[], &Limits::default()).await.unwrap_err();
    assert!(
        matches!(err, LayerError::Truncated { stream: "tar", .. }),
        "{err}"
    );
}

#[tokio::test]
async fn too_many_entries() {
    let items: Vec<Item> = (0..20).map(|_| file("etc/x", b"x")).collect();
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let err = fails(&gzip(&tar(&items)), &limits).await;
    assert!(
        matches!(err, LayerError::TooManyEntries { limit: 10, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_wanted_file_over_the_size_limit() {
    let blob = gzip(&tar(&[File("opt/app.jar", 0o644, vec![1; 3 << 20])]));
    let limits = Limits {
        max_file_size: 1 << 20,
        ..Limits::default()
    };
    let err = fails(&blob, &limits).await;
    assert!(
        matches!(&err, LayerError::FileTooLarge { path, size, .. } if path == "opt/app.jar" && *size == 3 << 20),
        "{err}"
    );
    // The same file is fine when nobody wants it.
    read_with(&blob, &[globs(&["etc/*"])], &limits)
        .await
        .unwrap();
}

#[tokio::test]
async fn oversized_extension_headers() {
    let mut builder = tar::Builder::new(Vec::new());
    let comment = vec![b'c'; 2 << 20];
    builder
        .append_pax_extensions([("comment", &comment[..])])
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_path("etc/x").unwrap();
    header.set_size(1);
    header.set_cksum();
    builder.append(&header, &b"x"[..]).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&builder.into_inner().unwrap()).unwrap();
    let blob = encoder.finish().unwrap();
    let err = fails(&blob, &Limits::default()).await;
    assert!(
        matches!(
            err,
            LayerError::HeaderTooLarge {
                place: Place::Start,
                ..
            }
        ),
        "{err}"
    );
}
