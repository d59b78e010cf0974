//! Shared helpers for the metadata tests: an x86-64 ISA with frame pointers and a Cranelift
//! compile helper.
#![allow(dead_code, reason = "each test binary uses a subset")]

use std::sync::Arc;

use cranelift_codegen::ir::{self, AbiParam, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{CompiledCode, Context};

/// The host ISA with `preserve_frame_pointers=true`, `opt_level` as given, verifier on.
pub fn isa(opt_level: &str) -> OwnedTargetIsa {
    let mut b = settings::builder();
    b.set("preserve_frame_pointers", "true").unwrap();
    b.set("opt_level", opt_level).unwrap();
    b.set("enable_verifier", "true").unwrap();
    let flags = settings::Flags::new(b);
    cranelift_native::builder().unwrap().finish(flags).unwrap()
}

/// A shared ISA for tests.
pub fn host_isa() -> Arc<dyn cranelift_codegen::isa::TargetIsa> {
    isa("none")
}

/// A System V signature with the given params and returns.
pub fn sig(params: &[ir::Type], returns: &[ir::Type]) -> ir::Signature {
    let mut s = ir::Signature::new(CallConv::SystemV);
    s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    s.returns.extend(returns.iter().map(|t| AbiParam::new(*t)));
    s
}

/// Compile `func` and return the compiled code.
pub fn compile(isa: &dyn cranelift_codegen::isa::TargetIsa, func: ir::Function) -> CompiledCode {
    let mut ctx = Context::for_function(func);
    let mut ctrl = cranelift_codegen::control::ControlPlane::default();
    ctx.compile(isa, &mut ctrl)
        .unwrap_or_else(|e| panic!("compile failed: {e:?}"));
    ctx.take_compiled_code().expect("compiled")
}

/// A user function name with index `n` in namespace 0.
pub fn name(n: u32) -> UserFuncName {
    UserFuncName::user(0, n)
}

/// Compile and keep the user-named function table (`index` of each `UserExternalNameRef`).
pub fn compile_with_names(
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    func: ir::Function,
) -> (CompiledCode, Vec<u32>) {
    let names: Vec<u32> = func
        .params
        .user_named_funcs()
        .values()
        .map(|n| n.index)
        .collect();
    (compile(isa, func), names)
}

/// A tiny test-only code loader (one 64 MiB region, page-granular bump allocation, each page
/// RW while written then RX): enough to run code before and independently of the runtime.
pub struct TestLoader {
    base: usize,
    next: usize,
    end: usize,
}

const PAGE: usize = 4096;

impl TestLoader {
    /// Reserve the region.
    pub fn new() -> Self {
        let len = 64 << 20;
        // SAFETY: anonymous private reservation, no existing mapping is touched.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        Self {
            base: p as usize,
            next: p as usize,
            end: p as usize + len,
        }
    }

    /// Copy `code`, apply its relocations (`Abs8` and `X86CallPCRel4`/`X86PCRel4` to user names
    /// resolved by `resolve(index)`) and make it executable. Returns the start address.
    pub fn load(
        &mut self,
        code: &CompiledCode,
        names: &[u32],
        resolve: &dyn Fn(u32) -> usize,
    ) -> usize {
        use cranelift_codegen::FinalizedRelocTarget;
        use cranelift_codegen::binemit::Reloc;
        use cranelift_codegen::ir::ExternalName;
        let bytes = code.code_buffer();
        let len = bytes.len().div_ceil(PAGE) * PAGE;
        let start = self.next;
        assert!(start + len <= self.end);
        self.next += len;
        // SAFETY: [start, start+len) is inside our reservation and not yet used.
        unsafe {
            assert_eq!(
                libc::mprotect(start as *mut _, len, libc::PROT_READ | libc::PROT_WRITE),
                0
            );
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), start as *mut u8, bytes.len());
        }
        for r in code.buffer.relocs() {
            let target = match &r.target {
                FinalizedRelocTarget::ExternalName(ExternalName::User(nref)) => {
                    resolve(names[cranelift_codegen::entity::EntityRef::index(*nref)])
                }
                FinalizedRelocTarget::Func(off) => start + *off as usize,
                other => panic!("unsupported reloc target {other:?}"),
            } as i64
                + r.addend;
            let at = start + r.offset as usize;
            // SAFETY: the relocation lies inside the code just copied, which is writable.
            unsafe {
                match r.kind {
                    Reloc::Abs8 => (at as *mut i64).write_unaligned(target),
                    Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
                        let rel = target - at as i64;
                        (at as *mut i32).write_unaligned(i32::try_from(rel).unwrap())
                    }
                    k => panic!("unsupported reloc kind {k:?}"),
                }
            }
        }
        // SAFETY: as above; the pages become read+execute, never writable and executable.
        unsafe {
            assert_eq!(
                libc::mprotect(start as *mut _, len, libc::PROT_READ | libc::PROT_EXEC),
                0
            );
        }
        start
    }

    /// Make `[at, at + bytes.len())` writable, write, make it executable again. Only for tests
    /// where no other thread executes this code.
    pub fn patch(&self, at: usize, bytes: &[u8]) {
        let page = at & !(PAGE - 1);
        let len = (at + bytes.len()).div_ceil(PAGE) * PAGE - page;
        // SAFETY: the range is inside loaded code; single-threaded test use.
        unsafe {
            assert_eq!(
                libc::mprotect(page as *mut _, len, libc::PROT_READ | libc::PROT_WRITE),
                0
            );
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), at as *mut u8, bytes.len());
            assert_eq!(
                libc::mprotect(page as *mut _, len, libc::PROT_READ | libc::PROT_EXEC),
                0
            );
        }
    }
}
