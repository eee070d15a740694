//! `scry.limits`: bounds on what one layer or one plugin call may use. Every key is
//! optional; an unset key keeps Scry's built-in default (shown in each doc comment).
//! Sizes are bytes or strings such as `512MiB`; times are Go durations such as `60s`.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::bytesize::ByteSize;

/// `scry.limits`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Limits applied while reading one layer.
    #[serde(skip_serializing_if = "LayerLimits::is_default")]
    pub layer: LayerLimits,
    /// Limits applied to plugins.
    #[serde(skip_serializing_if = "PluginLimits::is_default")]
    pub plugin: PluginLimits,
}

impl Limits {
    pub(crate) fn is_default(&self) -> bool {
        self == &Limits::default()
    }
}

/// `scry.limits.layer`: passing any of these ends that layer's scan with an error,
/// except `inline_max` and `memory_budget`, which only decide whether a captured file
/// is kept in memory or spooled to a temporary file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LayerLimits {
    /// Captured files up to this size stay in memory (default 1MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_max: Option<ByteSize>,
    /// Memory for captured files of one layer before spooling starts (default 256MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_budget: Option<ByteSize>,
    /// Largest single file a plugin may ask for (default 2GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_file_size: Option<ByteSize>,
    /// Most decompressed bytes one layer may produce (default 64GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_uncompressed: Option<ByteSize>,
    /// Largest decompressed-to-compressed ratio, judged once past `ratio_floor`
    /// (default 250).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ratio: Option<u64>,
    /// Decompressed size below which the ratio is not judged (default 1GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio_floor: Option<ByteSize>,
    /// Most tar entries in one layer (default 1000000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_entries: Option<u64>,
    /// Most bytes of extended (PAX / GNU long name) headers before one entry
    /// (default 1MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_header_bytes: Option<ByteSize>,
    /// Directory for spooled files (default `$TMPDIR`, else `/var/tmp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spool_dir: Option<PathBuf>,
}

impl LayerLimits {
    fn is_default(&self) -> bool {
        self == &LayerLimits::default()
    }
}

/// `scry.limits.plugin`: a plugin call that passes one of these fails, and only that
/// call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginLimits {
    /// Wall-clock time one scan of one layer may take (default 60s).
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub scan_deadline: Option<Duration>,
    /// Time a plugin may take to start (default 5s).
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub load_deadline: Option<Duration>,
    /// Memory one plugin instance may grow to (default 512MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<ByteSize>,
    /// Most records (packages, distributions, repositories) one scan may return
    /// (default 1000000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_records: Option<u64>,
    /// Most bytes of text one scan may return (default 256MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output: Option<ByteSize>,
    /// Largest chunk of a big file handed to a plugin per read (default 16MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_read_chunk: Option<ByteSize>,
    /// Plugin instances alive at once across the process (default 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_instances: Option<u32>,
}

impl PluginLimits {
    fn is_default(&self) -> bool {
        self == &PluginLimits::default()
    }
}
