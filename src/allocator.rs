//! Giving back to the system the memory that terminated worker threads
//! freed (glibc only).
//!
//! A worker thread that loads this addon allocates through its own glibc
//! malloc arena (up to 8 per core). What it frees, above all the backing
//! stores of large typed arrays (row buffers, `predictProbabilitiesAsync`'s
//! private copy of the rows, the outputs), stays in that arena's heaps:
//! glibc returns a heap's free memory only from its top, and only past a
//! trim threshold that it raises to twice the largest mmapped block freed so
//! far (a freed 20 MB buffer makes it 40 MB), per arena. With workers
//! created and terminated all the time, RSS then climbs by tens of MB per
//! arena to a plateau that has nothing to do with live memory
//! (benchmark/RESULTS.md, "Soak": 150 MB -> 380 MB over a few hundred churned
//! workers; with a fixed threshold, MALLOC_MMAP_THRESHOLD_=131072, it stays
//! near 150 MB).
//!
//! When a JavaScript environment that loaded the addon is torn down (a
//! worker exits or is terminated), `malloc_trim(0)` returns the free pages of
//! every arena, wherever they lie in the heap. It changes no allocator
//! setting and frees nothing in use; it costs a walk of the arenas (about a
//! millisecond), once per worker, which is small next to starting one.

use std::sync::atomic::{AtomicBool, Ordering};

use napi::{Env, Result};
use napi_derive::napi;

/// Whether a teardown trims. Configuration comes from JavaScript
/// (`lib/binding.js` reads `DAWG_ML_NO_MALLOC_TRIM`): Rust reads no
/// environment variable.
static TRIM_ON_TEARDOWN: AtomicBool = AtomicBool::new(true);

/// Turns the trim at teardown on or off (off: to measure what it does,
/// benchmark/soak/churn-alone.js, or if a process would rather not).
#[napi]
pub fn set_malloc_trim_on_teardown(enabled: bool) {
    TRIM_ON_TEARDOWN.store(enabled, Ordering::Relaxed);
}

/// Registers the trim for when `env` is torn down. The main thread's
/// environment is torn down at exit, where it costs nothing that matters.
pub fn trim_when_torn_down(env: &Env) -> Result<()> {
    // The returned handle only serves to remove the hook early; dropping it keeps the hook.
    env.add_env_cleanup_hook((), |()| {
        if TRIM_ON_TEARDOWN.load(Ordering::Relaxed) {
            trim();
        }
    })?;
    Ok(())
}

/// Returns the free memory of every malloc arena to the system; how many
/// bytes RSS shrank by is not reported by glibc, only whether any was.
pub fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes the arenas' locks itself; it may run on
        // any thread at any time.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
