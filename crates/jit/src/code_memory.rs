//! Code memory: one reserved region, mapped twice (W^X by construction).
//!
//! The region is a `memfd` of [`CodeMemoryConfig::reserve`] bytes (1 GiB by default) mapped
//! **twice** with `MAP_SHARED`:
//!
//! * an **RW view** (`PROT_READ | PROT_WRITE`) through which the runtime writes new code,
//!   applies relocations, patches call sites and stores entry cells;
//! * an **RX view** (`PROT_READ | PROT_EXEC`) from which code executes.
//!
//! Both views map the same physical pages, so a byte written through the RW view is visible
//! at the same offset of the RX view at once (x86-64 keeps instruction fetch coherent with
//! stores; on aarch64 [`CodeMemory::flush_icache`] must run before executing new bytes).
//!
//! Invariants:
//! * No address is ever writable and executable at once: the RW view is never executable and
//!   the RX view is never writable, and neither is ever `mprotect`ed. Publishing or patching
//!   code therefore needs no permission change while other threads run.
//! * Every JIT-to-JIT `call rel32` reaches: the whole region is smaller than 2 GiB, so any
//!   two addresses in it are within ±2 GiB of each other.
//! * Pages are committed lazily: the memfd is sparse, and a page costs memory only once the
//!   allocator has handed out (and the runtime written) part of it.
//! * The allocator is an address-ordered free list with first fit, splitting and coalescing of
//!   neighbours, above a bump pointer. A request that fits nowhere is
//!   [`CodeMemoryError::Full`], never a panic.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Smallest unit handed out by the allocator, in bytes. Every block start and size is a
/// multiple of it.
pub const GRANULE: usize = 16;

/// Configuration of a [`CodeMemory`] region.
#[derive(Clone, Debug)]
pub struct CodeMemoryConfig {
    /// Bytes of address space to reserve (rounded up to the page size). Must be below 2 GiB so
    /// that `rel32` displacements reach across the region. Default: 1 GiB.
    pub reserve: usize,
    /// Overwrite freed blocks with `int3` (0xCC) so a stale jump traps at once. Default: on in
    /// debug builds (`cfg!(debug_assertions)`), off in release builds.
    pub poison: bool,
}

impl Default for CodeMemoryConfig {
    fn default() -> Self {
        CodeMemoryConfig {
            reserve: 1 << 30,
            poison: cfg!(debug_assertions),
        }
    }
}

/// Errors of the code-memory layer.
#[derive(Debug, thiserror::Error)]
pub enum CodeMemoryError {
    /// No free block of the requested size is left in the region.
    #[error("code memory full: requested {requested} bytes, {free} bytes free in total")]
    Full {
        /// Bytes requested (after rounding to [`GRANULE`]).
        requested: usize,
        /// Bytes still free in the region (possibly fragmented).
        free: usize,
    },
    /// The configuration is invalid (e.g. a reserve of 2 GiB or more, or zero).
    #[error("invalid code memory configuration: {0}")]
    Config(String),
    /// A system call (`memfd_create`, `ftruncate`, `mmap`) failed.
    #[error("code memory system call `{call}` failed: {source}")]
    Os {
        /// The failing call.
        call: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// An address range lies outside the region or outside any allocated block.
    #[error("address range {addr:#x}+{len} is outside the code region")]
    OutOfRange {
        /// Start of the range (RX view address).
        addr: usize,
        /// Length in bytes.
        len: usize,
    },
}

/// A block handed out by [`CodeMemory::alloc`]: `len` bytes at offset `offset` of the region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeBlock {
    /// Offset from the start of the region, a multiple of [`GRANULE`].
    pub offset: usize,
    /// Length in bytes, a multiple of [`GRANULE`].
    pub len: usize,
}

/// Usage figures of a region, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeMemoryUsage {
    /// Bytes currently allocated.
    pub in_use: usize,
    /// Highest value `in_use` ever reached.
    pub peak_in_use: usize,
    /// Highest value the bump pointer ever reached: an upper bound of the memory ever committed
    /// (pages below it may have been touched).
    pub high_water: usize,
    /// Current extent: the bump pointer now (everything above it is untouched or free).
    pub extent: usize,
    /// Bytes reserved (address space).
    pub reserved: usize,
    /// Number of live blocks.
    pub blocks: usize,
}

struct Allocator {
    /// Free blocks below `top`, keyed by offset, value = length. Never two adjacent entries.
    free: BTreeMap<usize, usize>,
    /// Bump pointer: everything at or above it is free.
    top: usize,
    /// Highest value `top` ever had.
    max_top: usize,
    in_use: usize,
    peak: usize,
    blocks: usize,
}

/// The code region: a memfd mapped as an RW view and an RX view. See the module docs.
pub struct CodeMemory {
    rw: *mut u8,
    rx: *mut u8,
    size: usize,
    poison: bool,
    fd: libc::c_int,
    alloc: Mutex<Allocator>,
}

// SAFETY: the raw pointers are addresses of process-wide mappings owned by this value; all
// mutation of allocator state goes through the mutex, and byte writes into the views are
// done through `unsafe` methods whose callers guarantee exclusive use of the written range.
unsafe impl Send for CodeMemory {}
// SAFETY: see `Send`; shared access only reads the immutable view addresses or locks.
unsafe impl Sync for CodeMemory {}

fn os_err(call: &'static str) -> CodeMemoryError {
    CodeMemoryError::Os {
        call,
        source: std::io::Error::last_os_error(),
    }
}

fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

impl CodeMemory {
    /// Reserves a region: `memfd_create` + `ftruncate` (sparse) + two `mmap`s.
    ///
    /// Errors: [`CodeMemoryError::Config`] for a reserve of zero or ≥ 2 GiB,
    /// [`CodeMemoryError::Os`] if a system call fails (e.g. `vm.max_map_count`, no memfd).
    pub fn new(config: &CodeMemoryConfig) -> Result<CodeMemory, CodeMemoryError> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        let size = round_up(config.reserve, page);
        if size == 0 || size >= (1usize << 31) {
            return Err(CodeMemoryError::Config(format!(
                "reserve must be in 1..2 GiB so rel32 reaches across the region, got {} bytes",
                config.reserve
            )));
        }
        // SAFETY: the name is a valid NUL-terminated string; flags are valid.
        let fd = unsafe { libc::memfd_create(c"moonlift-code".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(os_err("memfd_create"));
        }
        // SAFETY: fd is a memfd we own; a sparse size commits no memory.
        if unsafe { libc::ftruncate(fd, size as libc::off_t) } != 0 {
            let e = os_err("ftruncate");
            // SAFETY: fd is ours and not used after.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        // SAFETY: mapping a fresh shared file mapping at a kernel-chosen address.
        let rw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if rw == libc::MAP_FAILED {
            let e = os_err("mmap(rw)");
            // SAFETY: fd is ours.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        // SAFETY: as above, second view of the same file, read + execute only.
        let rx = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_EXEC,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if rx == libc::MAP_FAILED {
            let e = os_err("mmap(rx)");
            // SAFETY: rw was mapped above with `size`; fd is ours.
            unsafe {
                libc::munmap(rw, size);
                libc::close(fd);
            }
            return Err(e);
        }
        Ok(CodeMemory {
            rw: rw.cast(),
            rx: rx.cast(),
            size,
            poison: config.poison,
            fd,
            alloc: Mutex::new(Allocator {
                free: BTreeMap::new(),
                top: 0,
                max_top: 0,
                in_use: 0,
                peak: 0,
                blocks: 0,
            }),
        })
    }

    /// Start address of the RX (executable) view.
    pub fn rx_base(&self) -> usize {
        self.rx as usize
    }

    /// Start address of the RW (writable) view.
    pub fn rw_base(&self) -> usize {
        self.rw as usize
    }

    /// Size of the region in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether freed blocks are overwritten with `int3`.
    pub fn poison_enabled(&self) -> bool {
        self.poison
    }

    /// Whether `addr` lies in the RX view.
    pub fn contains_rx(&self, addr: usize) -> bool {
        addr >= self.rx_base() && addr < self.rx_base() + self.size
    }

    /// RX (executable) address of region offset `offset`.
    pub fn rx_addr(&self, offset: usize) -> usize {
        self.rx_base() + offset
    }

    /// RW (writable) address of region offset `offset`.
    pub fn rw_addr(&self, offset: usize) -> usize {
        self.rw_base() + offset
    }

    /// Translates an RX-view address to the RW-view address of the same byte.
    ///
    /// Errors: [`CodeMemoryError::OutOfRange`] if `[rx, rx+len)` is not inside the region.
    pub fn rw_for_rx(&self, rx: usize, len: usize) -> Result<usize, CodeMemoryError> {
        if rx < self.rx_base() || rx.saturating_add(len) > self.rx_base() + self.size {
            return Err(CodeMemoryError::OutOfRange { addr: rx, len });
        }
        Ok(rx - self.rx_base() + self.rw_base())
    }

    /// Allocates a block of at least `len` bytes whose start (as an address, in both views) is
    /// a multiple of `align` (a power of two; values below [`GRANULE`] are raised to it).
    ///
    /// First fit over the address-ordered free list, then the bump pointer.
    /// Errors: [`CodeMemoryError::Full`] if nothing fits.
    pub fn alloc(&self, len: usize, align: usize) -> Result<CodeBlock, CodeMemoryError> {
        let align = align.max(GRANULE).next_power_of_two();
        let len = round_up(len.max(1), GRANULE);
        let mut a = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        // The region base is page aligned, so offset alignment equals address alignment for
        // any `align` up to the page size.
        let mut found = None;
        for (&off, &flen) in a.free.iter() {
            let start = round_up(off, align);
            if start + len <= off + flen {
                found = Some((off, flen, start));
                break;
            }
        }
        let block = if let Some((off, flen, start)) = found {
            a.free.remove(&off);
            if start > off {
                a.free.insert(off, start - off);
            }
            let end = start + len;
            if end < off + flen {
                a.free.insert(end, off + flen - end);
            }
            CodeBlock { offset: start, len }
        } else {
            let start = round_up(a.top, align);
            if start + len > self.size {
                let free = self.size - a.top + a.free.values().sum::<usize>();
                return Err(CodeMemoryError::Full {
                    requested: len,
                    free,
                });
            }
            if start > a.top {
                let gap_off = a.top;
                Self::insert_free(&mut a, gap_off, start - gap_off);
            }
            a.top = start + len;
            a.max_top = a.max_top.max(a.top);
            CodeBlock { offset: start, len }
        };
        a.in_use += block.len;
        a.peak = a.peak.max(a.in_use);
        a.blocks += 1;
        Ok(block)
    }

    fn insert_free(a: &mut Allocator, mut off: usize, mut len: usize) {
        // Coalesce with the previous free block.
        if let Some((&poff, &plen)) = a.free.range(..off).next_back()
            && poff + plen == off
        {
            a.free.remove(&poff);
            off = poff;
            len += plen;
        }
        // Coalesce with the next free block.
        if let Some(&nlen) = a.free.get(&(off + len)) {
            a.free.remove(&(off + len));
            len += nlen;
        }
        // A free block touching the bump pointer lowers it instead.
        if off + len == a.top {
            a.top = off;
        } else {
            a.free.insert(off, len);
        }
    }

    /// Returns a block to the allocator. When poisoning is on, its bytes are overwritten with
    /// `int3` (0xCC) first.
    ///
    /// # Safety
    /// `block` must come from [`CodeMemory::alloc`] on this region, not be freed twice, and
    /// no thread may execute or reference its bytes any more.
    pub unsafe fn free(&self, block: CodeBlock) {
        if self.poison {
            // SAFETY: the block lies in the RW view (it came from `alloc`) and the caller
            // guarantees nobody uses it any more.
            unsafe { std::ptr::write_bytes(self.rw.add(block.offset), 0xCC, block.len) };
        }
        let mut a = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        a.in_use -= block.len;
        a.blocks -= 1;
        Self::insert_free(&mut a, block.offset, block.len);
    }

    /// Copies `bytes` into the region at `offset` through the RW view.
    ///
    /// # Safety
    /// `[offset, offset + bytes.len())` must be inside a block the caller owns, and no other
    /// thread may be executing those bytes, unless the write is a single naturally aligned
    /// store of at most 8 bytes that the caller knows to be safe for concurrent execution.
    pub unsafe fn write(&self, offset: usize, bytes: &[u8]) {
        assert!(
            offset + bytes.len() <= self.size,
            "write outside the code region"
        );
        // SAFETY: range checked against the mapping; exclusivity is the caller's duty.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.rw.add(offset), bytes.len()) };
    }

    /// Makes instruction fetch see bytes written to `[rx, rx + len)`.
    ///
    /// x86-64 keeps instruction caches coherent with stores, so this is a no-op there (the
    /// runtime still serializes parked threads after patching, see `safepoint`). On aarch64 it
    /// calls `__clear_cache` on the RX range.
    pub fn flush_icache(&self, rx: usize, len: usize) {
        #[cfg(target_arch = "aarch64")]
        {
            unsafe extern "C" {
                fn __clear_cache(start: *mut libc::c_char, end: *mut libc::c_char);
            }
            // SAFETY: the range lies in our RX mapping; __clear_cache only maintains caches.
            unsafe { __clear_cache(rx as *mut _, (rx + len) as *mut _) };
        }
        let _ = (rx, len);
    }

    /// Current usage figures.
    pub fn usage(&self) -> CodeMemoryUsage {
        let a = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        CodeMemoryUsage {
            in_use: a.in_use,
            peak_in_use: a.peak,
            high_water: a.max_top,
            extent: a.top,
            reserved: self.size,
            blocks: a.blocks,
        }
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // SAFETY: both views were mapped with `self.size` by `new` and are unmapped once; the
        // owner (the runtime) drops us only after all code has stopped running.
        unsafe {
            libc::munmap(self.rw.cast(), self.size);
            libc::munmap(self.rx.cast(), self.size);
            libc::close(self.fd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> CodeMemory {
        CodeMemory::new(&CodeMemoryConfig {
            reserve: 64 * 1024,
            poison: true,
        })
        .unwrap()
    }

    #[test]
    fn alloc_free_reuse_and_coalesce() {
        let m = small();
        let a = m.alloc(100, 16).unwrap();
        let b = m.alloc(100, 16).unwrap();
        let c = m.alloc(100, 16).unwrap();
        assert_eq!(a.len, 112);
        assert!(a.offset < b.offset && b.offset < c.offset);
        // SAFETY: blocks are ours and unused.
        unsafe {
            m.free(a);
            m.free(b);
        }
        // a and b coalesced: a 200-byte request fits at a's offset.
        let d = m.alloc(200, 16).unwrap();
        assert_eq!(d.offset, a.offset);
        // SAFETY: as above.
        unsafe {
            m.free(c);
            m.free(d);
        }
        let u = m.usage();
        assert_eq!(u.in_use, 0);
        assert_eq!(u.blocks, 0);
        // Everything coalesced back into the bump area.
        assert_eq!(m.alloc(64 * 1024, 16).unwrap().offset, 0);
    }

    #[test]
    fn full_is_an_error() {
        let m = small();
        let _a = m.alloc(60 * 1024, 16).unwrap();
        match m.alloc(8 * 1024, 16) {
            Err(CodeMemoryError::Full { requested, .. }) => assert_eq!(requested, 8 * 1024),
            other => panic!("expected Full, got {other:?}"),
        }
    }

    #[test]
    fn views_alias_and_poison() {
        let m = small();
        let b = m.alloc(32, 64).unwrap();
        assert_eq!(m.rx_addr(b.offset) % 64, 0);
        // SAFETY: the block is ours.
        unsafe { m.write(b.offset, &[1, 2, 3]) };
        // SAFETY: the RX view is readable and the block is allocated.
        let seen = unsafe { std::slice::from_raw_parts(m.rx_addr(b.offset) as *const u8, 3) };
        assert_eq!(seen, &[1, 2, 3]);
        // SAFETY: the block is ours and unused.
        unsafe { m.free(b) };
        // SAFETY: still mapped and readable.
        let seen = unsafe { std::slice::from_raw_parts(m.rx_addr(b.offset) as *const u8, 3) };
        assert_eq!(seen, &[0xCC; 3]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Random alloc/free sequences: blocks never overlap, stay aligned and inside the
        /// region, usage is exact, and freeing everything coalesces back to an empty region.
        #[test]
        fn allocator_invariants(ops in proptest::collection::vec((0usize..3, 1usize..3000, 0u32..3), 1..200)) {
            let m = CodeMemory::new(&CodeMemoryConfig { reserve: 256 * 1024, poison: false }).unwrap();
            let mut live: Vec<CodeBlock> = Vec::new();
            for (op, len, align_log) in ops {
                if op < 2 || live.is_empty() {
                    let align = 16usize << align_log;
                    match m.alloc(len, align) {
                        Ok(b) => {
                            proptest::prop_assert_eq!(b.offset % align, 0);
                            proptest::prop_assert!(b.len >= len && b.offset + b.len <= m.size());
                            for o in &live {
                                proptest::prop_assert!(b.offset + b.len <= o.offset || o.offset + o.len <= b.offset,
                                    "overlap {:?} {:?}", b, o);
                            }
                            live.push(b);
                        }
                        Err(CodeMemoryError::Full { .. }) => {}
                        Err(e) => proptest::prop_assert!(false, "{e}"),
                    }
                } else {
                    let b = live.swap_remove(len % live.len());
                    // SAFETY: the block came from `alloc` and is freed once.
                    unsafe { m.free(b) };
                }
                proptest::prop_assert_eq!(m.usage().in_use, live.iter().map(|b| b.len).sum::<usize>());
            }
            for b in live.drain(..) {
                // SAFETY: as above.
                unsafe { m.free(b) };
            }
            let u = m.usage();
            proptest::prop_assert_eq!(u.in_use, 0);
            proptest::prop_assert_eq!(u.extent, 0, "everything coalesced into the bump area");
        }
    }

    #[test]
    fn bad_config() {
        assert!(matches!(
            CodeMemory::new(&CodeMemoryConfig {
                reserve: 1 << 31,
                poison: false
            }),
            Err(CodeMemoryError::Config(_))
        ));
    }
}
