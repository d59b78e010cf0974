//! The `moonlift` command.
fn main() {}
