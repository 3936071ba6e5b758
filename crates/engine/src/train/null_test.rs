//! Step: a permutation test of the whole selection, for an `ok` that rests
//! on little.
//!
//! The bootstrap interval of the out-of-fold AUC treats the out-of-fold
//! probabilities as fixed. They are not: the folds' models are fitted to
//! overlapping rows, so they share the chance patterns of the labels, and
//! every choice made on the folds (family, C or rounds, calibration) adds
//! its own spread. On labels without any signal that interval lay above 0.5
//! in about 9 runs in 100 at 300 and at 3,000 rows, where a fixed score
//! would do so 1 time in 40 (`benchmark/noise_verdicts.py`). So when the
//! interval says `ok` but the AUC is not far above 0.5, the selection is
//! rerun on the labels shuffled at random, whose every association with
//! the features is chance: if none of `PERMUTATIONS` such reruns reaches
//! the observed AUC, the chance that labels without signal would is at most
//! 1 in `PERMUTATIONS + 1` = 40, the level the interval claims.

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use super::fitting::shuffle;
use crate::error::Result;
use crate::synth::math::Draws;

/// Reruns of the selection on shuffled labels: with none reaching the
/// observed AUC, p ≤ 1 / (PERMUTATIONS + 1) = 1/40.
pub const PERMUTATIONS: usize = 39;

/// An AUC at least this many null standard errors above 0.5 (see
/// `evaluate::null_auc_se`) needs no test. On pure-noise labels the
/// out-of-fold AUC's mean was up to 0.36 of them above 0.5 (300 rows) and
/// its standard deviation up to 1.6 of them (3,000 rows, both families
/// without calibration; `benchmark/README.md`, "Verdicts on pure noise"),
/// so 5 lie about 3 of its standard deviations out: labels without signal
/// get that far a few times in 1,000 at most.
pub const NO_TEST_BEYOND_SE: f64 = 5.0;

/// What the test found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NullTest {
    /// Reruns done: all of `PERMUTATIONS`, or fewer when one reached the AUC
    /// (the test stops there).
    pub reruns: usize,
    /// Whether a rerun on shuffled labels reached the observed AUC.
    pub reached: bool,
}

impl NullTest {
    /// `{ reruns, reached }`, as the summary and the model file write it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "reruns": self.reruns, "reached": self.reached })
    }
}

/// Shuffles `labels` (a workflow's members, in member order) `PERMUTATIONS`
/// times from `seed` and `stream`, and asks `auc_of` for the out-of-fold
/// AUC of the whole selection rerun on each shuffle; stops at the first
/// that reaches `observed`.
pub fn run(
    labels: &[bool],
    observed: f64,
    seed: u64,
    stream: u64,
    mut auc_of: impl FnMut(&[bool]) -> Result<f64>,
) -> Result<NullTest> {
    let mut draws = {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Draws::new(rng)
    };
    // Shuffling the same order again each time still draws every
    // permutation with equal chance.
    let mut order: Vec<usize> = (0..labels.len()).collect();
    let mut shuffled = labels.to_vec();
    for rerun in 1..=PERMUTATIONS {
        shuffle(&mut order, &mut draws);
        for (s, i) in shuffled.iter_mut().zip(&order) {
            *s = labels[*i];
        }
        if auc_of(&shuffled)? >= observed {
            return Ok(NullTest {
                reruns: rerun,
                reached: true,
            });
        }
    }
    Ok(NullTest {
        reruns: PERMUTATIONS,
        reached: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_first_rerun_that_reaches_the_auc() {
        let labels: Vec<bool> = (0..50).map(|i| i % 5 == 0).collect();
        let mut calls = 0;
        let t = run(&labels, 0.6, 1, 2, |_| {
            calls += 1;
            Ok(if calls == 3 { 0.6 } else { 0.55 })
        })
        .unwrap();
        assert_eq!(
            t,
            NullTest {
                reruns: 3,
                reached: true
            }
        );
        assert_eq!(calls, 3);
        let t = run(&labels, 0.6, 1, 2, |_| Ok(0.59)).unwrap();
        assert_eq!(
            t,
            NullTest {
                reruns: PERMUTATIONS,
                reached: false
            }
        );
    }

    #[test]
    fn shuffles_keep_the_class_counts_differ_and_repeat_with_the_seed() {
        let labels: Vec<bool> = (0..200).map(|i| i % 4 == 0).collect();
        let collect = |seed: u64| {
            let mut seen = Vec::new();
            run(&labels, 2.0, seed, 7, |s| {
                seen.push(s.to_vec());
                Ok(0.0)
            })
            .unwrap();
            seen
        };
        let a = collect(1);
        assert_eq!(a.len(), PERMUTATIONS);
        for s in &a {
            assert_eq!(s.iter().filter(|b| **b).count(), 50);
        }
        assert_ne!(a[0], labels);
        assert_ne!(a[0], a[1]);
        assert_eq!(a, collect(1));
        assert_ne!(a, collect(2));
    }

    #[test]
    fn an_error_of_a_rerun_is_returned() {
        let labels = [true, false, true, false];
        let err = run(&labels, 0.5, 0, 0, |_| {
            Err(crate::error::EngineError::Aborted)
        });
        assert!(err.is_err());
    }
}
