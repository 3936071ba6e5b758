//! `CancelFlag`: how the JS layer cancels a task it started. The JS wrapper
//! listens to the caller's `AbortSignal` itself (napi-rs' own signal support
//! replaces the signal's `onabort`, accepts any object as a signal and
//! rejects a task still queued with its own code) and calls `cancel()`.
//!
//! `cancel()` also says whether the task had started: one that had not will
//! do nothing when it starts (it checks the flag first), so the JS layer can
//! reject at once; one that had runs until its next check and rejects with
//! `ERR_ABORTED` itself. Both sides store, then read the other's flag, in
//! sequentially consistent order, so at least one of them sees the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi_derive::napi;

#[derive(Default)]
pub struct Flags {
    cancelled: AtomicBool,
    started: AtomicBool,
}

impl Flags {
    /// Called by the task when it starts: whether it may go on.
    pub fn start(&self) -> bool {
        self.started.store(true, Ordering::SeqCst);
        !self.cancelled.load(Ordering::SeqCst)
    }

    /// The flag the engine polls between steps.
    pub fn cancelled(&self) -> &AtomicBool {
        &self.cancelled
    }
}

#[napi]
pub struct CancelFlag {
    flags: Arc<Flags>,
}

impl CancelFlag {
    pub fn flags(&self) -> Arc<Flags> {
        self.flags.clone()
    }
}

#[napi]
impl CancelFlag {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelFlag {
            flags: Arc::new(Flags::default()),
        }
    }

    /// Ask the task to stop. Returns whether it had already started.
    #[napi]
    pub fn cancel(&self) -> bool {
        self.flags.cancelled.store(true, Ordering::SeqCst);
        self.flags.started.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_cancelled_before_it_starts_does_not_start() {
        let flag = CancelFlag::new();
        assert!(!flag.cancel(), "not started yet");
        assert!(!flag.flags().start());
        let running = CancelFlag::new();
        assert!(running.flags().start());
        assert!(running.cancel(), "started");
        assert!(running.flags().cancelled().load(Ordering::SeqCst));
    }
}
