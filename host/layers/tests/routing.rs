//! Which files reach which plugin: globs, executables, magic, whiteouts, links, and
//! where the bodies are kept.

mod common;

use common::*;
use scry_layers::{FileData, FileWants, Limits, LinkKind, Unresolved, UnresolvedLink};

#[tokio::test]
async fn routes_by_glob_execute_bit_and_magic() {
    let elf = b"\x7fELF\x02\x01\x01rest-of-binary".to_vec();
    let blob = gzip(&tar(&[
        File("usr/bin/tool", 0o755, elf.clone()),
        File("usr/bin/script", 0o750, b"#!/bin/sh\n".to_vec()),
        File("usr/lib/libz.so", 0o644, elf.clone()),
        File("opt/app.jar", 0o644, b"PK\x03\x04jar".to_vec()),
        file("opt/short", b"PK"),
        file("var/lib/dpkg/status", b"Package: zlib\n"),
        file("usr/share/doc/README", b"hello"),
    ]));
    let wants = [
        globs(&["**/var/lib/dpkg/status"]),
        FileWants {
            executables: true,
            ..FileWants::default()
        },
        FileWants {
            magic: vec![b"\x7fELF".to_vec()],
            ..FileWants::default()
        },
        FileWants {
            globs: vec!["opt/*.jar".into()],
            magic: vec![b"PK\x03\x04".to_vec()],
            ..FileWants::default()
        },
    ];
    let files = read(&blob, &wants).await.unwrap();
    let routed: Vec<(&str, &[usize])> = files
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.wanted_by.as_slice()))
        .collect();
    assert_eq!(
        routed,
        [
            ("usr/bin/tool", &[1, 2][..]),
            ("usr/bin/script", &[1][..]),
            ("usr/lib/libz.so", &[2][..]),
            ("opt/app.jar", &[3][..]),
            ("var/lib/dpkg/status", &[0][..]),
        ]
    );
    // The peeked magic bytes are still part of the body.
    assert_eq!(contents(&files.files[0].data), elf);
    assert_eq!(files.files[0].mode, 0o755);
    assert_eq!(files.files[0].size, elf.len() as u64);
}

#[tokio::test]
async fn whiteouts_are_recorded_not_captured() {
    let blob = gzip(&tar(&[
        file("etc/.wh.os-release", b""),
        file("usr/share/doc/.wh..wh..opq", b""),
        file(".wh.opt", b""),
        file("etc/issue", b"x"),
    ]));
    let files = read(&blob, &[globs(&["**"])]).await.unwrap();
    assert_eq!(
        files.whiteouts,
        [
            "etc/.wh.os-release",
            "usr/share/doc/.wh..wh..opq",
            ".wh.opt"
        ]
    );
    assert_eq!(paths(&files), ["etc/issue"]);
}

#[tokio::test]
async fn a_symlink_is_delivered_with_a_later_target() {
    // Debian's layout: etc sorts before usr, so the link comes first.
    let blob = gzip(&tar(&[
        Dir("etc"),
        Symlink("etc/os-release", "../usr/lib/os-release"),
        Dir("usr/lib"),
        file("usr/lib/os-release", b"ID=debian\n"),
    ]));
    let files = read(&blob, &[globs(&["etc/os-release"])]).await.unwrap();
    assert_eq!(
        summary(&files),
        [("etc/os-release".into(), b"ID=debian\n".to_vec(), vec![0])]
    );
    assert_eq!(files.files[0].mode, 0o644);
    assert!(files.unresolved_links.is_empty());
}

#[tokio::test]
async fn a_symlink_to_an_earlier_captured_file_shares_its_body() {
    let blob = gzip(&tar(&[
        file("usr/lib/os-release", b"ID=fedora\n"),
        Symlink("etc/os-release", "/usr/lib/os-release"),
    ]));
    let files = read(&blob, &[globs(&["etc/os-release", "usr/lib/os-release"])])
        .await
        .unwrap();
    assert_eq!(paths(&files), ["usr/lib/os-release", "etc/os-release"]);
    match (&files.files[0].data, &files.files[1].data) {
        (FileData::Inline(a), FileData::Inline(b)) => assert!(std::sync::Arc::ptr_eq(a, b)),
        other => panic!("{other:?}"),
    }
    assert_eq!(files.stats.inline_bytes, 10);
}

#[tokio::test]
async fn follows_chains_and_directory_links_with_dotdot_clamped() {
    let blob = gzip(&tar(&[
        Symlink("etc/os-release", "../../../../usr/lib/os-release"),
        Symlink("etc/system-release", "os-release"),
        Symlink("usr/lib", "lib64"),
        file("usr/lib64/os-release", b"ID=rhel\n"),
    ]));
    let files = read(&blob, &[globs(&["etc/system-release"])])
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [("etc/system-release".into(), b"ID=rhel\n".to_vec(), vec![0])]
    );
}

#[tokio::test]
async fn hard_links_are_delivered_with_the_target_bytes() {
    let blob = gzip(&tar(&[
        File("usr/bin/python3.12", 0o755, b"\x7fELF-python".to_vec()),
        Hardlink("usr/bin/python3", "./usr/bin/python3.12"),
        Hardlink("usr/bin/python", "usr/bin/python3"),
    ]));
    let wants = [
        globs(&["usr/bin/python"]),
        FileWants {
            executables: true,
            ..FileWants::default()
        },
    ];
    let files = read(&blob, &wants).await.unwrap();
    assert_eq!(
        summary(&files),
        [
            (
                "usr/bin/python3.12".into(),
                b"\x7fELF-python".to_vec(),
                vec![1]
            ),
            (
                "usr/bin/python3".into(),
                b"\x7fELF-python".to_vec(),
                vec![1]
            ),
            (
                "usr/bin/python".into(),
                b"\x7fELF-python".to_vec(),
                vec![0, 1]
            ),
        ]
    );
    assert_eq!(files.files[2].mode, 0o755);
}

#[tokio::test]
async fn unrecoverable_links_are_reported_and_counted() {
    let blob = gzip(&tar(&[
        file("usr/lib/os-release", b"ID=x\n"),
        Hardlink("etc/hard", "usr/lib/os-release"),
        Symlink("etc/soft", "../usr/lib/os-release"),
        Symlink("etc/lower", "/usr/share/base-release"),
        Symlink("etc/loop-a", "loop-b"),
        Symlink("etc/loop-b", "loop-a"),
        Dir("srv"),
        Symlink("etc/dir", "/srv"),
    ]));
    let files = read(&blob, &[globs(&["etc/*"])]).await.unwrap();
    assert!(files.files.is_empty(), "{:?}", paths(&files));
    // A cycle's target is wherever the 41st hop would have gone.
    let unresolved = |path: &str, kind, target: &str, reason| UnresolvedLink {
        path: path.into(),
        kind,
        target: target.into(),
        reason,
        wanted_by: vec![0],
    };
    assert_eq!(
        files.unresolved_links,
        [
            unresolved("etc/dir", LinkKind::Symlink, "srv", Unresolved::NotAFile),
            unresolved(
                "etc/hard",
                LinkKind::Hardlink,
                "usr/lib/os-release",
                Unresolved::NotCaptured
            ),
            unresolved(
                "etc/loop-a",
                LinkKind::Symlink,
                "etc/loop-a",
                Unresolved::TooManyHops
            ),
            unresolved(
                "etc/loop-b",
                LinkKind::Symlink,
                "etc/loop-b",
                Unresolved::TooManyHops
            ),
            unresolved(
                "etc/lower",
                LinkKind::Symlink,
                "usr/share/base-release",
                Unresolved::NotInLayer
            ),
            unresolved(
                "etc/soft",
                LinkKind::Symlink,
                "usr/lib/os-release",
                Unresolved::NotCaptured
            ),
        ]
    );
    assert_eq!(files.stats.unrecoverable_hardlinks, 1);
    assert_eq!(files.stats.unresolved_links, 6);
}

#[tokio::test]
async fn a_later_entry_replaces_an_earlier_one() {
    let blob = gzip(&tar(&[
        file("etc/os-release", b"old"),
        file("etc/issue", b"x"),
        file("etc/os-release", b"new"),
    ]));
    let files = read(&blob, &[globs(&["etc/*"])]).await.unwrap();
    assert_eq!(
        summary(&files),
        [
            ("etc/issue".into(), b"x".to_vec(), vec![0]),
            ("etc/os-release".into(), b"new".to_vec(), vec![0]),
        ]
    );
}

#[tokio::test]
async fn large_files_are_spooled_and_read_at_an_offset() {
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let blob = zstd(&tar(&[
        File("usr/lib/big.so", 0o644, big.clone()),
        file("usr/lib/small.so", b"small"),
    ]));
    let spool = tempfile::tempdir().unwrap();
    let limits = Limits {
        spool_dir: Some(spool.path().to_owned()),
        ..Limits::default()
    };
    let files = read_with(&blob, &[globs(&["usr/lib/*.so"])], &limits)
        .await
        .unwrap();
    let FileData::Spooled(spooled) = &files.files[0].data else {
        panic!("a 3 MB file should be spooled");
    };
    assert_eq!(spooled.len(), big.len() as u64);
    assert_eq!(
        spooled.read_at(1_234_567, 1000).unwrap(),
        big[1_234_567..1_235_567]
    );
    // Past the end: short, then empty.
    assert_eq!(spooled.read_at(2_999_990, 100).unwrap(), big[2_999_990..]);
    assert!(spooled.read_at(5_000_000, 100).unwrap().is_empty());
    assert!(matches!(files.files[1].data, FileData::Inline(_)));
    assert_eq!(files.stats.spooled_bytes, big.len() as u64);
    // Spool files are unlinked from the start: nothing is left to clean up.
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_spent_memory_budget_spools_small_files() {
    let blob = gzip(&tar(&[
        file("a.txt", &[b'a'; 600]),
        file("b.txt", &[b'b'; 600]),
    ]));
    let limits = Limits {
        memory_budget: 1000,
        ..Limits::default()
    };
    let files = read_with(&blob, &[globs(&["*.txt"])], &limits)
        .await
        .unwrap();
    assert!(matches!(files.files[0].data, FileData::Inline(_)));
    assert!(matches!(files.files[1].data, FileData::Spooled(_)));
    assert_eq!(contents(&files.files[1].data), [b'b'; 600]);
}
