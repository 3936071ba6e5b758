//! What the training pipeline hands a model family (`family::Fitter`): the
//! prepared rows of one workflow, the cross-validation folds, and the
//! context of the run (settings, cancellation, progress).

use std::sync::atomic::{AtomicBool, Ordering};

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use super::TrainSettings;
use crate::error::{EngineError, Result};
use crate::family::Input;
use crate::features::RawRecord;
use crate::schema::Workflow;
use crate::synth::math::Draws;

/// One workflow's training rows, validated and complete.
#[derive(Debug, Clone, Copy)]
pub struct TrainingSet<'a> {
    pub workflow: &'static Workflow,
    /// Row-major feature vectors (`d` per row), missing fields imputed with `means`.
    pub x: &'a [f64],
    pub d: usize,
    /// The validated raw record of each row (with its missing mask);
    /// `None` for old-format rows, which only carry a vector.
    pub records: &'a [Option<RawRecord>],
    pub y: &'a [bool],
    /// Per vector entry, the mean over the rows where its field is present.
    pub means: &'a [f64],
}

impl TrainingSet<'_> {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    #[inline(always)]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    pub fn input(&self, i: usize) -> Input<'_> {
        Input {
            vector: self.row(i),
            record: self.records[i].as_ref(),
        }
    }

    /// Whether every row carries its raw record.
    pub fn all_raw(&self) -> bool {
        self.records.iter().all(Option::is_some)
    }
}

/// Stratified k-fold assignment of some rows of a training set.
#[derive(Debug, Clone, PartialEq)]
pub struct Folds {
    pub k: usize,
    /// Fold of each row of the set; `usize::MAX` for rows outside the folds.
    pub fold_of: Vec<usize>,
}

impl Folds {
    /// Each class of `members` is shuffled (seeded) and dealt round-robin
    /// over `k` folds, so every fold holds its share of both classes.
    pub fn stratified(members: &[usize], y: &[bool], k: usize, seed: u64, stream: u64) -> Folds {
        let mut draws = {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(stream);
            Draws::new(rng)
        };
        let mut fold_of = vec![usize::MAX; y.len()];
        for class in [true, false] {
            let mut rows: Vec<usize> = members.iter().copied().filter(|i| y[*i] == class).collect();
            shuffle(&mut rows, &mut draws);
            for (n, i) in rows.iter().enumerate() {
                fold_of[*i] = n % k;
            }
        }
        Folds { k, fold_of }
    }

    /// The members outside fold `f` (to fit on) and inside it (held out), in member order.
    pub fn split(&self, members: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
        members.iter().partition(|i| self.fold_of[**i] != f)
    }

    /// Per-fold held-out values (each in member order, as `split` gives
    /// them) put back in member order.
    pub fn assemble<'v>(
        &self,
        members: &[usize],
        held_out: impl Fn(usize) -> &'v Vec<f64>,
    ) -> Vec<f64> {
        let mut cursor = vec![0usize; self.k];
        members
            .iter()
            .map(|i| {
                let f = self.fold_of[*i];
                let v = held_out(f)[cursor[f]];
                cursor[f] += 1;
                v
            })
            .collect()
    }
}

/// Fisher–Yates with the portable draws.
pub fn shuffle(v: &mut [usize], d: &mut Draws) {
    for i in (1..v.len()).rev() {
        let j = d.int_range(0, i as i64) as usize;
        v.swap(i, j);
    }
}

/// The run a fit belongs to.
pub struct FitContext<'a> {
    pub settings: &'a TrainSettings,
    pub cancel: &'a AtomicBool,
    /// Report `n` units of work done.
    pub tick: &'a (dyn Fn(usize) + Sync),
}

/// One hyperparameter configuration and its out-of-fold log-loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub params: serde_json::Value,
    pub log_loss: f64,
}

/// A family's cross-validation: its chosen configuration, the out-of-fold
/// probabilities there (aligned with the members), and every candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossValidation {
    pub oof: Vec<f64>,
    pub chosen: serde_json::Value,
    pub log_loss: f64,
    pub candidates: Vec<Candidate>,
}

pub fn check_cancel(cancel: &AtomicBool) -> Result<()> {
    if cancel.load(Ordering::Relaxed) {
        Err(EngineError::Aborted)
    } else {
        Ok(())
    }
}
