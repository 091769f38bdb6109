//! The names that executions give their objects and threads, kept from one execution to
//! the next.
//!
//! The executions of one exploration make the same objects and threads in the same order,
//! mostly, and name them alike, so the name kept for the same object number or thread
//! index is likely the one wanted now: cloning it costs a reference count, where making it
//! anew costs an allocation and a copy (for a default name, formatting too). Under loom an
//! execution is short enough for that to show: three names a counter execution, about one
//! percent of its time. Names are kept per OS thread, which runs every execution of a
//! search under loom and shuttle.

use std::cell::RefCell;
use std::sync::Arc;

/// Names are kept for the object numbers and thread indexes below this.
const KEPT: usize = 1 << 10;

/// A kept name: `kind` followed by its number, or (with an empty `kind`) a given name.
struct KeptName {
    kind: &'static str,
    name: Arc<str>,
}

/// The last names made on this OS thread, by number.
#[derive(Default)]
struct KeptNames {
    /// Each object number's default name (`mutex3`).
    defaults: Vec<Option<KeptName>>,
    /// Each object number's given name (`named`).
    given: Vec<Option<KeptName>>,
    /// Each thread index's label: its name, or `thread-2`.
    threads: Vec<Option<KeptName>>,
}

thread_local! {
    static KEPT_NAMES: RefCell<KeptNames> = RefCell::default();
}

/// The name object `object` gets until it is named: its kind and number (`mutex3`), or just
/// its kind outside explorations (object 0).
pub(crate) fn default_name(kind: &'static str, object: usize) -> Arc<str> {
    if object == 0 {
        return Arc::from(kind);
    }
    KEPT_NAMES.with_borrow_mut(|kept| reuse(&mut kept.defaults, object, kind, None))
}

/// The name `given` to object `object` (0 outside explorations, where nothing is kept).
pub(crate) fn given_name(object: usize, given: &str) -> Arc<str> {
    if object == 0 {
        return Arc::from(given);
    }
    KEPT_NAMES.with_borrow_mut(|kept| reuse(&mut kept.given, object, "", Some(given)))
}

/// The label of model thread `index`: its name, or `thread-2` for an unnamed one.
pub(crate) fn thread_label(index: usize, name: Option<&str>) -> Arc<str> {
    let kind = if name.is_some() { "" } else { "thread-" };
    KEPT_NAMES.with_borrow_mut(|kept| reuse(&mut kept.threads, index, kind, name))
}

/// The name kept at `number` in `table` if it was made the same way, else a new one, kept
/// in its place.
fn reuse(
    table: &mut Vec<Option<KeptName>>,
    number: usize,
    kind: &'static str,
    given: Option<&str>,
) -> Arc<str> {
    if let Some(Some(kept)) = table.get(number) {
        let same = kept.kind == kind && given.is_none_or(|given| *kept.name == *given);
        if same {
            return Arc::clone(&kept.name);
        }
    }
    let name: Arc<str> = match given {
        Some(given) => Arc::from(given),
        None => Arc::from(format!("{kind}{number}")),
    };
    if number < KEPT {
        if table.len() <= number {
            table.resize_with(number + 1, || None);
        }
        table[number] = Some(KeptName {
            kind,
            name: Arc::clone(&name),
        });
    }
    name
}

#[cfg(test)]
mod tests {
    use super::{KEPT, default_name, given_name, thread_label};
    use std::sync::Arc;

    #[test]
    fn a_default_name_is_its_kind_and_number_whatever_was_named_before() {
        assert_eq!(&*default_name("mutex", 0), "mutex");
        assert_eq!(&*default_name("mutex", 3), "mutex3");
        // The same number for another kind (another model, or another path through one).
        assert_eq!(&*default_name("shared", 3), "shared3");
        assert_eq!(&*default_name("shared", 3), "shared3");
        assert_eq!(&*default_name("mutex", 3), "mutex3");
        let far = KEPT + 5;
        assert_eq!(*default_name("atomic", far), *format!("atomic{far}"));
    }

    #[test]
    fn a_name_made_the_same_way_again_is_the_kept_one() {
        assert!(Arc::ptr_eq(
            &default_name("mutex", 4),
            &default_name("mutex", 4)
        ));
        assert!(Arc::ptr_eq(&given_name(4, "lock"), &given_name(4, "lock")));
        assert!(Arc::ptr_eq(&thread_label(2, None), &thread_label(2, None)));
        assert!(Arc::ptr_eq(
            &thread_label(2, Some("seller")),
            &thread_label(2, Some("seller"))
        ));
        // Outside explorations nothing is kept.
        assert!(!Arc::ptr_eq(&given_name(0, "lock"), &given_name(0, "lock")));
    }

    #[test]
    fn a_given_name_is_the_one_given_whatever_was_given_before() {
        assert_eq!(&*given_name(5, "lock"), "lock");
        assert_eq!(&*given_name(5, "count"), "count");
        assert_eq!(&*given_name(5, ""), "");
        assert_eq!(&*given_name(5, "lock"), "lock");
        assert_eq!(&*given_name(KEPT + 1, "far"), "far");
    }

    #[test]
    fn a_thread_label_is_its_name_or_its_number() {
        assert_eq!(&*thread_label(0, Some("main")), "main");
        assert_eq!(&*thread_label(1, None), "thread-1");
        assert_eq!(&*thread_label(1, Some("thread-1x")), "thread-1x");
        assert_eq!(&*thread_label(1, Some("")), "");
        assert_eq!(&*thread_label(1, None), "thread-1");
        assert_eq!(&*thread_label(1, Some("seller-1")), "seller-1");
    }
}
