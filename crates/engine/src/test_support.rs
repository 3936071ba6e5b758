//! Helpers shared by unit tests.

/// A deterministic stream of uniforms in [0, 1) (xorshift64), for tests
/// that need many draws without the generator's machinery.
pub fn uniforms(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}
