//! Disassembly of installed or compiled x86-64 code for debugging (`--jit-dump`-style output),
//! with iced-x86's Intel-syntax formatter.
//!
//! Output: one line per instruction, `<address>  <hex bytes>  <instruction>`, followed by
//! `; <marker>` comments. A [`Marker`] either attaches to the instruction that *starts* at its
//! offset (entries, traps) or to the one that *ends* there (calls: stackmaps and patchpoints are
//! keyed by return address, so their marker is placed on the call itself). Undecodable bytes are
//! printed as `(bad)` and decoding continues at the next byte: never panics on any input.

use std::fmt::Write as _;

use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter};

use crate::stackmap::FunctionStackMaps;

/// A comment attached to an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// Byte offset from the start of the code.
    pub offset: u32,
    /// True: attach to the instruction ending at `offset` (a call whose return address this
    /// is); false: to the instruction starting at `offset`.
    pub at_end: bool,
    /// The comment text.
    pub text: String,
}

impl Marker {
    /// A marker on the instruction starting at `offset`.
    pub fn at(offset: u32, text: impl Into<String>) -> Self {
        Self {
            offset,
            at_end: false,
            text: text.into(),
        }
    }

    /// A marker on the instruction ending at `offset` (the call before a return address).
    pub fn before(offset: u32, text: impl Into<String>) -> Self {
        Self {
            offset,
            at_end: true,
            text: text.into(),
        }
    }
}

/// Markers for every stackmap record: `stackmap id=N values=K` or
/// `patchpoint id=N len=L values=K`, on the call instruction.
pub fn stackmap_markers(maps: &FunctionStackMaps) -> Vec<Marker> {
    maps.records
        .iter()
        .map(|r| {
            let text = if r.is_patchable() {
                format!(
                    "patchpoint id={} len={} values={} frame={}",
                    r.id,
                    r.patch_len(),
                    r.values.len(),
                    r.frame_size
                )
            } else {
                format!(
                    "safepoint/stackmap id={} values={} frame={}",
                    r.id,
                    r.values.len(),
                    r.frame_size
                )
            };
            Marker::before(r.return_offset, text)
        })
        .collect()
}

/// Disassemble an installed blob: a header line (`; <name> <id> [start, end) <len> bytes`), the
/// entry, every call site (`call site` on the call, with the frame offset if known), patchable
/// sites, trap sites, and the records of `maps` if given.
///
/// # Safety
/// The blob must not be freed while this runs (hold it Live or Retired).
pub unsafe fn disassemble_blob(
    blob: &crate::blob::CodeBlob,
    maps: Option<&FunctionStackMaps>,
) -> String {
    let mut markers = vec![Marker::at(0, format!("entry of {}", blob.name()))];
    for c in &blob.call_sites {
        markers.push(Marker::before(
            c.ret_addr,
            match c.frame_offset {
                Some(fo) => format!("call site (fp-sp {fo})"),
                None => "call site".to_string(),
            },
        ));
    }
    for p in &blob.patchable_call_sites {
        markers.push(Marker::before(
            p.ret_addr,
            format!("patchable ({} bytes)", p.len),
        ));
    }
    for t in &blob.traps {
        markers.push(Marker::at(t.offset, format!("trap {}", t.code)));
    }
    if let Some(m) = maps {
        markers.extend(stackmap_markers(m));
    }
    // SAFETY: the caller keeps the blob's code mapped for the duration of the call.
    let code = unsafe { blob.code_bytes() };
    format!(
        "; {} {} [{:#x}, {:#x}) {} bytes\n{}",
        blob.name(),
        blob.id(),
        blob.start(),
        blob.start() + blob.len(),
        blob.len(),
        disassemble(code, blob.start() as u64, &markers)
    )
}

/// Disassemble `code` as if loaded at `address`, with `markers`. See the module docs.
pub fn disassemble(code: &[u8], address: u64, markers: &[Marker]) -> String {
    let mut decoder = Decoder::with_ip(64, code, address, DecoderOptions::NONE);
    let mut fmt = IntelFormatter::new();
    fmt.options_mut().set_first_operand_char_index(8);
    let mut out = String::new();
    let mut text = String::new();
    let mut insn = Instruction::default();
    while decoder.can_decode() {
        let pos = decoder.position();
        decoder.decode_out(&mut insn);
        let len = insn.len().max(1);
        text.clear();
        if insn.is_invalid() {
            text.push_str("(bad)");
            // Resynchronize one byte further.
            let next = pos + 1;
            if decoder.set_position(next).is_err() {
                break;
            }
            decoder.set_ip(address + next as u64);
        } else {
            fmt.format(&insn, &mut text);
        }
        let len = if insn.is_invalid() { 1 } else { len };
        let bytes: String = code[pos..pos + len]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = write!(out, "{:016x}  {:<20} {}", address + pos as u64, bytes, text);
        let start = pos as u32;
        let end = (pos + len) as u32;
        for m in markers {
            if (!m.at_end && m.offset == start) || (m.at_end && m.offset == end) {
                let _ = write!(out, "  ; {}", m.text);
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_intel_syntax_with_addresses_and_markers() {
        // push rbp; mov rbp,rsp; call +0; nop5; pop rbp; ret
        let code = [
            0x55, 0x48, 0x89, 0xe5, 0xe8, 0, 0, 0, 0, 0x0f, 0x1f, 0x44, 0, 0, 0x5d, 0xc3,
        ];
        let out = disassemble(
            &code,
            0x1000,
            &[Marker::at(0, "entry"), Marker::before(9, "patchpoint id=3")],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6, "{out}");
        assert!(lines[0].starts_with("0000000000001000  55"), "{out}");
        assert!(
            lines[0].contains("push    rbp") && lines[0].ends_with("; entry"),
            "{out}"
        );
        assert!(lines[1].contains("mov     rbp,rsp"), "{out}");
        assert!(
            lines[2].contains("call    0000000000001009h")
                && lines[2].ends_with("; patchpoint id=3"),
            "{out}"
        );
        assert!(
            lines[3].starts_with("0000000000001009  0f1f440000") && lines[3].contains("nop"),
            "{out}"
        );
        assert!(lines[5].contains("ret"), "{out}");
    }

    #[test]
    fn bad_bytes_do_not_stop_or_panic() {
        let out = disassemble(&[0x06, 0xc3, 0x0f], 0, &[]);
        assert!(out.contains("(bad)"), "{out}");
        assert!(out.contains("ret"), "{out}");
    }
}
