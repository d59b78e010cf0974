//! Safepoints: stop-the-world parks polling threads, does not wait for threads in safe
//! regions (and keeps them out until it ends), and copes with registered coordinators.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use moonlift_jit::safepoint::Safepoint;

#[test]
fn polling_threads_are_parked_during_the_closure() {
    let sp = Safepoint::new();
    let counter = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (sp, counter, done, ready_tx) =
                (sp.clone(), counter.clone(), done.clone(), ready_tx.clone());
            std::thread::spawn(move || {
                let h = sp.register();
                ready_tx.send(()).unwrap();
                while !done.load(Ordering::Acquire) {
                    counter.fetch_add(1, Ordering::Relaxed);
                    h.poll();
                }
            })
        })
        .collect();
    for _ in 0..3 {
        ready_rx.recv().unwrap();
    }
    assert_eq!(sp.registered_threads(), 3);
    for _ in 0..20 {
        sp.stop_the_world(|threads| {
            assert_eq!(threads.len(), 3);
            // SAFETY: the poll word is a live, aligned u32 of this domain.
            let word = unsafe { *(sp.poll_word_addr() as *const u32) };
            assert_ne!(word, 0);
            let before = counter.load(Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(1));
            assert_eq!(
                counter.load(Ordering::Relaxed),
                before,
                "a thread ran during the stop"
            );
        });
        assert!(!sp.stop_requested());
    }
    done.store(true, Ordering::Release);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sp.registered_threads(), 0);
    assert_eq!(sp.stops(), 20);
}

#[test]
fn safe_regions_do_not_block_a_stop_and_cannot_be_left_during_one() {
    let sp = Safepoint::new();
    let left = Arc::new(AtomicBool::new(false));
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (in_tx, in_rx) = std::sync::mpsc::channel::<()>();
    let t = {
        let (sp, left) = (sp.clone(), left.clone());
        std::thread::spawn(move || {
            let h = sp.register();
            h.enter_safe_region(0);
            in_tx.send(()).unwrap();
            go_rx.recv().unwrap(); // blocked: the stop must not wait for us
            h.leave_safe_region(); // waits for the stop to end
            left.store(true, Ordering::Release);
        })
    };
    in_rx.recv().unwrap();
    sp.stop_the_world(|_| {
        go_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert!(
            !left.load(Ordering::Acquire),
            "left the safe region during a stop"
        );
    });
    t.join().unwrap();
    assert!(left.load(Ordering::Acquire));
}

#[test]
fn registered_threads_may_coordinate_concurrently() {
    let sp = Safepoint::new();
    let rounds = 50;
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let sp = sp.clone();
            std::thread::spawn(move || {
                let h = sp.register();
                for _ in 0..rounds {
                    h.poll();
                    sp.stop_the_world(|_| {});
                    h.poll();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sp.stops(), 3 * rounds);
}

#[test]
fn registering_twice_shares_one_registration() {
    let sp = Safepoint::new();
    let h1 = sp.register();
    {
        let h2 = sp.register();
        assert_eq!(h1.as_ptr(), h2.as_ptr());
        assert_eq!(sp.registered_threads(), 1);
    }
    assert_eq!(
        sp.registered_threads(),
        1,
        "the secondary handle does not deregister"
    );
    // A stop from another thread completes: the one registration polls.
    let sp2 = sp.clone();
    let t = std::thread::spawn(move || sp2.stop_the_world(|threads| threads.len()));
    while !t.is_finished() {
        h1.poll();
        std::thread::yield_now();
    }
    assert_eq!(t.join().unwrap(), 1);
    drop(h1);
    assert_eq!(sp.registered_threads(), 0);
}
