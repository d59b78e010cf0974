//! `frame_state`.
