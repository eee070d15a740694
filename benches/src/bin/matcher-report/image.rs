//! The benchmark image: the debootstrap bookworm layer (88 dpkg packages) plus one
//! generated layer of Python distributions, indexed through the real indexer API.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use scry_model::IndexReport;
use sha2::{Digest as _, Sha256};

/// Real PyPI projects and versions, as pip would leave them in a Debian image.
const PYTHON_DISTRIBUTIONS: [(&str, &str); 24] = [
    ("requests", "2.28.1"),
    ("urllib3", "1.26.12"),
    ("certifi", "2022.9.24"),
    ("idna", "3.3"),
    ("charset-normalizer", "3.0.1"),
    ("six", "1.16.0"),
    ("setuptools", "66.1.1"),
    ("wheel", "0.38.4"),
    ("pip", "23.0.1"),
    ("PyYAML", "6.0"),
    ("Jinja2", "3.1.2"),
    ("MarkupSafe", "2.1.2"),
    ("cryptography", "38.0.4"),
    ("cffi", "1.15.1"),
    ("pycparser", "2.21"),
    ("packaging", "23.0"),
    ("pyparsing", "3.0.9"),
    ("attrs", "22.2.0"),
    ("click", "8.1.3"),
    ("Werkzeug", "2.2.2"),
    ("Flask", "2.2.2"),
    ("itsdangerous", "2.1.2"),
    ("python-dateutil", "2.8.2"),
    ("pytz", "2022.7.1"),
];

pub struct Layer {
    pub digest: String,
    pub path: PathBuf,
}

impl Layer {
    pub fn from_file(path: PathBuf) -> anyhow::Result<Layer> {
        let mut file = std::fs::File::open(&path)?;
        let mut hash = Sha256::new();
        std::io::copy(&mut file, &mut hash)?;
        Ok(Layer {
            digest: format!("sha256:{}", hex::encode(hash.finalize())),
            path,
        })
    }
}

/// A gzip layer with a `*.dist-info/METADATA` per distribution, written into `dir`.
pub fn python_layer(dir: &Path) -> anyhow::Result<Layer> {
    let path = dir.join("python-layer.tar.gz");
    let gz =
        flate2::write::GzEncoder::new(std::fs::File::create(&path)?, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, version) in PYTHON_DISTRIBUTIONS {
        let metadata =
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {name}\n\n");
        let dist_info = format!(
            "usr/local/lib/python3.11/dist-packages/{}-{version}.dist-info",
            name.replace('-', "_")
        );
        for (file, body) in [("METADATA", metadata.as_str()), ("INSTALLER", "pip\n")] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("{dist_info}/{file}"), body.as_bytes())?;
        }
    }
    tar.into_inner()?.finish()?.flush()?;
    Layer::from_file(path)
}

/// POSTs the manifest to the indexer and returns the index report.
pub async fn index(
    client: &reqwest::Client,
    api: &str,
    manifest: &str,
    layers: &[&Layer],
    layer_server: std::net::SocketAddr,
) -> anyhow::Result<IndexReport> {
    let body = serde_json::json!({
        "hash": manifest,
        "layers": layers.iter().map(|layer| serde_json::json!({
            "hash": layer.digest,
            "uri": format!("http://{layer_server}/{}", layer.digest),
            "headers": {},
        })).collect::<Vec<_>>(),
    });
    let resp = client
        .post(format!("{api}/indexer/api/v1/index_report"))
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 201, "index failed: {}", resp.text().await?);
    let report: IndexReport = resp.json().await?;
    anyhow::ensure!(report.state == IndexReport::FINISHED, "{}", report.err);
    Ok(report)
}

/// (source package, source version) of every dpkg package, deduplicated: what the
/// Debian tracker is keyed by.
pub fn debian_sources(report: &IndexReport) -> Vec<(String, String)> {
    let mut sources = std::collections::BTreeMap::new();
    for package in report.packages.values() {
        if let Some(source) = &package.source
            && !source.name.is_empty()
        {
            let version = if source.version.is_empty() {
                &package.version
            } else {
                &source.version
            };
            sources
                .entry(source.name.clone())
                .or_insert_with(|| version.clone());
        }
    }
    sources.into_iter().collect()
}
