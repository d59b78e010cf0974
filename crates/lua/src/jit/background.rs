//! Background compilation (DESIGN §3 "Tiering policy": a compile queue served by a background
//! thread; the mutator installs finished code at its next safepoint).
//!
//! In adaptive mode a hot proto is translated to Cranelift IR on the mutator thread (the
//! translator reads the proto, its constants and its type feedback, which only the mutator
//! may touch) and the IR is handed to one worker thread, which runs Cranelift and installs the
//! machine code in `moonlift-jit`'s code memory (a Live but unpublished blob). The proto is
//! marked [`super::STATE_QUEUED`] and keeps running in the interpreter. The worker reports the
//! blob back; at its next frame entry or loop back-edge of an interpreted proto the mutator
//! sees the count of finished jobs ([`Background::finished`], one relaxed load) and publishes
//! each blob exactly as a synchronous compilation does (`Vm::jit_publish`).
//!
//! Invariants: a queued proto is a GC root ([`Background::queued`]) until its result is
//! installed, so the addresses the IR embeds (constants, the feedback and deopt counters)
//! stay valid; the worker never touches VM state; jobs finish in order. Dropping the
//! [`Background`] closes the queue and joins the worker (at most one compilation's wait).
//!
//! Written with `std::sync::mpsc` and one `std::thread` rather than a pool crate: one worker
//! is what a 2-core target wants, and the queue is two channels.

use crate::vm::function::Proto;
use cranelift_codegen::Context;
use cranelift_codegen::ir::Function;
use moonlift_jit::blob::CodeBlob;
use moonlift_jit::runtime::JitRuntime;
use moonlift_jit::stats::thread_cpu_time;
use moonlift_jit::stub::FuncId;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// What the translator produced for one proto, with the figures the stats and log report.
pub(crate) struct Job {
    /// First compilation, whole code replacing OSR region code, or a recompilation.
    pub(crate) kind: super::tiering::CompileKind,
    /// For OSR region code: the loop header and the region's instructions.
    pub(crate) region: Option<(usize, Box<[bool]>)>,
    /// The proto (its address identifies the job; it is rooted while queued).
    pub(crate) proto: *const Proto,
    /// The function id whose cell will publish the code.
    pub(crate) func: FuncId,
    /// The proto's code name (`lua:chunk:line`).
    pub(crate) name: String,
    /// Bytecodes translated, exits, CLIF instructions, translation time (ns).
    pub(crate) bytecodes: usize,
    pub(crate) exits: usize,
    pub(crate) clif: usize,
    pub(crate) translate_nanos: u64,
}

/// A job on its way to the worker (the proto pointer travels as an address: the worker never
/// dereferences it).
struct Sent {
    proto: usize,
    func: FuncId,
    name: String,
    ir: Box<Function>,
}

/// A finished job (`proto` identifies it): the installed (unpublished) blob or the error, and
/// the worker's CPU time (ns).
pub(crate) struct Finished {
    proto: usize,
    pub(crate) result: Result<Arc<CodeBlob>, String>,
    pub(crate) compile_nanos: u64,
}

/// The queue, its worker and the protos waiting for their code.
pub(crate) struct Background {
    jobs: Option<Sender<Sent>>,
    replies: Receiver<Finished>,
    finished: Arc<AtomicUsize>,
    worker: Option<JoinHandle<()>>,
    /// Queued protos with their job's translation figures, in queue order (GC roots).
    pub(crate) queued: Vec<Job>,
}

impl Background {
    /// Start the worker thread for runtime `rt`. `resolve` maps helper names to addresses.
    pub(crate) fn start(
        rt: JitRuntime,
        resolve: fn(
            &cranelift_codegen::ir::UserExternalName,
        ) -> Option<moonlift_jit::reloc::LinkTarget>,
    ) -> std::io::Result<Background> {
        let (jobs, job_rx) = channel::<Sent>();
        let (reply_tx, replies) = channel::<Finished>();
        let finished = Arc::new(AtomicUsize::new(0));
        let done = finished.clone();
        let worker = std::thread::Builder::new()
            .name("moonlift-jit".into())
            .spawn(move || {
                for job in job_rx {
                    let t = thread_cpu_time();
                    let mut ctx = Context::for_function(*job.ir);
                    let result = rt
                        .compile_and_install(&job.name, Some(job.func), &mut ctx, &resolve)
                        .map_err(|e| e.to_string());
                    let reply = Finished {
                        proto: job.proto,
                        result,
                        compile_nanos: (thread_cpu_time().saturating_sub(t)).as_nanos() as u64,
                    };
                    if reply_tx.send(reply).is_err() {
                        break;
                    }
                    done.fetch_add(1, Ordering::Release);
                }
            })?;
        Ok(Background {
            jobs: Some(jobs),
            replies,
            finished,
            worker: Some(worker),
            queued: Vec::new(),
        })
    }

    /// Queue `job` with its IR. Returns the IR back when the worker is gone (compile it
    /// synchronously then).
    pub(crate) fn submit(&mut self, job: Job, ir: Box<Function>) -> Result<(), Box<Function>> {
        let Some(tx) = &self.jobs else { return Err(ir) };
        let sent = Sent {
            proto: job.proto as usize,
            func: job.func,
            name: job.name.clone(),
            ir,
        };
        match tx.send(sent) {
            Ok(()) => {
                self.queued.push(job);
                Ok(())
            }
            Err(e) => Err(e.0.ir),
        }
    }

    /// Finished jobs not yet taken (one relaxed load: the mutator's poll).
    #[inline(always)]
    pub(crate) fn finished(&self) -> usize {
        self.finished.load(Ordering::Relaxed)
    }

    /// Take every finished job, each with its queued entry (proto, function id, name,
    /// translation figures).
    pub(crate) fn take_finished(&mut self) -> Vec<(Finished, Job)> {
        let mut out = Vec::new();
        while let Ok(r) = self.replies.try_recv() {
            self.finished.fetch_sub(1, Ordering::AcqRel);
            if let Some(i) = self.queued.iter().position(|j| j.proto as usize == r.proto) {
                out.push((r, self.queued.remove(i)));
            }
        }
        out
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Closing the queue ends the worker's loop after its current job.
        self.jobs = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
