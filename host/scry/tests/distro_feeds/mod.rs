//! Vulnerability feeds in Red Hat's, Alpine's and OSV's real formats, generated from
//! what a fixture image holds, each with the oracle's verdict on every pair it states.
#![allow(dead_code)]

pub mod alpine_secdb;
pub mod osv_pypi;
pub mod rhel_vex;

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::matcher_common::Judged;

/// Files to serve (path → body) and what the oracle says about each stated pair.
pub struct Feed {
    pub files: HashMap<String, Vec<u8>>,
    pub judged: Vec<Judged>,
}

/// `data` through `zstd -c` (the CLI scripts/fixtures.sh also uses).
pub fn zstd(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("zstd")
        .args(["-q", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running zstd (scripts/deps.sh installs it)");
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "zstd failed");
    output.stdout
}

/// A tar archive of `files` (path → body), regular files only.
pub fn tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, body) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        builder
            .append_data(&mut header, path, body.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// A deflated zip of `files`, written by Python's zipfile (as OSV's own exports are
/// ordinary zip files).
pub fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for (n, (name, body)) in files.iter().enumerate() {
        std::fs::write(dir.path().join(n.to_string()), body).unwrap();
        names.push(name.clone());
    }
    std::fs::write(dir.path().join("names"), names.join("\n")).unwrap();
    let out = dir.path().join("all.zip");
    let script = "import sys, zipfile, os\n\
        d, out = sys.argv[1], sys.argv[2]\n\
        names = open(os.path.join(d, 'names')).read().split('\\n')\n\
        with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n\
        \x20   for n, name in enumerate(names):\n\
        \x20       z.write(os.path.join(d, str(n)), name)\n";
    let status = Command::new(crate::matcher_common::DEBIAN_PYTHON)
        .args(["-c", script])
        .arg(dir.path())
        .arg(&out)
        .status()
        .expect("running python3");
    assert!(status.success(), "python zipfile failed");
    std::fs::read(out).unwrap()
}
