//! Stable entries: entry cells, stubs, address veneers and the lazy-compile trampoline.
//!
//! Every logical function ([`FuncId`]) owns one 32-byte **entry block** in code memory:
//!
//! ```text
//! +0   FF 25 02 00 00 00    jmp [rip + 2]      ; the stub: its address is the function pointer
//! +6   CC CC                int3 padding
//! +8   <8-byte cell>                          ; entry cell: current target, 8-byte aligned
//! +16  49 BB <imm64>        mov r11, <entry>  ; lazy thunk: identifies the function ...
//! +26  E9 <rel32>           jmp trampoline    ; ... and enters the shared lazy trampoline
//! +31  CC
//! ```
//!
//! * The **stub** address never changes: it is the function's identity, so raw function pointers
//!   that escaped compare equal before and after recompilation.
//! * The **cell** holds the current target. Recompile-and-relink is one atomic 8-byte store
//!   (release) through the RW view; a caller that already loaded the old target finishes in the
//!   old code, the next call runs the new code. JIT callers may `load` the cell and
//!   `call_indirect`, or call the stub.
//! * While no code is installed (or after a reset), the cell points at the block's **lazy thunk**,
//!   which loads the entry's identity into `r11` (not an argument register in the System V ABI)
//!   and jumps to the runtime's **lazy trampoline**.
//! * The **lazy trampoline** (one per runtime, hand-written x86-64, see [`trampoline_code`])
//!   builds a frame record, saves every argument register (`rdi rsi rdx rcx r8 r9`, `rax`
//!   (vararg count), `r10`, `xmm0`–`xmm7`), calls the Rust resolver with `(entry, frame record)`,
//!   restores the registers, pops its frame and `jmp`s to the resolved target. The caller's
//!   frame — return address and stack arguments — is untouched, so the original call completes
//!   transparently in the new code.
//!
//! An **address veneer** is a 16-byte block `jmp [rip+2]; int3 int3; <cell>` for a target outside
//! `rel32` reach (a Rust function called with a colocated call); its cell doubles as a GOT entry
//! for `X86GOTPCRel4` relocations.

/// Identifier of a logical function: one entry cell and stub, stable across recompilations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FuncId(pub u32);

impl std::fmt::Display for FuncId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fn#{}", self.0)
    }
}

/// Size of an entry block in bytes.
pub const ENTRY_BLOCK_SIZE: usize = 32;
/// Offset of the entry cell in an entry block or veneer.
pub const CELL_OFFSET: usize = 8;
/// Offset of the lazy thunk in an entry block.
pub const LAZY_THUNK_OFFSET: usize = 16;
/// Size of an address veneer in bytes.
pub const VENEER_SIZE: usize = 16;

/// Bytes of an entry block whose lazy thunk passes `entry` in `r11` and jumps to `trampoline`;
/// `block_rx` is the RX address of the block (for the `rel32`). The cell is left zero; the
/// caller stores its initial target.
pub fn entry_block_code(block_rx: usize, entry: u64, trampoline: usize) -> [u8; ENTRY_BLOCK_SIZE] {
    let mut b = [0xCCu8; ENTRY_BLOCK_SIZE];
    b[0..6].copy_from_slice(&[0xFF, 0x25, 0x02, 0x00, 0x00, 0x00]);
    b[8..16].copy_from_slice(&[0; 8]);
    b[16] = 0x49;
    b[17] = 0xBB;
    b[18..26].copy_from_slice(&entry.to_le_bytes());
    b[26] = 0xE9;
    let next = block_rx + 31;
    let rel = (trampoline as i64 - next as i64) as i32;
    b[27..31].copy_from_slice(&rel.to_le_bytes());
    b
}

/// Bytes of an address veneer (`jmp [rip+2]`, padding, cell = `target`).
pub fn veneer_code(target: u64) -> [u8; VENEER_SIZE] {
    let mut b = [0xCCu8; VENEER_SIZE];
    b[0..6].copy_from_slice(&[0xFF, 0x25, 0x02, 0x00, 0x00, 0x00]);
    b[8..16].copy_from_slice(&target.to_le_bytes());
    b
}

/// The lazy-compile trampoline (x86-64 System V), calling
/// `resolver: extern "C" fn(entry: u64 /* from r11 */, frame_record: usize) -> usize /* target */`.
///
/// Stack on entry: `[rsp]` = return address into the original caller (rsp ≡ 8 mod 16). After
/// `push rbp` (≡ 0), eight 8-byte pushes (≡ 0) and 128 bytes of XMM saves (≡ 0) the call to the
/// resolver is 16-byte aligned as the ABI requires.
pub fn trampoline_code(resolver: usize) -> Vec<u8> {
    let mut c = Vec::with_capacity(160);
    c.push(0x55); // push rbp
    c.extend_from_slice(&[0x48, 0x89, 0xE5]); // mov rbp, rsp
    c.push(0x57); // push rdi
    c.push(0x56); // push rsi
    c.push(0x52); // push rdx
    c.push(0x51); // push rcx
    c.extend_from_slice(&[0x41, 0x50]); // push r8
    c.extend_from_slice(&[0x41, 0x51]); // push r9
    c.push(0x50); // push rax
    c.extend_from_slice(&[0x41, 0x52]); // push r10
    c.extend_from_slice(&[0x48, 0x81, 0xEC, 0x80, 0x00, 0x00, 0x00]); // sub rsp, 128
    for n in 0..8u8 {
        // movdqu [rsp + 16n], xmm_n
        c.extend_from_slice(&[0xF3, 0x0F, 0x7F, 0x44 | (n << 3), 0x24, n * 16]);
    }
    c.extend_from_slice(&[0x4C, 0x89, 0xDF]); // mov rdi, r11
    c.extend_from_slice(&[0x48, 0x89, 0xEE]); // mov rsi, rbp
    c.extend_from_slice(&[0x48, 0xB8]); // mov rax, imm64
    c.extend_from_slice(&(resolver as u64).to_le_bytes());
    c.extend_from_slice(&[0xFF, 0xD0]); // call rax
    c.extend_from_slice(&[0x49, 0x89, 0xC3]); // mov r11, rax
    for n in 0..8u8 {
        // movdqu xmm_n, [rsp + 16n]
        c.extend_from_slice(&[0xF3, 0x0F, 0x6F, 0x44 | (n << 3), 0x24, n * 16]);
    }
    c.extend_from_slice(&[0x48, 0x81, 0xC4, 0x80, 0x00, 0x00, 0x00]); // add rsp, 128
    c.extend_from_slice(&[0x41, 0x5A]); // pop r10
    c.push(0x58); // pop rax
    c.extend_from_slice(&[0x41, 0x59]); // pop r9
    c.extend_from_slice(&[0x41, 0x58]); // pop r8
    c.push(0x59); // pop rcx
    c.push(0x5A); // pop rdx
    c.push(0x5E); // pop rsi
    c.push(0x5F); // pop rdi
    c.push(0x5D); // pop rbp
    c.extend_from_slice(&[0x41, 0xFF, 0xE3]); // jmp r11
    c
}

/// Emits a call through an entry cell: `t = load.i64 notrap aligned [cell]; call_indirect sig, t,
/// args`. `cell` is [`crate::runtime::JitRuntime::entry_cell_address`]; the load is not
/// `readonly` because the cell changes when the function is republished. Returns the call
/// instruction (its results are the callee's).
pub fn emit_call_through_cell(
    fb: &mut cranelift_frontend::FunctionBuilder<'_>,
    cell: usize,
    sig: cranelift_codegen::ir::SigRef,
    args: &[cranelift_codegen::ir::Value],
) -> cranelift_codegen::ir::Inst {
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
    let addr = fb.ins().iconst(types::I64, cell as i64);
    let target = fb.ins().load(types::I64, MemFlagsData::trusted(), addr, 0);
    fb.ins().call_indirect(sig, target, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};

    fn disasm(code: &[u8], ip: u64) -> Vec<String> {
        let mut d = Decoder::with_ip(64, code, ip, DecoderOptions::NONE);
        let mut f = IntelFormatter::new();
        let mut out = Vec::new();
        while d.can_decode() {
            let i = d.decode();
            let mut s = String::new();
            f.format(&i, &mut s);
            out.push(s);
        }
        out
    }

    #[test]
    fn trampoline_decodes_as_intended() {
        let t = disasm(&trampoline_code(0x1122_3344_5566_7788), 0);
        let text = t.join("\n");
        for want in [
            "push rbp",
            "mov rbp,rsp",
            "push r10",
            "sub rsp,80h",
            "movdqu [rsp],xmm0",
            "movdqu [rsp+70h],xmm7",
            "mov rdi,r11",
            "mov rsi,rbp",
            "mov rax,1122334455667788h",
            "call rax",
            "mov r11,rax",
            "movdqu xmm7,[rsp+70h]",
            "pop rdi",
            "jmp r11",
        ] {
            assert!(text.contains(want), "missing `{want}` in:\n{text}");
        }
        // Pushes and pops balance.
        let pushes = t.iter().filter(|s| s.starts_with("push")).count();
        let pops = t.iter().filter(|s| s.starts_with("pop")).count();
        assert_eq!(pushes, 9);
        assert_eq!(pops, 9);
    }

    #[test]
    fn entry_block_decodes() {
        let b = entry_block_code(0x10000, 0xABCD, 0x20000);
        let stub = disasm(&b[0..6], 0x10000);
        assert_eq!(stub, vec!["jmp qword ptr [10008h]"]);
        let thunk = disasm(&b[16..31], 0x10010);
        assert_eq!(thunk, vec!["mov r11,0ABCDh", "jmp 0000000000020000h"]);
    }
}
