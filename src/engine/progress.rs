//! Progress reporting out of the engine, which itself prints nothing.

/// Receives progress from the engine; the default does nothing. Implementations
/// must be cheap: they are called once per wave of blocks.
pub trait Progress: Sync {
    /// `done` of `total` paths are finished.
    fn advance(&self, _done: u64, _total: u64) {}
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Reports a part of a longer job: adds `before` to what the part has done
/// and reports against the job's `total`.
pub(crate) struct Offset<'a> {
    pub inner: &'a dyn Progress,
    pub before: u64,
    pub total: u64,
}

impl Progress for Offset<'_> {
    fn advance(&self, done: u64, _total: u64) {
        self.inner.advance(self.before + done, self.total);
    }
}
