//! TODO: filled in by the helpers issue work.
