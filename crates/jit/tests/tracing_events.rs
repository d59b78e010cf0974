//! Observability: the runtime emits `tracing` events for compile, install, relink, patch,
//! retire and free, with sizes and durations.

mod support;

use std::sync::{Arc, Mutex};

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::types::I64;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every event as `message key=value ...`.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}{}", self.0);
        } else {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
    }
}

impl Subscriber for Collect {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut l = Line(String::new());
        event.record(&mut l);
        self.0.lock().unwrap().push(l.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn lifecycle_emits_events_with_sizes_and_durations() {
    let events = Collect::default();
    tracing::subscriber::with_default(events.clone(), || {
        let rt = support::runtime();
        let f = rt.declare_function("f").unwrap();
        let mut v = Vec::new();
        for k in 0..2 {
            let mut ctx = support::build(&rt, &[I64], &[I64], |fb, a| {
                let c = fb.ins().iconst(I64, k);
                vec![fb.ins().iadd(a[0], c)]
            });
            v.push(
                rt.compile_and_install("f", Some(f), &mut ctx, &|_| None)
                    .unwrap(),
            );
        }
        rt.replace(f, v[0].id()).unwrap();
        rt.relink(v[0].id(), v[1].id()).unwrap();
        rt.patch_bytes(v[1].start(), &[0x55]).unwrap(); // `push rbp` is already there
        rt.replace(f, v[1].id()).unwrap();
        rt.reclaim();
    });
    let ev = events.0.lock().unwrap().clone();
    let find = |msg: &str| {
        ev.iter()
            .find(|e| e.starts_with(msg))
            .unwrap_or_else(|| panic!("no `{msg}` event in {ev:#?}"))
            .clone()
    };
    for (msg, fields) in [
        ("compile", &["bytes=", "micros=", "clif_insts="][..]),
        ("install", &["bytes=", "micros=", "relocs="]),
        ("relink", &["sites=", "micros="]),
        ("patch", &["bytes="]),
        ("retire", &["code="]),
        ("free", &["bytes="]),
        ("reclaim", &["freed=", "micros="]),
    ] {
        let e = find(msg);
        for f in fields {
            assert!(e.contains(f), "`{msg}` event lacks `{f}`: {e}");
        }
    }
}
