//! When to promote a challenger and when a champion has degraded. Both are
//! one-sided Student t tests on per-run log-losses, with the thresholds as
//! parameters.
//!
//! Promotion: over `n` runs that both models scored (the challenger in
//! shadow) and whose outcomes are known, `d_i = loss_champion,i −
//! loss_challenger,i`. H0: `mean(d) ≤ margin`; H1: `mean(d) > margin`; `t =
//! (mean(d) − margin) / (sd(d) / √n)` with `n − 1` degrees of freedom. The
//! challenger is promoted when `n ≥ min_pairs` and the one-sided p-value is
//! below `alpha`: its live log-loss beats the champion's by more than the
//! margin, on the same runs. Pairing removes the run-to-run variance both
//! models share, so far fewer runs are needed than comparing two
//! independent windows.
//!
//! Degradation: over the champion's `n` labelled runs, H0: `mean(loss) ≤
//! reference + margin`, where the reference is the log-loss it was expected
//! to have (its shadow log-loss when it was promoted, or its held-out
//! log-loss). Degraded when `n ≥ min_rows` and p < `alpha`. A degraded
//! version that has a predecessor is rolled back.

use serde::Serialize;

use super::metrics::row_losses;
use super::stats::{mean_sd, t_quantile, t_upper_tail};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromotionRule {
    /// How much lower (nats per run) the challenger's log-loss must be.
    pub margin: f64,
    pub min_pairs: usize,
    pub alpha: f64,
}

impl Default for PromotionRule {
    fn default() -> Self {
        PromotionRule {
            margin: 0.01,
            min_pairs: 200,
            alpha: 0.05,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DegradationRule {
    /// How much higher (nats per run) than the reference counts as degraded.
    pub margin: f64,
    pub min_rows: usize,
    pub alpha: f64,
}

impl Default for DegradationRule {
    fn default() -> Self {
        DegradationRule {
            margin: 0.05,
            min_rows: 200,
            alpha: 0.05,
        }
    }
}

/// The figures of a promotion test, stored with the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionTest {
    pub test: &'static str,
    pub pairs: usize,
    pub champion_log_loss: Option<f64>,
    pub challenger_log_loss: Option<f64>,
    /// Mean of champion − challenger per-run loss.
    pub mean_difference: Option<f64>,
    /// One-sided `1 − alpha` lower confidence bound of the mean difference.
    pub lower_bound: Option<f64>,
    pub t: Option<f64>,
    pub p_value: Option<f64>,
    pub margin: f64,
    pub min_pairs: usize,
    pub alpha: f64,
    pub promote: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DegradationTest {
    pub test: &'static str,
    pub rows: usize,
    pub log_loss: Option<f64>,
    pub reference_log_loss: f64,
    pub t: Option<f64>,
    pub p_value: Option<f64>,
    pub margin: f64,
    pub min_rows: usize,
    pub alpha: f64,
    pub degraded: bool,
    pub reason: String,
}

/// The one-sided t test of `H1: mean(x) > mu`: (mean, t, p, lower bound).
fn one_sided(x: &[f64], mu: f64, alpha: f64) -> Option<(f64, f64, f64, f64)> {
    let (mean, sd) = mean_sd(x)?;
    let n = x.len() as f64;
    let se = sd / n.sqrt();
    let df = n - 1.0;
    let lower = mean - t_quantile(1.0 - alpha, df) * se;
    if se == 0.0 {
        // Every run differs by the same amount: the sign decides.
        let t = if mean > mu {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
        return Some((mean, t, if mean > mu { 0.0 } else { 1.0 }, lower));
    }
    let t = (mean - mu) / se;
    Some((mean, t, t_upper_tail(t, df), lower))
}

/// Test whether the challenger beats the champion: `champion[i]` and
/// `challenger[i]` are the two probabilities for run `i`, `failed[i]` its outcome.
pub fn promotion_test(
    champion: &[f64],
    challenger: &[f64],
    failed: &[bool],
    rule: PromotionRule,
) -> PromotionTest {
    let lc = row_losses(champion, failed);
    let ls = row_losses(challenger, failed);
    let d: Vec<f64> = lc.iter().zip(&ls).map(|(a, b)| a - b).collect();
    let n = d.len();
    let mean = |x: &[f64]| (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64);
    let tested = one_sided(&d, rule.margin, rule.alpha);
    let (promote, reason) = match tested {
        _ if n < rule.min_pairs => (
            false,
            format!("{n} paired runs with outcomes; at least {} needed", rule.min_pairs),
        ),
        Some((m, _, p, _)) if p < rule.alpha => (
            true,
            format!(
                "the challenger's log-loss is lower by {m:.4} per run, more than the margin {} (one-sided paired t test, p = {p:.3e} < {})",
                rule.margin, rule.alpha
            ),
        ),
        Some((m, _, p, _)) => (
            false,
            format!(
                "the challenger's log-loss is lower by {m:.4} per run; not shown to exceed the margin {} (p = {p:.3} ≥ {})",
                rule.margin, rule.alpha
            ),
        ),
        None => (false, "too few runs for a test".to_string()),
    };
    PromotionTest {
        test: "one-sided paired t test on per-run log-loss differences",
        pairs: n,
        champion_log_loss: mean(&lc),
        challenger_log_loss: mean(&ls),
        mean_difference: tested.map(|t| t.0),
        lower_bound: tested.map(|t| t.3),
        t: tested.map(|t| t.1).filter(|t| t.is_finite()),
        p_value: tested.map(|t| t.2),
        margin: rule.margin,
        min_pairs: rule.min_pairs,
        alpha: rule.alpha,
        promote,
        reason,
    }
}

/// Test whether the champion's live log-loss exceeds `reference` by more than the margin.
pub fn degradation_test(
    p: &[f64],
    failed: &[bool],
    reference: f64,
    rule: DegradationRule,
) -> DegradationTest {
    let losses = row_losses(p, failed);
    let n = losses.len();
    let tested = one_sided(&losses, reference + rule.margin, rule.alpha);
    let (degraded, reason) = match tested {
        _ if n < rule.min_rows => (
            false,
            format!("{n} runs with outcomes; at least {} needed", rule.min_rows),
        ),
        Some((m, _, p, _)) if p < rule.alpha => (
            true,
            format!(
                "live log-loss {m:.4} exceeds the reference {reference:.4} by more than {} (one-sided t test, p = {p:.3e} < {})",
                rule.margin, rule.alpha
            ),
        ),
        Some((m, _, p, _)) => (
            false,
            format!(
                "live log-loss {m:.4} against the reference {reference:.4}: not shown to exceed it by {} (p = {p:.3})",
                rule.margin
            ),
        ),
        None => (false, "too few runs for a test".to_string()),
    };
    DegradationTest {
        test: "one-sided t test on per-run log-loss against the reference",
        rows: n,
        log_loss: tested.map(|t| t.0),
        reference_log_loss: reference,
        t: tested.map(|t| t.1).filter(|t| t.is_finite()),
        p_value: tested.map(|t| t.2),
        margin: rule.margin,
        min_rows: rule.min_rows,
        alpha: rule.alpha,
        degraded,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four runs by hand: losses −ln p for failures, −ln(1 − p) otherwise.
    #[test]
    fn the_paired_test_by_hand() {
        let champion = [0.5, 0.5, 0.5, 0.5];
        let challenger = [0.8, 0.2, 0.7, 0.4];
        let failed = [true, false, true, false];
        let d = [
            2f64.ln() + 0.8f64.ln(),
            2f64.ln() + 0.8f64.ln(),
            2f64.ln() + 0.7f64.ln(),
            2f64.ln() + 0.6f64.ln(),
        ];
        let mean = d.iter().sum::<f64>() / 4.0;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
        let rule = PromotionRule {
            margin: 0.0,
            min_pairs: 4,
            alpha: 0.05,
        };
        let t = promotion_test(&champion, &challenger, &failed, rule);
        assert_eq!(t.pairs, 4);
        assert!((t.mean_difference.unwrap() - mean).abs() < 1e-15);
        assert!((t.t.unwrap() - mean / (sd / 2.0)).abs() < 1e-12);
        assert!((t.champion_log_loss.unwrap() - 2f64.ln()).abs() < 1e-15);
        // t = 5.32743 with 3 degrees of freedom, whose CDF has the closed form
        // 1/2 + (u / (1 + u²) + atan u) / π, u = t / √3: p = 0.0064621.
        assert!(
            (t.t.unwrap() - 5.327_431_79).abs() < 1e-7,
            "{}",
            t.t.unwrap()
        );
        assert!(
            (t.p_value.unwrap() - 0.006_462_052).abs() < 1e-8,
            "{}",
            t.p_value.unwrap()
        );
        assert!(t.promote, "{}", t.reason);
        // The same runs, but the challenger must win by 0.35 nats: its mean
        // difference (0.365) is too close to that to be shown on 4 runs.
        let strict = promotion_test(
            &champion,
            &challenger,
            &failed,
            PromotionRule {
                margin: 0.35,
                ..rule
            },
        );
        assert!(
            !strict.promote && strict.p_value.unwrap() > 0.4,
            "{strict:?}"
        );
        // Too few pairs: no decision, whatever the figures.
        let few = promotion_test(
            &champion,
            &challenger,
            &failed,
            PromotionRule {
                min_pairs: 5,
                ..rule
            },
        );
        assert!(!few.promote);
        assert_eq!(few.reason, "4 paired runs with outcomes; at least 5 needed");
    }

    #[test]
    fn a_worse_challenger_is_not_promoted_and_a_degraded_champion_is_seen() {
        let n = 400;
        let failed: Vec<bool> = (0..n).map(|i| i % 4 == 0).collect();
        let good: Vec<f64> = failed.iter().map(|f| if *f { 0.7 } else { 0.1 }).collect();
        let bad: Vec<f64> = failed.iter().map(|f| if *f { 0.3 } else { 0.4 }).collect();
        let t = promotion_test(&good, &bad, &failed, PromotionRule::default());
        assert!(!t.promote);
        assert!(t.mean_difference.unwrap() < 0.0);
        let t = promotion_test(&bad, &good, &failed, PromotionRule::default());
        assert!(t.promote, "{}", t.reason);
        assert!(t.lower_bound.unwrap() > 0.01);

        // The good model's log-loss: .25·(−ln .7) + .75·(−ln .9) ≈ 0.168.
        let reference = 0.25 * -(0.7f64.ln()) + 0.75 * -(0.9f64.ln());
        let fine = degradation_test(&good, &failed, reference, DegradationRule::default());
        assert!(!fine.degraded, "{}", fine.reason);
        assert!((fine.log_loss.unwrap() - reference).abs() < 1e-12);
        let worse = degradation_test(&bad, &failed, reference, DegradationRule::default());
        assert!(worse.degraded, "{}", worse.reason);
        let few = degradation_test(
            &bad[..10],
            &failed[..10],
            reference,
            DegradationRule::default(),
        );
        assert!(!few.degraded);
    }
}
