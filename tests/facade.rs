//! The facade's `Mutex` outside any exploration behaves as std's: exclusion on real threads,
//! poisoning, `try_lock`, a forgotten guard.

use interleavings::sync::{Arc, Mutex, TryLockError};

#[test]
fn the_mutex_excludes_real_threads_from_each_other() {
    let counter = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    // A read and a write apart: a lost update shows if two threads hold it.
                    let mut held = counter.lock().unwrap();
                    let seen = *held;
                    std::hint::black_box(&seen);
                    *held = seen + 1;
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), 80_000);
}

#[test]
fn a_panic_while_holding_the_lock_poisons_it_as_in_std() {
    let mutex = Arc::new(Mutex::new(vec![1]));
    let held = Arc::clone(&mutex);
    let panicked = std::thread::spawn(move || {
        let mut guard = held.lock().unwrap();
        guard.push(2);
        panic!("while holding the lock");
    })
    .join();
    assert!(panicked.is_err());
    let poisoned = mutex.lock().expect_err("the lock is poisoned");
    assert_eq!(*poisoned.into_inner(), vec![1, 2], "the content survives");
    match mutex.try_lock() {
        Err(TryLockError::Poisoned(poisoned)) => assert_eq!(poisoned.into_inner().len(), 2),
        _ => panic!("try_lock of a poisoned lock must say so"),
    }
    let mutex = Arc::try_unwrap(mutex).expect("the only reference");
    assert_eq!(
        mutex.into_inner().expect_err("still poisoned").into_inner(),
        vec![1, 2]
    );
}

#[test]
fn try_lock_finds_a_held_lock_busy_and_a_free_one_free() {
    let mutex = Mutex::new(5);
    let guard = mutex.lock().unwrap();
    assert!(matches!(mutex.try_lock(), Err(TryLockError::WouldBlock)));
    drop(guard);
    *mutex.try_lock().unwrap() += 1;
    assert_eq!(mutex.into_inner().unwrap(), 6);
}

#[test]
fn a_forgotten_guard_keeps_the_lock_and_the_mutex_can_still_be_dropped() {
    let mutex = Mutex::new(String::from("kept"));
    std::mem::forget(mutex.lock().unwrap());
    assert!(matches!(mutex.try_lock(), Err(TryLockError::WouldBlock)));
    drop(mutex);
}

#[test]
fn the_mutex_is_send_and_sync_for_send_content() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Mutex<std::cell::Cell<u8>>>();
}
