//! One writer at a time in an output directory, so that concurrent
//! trainings into one directory never leave one run's models beside another
//! run's summary: the last run to write wins, whole.
//!
//! The lock is the operating system's advisory lock (`flock` on Unix,
//! `LockFileEx` on Windows) on `.dawg-ml-write.lock` in the directory, held
//! while a training writes its models and summary; the file records the
//! holder's PID and when it took the lock. The system releases the lock when
//! its holder dies, however it dies (`kill -9` included), so a stale lock
//! cannot exist: a file left by a killed holder is simply locked by the next
//! writer. On Unix the holder removes the file before it releases the lock,
//! and a writer that locked a file no longer at the path (removed by the
//! holder it waited for) starts again, so at most one writer ever holds the
//! file the path names. On Windows, where an open file cannot be removed,
//! the file stays. Writing takes milliseconds, so a waiter polls; after
//! `WAIT` it gives up with `ERR_IO` naming the holder.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{EngineError, Result};

/// The lock file in the directory.
pub const LOCK_FILE: &str = ".dawg-ml-write.lock";
/// How long to wait for another writer.
const WAIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(20);

/// Held while alive; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct DirLock {
    file: fs::File,
    path: std::path::PathBuf,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Removed while still locked (see the module comment); the lock
        // goes with the descriptor.
        #[cfg(unix)]
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `file` is the file `path` names now.
#[cfg(unix)]
fn is_current(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_current(_file: &fs::File, _path: &Path) -> bool {
    true
}

impl DirLock {
    /// Take the lock of `dir` (created if missing), waiting for another writer.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        DirLock::acquire_within(dir, WAIT)
    }

    pub fn acquire_within(dir: &Path, wait: Duration) -> Result<DirLock> {
        fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let io = |e| EngineError::io(&path, e);
        let open = || {
            fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)
        };
        let mut file = open()?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) if is_current(&file, &path) => break,
                // The holder removed this file as it released it: start again.
                Ok(()) => {
                    file = open()?;
                }
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(POLL)
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let pid = holder.lines().next().unwrap_or("").trim();
                    return Err(io(std::io::Error::new(
                        std::io::ErrorKind::WouldBlock,
                        format!(
                            "another training (process {}) is writing to {}; waited {} s",
                            if pid.is_empty() { "unknown" } else { pid },
                            dir.display(),
                            wait.as_secs()
                        ),
                    )));
                }
                Err(fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let stamp = format!(
            "{}\n{}\n",
            std::process::id(),
            crate::synth::time::now_iso()
        );
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(stamp.as_bytes()))
            .map_err(io)?;
        Ok(DirLock { file, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory, removed (with all it holds) when the guard
    /// drops at the end of the test, whether it passes or panics.
    fn tempdir(tag: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("ml-engine-lock-{tag}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn one_holder_at_a_time() {
        let tmp = tempdir("one");
        let dir = tmp.path().to_path_buf();
        let lock = DirLock::acquire(&dir).unwrap();
        let text = fs::read_to_string(dir.join(LOCK_FILE)).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(std::process::id().to_string().as_str())
        );
        let e = DirLock::acquire_within(&dir, Duration::from_millis(50)).unwrap_err();
        assert_eq!(e.code(), "ERR_IO");
        assert!(
            e.to_string().contains(&format!(
                "another training (process {}) is writing to {}; waited 0 s",
                std::process::id(),
                dir.display()
            )),
            "{e}"
        );
        // Another thread waits for it and gets it once it is released.
        let d = dir.clone();
        let waiter = std::thread::spawn(move || DirLock::acquire(&d).map(|_| Instant::now()));
        std::thread::sleep(Duration::from_millis(100));
        let released = Instant::now();
        drop(lock);
        assert!(waiter.join().unwrap().unwrap() >= released);
        // Released by the last holder: nothing is left in the directory (on Unix).
        #[cfg(unix)]
        assert!(!dir.join(LOCK_FILE).exists());
    }

    #[test]
    fn many_threads_never_hold_it_at_once() {
        let tmp = tempdir("many");
        let dir = tmp.path().to_path_buf();
        let inside = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..25 {
                        let _lock = DirLock::acquire(&dir).unwrap();
                        assert_eq!(
                            inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
                            0,
                            "two holders at once"
                        );
                        std::thread::sleep(Duration::from_micros(200));
                        inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        });
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_lock_of_a_killed_holder_is_free() {
        let tmp = tempdir("killed");
        let dir = tmp.path().to_path_buf();
        let path = dir.join(LOCK_FILE);
        fs::write(&path, "").unwrap();
        // util-linux flock(1) holds the same kind of lock (-o: not passed on
        // to its command, `cat`, which exits when its stdin closes), then is
        // killed with SIGKILL.
        let Ok(mut holder) = std::process::Command::new("flock")
            .arg("-o")
            .arg(&path)
            .arg("cat")
            .stdin(std::process::Stdio::piped())
            .spawn()
        else {
            return; // no flock(1) on this machine
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while DirLock::acquire_within(&dir, Duration::ZERO).is_ok() {
            assert!(Instant::now() < deadline, "flock(1) never took the lock");
            std::thread::sleep(Duration::from_millis(10));
        }
        holder.kill().unwrap();
        holder.wait().unwrap();
        drop(holder.stdin.take());
        let lock = DirLock::acquire_within(&dir, Duration::from_secs(5));
        assert!(lock.is_ok(), "{lock:?}");
    }
}
