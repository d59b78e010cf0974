//! Number → string conversion (owned by the stdlib work).
