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
    pub(crate) data: Box<[u8]>,
}

impl LuaString {
    /// The contents.
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }
    /// Length in bytes.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// Is it the empty string?
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
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
            self.hash.set(hash_bytes(&self.data));
            self.hashed.set(true);
        }
        self.hash.get()
    }
    /// Bytes accounted to the GC for this object.
    pub(crate) fn gc_size(&self) -> usize {
        std::mem::size_of::<LuaString>() + self.data.len()
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
            if r.hash.get() == h && &*r.data == s {
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

/// Allocate a string object (not linked into any list; the heap does that).
pub(crate) fn alloc_string(s: &[u8], short: bool, hash: u32) -> Box<LuaString> {
    Box::new(LuaString {
        hdr: GcHeader::new(ObjKind::String),
        hash: Cell::new(hash),
        hashed: Cell::new(short),
        short,
        hnext: std::ptr::null_mut(),
        data: s.into(),
    })
}
