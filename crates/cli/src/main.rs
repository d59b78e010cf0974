//! The `moonlift` command.
mod args;
fn main() {}
