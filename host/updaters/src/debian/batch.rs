//! Hands parsed vulnerabilities to a sink in batches of [`BATCH`].

use scry_model::Vulnerability;

use crate::{BATCH, Sink, SinkError};

pub struct Batcher<'s> {
    sink: &'s mut dyn Sink,
    batch: Vec<Vulnerability>,
    /// Records handed over so far, for logs and tests.
    pub total: usize,
}

impl<'s> Batcher<'s> {
    pub fn new(sink: &'s mut dyn Sink) -> Batcher<'s> {
        Batcher {
            sink,
            batch: Vec::with_capacity(BATCH),
            total: 0,
        }
    }

    pub fn push(&mut self, vulnerability: Vulnerability) -> Result<(), SinkError> {
        self.batch.push(vulnerability);
        self.total += 1;
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends what is left; call once at the end.
    pub fn flush(&mut self) -> Result<(), SinkError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.sink.vulnerabilities(batch)
    }
}
