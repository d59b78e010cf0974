//! String → number conversion (owned by the front-end work).
