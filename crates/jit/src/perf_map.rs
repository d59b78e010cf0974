//! `perf` map writer: one line `<start-hex> <size-hex> <name>` per installed code range, so
//! `perf report` names JIT frames (Linux perf's `perf-<pid>.map` JIT interface,
//! `tools/perf/Documentation/jit-interface.txt`).
//!
//! Invariants: each line is written with a single `write_all` of a complete line under a mutex,
//! so concurrent installs never interleave; names are sanitized to one line (control characters
//! become `?`), because perf splits records on `\n` and the name is the rest of the line.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An open perf map file, appended to on each install.
#[derive(Debug)]
pub struct PerfMap {
    path: PathBuf,
    file: Mutex<File>,
}

impl PerfMap {
    /// The conventional path for this process: `/tmp/perf-<pid>.map`.
    pub fn default_path() -> PathBuf {
        PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
    }

    /// Open (create or append to) the map at the conventional path.
    ///
    /// Errors: the I/O error of opening the file.
    pub fn for_process() -> io::Result<Self> {
        Self::open(Self::default_path())
    }

    /// Open (create or append to) a map at `path`.
    ///
    /// Errors: the I/O error of opening the file.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append `<start> <size> <name>` (hex without `0x`, as perf expects).
    ///
    /// Errors: the I/O error of the write.
    pub fn record(&self, start: u64, size: u64, name: &str) -> io::Result<()> {
        let clean: String = name
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        let line = format!("{start:x} {size:x} {clean}\n");
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(line.as_bytes())
    }
}

impl PerfMap {
    /// Append the line for an installed blob (`start`, `len`, `name`). Call it after
    /// [`crate::runtime::JitRuntime::install`].
    ///
    /// Errors: the I/O error of the write.
    pub fn record_blob(&self, blob: &crate::blob::CodeBlob) -> io::Result<()> {
        self.record(blob.start() as u64, blob.len() as u64, blob.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_hex_lines_and_sanitizes_names() {
        let dir = std::env::temp_dir().join(format!("moonlift-perfmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("perf-test.map");
        let _ = std::fs::remove_file(&path);
        let map = PerfMap::open(&path).unwrap();
        map.record(0x7f00_1234_0000, 0x40, "lua:fib@3").unwrap();
        map.record(0x10, 0x1000, "bad\nname").unwrap();
        drop(map);
        // Reopening appends.
        PerfMap::open(&path)
            .unwrap()
            .record(0xabc, 1, "third")
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "7f0012340000 40 lua:fib@3\n10 1000 bad?name\nabc 1 third\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn default_path_names_the_process() {
        let p = PerfMap::default_path();
        assert_eq!(
            p.to_str().unwrap(),
            format!("/tmp/perf-{}.map", std::process::id())
        );
    }
}
