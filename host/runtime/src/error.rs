use std::fmt;

/// A plugin call that failed. Always names the plugin.
#[derive(Debug, thiserror::Error)]
pub struct PluginError {
    pub plugin: String,
    pub failure: PluginFailure,
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            // Reads as a sentence: "plugin gemspec rejected its configuration: …".
            PluginFailure::Config(_) => write!(f, "plugin {} {}", self.plugin, self.failure),
            failure => write!(f, "plugin {}: {failure}", self.plugin),
        }
    }
}

#[derive(Debug)]
pub enum PluginFailure {
    /// Not a loadable component for a supported WIT version.
    Invalid(String),
    /// Ran past its deadline and was interrupted.
    Deadline(std::time::Duration),
    /// Tried to grow its memory past the cap.
    Memory { cap: usize },
    /// Trapped (panic, unreachable, bad memory access...).
    Trap(String),
    /// Returned more than the output caps allow.
    OutputTooLarge(String),
    /// Returned something that breaks the contract (empty names...).
    Garbage(String),
    /// The plugin itself reported a problem with a file.
    ScanFailed(String),
    /// A matcher could not order a version of a package or vulnerability.
    BadVersion {
        /// What the version belongs to (`package openssl`, `vulnerability CVE-…`).
        subject: String,
        version: String,
        reason: String,
    },
    /// A matcher reported some other failure.
    MatchFailed(String),
    /// The plugin refused its configuration block (its `configure` returned an error),
    /// or was given one although its WIT version takes none.
    Config(String),
}

impl fmt::Display for PluginFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginFailure::Invalid(why) => write!(f, "not a valid plugin: {why}"),
            PluginFailure::Deadline(after) => write!(f, "interrupted after its {after:?} deadline"),
            PluginFailure::Memory { cap } => {
                write!(f, "exceeded its memory cap of {} MiB", cap >> 20)
            }
            PluginFailure::Trap(why) => write!(f, "trapped: {why}"),
            PluginFailure::OutputTooLarge(why) => write!(f, "output over the cap: {why}"),
            PluginFailure::Garbage(why) => write!(f, "returned invalid output: {why}"),
            PluginFailure::ScanFailed(why) => write!(f, "{why}"),
            PluginFailure::BadVersion {
                subject,
                version,
                reason,
            } => write!(f, "cannot order version {version:?} of {subject}: {reason}"),
            PluginFailure::MatchFailed(why) => write!(f, "matching failed: {why}"),
            PluginFailure::Config(why) => write!(f, "rejected its configuration: {why}"),
        }
    }
}

impl PluginError {
    pub fn new(plugin: &str, failure: PluginFailure) -> Self {
        PluginError {
            plugin: plugin.to_string(),
            failure,
        }
    }
}

/// The runtime itself could not start (engine configuration rejected by this machine).
#[derive(Debug, thiserror::Error)]
#[error("starting the plugin runtime: {0}")]
pub struct RuntimeError(pub String);
