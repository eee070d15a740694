//! Version orderings, one module per scheme.
