//! The events of one execution as they are recorded: compact, and cheap to throw away.
//!
//! An execution records an event for nearly every facade operation, and a sampling run
//! makes thousands of executions whose events nobody reads unless one fails. So a record
//! owns nothing that must be dropped: a reference-counted name per event cost an atomic
//! increment to record, and a walk over every event at the end of the execution to drop
//! it, most of them long out of the cache by then. A record names its object by an index
//! into the names this execution has used, each kept once; its value, nearly always
//! short enough to be kept inline, is stored as is, and the rare long one is kept aside.
//! The public [`Event`]s are built from the records only for the traces that are shown.

use crate::trace::{Event, Op, Value};
use rustc_hash::FxHashMap;
use std::mem::ManuallyDrop;
use std::sync::Arc;

/// The recorded events of one execution, in order.
#[derive(Debug, Default)]
pub(crate) struct EventLog {
    records: Vec<Record>,
    /// Every object name the records use, once each, in order of first use.
    names: Vec<Arc<str>>,
    /// Where each name's text is, to its index in `names`. `names` holds each name, so
    /// its text is not freed, and the address not reused, while the entry stands.
    name_index: FxHashMap<usize, u32>,
    /// The last names looked up, by where their text is (a slot per address, as a cache
    /// does): consecutive events mostly name the same few objects, and this answers
    /// them without hashing.
    recent_names: [(usize, u32); RECENT_NAMES],
    /// The values that are not kept inline in their record, in order.
    long_values: Vec<Value>,
}

const RECENT_NAMES: usize = 16;

/// Who did what to which object in a recorded event (not its step or value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Recorded<'a> {
    pub(crate) thread: usize,
    pub(crate) op: Op,
    pub(crate) object: &'a Arc<str>,
}

/// One event, in plain data: nothing to drop, nothing shared.
#[derive(Debug)]
struct Record {
    step: u32,
    thread: u32,
    /// Index into [`EventLog::names`].
    name: u32,
    op: Op,
    value: StoredValue,
}

/// A record's value. An inline value owns no memory, so not dropping it loses nothing.
#[derive(Debug)]
enum StoredValue {
    None,
    Inline(ManuallyDrop<Value>),
    /// Index into [`EventLog::long_values`].
    Long(u32),
    Signed(i64),
    Unsigned(u64),
}

/// A value as the facade hands it to the log: an integer (nearly every model's values) is
/// kept as it is and rendered only if a trace shows it (rendering it on every access cost
/// about 50 instructions, half of what storing the rest of the record costs).
#[derive(Debug)]
pub(crate) enum Logged {
    None,
    Text(Value),
    Signed(i64),
    Unsigned(u64),
}

impl Logged {
    /// `value`, to be shown with its `Debug` format (which, for an integer, is its decimal).
    pub(crate) fn debug<T: std::fmt::Debug>(value: &T) -> Self {
        castaway::match_type!(value, {
            &i64 as n => Logged::Signed(*n),
            &i32 as n => Logged::Signed(i64::from(*n)),
            &i16 as n => Logged::Signed(i64::from(*n)),
            &i8 as n => Logged::Signed(i64::from(*n)),
            &u64 as n => Logged::Unsigned(*n),
            &u32 as n => Logged::Unsigned(u64::from(*n)),
            &u16 as n => Logged::Unsigned(u64::from(*n)),
            &u8 as n => Logged::Unsigned(u64::from(*n)),
            &usize as n => Logged::Unsigned(*n as u64),
            &isize as n => Logged::Signed(*n as i64),
            value => Logged::Text(Value::debug(value)),
        })
    }
}

impl Logged {
    /// A value rendered as `arguments` say.
    pub(crate) fn text(arguments: std::fmt::Arguments<'_>) -> Self {
        Logged::Text(Value::from(arguments))
    }
}

impl From<Option<Value>> for Logged {
    fn from(value: Option<Value>) -> Self {
        value.map_or(Logged::None, Logged::Text)
    }
}

/// The 32-bit fields of a record: a log that outgrew them would need more memory than any
/// machine this runs on has (4 billion records, of tens of bytes each).
fn narrow(n: usize, what: &str) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| panic!("an execution recorded more than 2^32 {what}"))
}

impl EventLog {
    /// Appends an event.
    pub(crate) fn push(
        &mut self,
        step: usize,
        thread: usize,
        op: Op,
        object: &Arc<str>,
        value: Logged,
    ) {
        let value = match value {
            Logged::None => StoredValue::None,
            Logged::Signed(n) => StoredValue::Signed(n),
            Logged::Unsigned(n) => StoredValue::Unsigned(n),
            Logged::Text(value) if value.is_inline() => {
                StoredValue::Inline(ManuallyDrop::new(value))
            }
            Logged::Text(value) => {
                self.long_values.push(value);
                StoredValue::Long(narrow(self.long_values.len() - 1, "long values"))
            }
        };
        let name = self.name_index(object);
        self.records.push(Record {
            step: narrow(step, "steps"),
            thread: narrow(thread, "threads"),
            name,
            op,
            value,
        });
    }

    fn name_index(&mut self, name: &Arc<str>) -> u32 {
        let address = Arc::as_ptr(name).cast::<u8>() as usize;
        // Names are at least 8-aligned allocations: the bits above the lowest three tell
        // them apart.
        let slot = (address >> 3) % RECENT_NAMES;
        let (seen, index) = self.recent_names[slot];
        if seen == address {
            return index;
        }
        let index = match self.name_index.get(&address) {
            Some(&index) => index,
            None => self.add_name(name, address),
        };
        self.recent_names[slot] = (address, index);
        index
    }

    fn add_name(&mut self, name: &Arc<str>, address: usize) -> u32 {
        self.names.push(Arc::clone(name));
        let index = narrow(self.names.len() - 1, "names");
        self.name_index.insert(address, index);
        index
    }

    /// The number of events.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// True before the first event.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Room for this many events in all, without growing.
    pub(crate) fn capacity(&self) -> usize {
        self.records.capacity()
    }

    /// Makes room for `additional` more events.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.records.reserve(additional);
    }

    /// Forgets every event, keeping the buffers.
    pub(crate) fn clear(&mut self) {
        self.records.clear();
        self.names.clear();
        self.name_index.clear();
        self.recent_names = [(0, 0); RECENT_NAMES];
        self.long_values.clear();
    }

    /// Event `index`, if there is one.
    pub(crate) fn get(&self, index: usize) -> Option<Recorded<'_>> {
        self.records.get(index).map(|r| self.view(r))
    }

    /// The events in `range`, or as many of them as there are.
    pub(crate) fn range(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl ExactSizeIterator<Item = Recorded<'_>> {
        let end = range.end.min(self.records.len());
        let start = range.start.min(end);
        self.records[start..end].iter().map(|r| self.view(r))
    }

    /// The operation of the last event of `thread`.
    pub(crate) fn last_op_of(&self, thread: usize) -> Option<Op> {
        self.records
            .iter()
            .rev()
            .find(|r| r.thread as usize == thread)
            .map(|r| r.op)
    }

    fn view(&self, record: &Record) -> Recorded<'_> {
        Recorded {
            thread: record.thread as usize,
            op: record.op,
            object: &self.names[record.name as usize],
        }
    }

    /// The events as a trace shows them.
    pub(crate) fn to_events(&self) -> Vec<Event> {
        self.records
            .iter()
            .map(|r| Event {
                step: r.step as usize,
                thread: r.thread as usize,
                op: r.op,
                object: Arc::clone(&self.names[r.name as usize]),
                value: match &r.value {
                    StoredValue::None => None,
                    StoredValue::Inline(value) => Some(Value::clone(value)),
                    StoredValue::Long(index) => Some(self.long_values[*index as usize].clone()),
                    StoredValue::Signed(n) => Some(Value::debug(n)),
                    StoredValue::Unsigned(n) => Some(Value::debug(n)),
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_back_as_recorded_and_a_cleared_log_starts_afresh() {
        let mut log = EventLog::default();
        let x: Arc<str> = "x".into();
        let also_x: Arc<str> = "x".into();
        let lock: Arc<str> = "lock".into();
        let value = |text: &str| Logged::Text(Value::from(text));
        log.push(1, 0, Op::Lock, &lock, Logged::None);
        log.push(2, 1, Op::Get, &x, value("100"));
        log.push(3, 1, Op::Set, &also_x, value(""));
        log.push(4, 0, Op::Unlock, &lock, Logged::None);
        let long = "a longer value, past any inline limit";
        log.push(4, 2, Op::Finish, &lock, value(long));
        // Only the long value owns memory: it alone is kept where it will be dropped.
        assert_eq!(
            log.long_values.len(),
            1,
            "only the long value is kept aside"
        );
        let events = log.to_events();
        let seen: Vec<_> = events
            .iter()
            .map(|e| (e.step, e.thread, e.op, &*e.object, e.value.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (1, 0, Op::Lock, "lock", None),
                (2, 1, Op::Get, "x", Some("100")),
                (3, 1, Op::Set, "x", Some("")),
                (4, 0, Op::Unlock, "lock", None),
                (4, 2, Op::Finish, "lock", Some(long)),
            ]
        );
        assert!(Arc::ptr_eq(&events[0].object, &lock), "names are shared");
        assert!(Arc::ptr_eq(&events[1].object, &x));
        assert!(
            Arc::ptr_eq(&events[2].object, &also_x),
            "one name per object"
        );
        let get = log.get(1).expect("a second event");
        assert_eq!((get.thread, get.op, &**get.object), (1, Op::Get, "x"));
        assert_eq!(log.get(5), None);
        let who = |range| {
            log.range(range)
                .map(|e: Recorded| (e.thread, e.op))
                .collect::<Vec<_>>()
        };
        assert_eq!(who(2..9), [(1, Op::Set), (0, Op::Unlock), (2, Op::Finish)]);
        assert_eq!(who(1..3), [(1, Op::Get), (1, Op::Set)]);
        assert_eq!(who(9..12), []);
        let (from, to) = (3, 1);
        assert_eq!(who(from..to), [], "a range that ends before it starts");
        assert_eq!(log.last_op_of(1), Some(Op::Set));
        assert_eq!(log.last_op_of(3), None);

        log.clear();
        assert!(log.is_empty());
        let y: Arc<str> = "y".into();
        log.push(1, 0, Op::Get, &y, value("7"));
        let events = log.to_events();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (&*events[0].object, events[0].value.as_deref()),
            ("y", Some("7"))
        );
    }

    #[test]
    fn integers_kept_as_they_are_read_back_as_their_debug_rendering() {
        fn rendered<T: std::fmt::Debug>(value: T) -> (String, String) {
            let mut log = EventLog::default();
            let x: Arc<str> = "x".into();
            log.push(1, 0, Op::Get, &x, Logged::debug(&value));
            let shown = log.to_events()[0].value.clone().expect("a value");
            (shown.to_string(), format!("{value:?}"))
        }
        for (shown, expected) in [
            rendered(-3i32),
            rendered(i64::MIN),
            rendered(u64::MAX),
            rendered(usize::MAX),
            rendered(isize::MIN),
            rendered(7u8),
            rendered(-128i8),
            rendered(0u16),
            rendered(i128::MAX),
            rendered(true),
            rendered("text"),
            rendered(Some(2)),
        ] {
            assert_eq!(shown, expected);
        }
        assert!(matches!(Logged::debug(&5u32), Logged::Unsigned(5)));
        assert!(matches!(Logged::debug(&-5i16), Logged::Signed(-5)));
        assert!(matches!(Logged::debug(&"5"), Logged::Text(_)));
    }

    #[test]
    fn many_objects_in_turn_each_keep_their_own_name() {
        let mut log = EventLog::default();
        let names: Vec<Arc<str>> = (0..100).map(|i| format!("object-{i}").into()).collect();
        for round in 0..3 {
            for (i, name) in names.iter().enumerate() {
                log.push(round * 100 + i + 1, i % 7, Op::Get, name, Logged::None);
            }
        }
        let events = log.to_events();
        assert_eq!(events.len(), 300);
        for (at, event) in events.iter().enumerate() {
            assert!(Arc::ptr_eq(&event.object, &names[at % 100]), "event {at}");
        }
        assert_eq!(log.names.len(), 100, "each name kept once");
    }
}
