//! Lua tables: an array part and a hash part with Lua 5.4's node layout (`ltable.c`).
//!
//! # Layout (read inline by compiled code)
//! `LuaTable` is `#[repr(C)]`; the array part is `array: *mut Value` with `asize: u32` slots holding
//! keys `1..=asize` (slot `k-1` for key `k`); absent entries are nil. The hash part is `node: *mut Node`
//! with `1 << lsizenode` nodes when `node` is non-null (no hash part at all when null). A [`Node`] is
//! `#[repr(C)] { val: Value, key: Value, next: i32, khash: u32 }` (`khash`: a string key's hash, in
//! what was padding, so that rehashing and collision handling never read the key's string object);
//! collisions chain through `next` (a relative
//! offset in nodes, 0 = end), with Brent's variation: a key not in its main position is moved when the
//! owner of that position arrives (`luaH_newkey`).
//!
//! # Memory
//! Table objects, array parts and node vectors come from a per-thread cache of freed blocks by
//! size class (`block_cache` below) in front of the system allocator: the GC frees tables by the
//! thousand and the program allocates as many again right after. A table created with a hash
//! part small enough shares one block with it (`LuaTable::alloc`).
//!
//! # Invariants
//! - Keys are never nil or NaN; float keys with an integer value are stored as integers (normalised
//!   by [`normalize_key`] before any lookup).
//! - An integer key `k` with `1 <= k <= asize` lives only in the array part.
//! - A key removed by assigning nil keeps its node (value nil) until the next rehash, so `next` can
//!   continue a traversal after the current field was cleared (Lua 5.4 manual §6.1 `next`). The GC turns
//!   such keys into dead keys (`TAG_DEADKEY`, payload kept for identity only).
//! - Rehash sizing follows `computesizes` (the array part is the largest `n` such that more than `n/2`
//!   of `1..=n` are used), so sequences stay in the array part.
//! - `flags` caches absent metamethods (bit `i` set = `TagMethod` `i` known absent, for the first
//!   [`CACHED_TMS`] events); any store into an empty slot clears it.

use super::gc::{GcHeader, ObjKind};
use super::string::LuaString;
use super::value::*;
use std::cell::Cell;

/// A hash-part node.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Node {
    /// The value (nil = empty node).
    pub val: Value,
    /// The key (nil = free node never used since the last rehash).
    pub key: Value,
    /// Offset (in nodes) to the next node of the collision chain; 0 = end of chain.
    pub next: i32,
    /// The hash of a string key (its `LuaString::hash`), written with the key; unused for
    /// other keys.
    pub(crate) khash: u32,
}

/// Number of metamethod events whose absence is cached in [`LuaTable::flags`] (`__index` .. `__eq`).
pub const CACHED_TMS: u32 = 6;
/// Largest array-part size (`MAXASIZE`-like bound).
const MAX_ABITS: usize = 31;

/// A table object. See the module doc for layout and invariants.
#[repr(C)]
pub struct LuaTable {
    pub(crate) hdr: GcHeader,
    /// Array part (keys `1..=asize`).
    pub array: *mut Value,
    /// Number of array slots.
    pub asize: u32,
    /// log2 of the number of nodes (meaningful only when `node` is non-null).
    pub lsizenode: u8,
    /// Absent-metamethod cache (see module doc).
    pub flags: Cell<u8>,
    /// Hash part, or null.
    pub node: *mut Node,
    /// All nodes at index >= lastfree are known non-free.
    pub(crate) lastfree: u32,
    /// Bytes of the table's own block after the object: the node vector it was created with
    /// when that fits there ([`LuaTable::alloc`]); 0 otherwise. Kept (and accounted) until the
    /// table is freed, even after a resize moved the nodes out.
    inline_bytes: u32,
    /// Does `node` point into the table's own block (right after the object)?
    inline_node: bool,
    /// The border [`LuaTable::length`] found last inside the array part (a hint like lua5.4's
    /// `alimit`: checked before use, so stores need not maintain it).
    len_hint: Cell<u32>,
    /// The node [`LuaTable::next`] returned last (a hint: checked before use), so that a
    /// traversal finds the position of its previous key without a lookup.
    next_hint: Cell<u32>,
    /// The metatable, or null.
    pub metatable: *mut LuaTable,
}

/// `next` was given a key that is not in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKey;

/// Why a key cannot be used for a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// `t[nil] = v`: "table index is nil".
    Nil,
    /// `t[0/0] = v`: "table index is NaN".
    NaN,
}

impl KeyError {
    /// Lua's message for this error.
    pub fn message(self) -> &'static str {
        match self {
            KeyError::Nil => "table index is nil",
            KeyError::NaN => "table index is NaN",
        }
    }
}

/// Normalise a key: floats with an exact integer value become integers (Lua 5.4 manual §2.1).
#[inline(always)]
pub fn normalize_key(k: Value) -> Value {
    if k.tag == TAG_FLOAT {
        let f = k.fval();
        if let Some(i) = super::arith::float_to_int_exact(f) {
            return Value::int(i);
        }
    }
    k
}

#[inline(always)]
fn ceil_log2(x: usize) -> usize {
    // Smallest l with 2^l >= x (x >= 1).
    (usize::BITS - (x - 1).leading_zeros()) as usize
}

// Empty array slots and nodes are all-zero bits, so new parts are zero-filled.
const _: () = assert!(TAG_NIL == 0 && Value::NIL.payload == 0);

/// Bytes of `n` items of `size` bytes, or abort as a failed allocation (as `Vec` would).
fn part_bytes(n: usize, size: usize) -> usize {
    match n.checked_mul(size) {
        Some(b) => b,
        None => std::alloc::handle_alloc_error(std::alloc::Layout::new::<Value>()),
    }
}

fn alloc_values(n: usize) -> *mut Value {
    if n == 0 {
        return std::ptr::null_mut();
    }
    let p = block_cache::alloc_block(part_bytes(n, std::mem::size_of::<Value>())) as *mut Value;
    // SAFETY: p has room for n values, and all-zero bits are nil (asserted above).
    unsafe { std::ptr::write_bytes(p, 0, n) };
    p
}

/// # Safety
/// `p` must come from `alloc_values(n)` (or be null with n == 0) and not be used afterwards.
unsafe fn free_values(p: *mut Value, n: usize) {
    if !p.is_null() {
        // SAFETY: p was produced by alloc_values(n), i.e. alloc_block of these bytes.
        unsafe { block_cache::free_block(p as *mut u8, n * std::mem::size_of::<Value>()) };
    }
}

fn alloc_nodes(n: usize) -> *mut Node {
    if n == 0 {
        return std::ptr::null_mut();
    }
    let p = block_cache::alloc_block(part_bytes(n, std::mem::size_of::<Node>())) as *mut Node;
    // SAFETY: p has room for n nodes; all-zero bits are a free node (nil key and value, no
    // next), asserted above.
    unsafe { std::ptr::write_bytes(p, 0, n) };
    p
}

/// # Safety
/// As `free_values`, for nodes.
unsafe fn free_nodes(p: *mut Node, n: usize) {
    if !p.is_null() {
        // SAFETY: p was produced by alloc_nodes(n), i.e. alloc_block of these bytes.
        unsafe { block_cache::free_block(p as *mut u8, n * std::mem::size_of::<Node>()) };
    }
}

/// A per-thread cache of freed table blocks (table objects, array parts, node vectors) by size.
///
/// Tables are allocated and freed at high rates: a collection frees thousands of them at once
/// and the program then allocates as many again. glibc's malloc keeps only 7 freed blocks per
/// size in its per-thread cache and sends the others through its slower bins (`_int_malloc`,
/// `_int_free`: a third of bench/binary_trees.lua's time). Here a freed block of up to
/// `MAX_CACHED` bytes is kept on a stack of block addresses for its size class (a multiple of
/// 16 bytes), up to `CACHE_BYTES` per class, and allocation pops from that stack first. The
/// stacks hold addresses outside the blocks, so caching a block does not touch its memory (an
/// intrusive free list costs a cache miss per free in the sweep and per allocation), and the
/// block the next allocation will get is prefetched.
///
/// Invariants: every block, cached or in use, is one system allocation of `layout(bytes)`, so
/// it can be given back to the system at any time (the stack for its class is full, the thread
/// exits); the cache owns the blocks on its stacks and nothing else points at them. A `Vm` is
/// not `Send`, so its tables are allocated and freed on one thread; after the thread's cache is
/// destroyed (thread-local destructors at thread exit) blocks go straight to the system.
mod block_cache {
    use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
    use std::cell::RefCell;

    /// Size-class granule and alignment (glibc's malloc alignment; `Value` needs 8).
    const GRANULE: usize = 16;
    /// Largest cached block (bytes): a table object, up to 32 array slots or 12 nodes.
    pub(super) const MAX_CACHED: usize = 512;
    const CLASSES: usize = MAX_CACHED / GRANULE;
    /// Bytes kept per size class at most (bounds what the cache holds beyond the live heap).
    const CACHE_BYTES: usize = 4 << 20;

    /// Cached blocks per size class (class `c` holds blocks of `(c + 1) * GRANULE` bytes).
    struct Cache([Vec<*mut u8>; CLASSES]);

    impl Drop for Cache {
        fn drop(&mut self) {
            for (c, stack) in self.0.iter_mut().enumerate() {
                for p in stack.drain(..) {
                    // SAFETY: p is a cached block of class c, owned by the cache (module
                    // invariant), allocated with layout((c + 1) * GRANULE).
                    unsafe { dealloc(p, layout((c + 1) * GRANULE)) };
                }
            }
        }
    }

    thread_local! {
        static CACHE: RefCell<Cache> = const { RefCell::new(Cache([const { Vec::new() }; CLASSES])) };
    }

    /// The system layout of a block of `bytes` (> 0) bytes: cached sizes are rounded up to
    /// their class. Sizes beyond `isize::MAX` abort like any failed allocation.
    #[inline(always)]
    fn layout(bytes: usize) -> Layout {
        let size = if bytes <= MAX_CACHED {
            bytes.next_multiple_of(GRANULE)
        } else {
            bytes
        };
        match Layout::from_size_align(size, GRANULE) {
            Ok(l) => l,
            Err(_) => handle_alloc_error(Layout::new::<[u8; GRANULE]>()),
        }
    }

    /// Hint the CPU to bring the cache line at `p` in for writing (no effect on other targets).
    #[inline(always)]
    fn prefetch(p: *mut u8) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is only a hint: it never faults and changes no memory.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }

    /// An uninitialised block of `bytes` (> 0) bytes, aligned to 16.
    #[inline]
    pub(super) fn alloc_block(bytes: usize) -> *mut u8 {
        debug_assert!(bytes > 0);
        if bytes <= MAX_CACHED {
            let c = (bytes - 1) / GRANULE;
            let hit = CACHE.try_with(|cache| {
                let stack = &mut cache.borrow_mut().0[c];
                let p = stack.pop();
                if let Some(&next) = stack.last() {
                    prefetch(next);
                }
                p
            });
            if let Ok(Some(p)) = hit {
                return p;
            }
        }
        let l = layout(bytes);
        // SAFETY: l has a non-zero size.
        let p = unsafe { alloc(l) };
        if p.is_null() {
            handle_alloc_error(l);
        }
        p
    }

    /// Give back a block of `bytes` bytes.
    ///
    /// # Safety
    /// `p` came from `alloc_block(bytes)` with this `bytes`, and is not used afterwards.
    #[inline]
    pub(super) unsafe fn free_block(p: *mut u8, bytes: usize) {
        if bytes <= MAX_CACHED {
            let c = (bytes - 1) / GRANULE;
            let kept = CACHE.try_with(|cache| {
                let stack = &mut cache.borrow_mut().0[c];
                if stack.len() >= CACHE_BYTES / ((c + 1) * GRANULE) {
                    return false;
                }
                stack.push(p);
                true
            });
            if kept == Ok(true) {
                return;
            }
        }
        // SAFETY: per the contract, p was allocated with layout(bytes).
        unsafe { dealloc(p, layout(bytes)) };
    }
}

impl Drop for LuaTable {
    fn drop(&mut self) {
        // SAFETY: the array part and a node vector not in the table's own block were allocated
        // by alloc_values/alloc_nodes with these sizes.
        unsafe {
            free_values(self.array, self.asize as usize);
            if !self.inline_node {
                free_nodes(self.node, self.node_len());
            }
        }
    }
}

impl LuaTable {
    /// A new table with preallocated array and hash sizes.
    pub(crate) fn new(narray: usize, nhash: usize) -> LuaTable {
        let mut t = LuaTable {
            hdr: GcHeader::new(ObjKind::Table),
            array: alloc_values(narray),
            asize: narray as u32,
            lsizenode: 0,
            flags: Cell::new(0),
            node: std::ptr::null_mut(),
            lastfree: 0,
            inline_bytes: 0,
            inline_node: false,
            len_hint: Cell::new(0),
            next_hint: Cell::new(0),
            metatable: std::ptr::null_mut(),
        };
        t.set_node_vector(nhash);
        t
    }

    /// A new table object with preallocated array and hash sizes, in a block of its own (from
    /// the block cache); free it with [`LuaTable::free`]. When the node vector fits in a
    /// cached block with the object, they share it, the nodes right after the object (one
    /// allocation less, and the GC reads one block). The array part is always apart: table
    /// constructors ending in a multiple-results call (`{f(), g()}`) grow it at once, which
    /// would strand an inline array (measured: bench/binary_trees.lua 12% slower with it).
    pub(crate) fn alloc(narray: usize, nhash: usize) -> *mut LuaTable {
        const OBJ: usize = std::mem::size_of::<LuaTable>();
        let lsize = if nhash == 0 { 0 } else { ceil_log2(nhash) };
        let nnodes = if nhash == 0 { 0 } else { 1usize << lsize };
        let room = block_cache::MAX_CACHED - OBJ;
        let nbytes = nnodes.saturating_mul(std::mem::size_of::<Node>());
        if nnodes == 0 || nbytes > room {
            let p = block_cache::alloc_block(OBJ) as *mut LuaTable;
            // SAFETY: p is a fresh block with the size of a table and alignment 16 (>= its
            // align).
            unsafe { p.write(LuaTable::new(narray, nhash)) };
            return p;
        }
        let b = block_cache::alloc_block(OBJ + nbytes);
        // SAFETY: b has OBJ + nbytes bytes, aligned to 16: the object at 0, then the nodes
        // (offset a multiple of 8, their alignment), zero-filled (free nodes are all-zero
        // bits, asserted at alloc_values).
        unsafe {
            let node = b.add(OBJ);
            std::ptr::write_bytes(node, 0, nbytes);
            let p = b as *mut LuaTable;
            p.write(LuaTable {
                hdr: GcHeader::new(ObjKind::Table),
                array: alloc_values(narray),
                asize: narray as u32,
                lsizenode: lsize as u8,
                flags: Cell::new(0),
                node: node as *mut Node,
                lastfree: nnodes as u32,
                inline_bytes: nbytes as u32,
                inline_node: true,
                len_hint: Cell::new(0),
                next_hint: Cell::new(0),
                metatable: std::ptr::null_mut(),
            });
            p
        }
    }

    /// Drop and free a table made by [`LuaTable::alloc`].
    ///
    /// # Safety
    /// `p` came from `LuaTable::alloc`, is not referenced any more and is freed only once.
    pub(crate) unsafe fn free(p: *mut LuaTable) {
        // SAFETY: per the contract, p is a live table in its own block of the object's size
        // plus `inline_bytes`, never used again.
        unsafe {
            let bytes = std::mem::size_of::<LuaTable>() + (*p).inline_bytes as usize;
            std::ptr::drop_in_place(p);
            block_cache::free_block(p as *mut u8, bytes);
        }
    }

    fn set_node_vector(&mut self, n: usize) {
        if n == 0 {
            self.node = std::ptr::null_mut();
            self.lsizenode = 0;
            self.lastfree = 0;
        } else {
            let lsize = ceil_log2(n);
            let size = 1usize << lsize;
            self.node = alloc_nodes(size);
            self.lsizenode = lsize as u8;
            self.lastfree = size as u32;
        }
    }

    /// Number of hash nodes.
    #[inline(always)]
    pub fn node_len(&self) -> usize {
        if self.node.is_null() {
            0
        } else {
            1 << self.lsizenode
        }
    }

    /// Bytes accounted to the GC for this table: its block (the object and the node vector
    /// created with it) and the parts allocated apart.
    pub(crate) fn gc_size(&self) -> usize {
        let mut size = std::mem::size_of::<LuaTable>()
            + self.inline_bytes as usize
            + self.asize as usize * std::mem::size_of::<Value>();
        if !self.inline_node {
            size += self.node_len() * std::mem::size_of::<Node>();
        }
        size
    }

    #[inline(always)]
    fn array_slice(&self) -> &[Value] {
        if self.array.is_null() {
            &[]
        } else {
            // SAFETY: array holds asize initialised values.
            unsafe { std::slice::from_raw_parts(self.array, self.asize as usize) }
        }
    }

    #[inline(always)]
    fn nodes(&self) -> &[Node] {
        if self.node.is_null() {
            &[]
        } else {
            // SAFETY: node holds node_len() initialised nodes.
            unsafe { std::slice::from_raw_parts(self.node, self.node_len()) }
        }
    }

    #[inline(always)]
    fn nodes_mut(&mut self) -> &mut [Node] {
        if self.node.is_null() {
            &mut []
        } else {
            // SAFETY: node holds node_len() initialised nodes, uniquely borrowed through &mut self.
            unsafe { std::slice::from_raw_parts_mut(self.node, self.node_len()) }
        }
    }

    /// Main position of a (normalised, non-nil) key. Requires a hash part.
    #[inline(always)]
    fn main_position(&self, k: Value) -> usize {
        self.position(k, str_hash(k))
    }

    /// [`Self::main_position`] of `k` given `kh`, its [`str_hash`].
    #[inline(always)]
    fn position(&self, k: Value, kh: u32) -> usize {
        let size = self.node_len();
        let mask = size - 1;
        match k.tag {
            TAG_STR => kh as usize & mask,
            TAG_INT => {
                let ui = k.payload;
                (ui % ((mask as u64) | 1)) as usize
            }
            TAG_BOOL => (k.payload as usize) & mask,
            TAG_FLOAT => {
                // l_hashfloat: frexp-based; any good mix works for keys that are not integers.
                let b = k.payload;
                let h = (b ^ (b >> 32)) as u32;
                (h as usize) % (mask | 1)
            }
            _ => ((k.payload as u32) as usize) % (mask | 1),
        }
    }

    /// Integer-key lookup (nil when absent).
    #[inline(always)]
    pub fn get_int(&self, k: i64) -> Value {
        let idx = (k as u64).wrapping_sub(1);
        if idx < self.asize as u64 {
            // SAFETY: idx < asize.
            return unsafe { *self.array.add(idx as usize) };
        }
        self.get_int_hash(k)
    }

    fn get_int_hash(&self, k: i64) -> Value {
        if self.node.is_null() {
            return Value::NIL;
        }
        let nodes = self.nodes();
        let mut i = self.main_position(Value::int(k));
        loop {
            let n = &nodes[i];
            if n.key.tag == TAG_INT && n.key.payload == k as u64 {
                return n.val;
            }
            if n.next == 0 {
                return Value::NIL;
            }
            i = (i as isize + n.next as isize) as usize;
        }
    }

    /// Short-string-key lookup (pointer comparison; `s` must be a short string).
    #[inline(always)]
    pub(crate) fn get_short_str(&self, s: *mut LuaString) -> Value {
        if self.node.is_null() {
            return Value::NIL;
        }
        let nodes = self.nodes();
        // SAFETY: s is a live string.
        let mut i = unsafe { (*s).hash.get() } as usize & (nodes.len() - 1);
        loop {
            let n = &nodes[i];
            if n.key.tag == TAG_STR && n.key.payload == s as u64 {
                return n.val;
            }
            if n.next == 0 {
                return Value::NIL;
            }
            i = (i as isize + n.next as isize) as usize;
        }
    }

    /// Generic lookup (nil when absent or when the key is nil/NaN).
    #[inline]
    pub fn get(&self, k: Value) -> Value {
        match k.tag {
            TAG_INT => self.get_int(k.ival()),
            TAG_STR => {
                // SAFETY: live string.
                if unsafe { (*(k.payload as *mut LuaString)).short } {
                    self.get_short_str(k.payload as *mut LuaString)
                } else {
                    self.find_node(k)
                        .map(|i| self.nodes()[i].val)
                        .unwrap_or(Value::NIL)
                }
            }
            TAG_NIL => Value::NIL,
            TAG_FLOAT => {
                let k = normalize_key(k);
                if k.tag == TAG_INT {
                    self.get_int(k.ival())
                } else if k.fval().is_nan() {
                    Value::NIL
                } else {
                    self.find_node(k)
                        .map(|i| self.nodes()[i].val)
                        .unwrap_or(Value::NIL)
                }
            }
            _ => self
                .find_node(k)
                .map(|i| self.nodes()[i].val)
                .unwrap_or(Value::NIL),
        }
    }

    /// Node index holding key `k` (normalised, not nil), if any. With `dead_ok`, dead keys whose
    /// payload matches also count (for `next`).
    fn find_node_ex(&self, k: Value, dead_ok: bool) -> Option<usize> {
        if self.node.is_null() {
            return None;
        }
        let nodes = self.nodes();
        let kh = str_hash(k);
        let mut i = self.position(k, kh);
        loop {
            let n = &nodes[i];
            // A string key of another hash differs without reading its string.
            let same = n.key.tag == k.tag
                && (n.key.payload == k.payload
                    || (k.tag == TAG_STR && n.khash == kh && key_eq(n.key, k)));
            if same || (dead_ok && n.key.tag == TAG_DEADKEY && n.key.payload == k.payload) {
                return Some(i);
            }
            if n.next == 0 {
                return None;
            }
            i = (i as isize + n.next as isize) as usize;
        }
    }

    #[inline]
    fn find_node(&self, k: Value) -> Option<usize> {
        self.find_node_ex(k, false)
    }

    /// Pointer to the value slot of an existing key (array slot or node value; the value may be nil
    /// for a removed key), or None when the key has no slot. `k` must be normalised.
    #[inline]
    pub(crate) fn slot(&mut self, k: Value) -> Option<*mut Value> {
        if k.tag == TAG_INT {
            let idx = (k.payload).wrapping_sub(1);
            if idx < self.asize as u64 {
                // SAFETY: idx < asize.
                return Some(unsafe { self.array.add(idx as usize) });
            }
        }
        if k.tag == TAG_NIL {
            return None;
        }
        let i = self.find_node(k)?;
        // SAFETY: i < node_len.
        Some(unsafe { &mut (*self.node.add(i)).val as *mut Value })
    }

    /// Raw store `t[k] = v` (no metamethods). Returns the change of the table's GC size in bytes
    /// (non-zero when the table was resized). Errors on nil/NaN keys.
    pub fn set(&mut self, k: Value, v: Value) -> Result<isize, KeyError> {
        let k = normalize_key(k);
        match k.tag {
            TAG_NIL => return Err(KeyError::Nil),
            TAG_FLOAT if k.fval().is_nan() => return Err(KeyError::NaN),
            _ => {}
        }
        if let Some(p) = self.slot(k) {
            // SAFETY: p points into this table's storage.
            unsafe {
                if (*p).is_nil() {
                    self.flags.set(0);
                }
                *p = v;
            }
            return Ok(0);
        }
        if v.is_nil() {
            return Ok(0);
        }
        self.flags.set(0);
        Ok(self.new_key(k, v))
    }

    /// Integer-key raw store.
    #[inline]
    pub fn set_int(&mut self, k: i64, v: Value) -> isize {
        let idx = (k as u64).wrapping_sub(1);
        if idx < self.asize as u64 {
            // SAFETY: idx < asize.
            unsafe { *self.array.add(idx as usize) = v };
            return 0;
        }
        // Integer keys are never nil/NaN.
        self.set(Value::int(k), v).unwrap_or(0)
    }

    fn get_free_pos(&mut self) -> Option<usize> {
        while self.lastfree > 0 {
            self.lastfree -= 1;
            // SAFETY: lastfree < node_len.
            if unsafe { (*self.node.add(self.lastfree as usize)).key.is_nil() } {
                return Some(self.lastfree as usize);
            }
        }
        None
    }

    /// Raw store `t[k] = v` that never resizes (so never allocates): `false`, with nothing
    /// changed, when `k` is a new key and the hash part has no free node for it (a rehash is
    /// needed: use [`LuaTable::set`]). Otherwise exactly [`LuaTable::set`]. `k` must be
    /// normalised and neither nil nor NaN.
    pub(crate) fn set_no_resize(&mut self, k: Value, v: Value) -> bool {
        if let Some(p) = self.slot(k) {
            // SAFETY: p points into this table's storage.
            unsafe {
                if (*p).is_nil() {
                    self.flags.set(0);
                }
                *p = v;
            }
            return true;
        }
        if v.is_nil() {
            return true;
        }
        if !self.insert_no_resize(k, v) {
            return false;
        }
        self.flags.set(0);
        true
    }

    /// Insert a key known to be absent (luaH_newkey). Returns the GC size delta.
    fn new_key(&mut self, k: Value, v: Value) -> isize {
        if self.insert_no_resize(k, v) {
            return 0;
        }
        let d = self.rehash(k);
        d + self.set(k, v).unwrap_or(0)
    }

    /// luaH_newkey without its rehash: insert the absent key `k` into the hash part, or return
    /// `false` (nothing changed but the free-node cursor) when there is no hash part or no
    /// free node.
    fn insert_no_resize(&mut self, k: Value, v: Value) -> bool {
        self.insert_hashed(k, v, str_hash(k))
    }

    /// [`Self::insert_no_resize`] given `kh`, the [`str_hash`] of `k`.
    fn insert_hashed(&mut self, k: Value, v: Value, kh: u32) -> bool {
        if self.node.is_null() {
            return false;
        }
        let mut mp = self.position(k, kh);
        let mp_node = self.nodes()[mp];
        if !mp_node.val.is_nil() {
            let Some(f) = self.get_free_pos() else {
                return false;
            };
            let other_mp = self.position(mp_node.key, mp_node.khash);
            let nodes = self.nodes_mut();
            if other_mp != mp {
                // The colliding node is out of its main position: move it to the free slot.
                let mut o = other_mp;
                while (o as isize + nodes[o].next as isize) as usize != mp {
                    o = (o as isize + nodes[o].next as isize) as usize;
                }
                nodes[o].next = (f as isize - o as isize) as i32;
                nodes[f] = nodes[mp];
                if nodes[mp].next != 0 {
                    nodes[f].next += (mp as isize - f as isize) as i32;
                    nodes[mp].next = 0;
                }
                nodes[mp].val = Value::NIL;
            } else {
                // The colliding node is in its own main position: chain the new key at f.
                if nodes[mp].next != 0 {
                    nodes[f].next = ((mp as isize + nodes[mp].next as isize) - f as isize) as i32;
                } else {
                    nodes[f].next = 0;
                }
                nodes[mp].next = (f as isize - mp as isize) as i32;
                mp = f;
            }
        }
        let nodes = self.nodes_mut();
        nodes[mp].key = k;
        nodes[mp].khash = kh;
        nodes[mp].val = v;
        true
    }

    /// Resize to fit the current keys plus `extra` (luaH_resize via rehash/computesizes).
    fn rehash(&mut self, extra: Value) -> isize {
        let mut nums = [0usize; MAX_ABITS + 1];
        let mut na = self.num_use_array(&mut nums);
        let mut total = na;
        // Count hash keys.
        for n in self.nodes() {
            if !n.val.is_nil() {
                if n.key.tag == TAG_INT {
                    na += count_int(n.key.ival(), &mut nums);
                }
                total += 1;
            }
        }
        if extra.tag == TAG_INT {
            na += count_int(extra.ival(), &mut nums);
        }
        total += 1;
        let (asize, na_in_array) = compute_sizes(&nums, na);
        self.resize(asize, total - na_in_array)
    }

    fn num_use_array(&self, nums: &mut [usize; MAX_ABITS + 1]) -> usize {
        let arr = self.array_slice();
        let mut ause = 0;
        let mut i = 1usize; // traverses all array keys
        let mut ttlg = 1usize; // 2^lg
        for num in nums.iter_mut() {
            let mut lc = 0;
            let mut lim = ttlg;
            if lim > arr.len() {
                lim = arr.len();
                if i > lim {
                    break;
                }
            }
            while i <= lim {
                if !arr[i - 1].is_nil() {
                    lc += 1;
                }
                i += 1;
            }
            *num += lc;
            ause += lc;
            ttlg *= 2;
        }
        ause
    }

    /// Resize the array part to `new_asize` and the hash part to hold `nhsize` keys; re-insert
    /// everything. Returns the GC size delta in bytes.
    pub(crate) fn resize(&mut self, new_asize: usize, nhsize: usize) -> isize {
        let before = self.gc_size() as isize;
        let old_asize = self.asize as usize;
        let old_array = self.array;
        let old_node = self.node;
        let old_nlen = self.node_len();
        let old_inline_node = self.inline_node;
        // New parts (never in the table's own block).
        self.inline_node = false;
        self.array = alloc_values(new_asize);
        self.asize = new_asize as u32;
        self.set_node_vector(nhsize);
        // SAFETY: old_array has old_asize values; we copy the overlapping prefix.
        unsafe {
            let keep = old_asize.min(new_asize);
            if keep > 0 {
                std::ptr::copy_nonoverlapping(old_array, self.array, keep);
            }
            // Vanishing array slice goes to the hash part.
            for i in new_asize..old_asize {
                let v = *old_array.add(i);
                if !v.is_nil() {
                    self.set_int(i as i64 + 1, v);
                }
            }
            // Re-insert the old hash part: its keys are distinct, so no lookup first.
            for j in 0..old_nlen {
                let n = *old_node.add(j);
                if !n.val.is_nil() {
                    self.reinsert(n.key, n.val, n.khash);
                }
            }
            free_values(old_array, old_asize);
            if !old_inline_node {
                free_nodes(old_node, old_nlen);
            }
        }
        self.gc_size() as isize - before
    }

    /// Store `t[k] = v` for a key `k` (normalised) that is not in the table, during a resize
    /// (the new parts fit every key): into the array part when `k` is in its range, else a
    /// new node (`insert_no_resize`, no lookup); [`LuaTable::set`] should the node vector
    /// be full after all.
    fn reinsert(&mut self, k: Value, v: Value, kh: u32) {
        if k.tag == TAG_INT {
            let idx = k.payload.wrapping_sub(1);
            if idx < self.asize as u64 {
                // SAFETY: idx < asize.
                unsafe { *self.array.add(idx as usize) = v };
                return;
            }
        }
        if !self.insert_hashed(k, v, kh) {
            let _ = self.set(k, v);
        }
    }

    /// The length border (`luaH_getn`): some `n` with `t[n] ~= nil` (or `n == 0`) and `t[n+1] == nil`.
    pub fn length(&self) -> i64 {
        let arr = self.array_slice();
        let j = arr.len();
        if j > 0 && arr[j - 1].is_nil() {
            // A border inside the array part: binary search.
            if j >= 2 && !arr[j - 2].is_nil() {
                return (j - 1) as i64;
            }
            // The last border found, or the one after it (a sequence grown by one by
            // `t[#t + 1] = v`), without the binary search when still a border.
            let h = self.len_hint.get() as usize;
            if h < j {
                let border = |b: usize| (b == 0 || !arr[b - 1].is_nil()) && arr[b].is_nil();
                if border(h) {
                    return h as i64;
                }
                if h + 1 < j && border(h + 1) {
                    self.len_hint.set(h as u32 + 1);
                    return h as i64 + 1;
                }
            }
            let (mut i, mut j) = (0usize, j);
            while j - i > 1 {
                let m = (i + j) / 2;
                if arr[m - 1].is_nil() {
                    j = m;
                } else {
                    i = m;
                }
            }
            self.len_hint.set(i as u32);
            return i as i64;
        }
        if self.node.is_null() || self.get_int_hash(j as i64 + 1).is_nil() {
            return j as i64;
        }
        // Unbound search in the hash part.
        let mut i = j as u64 + 1;
        let mut j = i * 2;
        while !self.get_int(j as i64).is_nil() {
            i = j;
            if j > (i64::MAX as u64) / 2 {
                // Pathological: linear search.
                let mut k = 1i64;
                while !self.get_int(k).is_nil() {
                    k += 1;
                }
                return k - 1;
            }
            j *= 2;
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i as i64
    }

    /// Traversal (`next`): the entry after `k` (`k` nil = first), in array order then node order.
    /// `Err(InvalidKey)` when `k` is not a key of the table ("invalid key to 'next'").
    pub fn next(&self, k: Value) -> Result<Option<(Value, Value)>, InvalidKey> {
        let k = normalize_key(k);
        let asize = self.asize as usize;
        let mut i: usize = match k.tag {
            TAG_NIL => 0,
            TAG_INT if (k.payload.wrapping_sub(1)) < asize as u64 => k.payload as usize,
            _ => {
                // The node returned last, when `k` is its key (the usual traversal step).
                let h = self.next_hint.get() as usize;
                let hit = self.nodes().get(h).is_some_and(|n| {
                    key_eq(n.key, k) || (n.key.tag == TAG_DEADKEY && n.key.payload == k.payload)
                });
                match if hit {
                    Some(h)
                } else {
                    self.find_node_ex(k, true)
                } {
                    Some(n) => asize + n + 1,
                    None => return Err(InvalidKey),
                }
            }
        };
        let arr = self.array_slice();
        while i < asize {
            if !arr[i].is_nil() {
                return Ok(Some((Value::int(i as i64 + 1), arr[i])));
            }
            i += 1;
        }
        let nodes = self.nodes();
        let mut n = i - asize;
        while n < nodes.len() {
            if !nodes[n].val.is_nil() {
                self.next_hint.set(n as u32);
                return Ok(Some((nodes[n].key, nodes[n].val)));
            }
            n += 1;
        }
        Ok(None)
    }

    /// Iterate raw over all (key, value) slots for the GC (including nil values).
    pub(crate) fn array_values(&self) -> &[Value] {
        self.array_slice()
    }
    pub(crate) fn node_slice(&self) -> &[Node] {
        self.nodes()
    }
    pub(crate) fn node_slice_mut(&mut self) -> &mut [Node] {
        self.nodes_mut()
    }
    pub(crate) fn array_values_mut(&mut self) -> &mut [Value] {
        if self.array.is_null() {
            &mut []
        } else {
            // SAFETY: array holds asize initialised values, uniquely borrowed.
            unsafe { std::slice::from_raw_parts_mut(self.array, self.asize as usize) }
        }
    }
}

/// The hash of a string key (read from its string object), 0 for any other key: what
/// [`Node::khash`] holds for it.
#[inline(always)]
fn str_hash(k: Value) -> u32 {
    if k.tag == TAG_STR {
        // SAFETY: string keys are live strings.
        unsafe { (*(k.payload as *mut LuaString)).hash() }
    } else {
        0
    }
}

/// Raw key equality for lookups (keys are normalised: no int/float cross cases).
#[inline(always)]
fn key_eq(a: Value, b: Value) -> bool {
    if a.tag != b.tag {
        return false;
    }
    if a.payload == b.payload {
        return true;
    }
    if a.tag == TAG_STR {
        // SAFETY: both are live strings.
        unsafe {
            let (x, y) = (
                &*(a.payload as *mut LuaString),
                &*(b.payload as *mut LuaString),
            );
            !x.short && !y.short && x.as_bytes() == y.as_bytes()
        }
    } else {
        false
    }
}

fn count_int(k: i64, nums: &mut [usize; MAX_ABITS + 1]) -> usize {
    if k >= 1 && (k as u64) <= (1u64 << MAX_ABITS) {
        nums[ceil_log2(k as usize)] += 1;
        1
    } else {
        0
    }
}

/// `computesizes`: the optimal array size and how many integer keys go to the array part.
fn compute_sizes(nums: &[usize; MAX_ABITS + 1], na_total: usize) -> (usize, usize) {
    let mut a = 0;
    let mut na = 0;
    let mut optimal = 0;
    let mut twotoi = 1usize;
    let mut i = 0;
    while i <= MAX_ABITS && na_total > twotoi / 2 {
        a += nums[i];
        if a > twotoi / 2 {
            optimal = twotoi;
            na = a;
        }
        i += 1;
        twotoi *= 2;
    }
    (optimal, na)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_migrates_to_array() {
        let mut t = LuaTable::new(0, 0);
        for i in 1..=100 {
            t.set(Value::int(i), Value::int(i * 10)).unwrap();
        }
        assert!(t.asize >= 100, "asize = {}", t.asize);
        assert_eq!(t.length(), 100);
        assert_eq!(t.get_int(37).as_int(), Some(370));
        assert!(t.get_int(101).is_nil());
    }

    #[test]
    fn next_hint_is_checked_before_use() {
        // Keys of every hash-part kind, a traversal interleaved with lookups of other keys
        // and restarted from arbitrary keys: `next` from a key gives what a lookup would.
        let mut t = LuaTable::new(0, 0);
        let keys: Vec<Value> = (0..300)
            .map(|i| match i % 3 {
                0 => Value::int(i * 7919 + 1_000_000),
                1 => Value::float(i as f64 + 0.5),
                _ => Value::bool(i % 2 == 0),
            })
            .collect();
        for (j, &k) in keys.iter().enumerate() {
            t.set(k, Value::int(j as i64)).unwrap();
        }
        // Reference order: a full traversal.
        let mut order = Vec::new();
        let mut k = Value::NIL;
        while let Some((nk, _)) = t.next(k).unwrap() {
            order.push(nk);
            k = nk;
        }
        // 100 integers, 100 floats, and the two booleans.
        assert_eq!(order.len(), 202, "every distinct key once");
        // From each key, in a scrambled order (the hint points elsewhere each time).
        for step in [1usize, 7, 31] {
            for j in (0..order.len()).map(|j| (j * step) % order.len()) {
                let got = t.next(order[j]).unwrap().map(|(k, _)| k);
                let want = order.get(j + 1).copied();
                assert_eq!(
                    got.map(|v| (v.tag, v.payload)),
                    want.map(|v| (v.tag, v.payload))
                );
            }
        }
        assert!(t.next(Value::int(-5)).is_err(), "a key not in the table");
    }

    #[test]
    fn hash_keys_and_next_order_stable() {
        let mut t = LuaTable::new(0, 0);
        for i in 0..50 {
            t.set(Value::int(i * 1000 + 7), Value::int(i)).unwrap();
        }
        let mut seen = 0;
        let mut k = Value::NIL;
        while let Some((nk, v)) = t.next(k).unwrap() {
            // Assigning nil to the current field during traversal is allowed.
            t.set(nk, Value::NIL).unwrap();
            assert_eq!(nk.as_int().unwrap(), v.as_int().unwrap() * 1000 + 7);
            seen += 1;
            k = nk;
        }
        assert_eq!(seen, 50);
        assert!(t.next(Value::int(123456)).is_err());
    }

    #[test]
    fn float_keys_normalise_and_bad_keys_rejected() {
        let mut t = LuaTable::new(0, 0);
        t.set(Value::float(3.0), Value::TRUE).unwrap();
        assert!(t.get_int(3).is_truthy());
        assert_eq!(t.set(Value::NIL, Value::TRUE), Err(KeyError::Nil));
        assert_eq!(
            t.set(Value::float(f64::NAN), Value::TRUE),
            Err(KeyError::NaN)
        );
        t.set(Value::float(2.5), Value::int(1)).unwrap();
        assert_eq!(t.get(Value::float(2.5)).as_int(), Some(1));
    }

    #[test]
    fn inline_nodes_resize_and_accounting() {
        // {1, 2, x = 3}-like: the object and 1 node share one block, the 2 slots are apart.
        let t = LuaTable::alloc(2, 1);
        // SAFETY: t is a fresh table, used only here and freed once at the end.
        unsafe {
            let tr = &mut *t;
            let size0 = tr.gc_size();
            assert_eq!(size0, std::mem::size_of::<LuaTable>() + 2 * 16 + 40);
            tr.set_int(1, Value::int(10));
            tr.set_int(2, Value::int(20));
            assert!(tr.set_no_resize(Value::int(7), Value::int(70)));
            assert!(!tr.set_no_resize(Value::int(8), Value::int(80)));
            // Growing moves both parts out of the block; the accounting follows each resize.
            let mut total = size0 as isize;
            for i in 3..=40 {
                total += tr.set(Value::int(i * 3), Value::int(i)).unwrap();
            }
            assert_eq!(total, tr.gc_size() as isize);
            assert_eq!(tr.get_int(1).as_int(), Some(10));
            assert_eq!(tr.get_int(2).as_int(), Some(20));
            assert_eq!(tr.get_int(7).as_int(), Some(70));
            assert_eq!(tr.get_int(120).as_int(), Some(40));
            LuaTable::free(t);
        }
        // Parts too big for a cached block are allocated apart.
        let big = LuaTable::alloc(100, 0);
        // SAFETY: as above.
        unsafe {
            assert_eq!((*big).gc_size(), std::mem::size_of::<LuaTable>() + 100 * 16);
            (*big).set_int(100, Value::TRUE);
            assert!((*big).get_int(100).is_truthy());
            LuaTable::free(big);
        }
    }

    #[test]
    fn border_with_hash_part() {
        let mut t = LuaTable::new(0, 0);
        t.set(Value::int(1), Value::TRUE).unwrap();
        t.set(Value::int(2), Value::TRUE).unwrap();
        t.set(Value::int(4), Value::TRUE).unwrap();
        let n = t.length();
        assert!(n == 2 || n == 4);
        let mut e = LuaTable::new(0, 0);
        assert_eq!(e.length(), 0);
        e.set(Value::int(1), Value::int(1)).unwrap();
        assert_eq!(e.length(), 1);
    }
}
