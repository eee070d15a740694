//! Placeholder: filled in by the updater work.
