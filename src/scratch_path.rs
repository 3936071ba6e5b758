//! The per-call path of `predictSync`: a free function over a handle, not a
//! method of `NativeModels`.
//!
//! In napi-rs 3.16 a class method call costs about 0.3 µs more than a free
//! function's (unwrapping `this`, checking its type tag, tracking the
//! borrow): measured 0.44 µs against 0.14 µs for no-op calls, a seventh of a
//! whole tree-model prediction. So `NativeModels::attachScratch` registers
//! what a prediction needs (the model set, where the JS wrapper's buffers
//! live, the reused lists) under a handle in this thread's table, and
//! `predictScratch(handle, workflow, strict)` finds it there.
//!
//! The table is per thread: a worker's handles mean nothing on another
//! thread, where they find no entry and fail with an internal error. An
//! entry is removed when its `NativeModels` is finalized.

use std::cell::RefCell;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::EngineError;
use crate::errors::run;
use crate::model::ModelSet;
use crate::models::PredictionBuffers;
use crate::schema::all_workflows;

/// What one attachment holds. The buffers are the JS wrapper's typed arrays,
/// kept alive by the `NativeModels` that registered this entry (it holds
/// references to them, and the entry goes when it is finalized); their
/// backing stores never move and are never detached (they are private to
/// the wrapper).
struct Attachment {
    set: Arc<ModelSet>,
    values: *mut f64,
    values_len: usize,
    tags: *const u8,
    tags_len: usize,
    buffers: PredictionBuffers,
}

thread_local! {
    /// Attachments by handle (their index); removed ones are `None`.
    static ATTACHMENTS: RefCell<Vec<Option<Attachment>>> = const { RefCell::new(Vec::new()) };
}

/// Register an attachment; returns its handle.
///
/// # Safety
/// `values` and `tags` must stay valid, and unaliased while a prediction
/// runs, until `release` is called with the handle.
pub(crate) unsafe fn register(set: Arc<ModelSet>, values: &mut [f64], tags: &[u8]) -> u32 {
    ATTACHMENTS.with_borrow_mut(|table| {
        table.push(Some(Attachment {
            set,
            values: values.as_mut_ptr(),
            values_len: values.len(),
            tags: tags.as_ptr(),
            tags_len: tags.len(),
            buffers: PredictionBuffers::default(),
        }));
        (table.len() - 1) as u32
    })
}

/// Remove an attachment (its buffers are no longer valid afterwards).
pub(crate) fn release(handle: u32) {
    // A finalizer may run while the thread's storage is being torn down.
    let _ = ATTACHMENTS.try_with(|table| {
        if let Some(slot) = table.borrow_mut().get_mut(handle as usize) {
            *slot = None;
        }
    });
}

/// Predict for an object `lib/feature-reader.js` encoded into the buffers
/// attached under `handle` (one entry per field of workflow `workflow`); the
/// flat prediction is written back into the values buffer. Returns the
/// number of slots written.
#[napi]
pub fn predict_scratch(env: Env, handle: u32, workflow: u32, strict: bool) -> Result<u32> {
    run(&env, || {
        ATTACHMENTS.with_borrow_mut(|table| {
            let a = table
                .get_mut(handle as usize)
                .and_then(Option::as_mut)
                .ok_or_else(|| EngineError::Internal(format!("no scratch buffers attached under handle {handle}")))?;
            let workflow = all_workflows()
                .get(workflow as usize)
                .ok_or_else(|| EngineError::Internal(format!("no workflow at index {workflow}")))?;
            let model = a.set.models[workflow.index]
                .as_ref()
                .ok_or_else(|| EngineError::ModelNotFound(workflow.workflow_type().to_string()))?;
            // SAFETY: `register`'s contract; no JavaScript runs during this
            // call, so nothing else reads or writes the buffers meanwhile.
            let (values, tags) = unsafe {
                (
                    std::slice::from_raw_parts_mut(a.values, a.values_len),
                    std::slice::from_raw_parts(a.tags, a.tags_len),
                )
            };
            a.buffers.predict_encoded(model, strict, values, tags).map(|n| n as u32)
        })
    })
}
