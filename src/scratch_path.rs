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
//! The table is per thread: a handle is only meaningful on the thread that
//! attached it (on another it names that thread's own slot, if any, or
//! nothing). The JS layer keeps each handle beside its `NativeModels`, on
//! the thread that loaded it. An entry is removed when its `NativeModels` is
//! finalized.

use std::cell::RefCell;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::EngineError;
use crate::errors::run;
use crate::model::ModelSet;
use crate::models::{model_of, workflow_at, PredictionBuffers};

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

/// Handles pack a slot index (low bits) and the slot's generation (high
/// bits), so that slots are reused without a released handle reaching the
/// attachment that took its place (until the generation wraps).
const INDEX_BITS: u32 = 20;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;

#[derive(Default)]
struct Table {
    slots: Vec<(u32, Option<Attachment>)>,
    free: Vec<u32>,
}

impl Table {
    fn get_mut(&mut self, handle: u32) -> Option<&mut Attachment> {
        match self.slots.get_mut((handle & INDEX_MASK) as usize) {
            Some((generation, Some(a))) if *generation == handle >> INDEX_BITS => Some(a),
            _ => None,
        }
    }
}

thread_local! {
    static ATTACHMENTS: RefCell<Table> = const { RefCell::new(Table { slots: Vec::new(), free: Vec::new() }) };
}

/// Register an attachment; returns its handle.
///
/// # Safety
/// `values` and `tags` must stay valid, and unaliased while a prediction
/// runs, until `release` is called with the handle.
pub(crate) unsafe fn register(
    set: Arc<ModelSet>,
    values: &mut [f64],
    tags: &[u8],
) -> crate::error::Result<u32> {
    let attachment = Attachment {
        set,
        values: values.as_mut_ptr(),
        values_len: values.len(),
        tags: tags.as_ptr(),
        tags_len: tags.len(),
        buffers: PredictionBuffers::default(),
    };
    ATTACHMENTS.with_borrow_mut(|table| {
        let index = match table.free.pop() {
            Some(i) => i,
            None if table.slots.len() <= INDEX_MASK as usize => {
                table.slots.push((0, None));
                (table.slots.len() - 1) as u32
            }
            None => {
                return Err(EngineError::Internal(format!(
                    "more than {} model sets with attached buffers on one thread",
                    INDEX_MASK + 1
                )))
            }
        };
        let slot = &mut table.slots[index as usize];
        slot.1 = Some(attachment);
        Ok(index | slot.0 << INDEX_BITS)
    })
}

/// Remove an attachment (its buffers are no longer valid afterwards).
pub(crate) fn release(handle: u32) {
    // A finalizer may run while the thread's storage is being torn down.
    let _ = ATTACHMENTS.try_with(|table| {
        let mut table = table.borrow_mut();
        if table.get_mut(handle).is_some() {
            let index = handle & INDEX_MASK;
            let slot = &mut table.slots[index as usize];
            slot.1 = None;
            slot.0 += 1;
            // A slot whose generation would wrap is retired, never reused, so
            // that no released handle can match a later attachment.
            if slot.0 <= u32::MAX >> INDEX_BITS {
                table.free.push(index);
            }
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
            let a = table.get_mut(handle).ok_or_else(|| {
                EngineError::Internal(format!("no scratch buffers attached under handle {handle}"))
            })?;
            let model = model_of(&a.set, workflow_at(workflow)?)?;
            // SAFETY: `register`'s contract; no JavaScript runs during this
            // call, so nothing else reads or writes the buffers meanwhile.
            let (values, tags) = unsafe {
                (
                    std::slice::from_raw_parts_mut(a.values, a.values_len),
                    std::slice::from_raw_parts(a.tags, a.tags_len),
                )
            };
            a.buffers
                .predict_encoded(model, strict, values, tags)
                .map(|n| n as u32)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_handle_reaches_nothing_even_when_its_slot_is_reused() {
        let (mut v1, t1) = (vec![0.0; 4], vec![0u8; 4]);
        let (mut v2, t2) = (vec![0.0; 4], vec![0u8; 4]);
        // SAFETY: the vectors outlive every use of the handles below.
        let first = unsafe { register(Arc::default(), &mut v1, &t1) }.unwrap();
        release(first);
        let second = unsafe { register(Arc::default(), &mut v2, &t2) }.unwrap();
        assert_eq!(
            first & INDEX_MASK,
            second & INDEX_MASK,
            "the slot is reused"
        );
        assert_ne!(first, second);
        ATTACHMENTS.with_borrow_mut(|table| {
            assert!(table.get_mut(first).is_none());
            assert_eq!(
                table.get_mut(second).map(|a| a.values),
                Some(v2.as_mut_ptr())
            );
        });
        release(second);
        release(second); // twice is harmless
        ATTACHMENTS.with_borrow_mut(|table| assert!(table.get_mut(second).is_none()));
    }

    #[test]
    fn a_slot_whose_generation_would_wrap_is_retired() {
        let (mut v, t) = (vec![0.0; 4], vec![0u8; 4]);
        // SAFETY: the vectors outlive every use of the handle below.
        let handle = unsafe { register(Arc::default(), &mut v, &t) }.unwrap();
        let index = handle & INDEX_MASK;
        let last = u32::MAX >> INDEX_BITS;
        let handle = ATTACHMENTS.with_borrow_mut(|table| {
            table.slots[index as usize].0 = last;
            index | last << INDEX_BITS
        });
        release(handle);
        ATTACHMENTS.with_borrow(|table| assert!(!table.free.contains(&index), "retired, not free"));
        let next = unsafe { register(Arc::default(), &mut v, &t) }.unwrap();
        assert_ne!(next & INDEX_MASK, index);
        release(next);
    }
}
