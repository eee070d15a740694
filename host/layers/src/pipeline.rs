//! The stream a layer is read through, assembled and finished:
//! source → hash → magic-byte sniff → buffer → decoder → limits → (tar reader).

use std::{io, io::Cursor, sync::Arc};

use tokio::io::{AsyncReadExt as _, BufReader, Chain};

use crate::{
    Compression, Layer, LayerError, Limits, Place,
    decompress::{self, Decoder},
    digest::{Expected, HashingReader},
    guard::{Fault, Gauge, LimitReader},
    source::{self, RawStream},
    spool::CHUNK,
};

type Hashed<'a> = HashingReader<'a, RawStream<'a>>;
type Buffered<'a> = BufReader<Chain<Cursor<Vec<u8>>, Hashed<'a>>>;
/// The decompressed tar stream of one layer.
pub(crate) type TarStream<'a> = LimitReader<Decoder<Buffered<'a>>>;

/// What the stages of one layer share with the code that reports their errors.
pub(crate) struct Context {
    pub(crate) digest: String,
    origin: String,
    pub(crate) compression: Compression,
    pub(crate) gauge: Arc<Gauge>,
    expected: Expected,
}

impl Context {
    /// Turns an I/O error from the tar stream into the error of the stage that failed.
    pub(crate) fn stream_error(&self, err: io::Error, place: Place) -> LayerError {
        let digest = self.digest.clone();
        match self.gauge.take_fault() {
            Some(Fault::Source(source)) => LayerError::Read {
                digest,
                origin: self.origin.clone(),
                place,
                source,
            },
            Some(Fault::Decode(source)) if source.kind() == io::ErrorKind::UnexpectedEof => {
                LayerError::Truncated {
                    digest,
                    stream: self.compression.name(),
                    place,
                }
            }
            Some(Fault::Decode(source)) => LayerError::Decompress {
                digest,
                compression: self.compression,
                place,
                source,
            },
            Some(Fault::TooMuchData { limit }) => LayerError::TooMuchData {
                digest,
                limit,
                place,
            },
            Some(Fault::Ratio {
                uncompressed,
                compressed,
                limit,
            }) => LayerError::RatioExceeded {
                digest,
                uncompressed,
                compressed,
                limit,
                place,
            },
            Some(Fault::HeaderTooLarge { limit }) => LayerError::HeaderTooLarge {
                digest,
                limit,
                place,
            },
            // Nothing below the tar reader failed, but its input ended: the tar is cut.
            None if self.gauge.uncompressed_ended() => LayerError::Truncated {
                digest,
                stream: "tar",
                place,
            },
            None => LayerError::Tar {
                digest,
                place,
                source: err,
            },
        }
    }
}

/// Opens the layer's source and detects its compression.
pub(crate) async fn open<'a>(
    layer: &'a Layer,
    limits: &Limits,
    http: &reqwest::Client,
    progress: &'a (dyn Fn(u64) + Sync),
) -> Result<(TarStream<'a>, Context), LayerError> {
    let expected = Expected::parse(&layer.digest).ok_or_else(|| LayerError::BadDigest {
        digest: layer.digest.clone(),
    })?;
    let raw = source::open(layer, http).await?;
    let gauge = Gauge::new();
    let mut hashed = HashingReader::new(raw, expected.algorithm, gauge.clone(), progress);
    let mut context = Context {
        digest: layer.digest.clone(),
        origin: layer.source.origin(),
        compression: Compression::Uncompressed,
        gauge: gauge.clone(),
        expected,
    };

    // Sniff the magic bytes, then put them back in front of the stream.
    let mut head = vec![0; decompress::MAGIC_LEN];
    let mut filled = 0;
    while filled < head.len() {
        match hashed.read(&mut head[filled..]).await {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) => return Err(context.stream_error(err, Place::Start)),
        }
    }
    head.truncate(filled);
    context.compression = Compression::detect(&head);

    let buffered = BufReader::with_capacity(CHUNK, Cursor::new(head).chain(hashed));
    let decoder = Decoder::new(buffered, context.compression, gauge.clone());
    Ok((LimitReader::new(decoder, gauge, limits), context))
}

/// Reads what follows the tar's end-of-archive marker, so that the digest covers the
/// whole blob, then checks the digest.
pub(crate) async fn finish(mut stream: TarStream<'_>, context: &Context) -> Result<(), LayerError> {
    let mut buf = vec![0; CHUNK];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) => match context.gauge.take_fault() {
                // Bytes after the archive that do not decode (trailing garbage, a
                // missing trailer) change nothing in the files; the digest still has
                // the last word on the blob's integrity.
                Some(Fault::Decode(source)) => {
                    tracing::warn!(
                        layer = %context.digest,
                        error = %source,
                        "undecodable bytes after the end of the tar"
                    );
                    break;
                }
                fault => {
                    // Put the fault back for `stream_error`.
                    if let Some(fault) = fault {
                        context.gauge.trip(fault);
                    }
                    return Err(context.stream_error(err, Place::AfterEnd));
                }
            },
        }
    }

    let (_, mut hashed) = stream.into_inner().into_inner().into_inner().into_inner();
    loop {
        match hashed.read(&mut buf).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) => return Err(context.stream_error(err, Place::AfterEnd)),
        }
    }
    let actual = hashed.finish();
    let expected = &context.expected;
    let matches = actual
        .split_once(':')
        .is_some_and(|(_, hex)| hex == expected.hex);
    if !matches {
        return Err(LayerError::DigestMismatch {
            digest: context.digest.clone(),
            actual,
        });
    }
    Ok(())
}
