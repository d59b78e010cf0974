//! Per-thread state: the VM stack, the `CallInfo` frame list, open upvalues and to-be-closed slots.
//!
//! # Stack (never moves)
//! Each thread reserves `(LUAI_MAXSTACK + EXTRA_STACK)` value slots of address space with one
//! anonymous `mmap` (`MAP_NORESERVE`, committed lazily by the kernel on first touch) at creation, and
//! never reallocates it. Raw pointers into the stack (open upvalues, the interpreter's `base`, compiled
//! code's frame pointers) therefore stay valid for the thread's lifetime. Fresh pages are zero, which
//! reads as nil. Overflow is detected by index: a call whose frame would pass `LUAI_MAXSTACK` raises
//! "stack overflow" (`luaD_growstack`).
//!
//! # Invariants
//! - `top` is the first free slot for native frames and API pushes; Lua frames use `ci.top`
//!   (`base + max_stack`) as their limit.
//! - Every slot below `hwm` (high-water mark) is nil or references a live object: the GC marks
//!   `[0, top)` and clears `[top, hwm)` (as `traversethread` does), so stale registers never dangle.
//! - `ci[0]` is the base frame of the thread (a native-like sentinel); `ci.last()` is the running frame.
//! - `open_upvals` is sorted by increasing stack level.

use super::function::UpVal;
use super::gc::{GcHeader, ObjKind};
use super::value::Value;

/// Maximum number of stack slots per thread (`LUAI_MAXSTACK`).
pub const LUAI_MAXSTACK: usize = 1_000_000;
/// Slots reserved above `LUAI_MAXSTACK` for error handling and the extra slots natives may push
/// (`EXTRA_STACK` plus `LUA_MINSTACK` headroom).
pub const EXTRA_STACK: usize = 1_000;

/// Frame kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameKind {
    /// A Lua function run by the interpreter (or compiled code; see [`CallInfo::tier`]).
    Lua,
    /// A native function.
    Native,
    /// The thread's base sentinel frame.
    Base,
}

/// `CallInfo` status bit: this frame was entered by a fresh `execute` invocation (a Rust-level call);
/// returning from it leaves the dispatch loop.
pub const CIST_FRESH: u8 = 1;
/// `CallInfo` status bit: the frame was reached through a tail call.
pub const CIST_TAIL: u8 = 2;
/// `CallInfo` status bit: a `__close`/finaliser call frame (no debug name).
pub const CIST_FIN: u8 = 4;
/// A debug hook is running for this frame (`CIST_HOOKED`): the function it calls is named
/// `hook '?'`.
pub const CIST_HOOKED: u8 = 8;

/// One activation record (Lua 5.4 `CallInfo`). Indices are stack slot indices.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct CallInfo {
    /// Slot of the function value.
    pub func: usize,
    /// First register (`func + 1`; for vararg Lua functions, above the copied varargs).
    pub base: usize,
    /// Frame limit: `base + max_stack` for Lua frames; the current top for native frames.
    pub top: usize,
    /// Saved program counter (index of the next instruction) of a Lua frame.
    pub savedpc: usize,
    /// Number of results the caller wants (`-1` = all, `LUA_MULTRET`).
    pub nresults: i32,
    /// Number of extra (vararg) arguments of a vararg Lua function.
    pub nextraargs: u32,
    /// Frame kind.
    pub kind: FrameKind,
    /// Which code runs this frame: 0 = interpreter; higher values are JIT tiers.
    pub tier: u8,
    /// `CIST_*` bits.
    pub status: u8,
}

/// Status of a coroutine (Lua 5.4 manual §2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    /// Not started or yielded.
    Suspended,
    /// Currently running.
    Running,
    /// Resumed another coroutine.
    Normal,
    /// Finished or died with an error.
    Dead,
}

/// A thread (the main thread or a coroutine).
#[repr(C)]
pub struct LuaThread {
    pub(crate) hdr: GcHeader,
    pub(crate) stack: *mut Value,
    pub(crate) stack_slots: usize,
    /// First free slot (see module doc).
    pub top: usize,
    /// High-water mark of slots ever written (see module doc).
    pub(crate) hwm: usize,
    /// Frames; `ci[0]` is the base sentinel.
    pub ci: Vec<CallInfo>,
    /// Open upvalues sorted by level.
    pub(crate) open_upvals: Vec<*mut UpVal>,
    /// Stack indices of pending to-be-closed variables, increasing.
    pub(crate) tbc: Vec<usize>,
    /// Coroutine status.
    pub status: ThreadStatus,
    /// Native-stack state of a coroutine (None for the main thread and before the first resume).
    pub(crate) co: Option<Box<super::coroutine::CoState>>,
    /// The error that killed the coroutine, if any.
    pub(crate) error: Option<Value>,
}

impl LuaThread {
    /// Create a thread with a fresh reserved stack. Returns None if the reservation fails.
    pub(crate) fn new() -> Option<LuaThread> {
        let slots = LUAI_MAXSTACK + EXTRA_STACK;
        let bytes = slots * std::mem::size_of::<Value>();
        // SAFETY: anonymous private mapping; arguments are valid; result checked against MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        let base = CallInfo {
            func: 0,
            base: 1,
            top: 1 + 20,
            savedpc: 0,
            nresults: 0,
            nextraargs: 0,
            kind: FrameKind::Base,
            tier: 0,
            status: 0,
        };
        Some(LuaThread {
            hdr: GcHeader::new(ObjKind::Thread),
            stack: p as *mut Value,
            stack_slots: slots,
            top: 1,
            hwm: 21,
            ci: vec![base],
            open_upvals: Vec::new(),
            tbc: Vec::new(),
            status: ThreadStatus::Suspended,
            co: None,
            error: None,
        })
    }

    /// Pointer to slot `i`.
    #[inline(always)]
    pub fn slot(&self, i: usize) -> *mut Value {
        debug_assert!(i < self.stack_slots);
        // SAFETY: i is within the reserved region (callers keep indices below stack_slots).
        unsafe { self.stack.add(i) }
    }

    /// Read slot `i`.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Value {
        // SAFETY: see `slot`.
        unsafe { *self.slot(i) }
    }

    /// Write slot `i`.
    #[inline(always)]
    pub fn set(&mut self, i: usize, v: Value) {
        // SAFETY: see `slot`.
        unsafe { *self.slot(i) = v }
    }

    /// The stack as a slice `[0, top)`.
    pub(crate) fn live_slice(&self) -> &[Value] {
        // SAFETY: [0, top) lies in the reserved, initialised (zero or written) region.
        unsafe { std::slice::from_raw_parts(self.stack, self.top) }
    }

    /// Nil-fill `[from, hwm)` (stale slots) and lower hwm to `from`.
    pub(crate) fn clear_above(&mut self, from: usize) {
        let from = from.min(self.stack_slots);
        if self.hwm > from {
            // SAFETY: [from, hwm) is inside the reserved region.
            unsafe { std::ptr::write_bytes(self.stack.add(from), 0, self.hwm - from) };
            self.hwm = from;
        }
    }

    pub(crate) fn gc_size(&self) -> usize {
        std::mem::size_of::<LuaThread>() + self.ci.capacity() * std::mem::size_of::<CallInfo>()
    }
}

impl Drop for LuaThread {
    fn drop(&mut self) {
        // SAFETY: stack was mapped in `new` with this size and is not used after drop.
        unsafe {
            libc::munmap(
                self.stack as *mut libc::c_void,
                self.stack_slots * std::mem::size_of::<Value>(),
            );
        }
    }
}
