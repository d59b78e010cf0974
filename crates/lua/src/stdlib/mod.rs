//! The standard library (Lua 5.4 manual §6). Each library module has `pub fn open(vm)` that installs it.

pub mod base;
pub mod coroutine;
pub mod debug;
pub mod io;
pub mod lpattern;
pub mod math;
pub mod os;
pub mod pack;
pub mod package;
pub mod string;
pub mod table;
pub mod utf8;

use crate::vm::Vm;

/// Open the standard libraries into `vm` (`luaL_openlibs`).
pub fn open_libs(vm: &mut Vm) {
    base::open(vm);
    coroutine::open(vm);
    package::open(vm);
    io::open(vm);
    os::open(vm);
    string::open(vm);
    table::open(vm);
    debug::open(vm);
    math::open(vm);
    utf8::open(vm);
}
