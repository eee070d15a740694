//! A generated Debian security tracker feed in the real JSON shape, written as a
//! stream so a feed of any size never sits in memory:
//! `{"<source>": {"<CVE>": {"description", "scope", "releases": {"<codename>":
//! {"status", "repositories", "fixed_version", "urgency"}}}}}`.

use std::io::{self, Write};

/// Releases the updater is told about (codename, version), as `updaters.config.debian.
/// releases` spells them.
pub const RELEASES: [(&str, &str); 3] = [("bullseye", "11"), ("bookworm", "12"), ("trixie", "13")];
/// In every entry, as in the real feed, but with no version: the updater skips it.
const UNVERSIONED: &str = "sid";
const URGENCIES: [&str; 6] = [
    "low",
    "medium",
    "high",
    "unimportant",
    "not yet assigned",
    "low*",
];
const FILLER: &str = "A crafted input may cause an out-of-bounds read, a use after free or \
    a denial of service through excessive memory consumption in the parser when it handles \
    malformed records; remote attackers may exploit this with a specially crafted file. ";

/// What to generate.
pub struct FeedPlan {
    /// Source packages of the image (name, installed source version), on `image_release`.
    pub image_sources: Vec<(String, String)>,
    pub image_release: &'static str,
    /// CVEs per image source package; a fifth of them in each verdict kind.
    pub cves_per_image_source: usize,
    /// CVEs per generated package that is not in the image.
    pub cves_per_other_package: usize,
    /// Characters of each CVE's description (the real feed's are mostly 100–500).
    pub description_len: usize,
    /// Keep adding packages not in the image until this is reached.
    pub stop: Stop,
}

pub enum Stop {
    /// Records the updater will emit: (package, CVE, known release) triples.
    Records(u64),
    Bytes(u64),
}

#[derive(Debug, Default, Clone, Copy)]
pub struct FeedStats {
    pub bytes: u64,
    pub packages: u64,
    pub cves: u64,
    /// Vulnerabilities the updater emits from it (unversioned releases excluded).
    pub records: u64,
}

/// How one release states a CVE.
enum Status {
    Resolved(String),
    Open,
    Undetermined,
}

/// Writes the feed that `plan` describes to `out`.
pub fn write_feed(out: impl Write, plan: &FeedPlan) -> io::Result<FeedStats> {
    let mut feed = Writer {
        out: Counting {
            inner: out,
            bytes: 0,
        },
        stats: FeedStats::default(),
        description: String::new(),
    };
    feed.out.write_all(b"{")?;
    for (source, version) in &plan.image_sources {
        feed.package(source, plan.cves_per_image_source, plan, |n, codename| {
            image_status(n, codename, plan.image_release, version)
        })?;
    }
    let mut other = 0u64;
    while !match plan.stop {
        Stop::Records(records) => feed.stats.records >= records,
        Stop::Bytes(bytes) => feed.out.bytes >= bytes,
    } {
        let name = format!("scry-gen-{other:06}");
        feed.package(&name, plan.cves_per_other_package, plan, |n, _| {
            other_status(n, other)
        })?;
        other += 1;
    }
    feed.out.write_all(b"}")?;
    feed.out.flush()?;
    feed.stats.bytes = feed.out.bytes;
    Ok(feed.stats)
}

struct Writer<W: Write> {
    out: Counting<W>,
    stats: FeedStats,
    description: String,
}

impl<W: Write> Writer<W> {
    fn package(
        &mut self,
        name: &str,
        cves: usize,
        plan: &FeedPlan,
        status: impl Fn(usize, &str) -> Status,
    ) -> io::Result<()> {
        if self.stats.packages > 0 {
            self.out.write_all(b",")?;
        }
        self.stats.packages += 1;
        serde_json::to_writer(&mut self.out, name)?;
        self.out.write_all(b":{")?;
        for n in 0..cves {
            let cve = self.stats.cves;
            self.stats.cves += 1;
            if n > 0 {
                self.out.write_all(b",")?;
            }
            let id = format!("CVE-{}-{:05}", 2000 + cve / 90_000, 10_000 + cve % 90_000);
            self.describe(&id, name, plan.description_len);
            let mut releases = serde_json::Map::new();
            let codenames = RELEASES.iter().map(|(codename, _)| *codename);
            for (r, codename) in codenames.chain([UNVERSIONED]).enumerate() {
                let urgency = URGENCIES[(cve as usize + r) % URGENCIES.len()];
                releases.insert(
                    codename.into(),
                    release(codename, status(n, codename), urgency),
                );
                if codename != UNVERSIONED {
                    self.stats.records += 1;
                }
            }
            serde_json::to_writer(&mut self.out, &id)?;
            self.out.write_all(b":")?;
            let entry = serde_json::json!({
                "description": self.description,
                "scope": if cve.is_multiple_of(3) { "local" } else { "remote" },
                "releases": releases,
            });
            serde_json::to_writer(&mut self.out, &entry)?;
        }
        self.out.write_all(b"}")
    }

    fn describe(&mut self, id: &str, package: &str, len: usize) {
        self.description.clear();
        self.description
            .push_str(&format!("{id}: an issue in {package}. "));
        while self.description.len() < len {
            self.description.push_str(FILLER);
        }
        self.description.truncate(len.max(1));
    }
}

fn release(codename: &str, status: Status, urgency: &str) -> serde_json::Value {
    let (word, fixed) = match &status {
        Status::Resolved(version) => ("resolved", version.as_str()),
        Status::Open => ("open", ""),
        Status::Undetermined => ("undetermined", ""),
    };
    let mut entry = serde_json::json!({
        "status": word,
        "repositories": {codename: fixed},
        "urgency": urgency,
    });
    if let Status::Resolved(version) = status {
        entry["fixed_version"] = version.into();
    }
    entry
}

/// The image's CVEs: on its own release a fifth each fixed above the installed version
/// (vulnerable), open (vulnerable), fixed below it, not affected (`0`), undetermined;
/// other releases vary too, and must never match.
fn image_status(n: usize, codename: &str, image_release: &str, installed: &str) -> Status {
    if codename != image_release {
        return match n % 3 {
            0 => Status::Open,
            1 => Status::Resolved(format!("{installed}+scry{n}")),
            _ => Status::Resolved("0".into()),
        };
    }
    match n % 5 {
        // dpkg orders a `+` suffix after the bare version.
        0 => Status::Resolved(format!("{installed}+scry1")),
        1 => Status::Open,
        // Epoch 0 and version 0.0 sort below any installed version.
        2 => Status::Resolved("0.0.1-1".into()),
        3 => Status::Resolved("0".into()),
        _ => Status::Undetermined,
    }
}

fn other_status(n: usize, package: u64) -> Status {
    match (n as u64 + package) % 4 {
        0 => Status::Open,
        1 => Status::Resolved("0".into()),
        m => Status::Resolved(format!("{}.{}.{}-{}", 1 + package % 7, n, m, 1 + n % 3)),
    }
}

/// Counts the bytes written through it.
struct Counting<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_tracker_json() {
        let plan = FeedPlan {
            image_sources: vec![("glibc".into(), "2.36-9+deb12u4".into())],
            image_release: "bookworm",
            cves_per_image_source: 5,
            cves_per_other_package: 2,
            description_len: 80,
            stop: Stop::Records(40),
        };
        let mut out = Vec::new();
        let stats = write_feed(&mut out, &plan).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        assert!(stats.records >= 40);
        assert_eq!(stats.records, stats.cves * RELEASES.len() as u64);
        let glibc = json["glibc"].as_object().unwrap();
        assert_eq!(glibc.len(), 5);
        let first = glibc.values().next().unwrap();
        assert_eq!(first["releases"].as_object().unwrap().len(), 4);
        assert_eq!(
            first["releases"]["bookworm"]["fixed_version"],
            "2.36-9+deb12u4+scry1"
        );
        assert_eq!(json.as_object().unwrap().len() as u64, stats.packages);
    }
}
