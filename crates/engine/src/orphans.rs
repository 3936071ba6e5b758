//! Files left behind by writers that died: the temporary files of atomic
//! writes (`model::write_atomic_with`) whose process was killed between
//! creating and renaming them, and whether a process is still alive (also
//! used by `dir_lock` for stale locks).

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// A temporary file this old whose writer is gone is an orphan. Writers
/// touch their file as they write (buffered, every 64 KiB), so a live one
/// is never this stale; the margin also covers a writer in another PID
/// namespace sharing the directory, whose PID means nothing here.
const ORPHAN_AGE: Duration = Duration::from_secs(60);
/// Where liveness cannot be checked, only this old a file counts as orphaned.
const ORPHAN_AGE_UNCHECKED: Duration = Duration::from_secs(3600);

/// The temporary file name of write `serial` of process `pid` to `name`.
pub fn temporary_name(name: &str, pid: u32, serial: u64) -> String {
    format!(".{name}.{pid}.{serial}.tmp")
}

/// The writer's PID in a temporary file name of `name`, if it is one.
fn writer_of(file_name: &str, name: &str) -> Option<u32> {
    let rest = file_name
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?;
    let rest = rest.strip_suffix(".tmp")?;
    let (pid, serial) = rest.split_once('.')?;
    serial.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Whether process `pid` exists: `Some(true|false)` where the platform can
/// tell, `None` where it cannot.
pub fn process_alive(pid: u32) -> Option<bool> {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return Some(false);
        };
        // Signal 0 checks existence and permission without sending anything.
        // SAFETY: kill with signal 0 has no effect on the target.
        if unsafe { libc::kill(pid, 0) } == 0 {
            return Some(true);
        }
        Some(std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        None
    }
}

/// Remove the temporary files of writes to `name` in `dir` whose writer no
/// longer exists. Best effort: a file that cannot be read or removed stays.
/// Returns how many were removed.
pub fn remove_orphaned_temporaries(dir: &Path, name: &str) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let own = std::process::id();
    let mut removed = 0;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|f| writer_of(f, name)) else {
            continue;
        };
        if pid == own {
            continue;
        }
        let age = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok());
        let orphaned = match (process_alive(pid), age) {
            (Some(false), Some(age)) => age >= ORPHAN_AGE,
            (None, Some(age)) => age >= ORPHAN_AGE_UNCHECKED,
            _ => false,
        };
        if orphaned && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PID no process has (above the kernel's pid_max, which is at most 2^22).
    const DEAD: u32 = 4_194_400;

    /// A fresh empty directory, removed (with all it holds) when the guard
    /// drops at the end of the test, whether it passes or panics.
    fn tempdir(tag: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("ml-engine-orphans-{tag}-"))
            .tempdir()
            .unwrap()
    }

    fn aged(path: &Path, age: Duration) {
        let f = fs::OpenOptions::new().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn names_parse_back_to_their_writer() {
        assert_eq!(
            writer_of(&temporary_name("m.json", 42, 7), "m.json"),
            Some(42)
        );
        assert_eq!(writer_of(".m.json.42.x.tmp", "m.json"), None);
        assert_eq!(writer_of(".other.json.42.7.tmp", "m.json"), None);
        assert_eq!(writer_of("m.json", "m.json"), None);
    }

    #[cfg(unix)]
    #[test]
    fn liveness_is_known_on_unix() {
        assert_eq!(process_alive(std::process::id()), Some(true));
        assert_eq!(process_alive(DEAD), Some(false));
    }

    #[cfg(unix)]
    #[test]
    fn only_old_temporaries_of_dead_writers_of_that_name_are_removed() {
        let tmp = tempdir("remove");
        let dir = tmp.path().to_path_buf();
        let dead_old = dir.join(temporary_name("m.json", DEAD, 1));
        let dead_fresh = dir.join(temporary_name("m.json", DEAD, 2));
        let live_old = dir.join(temporary_name("m.json", 1, 3));
        let own_old = dir.join(temporary_name("m.json", std::process::id(), 4));
        let other_name = dir.join(temporary_name("n.json", DEAD, 5));
        for f in [&dead_old, &dead_fresh, &live_old, &own_old, &other_name] {
            fs::write(f, b"x").unwrap();
        }
        for f in [&dead_old, &live_old, &own_old, &other_name] {
            aged(f, Duration::from_secs(120));
        }
        assert_eq!(remove_orphaned_temporaries(&dir, "m.json"), 1);
        assert!(!dead_old.exists());
        for f in [&dead_fresh, &live_old, &own_old, &other_name] {
            assert!(f.exists(), "{} kept", f.display());
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_atomic_write_cleans_up_after_a_dead_writer_of_the_same_file() {
        let tmp = tempdir("write");
        let dir = tmp.path().to_path_buf();
        let orphan = dir.join(temporary_name("m.json", DEAD, 9));
        fs::write(&orphan, b"half a file").unwrap();
        aged(&orphan, Duration::from_secs(600));
        crate::model::write_atomic(&dir.join("m.json"), b"whole").unwrap();
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("m.json")]);
    }
}
