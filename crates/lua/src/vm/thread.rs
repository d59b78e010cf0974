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

/// The frame list of a thread: a growable array of [`CallInfo`] like `Vec<CallInfo>`, but with
/// a fixed `#[repr(C)]` header `{ ptr, len, cap }` so that compiled code can push and pop a
/// frame inline (the tier-1 call sequence, jit/baseline.rs) at the offsets
/// [`CiStack::PTR_OFFSET`], [`CiStack::LEN_OFFSET`] and [`CiStack::CAP_OFFSET`]. `Vec`'s own
/// layout is unspecified, hence this type.
///
/// Invariants: `ptr` points to a `Vec`-compatible allocation of `cap` elements (obtained from
/// `Vec::into_raw_parts`-style decomposition), the first `len` of which are initialised;
/// `len >= 1` (the base sentinel) while the thread is alive. Compiled code may write
/// `ptr[len]` and increment `len` only when `len < cap`; growing is done here (which moves the
/// array), so nobody keeps a `CallInfo` pointer across a call.
#[repr(C)]
pub struct CiStack {
    ptr: *mut CallInfo,
    len: usize,
    cap: usize,
}

impl CiStack {
    /// Byte offset of the element pointer in the header.
    pub const PTR_OFFSET: usize = std::mem::offset_of!(CiStack, ptr);
    /// Byte offset of the length in the header.
    pub const LEN_OFFSET: usize = std::mem::offset_of!(CiStack, len);
    /// Byte offset of the capacity in the header.
    pub const CAP_OFFSET: usize = std::mem::offset_of!(CiStack, cap);

    /// A frame list holding only `first`, with room for a few frames.
    pub fn new(first: CallInfo) -> CiStack {
        let mut v = Vec::with_capacity(8);
        v.push(first);
        Self::from_vec(v)
    }

    fn from_vec(v: Vec<CallInfo>) -> CiStack {
        let mut v = std::mem::ManuallyDrop::new(v);
        CiStack {
            ptr: v.as_mut_ptr(),
            len: v.len(),
            cap: v.capacity(),
        }
    }

    /// Run `f` on the storage as a `Vec` (for growing and shrinking), keeping the header in
    /// sync afterwards.
    fn with_vec<R>(&mut self, f: impl FnOnce(&mut Vec<CallInfo>) -> R) -> R {
        // SAFETY: the header describes a live `Vec` allocation (type invariant); the
        // ManuallyDrop below hands ownership back to the header after `f`.
        let mut v = std::mem::ManuallyDrop::new(unsafe {
            Vec::from_raw_parts(self.ptr, self.len, self.cap)
        });
        let r = f(&mut v);
        self.ptr = v.as_mut_ptr();
        self.len = v.len();
        self.cap = v.capacity();
        r
    }

    /// Append a frame (grows the array when full).
    #[inline]
    pub fn push(&mut self, ci: CallInfo) {
        if self.len == self.cap {
            self.with_vec(|v| v.reserve(v.len().max(8)));
        }
        // SAFETY: `len < cap` now, so slot `len` is inside the allocation.
        unsafe { self.ptr.add(self.len).write(ci) };
        self.len += 1;
    }

    /// Remove and return the last frame.
    #[inline]
    pub fn pop(&mut self) -> Option<CallInfo> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: slot `len` was initialised (below the old length); `CallInfo` is `Copy`.
        Some(unsafe { self.ptr.add(self.len).read() })
    }

    /// Keep the first `n` frames.
    #[inline]
    pub fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n);
    }

    /// Frames the array holds without growing.
    pub fn capacity(&self) -> usize {
        self.cap
    }
}

impl std::ops::Deref for CiStack {
    type Target = [CallInfo];
    #[inline(always)]
    fn deref(&self) -> &[CallInfo] {
        // SAFETY: the first `len` elements are initialised (type invariant).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl std::ops::DerefMut for CiStack {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [CallInfo] {
        // SAFETY: as `deref`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for CiStack {
    fn drop(&mut self) {
        // SAFETY: the header describes a live `Vec` allocation (type invariant); `CallInfo`
        // needs no drop, so rebuilding and dropping the Vec just frees the storage.
        drop(unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) });
    }
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
    pub ci: CiStack,
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
            ci: CiStack::new(base),
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
