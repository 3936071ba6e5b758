//! Portable numerics for the generator. Generated data must be
//! byte-identical on every platform, and the platform `exp`/`ln` (libm) may
//! differ in the last bit between C libraries. These versions use only
//! IEEE-754 `+ − × ÷`, `sqrt`, `floor` and `round`, which are exactly
//! specified, and Rust never contracts them into FMA on its own.

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

const LN_2: f64 = std::f64::consts::LN_2;

/// `e^x`, accurate to a few ulp on [-700, 700] (clamped outside).
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.clamp(-700.0, 700.0);
    // x = k·ln2 + r with |r| ≤ ln2/2, then e^x = 2^k · e^r.
    // ln2 split in a high part with trailing zero bits (so k·LN2_HI is
    // exact) and the remainder, to keep r accurate for large |k|.
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let k = (x / LN_2).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r; |r| < 0.35 so 18 terms are far below 1 ulp.
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=18 {
        term = term * r / n as f64;
        sum += term;
    }
    sum * pow2(k as i32)
}

/// `2^k` for |k| ≤ 1022, built from its bit pattern.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// Natural logarithm of a positive finite number (`-inf` for 0, NaN below).
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    // Scale subnormals into the normal range so the exponent bits are meaningful.
    let (mut m, mut e) = if x < f64::MIN_POSITIVE {
        (x * pow2(54), -54)
    } else {
        (x, 0)
    };
    let bits = m.to_bits();
    e += ((bits >> 52) & 0x7ff) as i32 - 1023;
    m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52)); // in [1, 2)
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172: the odd series converges fast.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut power = s;
    let mut sum = 0.0;
    for n in 0..14 {
        sum += power / (2 * n + 1) as f64;
        power *= s2;
    }
    2.0 * sum + e as f64 * LN_2
}

/// The logistic function, via the portable `exp`.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + exp(-x))
}

/// Round to `dp` decimals (half away from zero).
pub fn round_dp(x: f64, dp: u8) -> f64 {
    let mut f = 1.0;
    for _ in 0..dp {
        f *= 10.0;
    }
    (x * f).round() / f
}

/// Draws from one ChaCha8 stream. Only the raw 64-bit outputs of the
/// generator are used, so the sequence is fixed by the ChaCha8 algorithm.
pub struct Draws {
    rng: ChaCha8Rng,
}

impl Draws {
    pub fn new(rng: ChaCha8Rng) -> Self {
        Draws { rng }
    }

    /// Uniform on [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A uniform integer in `lo..=hi` (the 53-bit float's bias is far below
    /// anything observable for these small ranges).
    pub fn int_range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let n = (hi - lo + 1) as f64;
        lo + (self.uniform() * n).floor() as i64
    }

    /// Standard normal by Marsaglia's polar method (needs only `ln` and `sqrt`,
    /// no trigonometry). One value per call; the twin is discarded to keep
    /// the stream position independent of call history.
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }

    /// Index drawn with probability proportional to `weights` (all ≥ 0, sum > 0).
    pub fn weighted(&mut self, weights: impl Iterator<Item = f64> + Clone) -> usize {
        let total: f64 = weights.clone().sum();
        let mut target = self.uniform() * total;
        let mut last = 0;
        for (i, w) in weights.enumerate() {
            last = i;
            if target < w {
                return i;
            }
            target -= w;
        }
        last
    }

    /// Failures before the first success with mean `mean`, capped at `max`.
    pub fn count(&mut self, mean: f64, max: i64) -> i64 {
        let q = mean / (1.0 + mean);
        let mut k = 0;
        while k < max && self.uniform() < q {
            k += 1;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_exp_and_ln_agree_with_the_platform_to_a_few_ulp() {
        let mut x = -30.0;
        while x < 30.0 {
            let (a, b) = (exp(x), x.exp());
            assert!(((a - b) / b).abs() < 1e-15, "exp({x}) = {a} vs {b}");
            x += 0.0137;
        }
        for &x in &[
            1e-300,
            1e-10,
            0.3,
            std::f64::consts::FRAC_1_SQRT_2,
            1.0,
            1.5,
            2.0,
            10.0,
            12345.678,
            1e300,
        ] {
            let (a, b) = (ln(x), x.ln());
            assert!(
                (a - b).abs() <= 1e-15 * b.abs().max(1.0),
                "ln({x}) = {a} vs {b}"
            );
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(-1.0).is_nan());
        assert_eq!(logistic(0.0), 0.5);
    }

    #[test]
    fn rounding_and_draw_ranges() {
        assert_eq!(round_dp(1.23456, 2), 1.23);
        assert_eq!(round_dp(-2.5, 0), -3.0);
        use rand_core::SeedableRng;
        let mut d = Draws::new(ChaCha8Rng::seed_from_u64(7));
        let mut seen = [0usize; 3];
        let mut sum = 0.0;
        for _ in 0..20_000 {
            let u = d.uniform();
            assert!((0.0..1.0).contains(&u));
            seen[d.int_range(2, 4) as usize - 2] += 1;
            sum += d.normal();
        }
        assert!(seen.iter().all(|n| *n > 6_000), "{seen:?}");
        assert!(
            (sum / 20_000.0).abs() < 0.03,
            "normal mean {}",
            sum / 20_000.0
        );
        let counts: i64 = (0..20_000).map(|_| d.count(1.0, 10)).sum();
        assert!((counts as f64 / 20_000.0 - 1.0).abs() < 0.05);
    }
}
