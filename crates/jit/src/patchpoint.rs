//! `patchpoint`.
