//! Clair's airgap bundle: newline-delimited JSON, one record per line, gzip-compressed.
//! Keys as Clair writes them: `Updater`, `Fingerprint`, `Date`, `Kind`, `Ref`, and one
//! of `Vuln` or `Enrichment`. Records of one operation are contiguous.
//!
//! Import is all or nothing: the whole bundle is read and checked (gzip trailer
//! included) before anything is written, and operations already committed are deleted
//! again if a later one fails.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::Arc;

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use scry_model::{EnrichmentRecord, UpdateKind, Vulnerability};
use scry_store::VulnStore;
use scry_updaters::{FetchContext, Fetched, Sink, SinkError, Updater};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct BundleRecord {
    #[serde(rename = "Updater")]
    pub updater: String,
    #[serde(rename = "Fingerprint")]
    pub fingerprint: String,
    #[serde(rename = "Date")]
    pub date: String,
    #[serde(rename = "Kind")]
    pub kind: UpdateKind,
    #[serde(rename = "Ref")]
    pub reference: String,
    #[serde(rename = "Vuln", default, skip_serializing_if = "Option::is_none")]
    pub vulnerability: Option<Vulnerability>,
    #[serde(
        rename = "Enrichment",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enrichment: Option<EnrichmentRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum AirgapError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} line {line}: {reason}")]
    Record {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("importing operation {reference} of updater {updater}: {reason}")]
    Store {
        updater: String,
        reference: String,
        reason: String,
    },
    #[error("updater {updater}: {reason}")]
    Updater { updater: String, reason: String },
}

/// Writes records of one operation to the bundle.
struct BundleSink<'a, W: Write> {
    out: &'a mut W,
    head: BundleRecord,
    written: u64,
}

impl<W: Write> BundleSink<'_, W> {
    fn line(
        &mut self,
        vulnerability: Option<Vulnerability>,
        enrichment: Option<EnrichmentRecord>,
    ) -> Result<(), SinkError> {
        self.head.vulnerability = vulnerability;
        self.head.enrichment = enrichment;
        serde_json::to_writer(&mut *self.out, &self.head)
            .map_err(|err| SinkError(err.to_string()))?;
        self.out
            .write_all(b"\n")
            .map_err(|err| SinkError(err.to_string()))?;
        self.written += 1;
        Ok(())
    }
}

impl<W: Write> Sink for BundleSink<'_, W> {
    fn vulnerabilities(&mut self, batch: Vec<Vulnerability>) -> Result<(), SinkError> {
        batch.into_iter().try_for_each(|v| self.line(Some(v), None))
    }
    fn enrichments(&mut self, batch: Vec<EnrichmentRecord>) -> Result<(), SinkError> {
        batch.into_iter().try_for_each(|e| self.line(None, Some(e)))
    }
    fn deleted(&mut self, _names: Vec<String>) -> Result<(), SinkError> {
        // An export runs from scratch: there is nothing earlier to withdraw.
        Ok(())
    }
}

/// What an export wrote, per updater; failed updaters are listed, not fatal (Clair's
/// default without `--strict`).
#[derive(Debug, Default)]
pub struct ExportSummary {
    pub records: Vec<(String, u64)>,
    pub failed: Vec<(String, String)>,
}

/// Runs `updaters` from scratch and writes everything they produce to `path` (gzip).
pub async fn export(
    updaters: Vec<Arc<dyn Updater>>,
    ctx: &FetchContext,
    path: &Path,
) -> Result<ExportSummary, AirgapError> {
    let io = |source| AirgapError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::create(path).map_err(io)?;
    let mut out = GzEncoder::new(BufWriter::new(file), Compression::default());
    let mut summary = ExportSummary::default();
    for updater in updaters {
        let name = updater.name().to_string();
        let download = match updater.fetch(ctx, None).await {
            Ok(Fetched::Changed(download)) => download,
            Ok(Fetched::Unchanged) => continue,
            Err(err) => {
                tracing::error!(updater = %name, error = %err, "export: update failed");
                summary.failed.push((name, err.to_string()));
                continue;
            }
        };
        let head = BundleRecord {
            updater: name.clone(),
            fingerprint: download.fingerprint.clone(),
            date: now_rfc3339(),
            kind: updater.kind(),
            reference: new_reference(),
            vulnerability: None,
            enrichment: None,
        };
        let (written, parsed) = tokio::task::block_in_place(|| {
            let mut sink = BundleSink {
                out: &mut out,
                head,
                written: 0,
            };
            let parsed = updater.parse(&download, &mut sink);
            (sink.written, parsed)
        });
        match parsed {
            Ok(()) => summary.records.push((name, written)),
            Err(err) => {
                return Err(AirgapError::Updater {
                    updater: name,
                    reason: format!(
                        "{err} (after {written} records were written; the bundle is incomplete)"
                    ),
                });
            }
        }
    }
    out.finish().and_then(|mut w| w.flush()).map_err(io)?;
    Ok(summary)
}

/// Opens a bundle, gzip or plain (by magic bytes).
fn open(path: &Path) -> Result<Box<dyn BufRead>, AirgapError> {
    let io = |source| AirgapError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let gzip = file.read(&mut magic).map_err(io)? == 2 && magic == [0x1f, 0x8b];
    let file = File::open(path).map_err(io)?;
    Ok(if gzip {
        Box::new(BufReader::new(MultiGzDecoder::new(BufReader::new(file))))
    } else {
        Box::new(BufReader::new(file))
    })
}

/// Reads every record in order, calling `each` with (line number, record).
fn read_records(
    path: &Path,
    mut each: impl FnMut(usize, BundleRecord) -> Result<(), AirgapError>,
) -> Result<(), AirgapError> {
    let display = path.display().to_string();
    for (index, line) in open(path)?.lines().enumerate() {
        let line_no = index + 1;
        let line = line.map_err(|err| AirgapError::Record {
            path: display.clone(),
            line: line_no,
            reason: format!("unreadable (corrupt or truncated bundle): {err}"),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record: BundleRecord =
            serde_json::from_str(&line).map_err(|err| AirgapError::Record {
                path: display.clone(),
                line: line_no,
                reason: err.to_string(),
            })?;
        if record.vulnerability.is_some() == record.enrichment.is_some() {
            return Err(AirgapError::Record {
                path: display.clone(),
                line: line_no,
                reason: "needs exactly one of Vuln and Enrichment".into(),
            });
        }
        each(line_no, record)?;
    }
    Ok(())
}

/// What an import did.
#[derive(Debug, Default, PartialEq)]
pub struct ImportSummary {
    /// (updater, new ref, records).
    pub imported: Vec<(String, String, u64)>,
    /// Updaters whose operation's fingerprint was already stored.
    pub skipped: Vec<String>,
}

/// Imports a bundle into `store`, all or nothing.
pub async fn import(store: &VulnStore, path: &Path) -> Result<ImportSummary, AirgapError> {
    // Pass 1: the whole bundle must read cleanly before anything is written.
    let checked = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut seen = std::collections::HashSet::new();
        let mut current = None::<String>;
        read_records(&checked, |line, record| {
            if current.as_deref() != Some(&record.reference) {
                if !seen.insert(record.reference.clone()) {
                    return Err(AirgapError::Record {
                        path: checked.display().to_string(),
                        line,
                        reason: format!(
                            "records of operation {} are not contiguous",
                            record.reference
                        ),
                    });
                }
                current = Some(record.reference.clone());
            }
            Ok(())
        })
    })
    .await
    .expect("reading does not panic")?;

    let mut summary = ImportSummary::default();
    let result = import_checked(store, path, &mut summary).await;
    if let Err(err) = result {
        let refs: Vec<String> = summary.imported.iter().map(|(_, r, _)| r.clone()).collect();
        if !refs.is_empty()
            && let Err(undo) = store.delete_update_operations(&refs).await
        {
            tracing::error!(error = %undo, "removing operations of a failed import");
        }
        return Err(err);
    }
    Ok(summary)
}

/// Pass 2: one transaction per operation, fed by a reader thread.
async fn import_checked(
    store: &VulnStore,
    path: &Path,
    summary: &mut ImportSummary,
) -> Result<(), AirgapError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<BundleRecord>(4096);
    let reading = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        read_records(&reading, |_, record| {
            // A closed channel means the importer stopped on an error it reports.
            let _ = tx.blocking_send(record);
            Ok(())
        })
    });
    let mut open: Option<OpenOperation> = None;
    while let Some(record) = rx.recv().await {
        if open
            .as_ref()
            .is_none_or(|op| op.head.reference != record.reference)
        {
            if let Some(op) = open.take() {
                op.finish(summary).await?;
            }
            open = Some(OpenOperation::begin(store, &record).await?);
        }
        open.as_mut().expect("opened above").push(record).await?;
    }
    if let Some(op) = open.take() {
        op.finish(summary).await?;
    }
    reader.await.expect("reading does not panic")
}

/// An operation being imported; `writer` is `None` when its fingerprint is known.
struct OpenOperation {
    head: BundleRecord,
    writer: Option<scry_store::UpdateWriter>,
    count: u64,
    vulnerabilities: Vec<Vulnerability>,
    enrichments: Vec<EnrichmentRecord>,
}

impl OpenOperation {
    async fn begin(store: &VulnStore, record: &BundleRecord) -> Result<OpenOperation, AirgapError> {
        let head = BundleRecord {
            updater: record.updater.clone(),
            fingerprint: record.fingerprint.clone(),
            date: record.date.clone(),
            kind: record.kind,
            reference: record.reference.clone(),
            vulnerability: None,
            enrichment: None,
        };
        let known = store
            .has_operation(&head.updater, head.kind, &head.fingerprint)
            .await
            .map_err(|err| head.error(err))?;
        let writer = if known {
            None
        } else {
            Some(
                store
                    .begin_update(&head.updater, &head.fingerprint, head.kind, false)
                    .await
                    .map_err(|err| head.error(err))?,
            )
        };
        Ok(OpenOperation {
            head,
            writer,
            count: 0,
            vulnerabilities: Vec::new(),
            enrichments: Vec::new(),
        })
    }

    async fn push(&mut self, record: BundleRecord) -> Result<(), AirgapError> {
        self.count += 1;
        if self.writer.is_none() {
            return Ok(());
        }
        self.vulnerabilities.extend(record.vulnerability);
        self.enrichments.extend(record.enrichment);
        if self.vulnerabilities.len() + self.enrichments.len() >= scry_updaters::BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), AirgapError> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        if !self.vulnerabilities.is_empty() {
            writer
                .add_vulnerabilities(&std::mem::take(&mut self.vulnerabilities))
                .await
                .map_err(|err| self.head.error(err))?;
        }
        if !self.enrichments.is_empty() {
            writer
                .add_enrichments(&std::mem::take(&mut self.enrichments))
                .await
                .map_err(|err| self.head.error(err))?;
        }
        Ok(())
    }

    async fn finish(mut self, summary: &mut ImportSummary) -> Result<(), AirgapError> {
        self.flush().await?;
        match self.writer.take() {
            None => summary.skipped.push(self.head.updater),
            Some(writer) => {
                let operation = writer.commit().await.map_err(|err| self.head.error(err))?;
                summary
                    .imported
                    .push((self.head.updater, operation.reference, self.count));
            }
        }
        Ok(())
    }
}

impl BundleRecord {
    fn error(&self, err: impl std::fmt::Display) -> AirgapError {
        AirgapError::Store {
            updater: self.updater.clone(),
            reference: self.reference.clone(),
            reason: err.to_string(),
        }
    }
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn new_reference() -> String {
    uuid::Uuid::new_v4().to_string()
}
