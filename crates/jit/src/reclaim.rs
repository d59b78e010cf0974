//! Reclamation: deciding, at a safepoint, which retired blobs can be freed.
//!
//! A blob moves `Live → Retired` when the client replaces or invalidates it, and `Retired → Freed`
//! only inside a stop-the-world, when **all** of these hold:
//!
//! 1. no entry cell and no veneer/GOT cell holds an address inside it;
//! 2. no direct reference (`call rel32`, `Abs8` to a specific blob) recorded by the linker targets
//!    it from a blob that is not itself freed in the same pass;
//! 3. no registered thread has a frame in it: every return address found by walking each parked
//!    thread's frame-pointer chain (from the frame record it left when parking or entering a safe
//!    region, see `safepoint`) and every return address the client's [`FrameHook`] reports lies
//!    outside it.
//!
//! Freeing deregisters the blob's unwind info first, then removes it from the address index and
//! the direct-call index, overwrites it with `int3` (debug builds or `poison`) and returns its
//! memory to the allocator. Rule 2 is decided as a fixpoint, so a retired caller and its retired
//! callee are freed together.

use std::collections::HashSet;

use crate::blob::CodeId;

/// A client hook that reports the return addresses of all JIT frames of all mutator threads
/// (e.g. from the VM's own call records). Called inside a stop-the-world with a sink to feed.
pub type FrameHook = dyn Fn(&mut dyn FnMut(usize)) + Send + Sync;

/// How frames are found when deciding whether a retired blob is still running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FrameSource {
    /// Walk each parked thread's frame-pointer chain **and** call the frame hook if one is set.
    #[default]
    WalkAndHook,
    /// Only the client's frame hook.
    HookOnly,
    /// Only the frame-pointer walk.
    WalkOnly,
}

/// What one reclamation pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReclaimReport {
    /// Blobs freed in this pass.
    pub freed: Vec<CodeId>,
    /// Bytes of code memory returned.
    pub freed_bytes: usize,
    /// Retired blobs kept because a cell or direct call still targets them.
    pub kept_referenced: usize,
    /// Retired blobs kept because a thread has a frame in them.
    pub kept_running: usize,
    /// Return addresses seen (walks + hook).
    pub frames_seen: usize,
}

/// Decides which retired blobs are free to go.
///
/// Inputs: each retired blob as `(id, [start, end))`; `targets` = every address held by a cell;
/// `pcs` = every return address of a live frame; `has_callers(id, freed)` = whether `id` still has
/// a recorded direct caller that is not in `freed`. Returns the ids to free and the counts of
/// blobs kept for each reason.
pub fn plan(
    retired: &[(CodeId, usize, usize)],
    targets: &[usize],
    pcs: &[usize],
    mut has_callers: impl FnMut(CodeId, &HashSet<CodeId>) -> bool,
) -> (Vec<CodeId>, usize, usize) {
    let inside = |addrs: &[usize], s: usize, e: usize| {
        let i = addrs.partition_point(|&a| a < s);
        i < addrs.len() && addrs[i] < e
    };
    let mut sorted_targets = targets.to_vec();
    sorted_targets.sort_unstable();
    let mut sorted_pcs = pcs.to_vec();
    sorted_pcs.sort_unstable();
    // Blobs not pinned by a cell or a running frame are candidates; direct callers are decided
    // as a fixpoint over the candidates.
    let mut kept_running = 0;
    let mut kept_referenced = 0;
    let mut candidates: Vec<CodeId> = Vec::new();
    for &(id, s, e) in retired {
        if inside(&sorted_pcs, s, e) {
            kept_running += 1;
        } else if inside(&sorted_targets, s, e) {
            kept_referenced += 1;
        } else {
            candidates.push(id);
        }
    }
    // Optimistically free all candidates, then drop those with a caller outside the set, until
    // stable (greatest fixpoint: cycles of retired blobs calling each other are freed together).
    let mut set: HashSet<CodeId> = candidates.iter().copied().collect();
    loop {
        let before = set.len();
        let snapshot = set.clone();
        set.retain(|&id| !has_callers(id, &snapshot));
        if set.len() == before {
            break;
        }
    }
    kept_referenced += candidates.len() - set.len();
    let mut out: Vec<CodeId> = candidates.into_iter().filter(|c| set.contains(c)).collect();
    out.sort_unstable();
    (out, kept_referenced, kept_running)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_respects_cells_frames_and_callers() {
        let retired = [
            (CodeId(1), 100, 200),
            (CodeId(2), 200, 300),
            (CodeId(3), 300, 400),
            (CodeId(4), 400, 500),
            (CodeId(5), 500, 600),
        ];
        // 1 is targeted by a cell, 2 has a frame, 3 is called by live blob 99, 4 is called only by
        // 5 (retired, free) → 4 and 5 go together.
        let callers = |id: CodeId, freed: &HashSet<CodeId>| match id.0 {
            3 => !freed.contains(&CodeId(99)),
            4 => !freed.contains(&CodeId(5)),
            _ => false,
        };
        let (free, referenced, running) = plan(&retired, &[150], &[250], callers);
        assert_eq!(free, vec![CodeId(4), CodeId(5)]);
        assert_eq!(referenced, 2);
        assert_eq!(running, 1);
    }

    #[test]
    fn plan_boundaries_are_half_open() {
        let retired = [(CodeId(1), 100, 200)];
        let (free, _, _) = plan(&retired, &[200], &[99], |_, _| false);
        assert_eq!(free, vec![CodeId(1)]);
        let (free, _, _) = plan(&retired, &[100], &[], |_, _| false);
        assert!(free.is_empty());
    }
}
