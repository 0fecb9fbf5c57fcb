//! One `rounds run` per SQLite file, known for certain.
//!
//! `rounds run` holds an exclusive advisory lock on `<db>.lock` beside the file for as long as
//! it lives; the kernel drops it when the process ends, however it ends (a `kill -9` too). So
//! a run that takes it knows every lease in the database belongs to a dead process, and hands
//! them back at once instead of waiting them out. `rounds shell` holds a shared lock on the
//! same file: shells share a file with each other but never with a run, whose start would
//! otherwise hand back a live shell's leases. `migrate` (transactional) and `check-config`
//! (read-only) take no lock. PostgreSQL and `:memory:` have no file and no lock: there
//! several processes may share a database, and leases are waited out.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::url::DatabaseUrl;

/// Held while this process uses the database; dropping it (or dying) lets another start.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
    path: PathBuf,
}

/// How a process uses the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// `rounds run`: the only process on the database.
    Exclusive,
    /// `rounds shell`: alongside other shells, never alongside a run.
    Shared,
}

impl DatabaseLock {
    /// Takes the lock for `url`'s SQLite file; None for a database with no file. An error
    /// names the process that holds it, when that is a run.
    pub fn take(url: &DatabaseUrl, mode: LockMode) -> anyhow::Result<Option<DatabaseLock>> {
        let Some(database) = url.file() else {
            return Ok(None);
        };
        url.create_parent_dir()?;
        let path = lock_path(database);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open the lock file {}: {e}", path.display()))?;
        let taken = match mode {
            LockMode::Exclusive => file.try_lock(),
            LockMode::Shared => file.try_lock_shared(),
        };
        match taken {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = match holder_pid(&mut file) {
                    Some(pid) => format!("another Rounds is running on this database (pid {pid})"),
                    None => "another Rounds is using this database (a shell or a run)".to_string(),
                };
                anyhow::bail!(
                    "{holder}: {}. Stop it first; two processes on one SQLite file would each wait out or take over the other's work.",
                    database.display()
                );
            }
            Err(TryLockError::Error(e)) => {
                anyhow::bail!("cannot lock {}: {e}", path.display())
            }
        }
        if mode == LockMode::Exclusive {
            // For the message a second run shows; the lock itself is what counts.
            file.set_len(0)?;
            file.rewind()?;
            write!(file, "{}", std::process::id())?;
            file.flush()?;
        }
        Ok(Some(DatabaseLock { _file: file, path }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The pid a run wrote, if that process still exists (a shell writes none, and a dead run's
/// pid may be left in the file).
fn holder_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    let pid: u32 = text.trim().parse().ok()?;
    let alive = Path::new("/proc").is_dir() && Path::new(&format!("/proc/{pid}")).exists();
    let unknowable = !Path::new("/proc").is_dir();
    (alive || unknowable).then_some(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_in(dir: &Path) -> DatabaseUrl {
        DatabaseUrl::parse(&dir.join("rounds.db").to_string_lossy()).unwrap()
    }

    #[test]
    fn a_second_run_is_refused_and_names_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let url = url_in(dir.path());
        let first = DatabaseLock::take(&url, LockMode::Exclusive).unwrap();
        assert!(first.is_some());
        let error = DatabaseLock::take(&url, LockMode::Exclusive).unwrap_err();
        let pid = std::process::id();
        assert!(
            error.to_string().contains(&format!(
                "another Rounds is running on this database (pid {pid})"
            )),
            "{error}"
        );
        // A shell is refused too; once the run ends, a new one starts.
        assert!(DatabaseLock::take(&url, LockMode::Shared).is_err());
        drop(first);
        assert!(
            DatabaseLock::take(&url, LockMode::Exclusive)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn shells_share_a_file_but_keep_a_run_out() {
        let dir = tempfile::tempdir().unwrap();
        let url = url_in(dir.path());
        let one = DatabaseLock::take(&url, LockMode::Shared).unwrap();
        let two = DatabaseLock::take(&url, LockMode::Shared).unwrap();
        assert!(one.is_some() && two.is_some());
        let error = DatabaseLock::take(&url, LockMode::Exclusive).unwrap_err();
        assert!(error.to_string().contains("another Rounds"), "{error}");
    }

    #[test]
    fn a_database_without_a_file_has_no_lock() {
        let url = DatabaseUrl::parse(":memory:").unwrap();
        assert!(
            DatabaseLock::take(&url, LockMode::Exclusive)
                .unwrap()
                .is_none()
        );
    }
}
