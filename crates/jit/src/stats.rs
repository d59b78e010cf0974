//! Runtime counters for `--jit-stats`: plain relaxed atomics, cheap enough to bump on every event.
//!
//! One process-wide instance ([`global`]); each subsystem bumps its counters where the event
//! happens (install and free in the runtime, patches in [`crate::patchpoint`], invalidations in
//! [`crate::assumption`], deopts in [`crate::deopt`]). [`JitStats::snapshot`] reads every counter
//! once (not atomically as a whole: counters may be a few events apart, never torn).
//!
//! The runtime ([`crate::runtime::JitRuntime`]) keeps its own counters of installs, frees,
//! relinks, cell stores and byte patches; [`snapshot`] merges those with the process-wide ones
//! (invalidations, deopts, compile time) into the `--jit-stats` view.
//!
//! Invariant: `code_bytes_live <= code_bytes_peak`, maintained by [`JitStats::record_install`]
//! (which raises the peak) and [`JitStats::record_free`].

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// CPU time consumed by the calling thread so far (`CLOCK_THREAD_CPUTIME_ID`): what compile
/// times are measured in, so that a compiler thread waiting for a CPU (or a mutator preempted
/// mid-compile) does not count the wait as compile work. The difference of two readings on
/// one thread is that thread's CPU time between them.
///
/// Through libc's `clock_gettime` (not rustix's vDSO call, which crashes when the process has
/// no vDSO, e.g. under valgrind). 0 if the clock is unavailable.
pub fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; clock_gettime only writes it.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    if r != 0 {
        return Duration::ZERO;
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The counters. Fields are public so hot paths can bump them directly.
#[derive(Debug, Default)]
pub struct JitStats {
    /// Code blobs installed.
    pub blobs_installed: AtomicU64,
    /// Code blobs freed.
    pub blobs_freed: AtomicU64,
    /// Bytes of installed code not yet freed.
    pub code_bytes_live: AtomicU64,
    /// Highest `code_bytes_live` seen.
    pub code_bytes_peak: AtomicU64,
    /// Bytes of code freed in total.
    pub code_bytes_freed: AtomicU64,
    /// Direct-call relinks.
    pub relinks: AtomicU64,
    /// Entry-cell stores.
    pub cell_stores: AtomicU64,
    /// Instruction patches (patchpoint enable/disable/retarget, call-site rewrites).
    pub patches: AtomicU64,
    /// Assumptions invalidated.
    pub invalidations: AtomicU64,
    /// Deopt exits decoded.
    pub deopts: AtomicU64,
    /// Functions compiled.
    pub compiles: AtomicU64,
    /// Total compile time in nanoseconds.
    pub compile_nanos: AtomicU64,
}

/// The process-wide counters.
pub fn global() -> &'static JitStats {
    static STATS: OnceLock<JitStats> = OnceLock::new();
    STATS.get_or_init(JitStats::default)
}

impl JitStats {
    /// Count an installed blob of `bytes` bytes; raises the peak.
    pub fn record_install(&self, bytes: u64) {
        self.blobs_installed.fetch_add(1, Relaxed);
        let live = self.code_bytes_live.fetch_add(bytes, Relaxed) + bytes;
        self.code_bytes_peak.fetch_max(live, Relaxed);
    }

    /// Count a freed blob of `bytes` bytes (saturating: never below zero live bytes).
    pub fn record_free(&self, bytes: u64) {
        self.blobs_freed.fetch_add(1, Relaxed);
        self.code_bytes_freed.fetch_add(bytes, Relaxed);
        let _ = self
            .code_bytes_live
            .fetch_update(Relaxed, Relaxed, |v| Some(v.saturating_sub(bytes)));
    }

    /// Count one compilation that took `time` (CPU time of the compiling thread,
    /// [`thread_cpu_time`]).
    pub fn record_compile(&self, time: Duration) {
        self.compiles.fetch_add(1, Relaxed);
        self.compile_nanos
            .fetch_add(u64::try_from(time.as_nanos()).unwrap_or(u64::MAX), Relaxed);
    }

    /// Read every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            blobs_installed: self.blobs_installed.load(Relaxed),
            blobs_freed: self.blobs_freed.load(Relaxed),
            code_bytes_live: self.code_bytes_live.load(Relaxed),
            code_bytes_peak: self.code_bytes_peak.load(Relaxed),
            code_bytes_freed: self.code_bytes_freed.load(Relaxed),
            relinks: self.relinks.load(Relaxed),
            cell_stores: self.cell_stores.load(Relaxed),
            patches: self.patches.load(Relaxed),
            invalidations: self.invalidations.load(Relaxed),
            deopts: self.deopts.load(Relaxed),
            compiles: self.compiles.load(Relaxed),
            compile_time: Duration::from_nanos(self.compile_nanos.load(Relaxed)),
        }
    }
}

/// The `--jit-stats` view of runtime `rt`: installs, frees, freed bytes, relinks, cell stores
/// and byte patches from [`crate::runtime::JitRuntime::counters`], live and peak code bytes from
/// the code memory ([`crate::runtime::JitRuntime::code_usage`]), and the rest from [`global`].
pub fn snapshot(rt: &crate::runtime::JitRuntime) -> StatsSnapshot {
    let c = rt.counters();
    let u = rt.code_usage();
    StatsSnapshot {
        blobs_installed: c.installs,
        blobs_freed: c.freed,
        code_bytes_live: u.in_use as u64,
        code_bytes_peak: u.peak_in_use as u64,
        code_bytes_freed: c.freed_bytes,
        relinks: c.relinks,
        cell_stores: c.cell_stores,
        patches: c.patches,
        ..global().snapshot()
    }
}

/// A copy of the counters at one moment; `Display` prints the `--jit-stats` table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Code blobs installed.
    pub blobs_installed: u64,
    /// Code blobs freed.
    pub blobs_freed: u64,
    /// Bytes of installed code not yet freed.
    pub code_bytes_live: u64,
    /// Highest live code bytes.
    pub code_bytes_peak: u64,
    /// Bytes of code freed.
    pub code_bytes_freed: u64,
    /// Direct-call relinks.
    pub relinks: u64,
    /// Entry-cell stores (publishing, fallbacks).
    pub cell_stores: u64,
    /// Instruction patches.
    pub patches: u64,
    /// Assumptions invalidated.
    pub invalidations: u64,
    /// Deopt exits decoded.
    pub deopts: u64,
    /// Functions compiled.
    pub compiles: u64,
    /// Total compile time.
    pub compile_time: Duration,
}

impl StatsSnapshot {
    /// Counter-wise difference `self - earlier` (saturating), for "what happened in between";
    /// the live/peak byte figures are taken from `self`.
    pub fn since(&self, earlier: &StatsSnapshot) -> StatsSnapshot {
        StatsSnapshot {
            blobs_installed: self.blobs_installed.saturating_sub(earlier.blobs_installed),
            blobs_freed: self.blobs_freed.saturating_sub(earlier.blobs_freed),
            code_bytes_live: self.code_bytes_live,
            code_bytes_peak: self.code_bytes_peak,
            code_bytes_freed: self
                .code_bytes_freed
                .saturating_sub(earlier.code_bytes_freed),
            relinks: self.relinks.saturating_sub(earlier.relinks),
            cell_stores: self.cell_stores.saturating_sub(earlier.cell_stores),
            patches: self.patches.saturating_sub(earlier.patches),
            invalidations: self.invalidations.saturating_sub(earlier.invalidations),
            deopts: self.deopts.saturating_sub(earlier.deopts),
            compiles: self.compiles.saturating_sub(earlier.compiles),
            compile_time: self.compile_time.saturating_sub(earlier.compile_time),
        }
    }
}

impl fmt::Display for StatsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "jit stats:")?;
        writeln!(f, "  blobs installed   {:>12}", self.blobs_installed)?;
        writeln!(f, "  blobs freed       {:>12}", self.blobs_freed)?;
        writeln!(f, "  code bytes live   {:>12}", self.code_bytes_live)?;
        writeln!(f, "  code bytes peak   {:>12}", self.code_bytes_peak)?;
        writeln!(f, "  code bytes freed  {:>12}", self.code_bytes_freed)?;
        writeln!(f, "  relinks           {:>12}", self.relinks)?;
        writeln!(f, "  cell stores       {:>12}", self.cell_stores)?;
        writeln!(f, "  patches           {:>12}", self.patches)?;
        writeln!(f, "  invalidations     {:>12}", self.invalidations)?;
        writeln!(f, "  deopts            {:>12}", self.deopts)?;
        writeln!(f, "  compiles          {:>12}", self.compiles)?;
        write!(
            f,
            "  compile time      {:>9.3} ms",
            self.compile_time.as_secs_f64() * 1e3
        )?;
        if self.compiles > 0 {
            write!(
                f,
                " ({:.1} us/function)",
                self.compile_time.as_secs_f64() * 1e6 / self.compiles as f64
            )?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_bytes_and_peak_follow_installs_and_frees() {
        let s = JitStats::default();
        s.record_install(100);
        s.record_install(50);
        s.record_free(100);
        s.record_install(10);
        let snap = s.snapshot();
        assert_eq!(snap.blobs_installed, 3);
        assert_eq!(snap.blobs_freed, 1);
        assert_eq!(snap.code_bytes_live, 60);
        assert_eq!(snap.code_bytes_peak, 150);
        assert_eq!(snap.code_bytes_freed, 100);
        s.record_free(1000);
        assert_eq!(s.snapshot().code_bytes_live, 0, "saturates");
    }

    #[test]
    fn display_lists_every_counter() {
        let s = JitStats::default();
        s.record_compile(Duration::from_micros(1500));
        s.patches.fetch_add(3, Relaxed);
        let text = s.snapshot().to_string();
        assert!(text.contains("patches                      3"), "{text}");
        assert!(text.contains("compile time          1.500 ms"), "{text}");
        assert!(text.contains("1500.0 us/function"), "{text}");
        let before = s.snapshot();
        s.patches.fetch_add(2, Relaxed);
        assert_eq!(s.snapshot().since(&before).patches, 2);
    }
}
