//! Lua strings: immutable byte strings, short ones interned.
//!
//! Invariants:
//! - A string of at most [`MAX_SHORT_LEN`] bytes is *short*: there is exactly one live `LuaString`
//!   per distinct short content (the [`StringTable`] interns it), so short-string equality is pointer
//!   equality, and its hash is computed once at creation.
//! - A longer string is *long*: not interned; its hash is computed lazily (first use as a table key)
//!   and cached. Equality of long strings compares contents.
//! - Contents never change after creation.
//!
//! Hash: `luaS_hash` of Lua 5.4 (`lstring.c`) with a fixed seed.

use super::gc::{GcHeader, ObjKind};
use std::cell::Cell;

/// Longest string that is interned (`LUAI_MAXSHORTLEN` in Lua 5.4).
pub const MAX_SHORT_LEN: usize = 40;
const SEED: u32 = 0x2545_f491;

/// A string object.
#[repr(C)]
pub struct LuaString {
    pub(crate) hdr: GcHeader,
    /// Cached hash (always valid for short strings; valid for long strings when `hashed` is set).
    pub(crate) hash: Cell<u32>,
    pub(crate) hashed: Cell<bool>,
    pub(crate) short: bool,
    /// Next string in the same intern-table bucket (short strings only).
    pub(crate) hnext: *mut LuaString,
    /// Length of the contents in bytes.
    len: usize,
    /// The contents: `len` bytes stored right after this header in the same allocation
    /// ([`alloc_string`]; one allocation per string, as `TString` in lstring.c). Kept as a
    /// pointer derived from the allocation so that borrowing the bytes never reaches beyond
    /// a reference to the header.
    data: *const u8,
}

impl LuaString {
    /// Byte offset of the length field (`usize`), for compiled code.
    pub(crate) const LEN_OFFSET: usize = std::mem::offset_of!(LuaString, len);
    /// Byte offset of the contents pointer (`*const u8`), for compiled code.
    pub(crate) const DATA_OFFSET: usize = std::mem::offset_of!(LuaString, data);

    /// The contents.
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `data` points to the `len` initialised, never modified bytes that follow
        // the header in the object's allocation, which lives as long as the object.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
    /// Length in bytes.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }
    /// Is it the empty string?
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Is it short (interned)?
    #[inline(always)]
    pub fn is_short(&self) -> bool {
        self.short
    }
    /// Hash of the contents (computed and cached on first call for long strings).
    #[inline(always)]
    pub fn hash(&self) -> u32 {
        if !self.hashed.get() {
            self.hash.set(hash_bytes(self.as_bytes()));
            self.hashed.set(true);
        }
        self.hash.get()
    }
    /// Bytes accounted to the GC for this object.
    pub(crate) fn gc_size(&self) -> usize {
        std::mem::size_of::<LuaString>() + self.len
    }
}

/// `luaS_hash` (Lua 5.4) over the whole string.
pub fn hash_bytes(s: &[u8]) -> u32 {
    let mut h = SEED ^ (s.len() as u32);
    for &b in s.iter().rev() {
        h ^= (h << 5).wrapping_add(h >> 2).wrapping_add(b as u32);
    }
    h
}

/// The intern table of short strings: a power-of-two array of buckets chained through
/// [`LuaString::hnext`]. It does not keep strings alive: the GC removes dead ones in its sweep.
pub(crate) struct StringTable {
    buckets: Vec<*mut LuaString>,
    count: usize,
}

impl StringTable {
    pub(crate) fn new() -> StringTable {
        StringTable {
            buckets: vec![std::ptr::null_mut(); 256],
            count: 0,
        }
    }

    /// Find an interned string with these contents and hash.
    #[inline]
    pub(crate) fn find(&self, s: &[u8], h: u32) -> Option<*mut LuaString> {
        let mut p = self.buckets[(h as usize) & (self.buckets.len() - 1)];
        while !p.is_null() {
            // SAFETY: every pointer in the table is a live short string (dead ones are unlinked by the
            // sweep before being freed).
            let r = unsafe { &*p };
            if r.hash.get() == h && r.as_bytes() == s {
                return Some(p);
            }
            p = r.hnext;
        }
        None
    }

    /// Insert a new short string (not already present).
    pub(crate) fn insert(&mut self, p: *mut LuaString) {
        if self.count >= self.buckets.len() {
            self.resize(self.buckets.len() * 2);
        }
        // SAFETY: p is a freshly created live short string.
        let h = unsafe { (*p).hash.get() } as usize;
        let idx = h & (self.buckets.len() - 1);
        // SAFETY: as above.
        unsafe { (*p).hnext = self.buckets[idx] };
        self.buckets[idx] = p;
        self.count += 1;
    }

    fn resize(&mut self, n: usize) {
        let mut nb = vec![std::ptr::null_mut::<LuaString>(); n];
        for &b in &self.buckets {
            let mut p = b;
            while !p.is_null() {
                // SAFETY: live interned strings (see `find`).
                unsafe {
                    let next = (*p).hnext;
                    let idx = ((*p).hash.get() as usize) & (n - 1);
                    (*p).hnext = nb[idx];
                    nb[idx] = p;
                    p = next;
                }
            }
        }
        self.buckets = nb;
    }

    /// Unlink every string for which `dead` returns true (called by the sweep before freeing them).
    pub(crate) fn remove_dead(&mut self, dead: impl Fn(*mut LuaString) -> bool) {
        for i in 0..self.buckets.len() {
            let mut prev: *mut LuaString = std::ptr::null_mut();
            let mut p = self.buckets[i];
            while !p.is_null() {
                // SAFETY: live interned strings; `dead` only reads the header.
                let next = unsafe { (*p).hnext };
                if dead(p) {
                    if prev.is_null() {
                        self.buckets[i] = next;
                    } else {
                        // SAFETY: prev is a live interned string.
                        unsafe { (*prev).hnext = next };
                    }
                    self.count -= 1;
                } else {
                    prev = p;
                }
                p = next;
            }
        }
        if self.count < self.buckets.len() / 4 && self.buckets.len() > 256 {
            self.resize(self.buckets.len() / 2);
        }
    }
}

/// Layout of a string object of `len` bytes: the header followed by the contents.
fn string_layout(len: usize) -> std::alloc::Layout {
    let size = std::mem::size_of::<LuaString>() + len;
    match std::alloc::Layout::from_size_align(size, std::mem::align_of::<LuaString>()) {
        Ok(l) => l,
        // Only for sizes near isize::MAX, which no Lua string reaches (allocation of the
        // bytes that produce it would have failed first).
        Err(_) => std::alloc::handle_alloc_error(std::alloc::Layout::new::<LuaString>()),
    }
}

/// Allocate a string object with its contents in one allocation (not linked into any list;
/// the heap does that; freed by [`free_string`]).
pub(crate) fn alloc_string(s: &[u8], short: bool, hash: u32) -> *mut LuaString {
    let layout = string_layout(s.len());
    // SAFETY: the layout has a non-zero size (the header); the result is checked for null;
    // the header is written before any use and the bytes right after it, inside the
    // allocation.
    unsafe {
        let p = std::alloc::alloc(layout) as *mut LuaString;
        if p.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        let data = (p as *mut u8).add(std::mem::size_of::<LuaString>());
        std::ptr::copy_nonoverlapping(s.as_ptr(), data, s.len());
        p.write(LuaString {
            hdr: GcHeader::new(ObjKind::String),
            hash: Cell::new(hash),
            hashed: Cell::new(short),
            short,
            hnext: std::ptr::null_mut(),
            len: s.len(),
            data,
        });
        p
    }
}

/// Free a string made by [`alloc_string`]; returns the bytes it was accounted for.
///
/// # Safety
/// `p` came from [`alloc_string`], is not used afterwards and not freed twice.
pub(crate) unsafe fn free_string(p: *mut LuaString) -> usize {
    // SAFETY: caller contract; the header is initialised, so `len` gives the layout used.
    unsafe {
        let size = (*p).gc_size();
        std::alloc::dealloc(p as *mut u8, string_layout((*p).len));
        size
    }
}
