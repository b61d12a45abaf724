//! A WASI 0.2 value as a trace keeps it: [`Saved`], and [`Save`], the
//! conversion of wasmtime-wasi's generated types to and from it.
//!
//! Why by hand: the types `wasmtime_wasi::p2::bindings` generates (records,
//! enums, variants, flags, resources) implement only the component model's
//! own traits, which need a store to lower into; a trace needs them as
//! data. Each type's conversion is one line of a macro below, naming its
//! fields, cases or flags, so a changed record or variant in a new
//! wasmtime-wasi fails to compile here, and a new flag fails a unit test,
//! instead of recording the wrong thing.

use serde::{Deserialize, Serialize};
use wasmtime::component::Resource;

/// A component-model value, as far as a trace needs it. Records and tuples
/// are [`Saved::Tuple`]s of their fields in order; enums and variants are
/// [`Saved::Case`]s (the case's index in the WIT declaration, then its
/// payload or [`Saved::Unit`]); flags are [`Saved::Flags`] (bit N: the N-th
/// flag as declared); a resource is its host-side `rep`.
///
/// In a trace a value is written flat, as its nodes in preorder
/// ([`Node`]), and read back without recursion: a value nested deeper than
/// [`MAX_DEPTH`] (WASI's are at most a few levels) is refused, so a
/// crafted trace cannot exhaust the stack.
#[derive(Clone, Debug, PartialEq)]
pub enum Saved {
    /// No value (`()`, a case without payload).
    Unit,
    /// `bool`.
    Bool(bool),
    /// Any unsigned integer, zero-extended.
    U64(u64),
    /// Any signed integer, sign-extended.
    S64(i64),
    /// `string`.
    Str(String),
    /// `list<u8>`.
    Bytes(Vec<u8>),
    /// Any other list.
    List(Vec<Saved>),
    /// A tuple or a record's fields.
    Tuple(Vec<Saved>),
    /// `option::none`.
    None,
    /// `option::some`.
    Some(Box<Saved>),
    /// `result::ok`.
    Ok(Box<Saved>),
    /// `result::err`.
    Err(Box<Saved>),
    /// An enum's or variant's case: its index, then its payload.
    Case(u32, Box<Saved>),
    /// A flags value.
    Flags(u64),
    /// An owned resource handle's host `rep`.
    Own(u32),
    /// A borrowed resource handle's host `rep`.
    Borrow(u32),
}

/// How deep a [`Saved`] read from a trace may nest.
pub const MAX_DEPTH: usize = 64;

/// One node of a [`Saved`] in preorder: a leaf, or a container and how
/// many children follow it.
#[derive(Serialize, Deserialize)]
enum Node {
    Unit,
    Bool(bool),
    U64(u64),
    S64(i64),
    Str(String),
    Bytes(Vec<u8>),
    List(u32),
    Tuple(u32),
    None,
    Some,
    Ok,
    Err,
    Case(u32),
    Flags(u64),
    Own(u32),
    Borrow(u32),
}

/// A [`Node`] borrowing its bytes and text from the value it is written
/// from: the same encoding, without copying them.
#[derive(Serialize)]
enum NodeRef<'a> {
    Unit,
    Bool(bool),
    U64(u64),
    S64(i64),
    Str(&'a str),
    Bytes(#[serde(with = "serde_bytes_ref")] &'a [u8]),
    List(u32),
    Tuple(u32),
    None,
    Some,
    Ok,
    Err,
    Case(u32),
    Flags(u64),
    Own(u32),
    Borrow(u32),
}

/// A byte slice as postcard's bytes: a length, then the bytes, which is
/// how it writes a `Vec<u8>` too, so [`Node::Bytes`] reads it back.
mod serde_bytes_ref {
    pub fn serialize<S: serde::Serializer>(bytes: &&[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }
}

impl Saved {
    /// The value's nodes in preorder, borrowed; `None` for a list of over
    /// 2^32 values.
    fn nodes(&self) -> Option<Vec<NodeRef<'_>>> {
        let count = |items: &[Saved]| u32::try_from(items.len()).ok();
        let mut nodes = Vec::new();
        let mut todo = vec![self];
        while let Some(value) = todo.pop() {
            let node = match value {
                Saved::Unit => NodeRef::Unit,
                Saved::Bool(b) => NodeRef::Bool(*b),
                Saved::U64(n) => NodeRef::U64(*n),
                Saved::S64(n) => NodeRef::S64(*n),
                Saved::Str(s) => NodeRef::Str(s),
                Saved::Bytes(b) => NodeRef::Bytes(b),
                Saved::List(items) => {
                    todo.extend(items.iter().rev());
                    NodeRef::List(count(items)?)
                }
                Saved::Tuple(items) => {
                    todo.extend(items.iter().rev());
                    NodeRef::Tuple(count(items)?)
                }
                Saved::None => NodeRef::None,
                Saved::Some(v) => {
                    todo.push(v);
                    NodeRef::Some
                }
                Saved::Ok(v) => {
                    todo.push(v);
                    NodeRef::Ok
                }
                Saved::Err(v) => {
                    todo.push(v);
                    NodeRef::Err
                }
                Saved::Case(i, v) => {
                    todo.push(v);
                    NodeRef::Case(*i)
                }
                Saved::Flags(f) => NodeRef::Flags(*f),
                Saved::Own(r) => NodeRef::Own(*r),
                Saved::Borrow(r) => NodeRef::Borrow(*r),
            };
            nodes.push(node);
        }
        Some(nodes)
    }
}

impl Saved {
    /// How many nodes the value has, when it is at most [`MAX_DEPTH`] deep
    /// and no list holds over 2^32 values (else `None`).
    fn node_count(&self, depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        let children = |items: &[Saved]| -> Option<usize> {
            u32::try_from(items.len()).ok()?;
            items
                .iter()
                .try_fold(1usize, |n, item| Some(n + item.node_count(depth + 1)?))
        };
        match self {
            Saved::List(items) | Saved::Tuple(items) => children(items),
            Saved::Some(v) | Saved::Ok(v) | Saved::Err(v) | Saved::Case(_, v) => {
                Some(1 + v.node_count(depth + 1)?)
            }
            _ => Some(1),
        }
    }

    /// Writes the value's nodes in preorder as elements of `seq` (what
    /// [`Saved::nodes`] lists), recursing at most [`MAX_DEPTH`] deep
    /// ([`Saved::node_count`] checked that).
    fn write_nodes<S: serde::ser::SerializeSeq>(&self, seq: &mut S) -> Result<(), S::Error> {
        let len = |items: &[Saved]| u32::try_from(items.len()).unwrap_or(u32::MAX);
        let (node, children): (NodeRef<'_>, &[Saved]) = match self {
            Saved::Unit => (NodeRef::Unit, &[]),
            Saved::Bool(b) => (NodeRef::Bool(*b), &[]),
            Saved::U64(n) => (NodeRef::U64(*n), &[]),
            Saved::S64(n) => (NodeRef::S64(*n), &[]),
            Saved::Str(s) => (NodeRef::Str(s), &[]),
            Saved::Bytes(b) => (NodeRef::Bytes(b), &[]),
            Saved::List(items) => (NodeRef::List(len(items)), items),
            Saved::Tuple(items) => (NodeRef::Tuple(len(items)), items),
            Saved::None => (NodeRef::None, &[]),
            Saved::Some(v) => (NodeRef::Some, std::slice::from_ref(&**v)),
            Saved::Ok(v) => (NodeRef::Ok, std::slice::from_ref(&**v)),
            Saved::Err(v) => (NodeRef::Err, std::slice::from_ref(&**v)),
            Saved::Case(i, v) => (NodeRef::Case(*i), std::slice::from_ref(&**v)),
            Saved::Flags(f) => (NodeRef::Flags(*f), &[]),
            Saved::Own(r) => (NodeRef::Own(*r), &[]),
            Saved::Borrow(r) => (NodeRef::Borrow(*r), &[]),
        };
        seq.serialize_element(&node)?;
        children.iter().try_for_each(|child| child.write_nodes(seq))
    }
}

impl Serialize for Saved {
    /// The nodes in preorder, as a sequence: written straight from the
    /// value when it is shallow (every value a host call makes), else
    /// listed first ([`Saved::nodes`]); the bytes are the same.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        if let Some(count) = self.node_count(0) {
            let mut seq = serializer.serialize_seq(Some(count))?;
            self.write_nodes(&mut seq)?;
            return seq.end();
        }
        match self.nodes() {
            Some(nodes) => nodes.serialize(serializer),
            None => Err(serde::ser::Error::custom("a list of over 2^32 values")),
        }
    }
}

impl<'de> Deserialize<'de> for Saved {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Saved, D::Error> {
        use serde::de::Error;
        let nodes = Vec::<Node>::deserialize(deserializer)?;
        let mut nodes = nodes.into_iter();
        let value = build(&mut nodes).map_err(D::Error::custom)?;
        match nodes.next() {
            None => Ok(value),
            Some(_) => Err(D::Error::custom("nodes left over after a value")),
        }
    }
}

/// A container being filled while a value is read: its kind, the children
/// it still needs, those it has.
struct Open {
    node: Node,
    wanted: usize,
    children: Vec<Saved>,
}

/// The value the preorder `nodes` start with, built with an explicit stack.
fn build(nodes: &mut impl Iterator<Item = Node>) -> Result<Saved, String> {
    let mut stack: Vec<Open> = Vec::new();
    loop {
        let node = nodes.next().ok_or("a value's nodes end early")?;
        let wanted = match node {
            Node::List(n) | Node::Tuple(n) => n as usize,
            Node::Some | Node::Ok | Node::Err | Node::Case(_) => 1,
            _ => 0,
        };
        let mut done = if wanted == 0 {
            close(node, Vec::new())
        } else {
            if stack.len() >= MAX_DEPTH {
                return Err(format!("a value nested over {MAX_DEPTH} levels deep"));
            }
            stack.push(Open {
                node,
                wanted,
                children: Vec::new(),
            });
            continue;
        };
        // Hand the finished value to its container, closing each one that
        // is then full.
        loop {
            let Some(open) = stack.last_mut() else {
                return Ok(done);
            };
            open.children.push(done);
            if open.children.len() < open.wanted {
                break;
            }
            let open = stack.pop().ok_or("a value's nodes do not nest")?;
            done = close(open.node, open.children);
        }
    }
}

/// A node with its children as a value.
fn close(node: Node, mut children: Vec<Saved>) -> Saved {
    let mut one = || Box::new(children.pop().unwrap_or(Saved::Unit));
    match node {
        Node::Unit => Saved::Unit,
        Node::Bool(b) => Saved::Bool(b),
        Node::U64(n) => Saved::U64(n),
        Node::S64(n) => Saved::S64(n),
        Node::Str(s) => Saved::Str(s),
        Node::Bytes(b) => Saved::Bytes(b),
        Node::None => Saved::None,
        Node::Some => Saved::Some(one()),
        Node::Ok => Saved::Ok(one()),
        Node::Err => Saved::Err(one()),
        Node::Case(i) => Saved::Case(i, one()),
        Node::Flags(f) => Saved::Flags(f),
        Node::Own(r) => Saved::Own(r),
        Node::Borrow(r) => Saved::Borrow(r),
        Node::List(_) => Saved::List(children),
        Node::Tuple(_) => Saved::Tuple(children),
    }
}

/// A type a trace can keep: to and from [`Saved`].
pub(crate) trait Save: Sized {
    /// The value as saved.
    fn save(&self) -> Saved;
    /// The value back; `None` when `saved` does not have this type's shape
    /// (a trace that does not belong to this call).
    fn load(saved: &Saved) -> Option<Self>;
    /// A list of these (`list<u8>` overrides it: bytes, not a list of
    /// numbers).
    fn save_list(items: &[Self]) -> Saved {
        Saved::List(items.iter().map(Save::save).collect())
    }
    /// A list back.
    fn load_list(saved: &Saved) -> Option<Vec<Self>> {
        match saved {
            Saved::List(items) => items.iter().map(Self::load).collect(),
            _ => None,
        }
    }
}

/// A value kept as it was recorded (a result decoded by hand).
impl Save for Saved {
    fn save(&self) -> Saved {
        self.clone()
    }
    fn load(saved: &Saved) -> Option<Saved> {
        Some(saved.clone())
    }
}

impl Save for () {
    fn save(&self) -> Saved {
        Saved::Unit
    }
    fn load(saved: &Saved) -> Option<()> {
        matches!(saved, Saved::Unit).then_some(())
    }
}

impl Save for bool {
    fn save(&self) -> Saved {
        Saved::Bool(*self)
    }
    fn load(saved: &Saved) -> Option<bool> {
        match saved {
            Saved::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Save for $t {
            fn save(&self) -> Saved {
                Saved::U64(u64::from(*self))
            }
            fn load(saved: &Saved) -> Option<$t> {
                match saved {
                    Saved::U64(n) => <$t>::try_from(*n).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
unsigned!(u16, u32, u64);

impl Save for u8 {
    fn save(&self) -> Saved {
        Saved::U64(u64::from(*self))
    }
    fn load(saved: &Saved) -> Option<u8> {
        match saved {
            Saved::U64(n) => u8::try_from(*n).ok(),
            _ => None,
        }
    }
    fn save_list(items: &[u8]) -> Saved {
        Saved::Bytes(items.to_vec())
    }
    fn load_list(saved: &Saved) -> Option<Vec<u8>> {
        match saved {
            Saved::Bytes(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl Save for i32 {
    fn save(&self) -> Saved {
        Saved::S64(i64::from(*self))
    }
    fn load(saved: &Saved) -> Option<i32> {
        match saved {
            Saved::S64(n) => i32::try_from(*n).ok(),
            _ => None,
        }
    }
}

impl Save for String {
    fn save(&self) -> Saved {
        Saved::Str(self.clone())
    }
    fn load(saved: &Saved) -> Option<String> {
        match saved {
            Saved::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: Save> Save for Vec<T> {
    fn save(&self) -> Saved {
        T::save_list(self)
    }
    fn load(saved: &Saved) -> Option<Vec<T>> {
        T::load_list(saved)
    }
}

impl<T: Save> Save for Option<T> {
    fn save(&self) -> Saved {
        match self {
            None => Saved::None,
            Some(v) => Saved::Some(Box::new(v.save())),
        }
    }
    fn load(saved: &Saved) -> Option<Option<T>> {
        match saved {
            Saved::None => Some(None),
            Saved::Some(v) => Some(Some(T::load(v)?)),
            _ => None,
        }
    }
}

impl<T: Save, E: Save> Save for Result<T, E> {
    fn save(&self) -> Saved {
        match self {
            Ok(v) => Saved::Ok(Box::new(v.save())),
            Err(e) => Saved::Err(Box::new(e.save())),
        }
    }
    fn load(saved: &Saved) -> Option<Result<T, E>> {
        match saved {
            Saved::Ok(v) => Some(Ok(T::load(v)?)),
            Saved::Err(e) => Some(Err(E::load(e)?)),
            _ => None,
        }
    }
}

macro_rules! tuple {
    ($($name:ident $index:tt),*) => {
        impl<$($name: Save),*> Save for ($($name,)*) {
            fn save(&self) -> Saved {
                Saved::Tuple(vec![$(self.$index.save()),*])
            }
            fn load(saved: &Saved) -> Option<Self> {
                match saved {
                    Saved::Tuple(items) if items.len() == [$($index),*].len() => {
                        Some(($($name::load(&items[$index])?,)*))
                    }
                    _ => None,
                }
            }
        }
    };
}
tuple!(A 0);
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// A resource handle: its `rep` and whether it is owned. A loaded handle
/// names the same `rep` with no host object behind it: a replay never
/// touches the host's table.
impl<T: 'static> Save for Resource<T> {
    fn save(&self) -> Saved {
        if self.owned() {
            Saved::Own(self.rep())
        } else {
            Saved::Borrow(self.rep())
        }
    }
    fn load(saved: &Saved) -> Option<Resource<T>> {
        match saved {
            Saved::Own(rep) => Some(Resource::new_own(*rep)),
            Saved::Borrow(rep) => Some(Resource::new_borrow(*rep)),
            _ => None,
        }
    }
}

/// [`Save`] for a WIT record: `record!(Type { field, ... })`, fields in
/// their declared order.
macro_rules! record {
    ($t:ty { $($field:ident),* $(,)? }) => {
        impl $crate::debugger::record::p2::saved::Save for $t {
            fn save(&self) -> Saved {
                Saved::Tuple(vec![$(self.$field.save()),*])
            }
            fn load(saved: &Saved) -> Option<Self> {
                let Saved::Tuple(items) = saved else {
                    return None;
                };
                let mut items = items.iter();
                let value = Self {
                    $($field: Save::load(items.next()?)?,)*
                };
                items.next().is_none().then_some(value)
            }
        }
    };
}

/// [`Save`] for a WIT enum or variant: `variant!(Type { Case, Case(payload) })`,
/// cases in their declared order. Saving matches every case without a
/// wildcard: a case a new wasmtime-wasi adds fails to compile here.
macro_rules! variant {
    ($t:ident { $($case:ident $(($payload:ty))?),* $(,)? }) => {
        impl $crate::debugger::record::p2::saved::Save for $t {
            fn save(&self) -> Saved {
                const CASES: &[&str] = &[$(stringify!($case)),*];
                let index = |case: &str| CASES.iter().position(|c| *c == case).unwrap_or(0) as u32;
                match self {
                    $(variant!(@pattern $t, $case, value $(, $payload)?) => Saved::Case(
                        index(stringify!($case)),
                        Box::new(variant!(@payload value $(, $payload)?)),
                    ),)*
                }
            }
            #[allow(unused_assignments)]
            fn load(saved: &Saved) -> Option<Self> {
                let Saved::Case(wanted, payload) = saved else {
                    return None;
                };
                let mut index = 0u32;
                $(
                    if index == *wanted {
                        return variant!(@load payload, $t, $case $(($payload))?);
                    }
                    index += 1;
                )*
                None
            }
        }
    };
    (@pattern $t:ident, $case:ident, $value:ident, $payload:ty) => { $t::$case($value) };
    (@pattern $t:ident, $case:ident, $value:ident) => { $t::$case };
    (@payload $value:ident, $payload:ty) => { $value.save() };
    (@payload $value:ident) => { Saved::Unit };
    (@load $payload:ident, $t:ident, $case:ident ($ty:ty)) => {
        Some($t::$case(<$ty as Save>::load($payload)?))
    };
    (@load $payload:ident, $t:ident, $case:ident) => {
        matches!(**$payload, Saved::Unit).then_some($t::$case)
    };
}

/// [`Save`] for a WIT flags type: `flags!(Type { FLAG, ... })`, flags in
/// their declared order (bit N is the N-th). The generated types cannot be
/// matched on, so a unit test checks that every flag a type has is listed
/// (a flag a new wasmtime-wasi adds fails that test instead of being
/// dropped).
macro_rules! flags {
    ($t:ident { $($flag:ident),* $(,)? }) => {
        #[cfg(test)]
        impl ListsAllFlags for $t {
            fn lists_all_flags() -> bool {
                ($t::empty() $(| $t::$flag)*) == $t::all()
            }
        }
        impl $crate::debugger::record::p2::saved::Save for $t {
            #[allow(unused_assignments)]
            fn save(&self) -> Saved {
                let mut bits = 0u64;
                let mut bit = 0u32;
                $(
                    if self.contains($t::$flag) {
                        bits |= 1 << bit;
                    }
                    bit += 1;
                )*
                Saved::Flags(bits)
            }
            #[allow(unused_assignments)]
            fn load(saved: &Saved) -> Option<Self> {
                let Saved::Flags(bits) = saved else {
                    return None;
                };
                let mut value = $t::empty();
                let mut bit = 0u32;
                $(
                    if bits & (1 << bit) != 0 {
                        value |= $t::$flag;
                    }
                    bit += 1;
                )*
                (*bits >> bit == 0).then_some(value)
            }
        }
    };
}

/// Whether a flags type's [`flags!`] line lists every flag it has.
#[cfg(test)]
trait ListsAllFlags {
    fn lists_all_flags() -> bool;
}

/// Whether every flags type is listed in full (see [`flags!`]).
#[cfg(test)]
const ALL_FLAGS_LISTED: fn() -> bool = wasi::all_flags_listed;

mod wasi {
    #[cfg(test)]
    use super::ListsAllFlags;
    use super::{Save, Saved};
    use wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime;
    use wasmtime_wasi::p2::bindings::filesystem::types::{
        Advice, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
        MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
    };

    record!(Datetime {
        seconds,
        nanoseconds
    });
    variant!(DescriptorType {
        Unknown,
        BlockDevice,
        CharacterDevice,
        Directory,
        Fifo,
        SymbolicLink,
        RegularFile,
        Socket,
    });
    flags!(DescriptorFlags {
        READ,
        WRITE,
        FILE_INTEGRITY_SYNC,
        DATA_INTEGRITY_SYNC,
        REQUESTED_WRITE_SYNC,
        MUTATE_DIRECTORY,
    });
    flags!(PathFlags { SYMLINK_FOLLOW });
    flags!(OpenFlags {
        CREATE,
        DIRECTORY,
        EXCLUSIVE,
        TRUNCATE,
    });
    record!(DescriptorStat {
        type_,
        link_count,
        size,
        data_access_timestamp,
        data_modification_timestamp,
        status_change_timestamp,
    });
    variant!(NewTimestamp {
        NoChange,
        Now,
        Timestamp(Datetime),
    });
    record!(DirectoryEntry { type_, name });
    variant!(ErrorCode {
        Access,
        WouldBlock,
        Already,
        BadDescriptor,
        Busy,
        Deadlock,
        Quota,
        Exist,
        FileTooLarge,
        IllegalByteSequence,
        InProgress,
        Interrupted,
        Invalid,
        Io,
        IsDirectory,
        Loop,
        TooManyLinks,
        MessageSize,
        NameTooLong,
        NoDevice,
        NoEntry,
        NoLock,
        InsufficientMemory,
        InsufficientSpace,
        NotDirectory,
        NotEmpty,
        NotRecoverable,
        Unsupported,
        NoTty,
        NoSuchDevice,
        Overflow,
        NotPermitted,
        Pipe,
        ReadOnly,
        InvalidSeek,
        TextFileBusy,
        CrossDevice,
    });
    variant!(Advice {
        Normal,
        Sequential,
        Random,
        WillNeed,
        DontNeed,
        NoReuse,
    });
    record!(MetadataHashValue { lower, upper });

    #[cfg(test)]
    pub(super) fn all_flags_listed() -> bool {
        DescriptorFlags::lists_all_flags()
            && PathFlags::lists_all_flags()
            && OpenFlags::lists_all_flags()
    }
}

/// `wasi:http/types`' values (wasmtime-wasi-http 48's bindings).
mod http {
    use super::{Save, Saved};
    use wasmtime_wasi_http::p2::bindings::http::types::{
        DnsErrorPayload, ErrorCode, FieldSizePayload, HeaderError, Method, Scheme,
        TlsAlertReceivedPayload,
    };

    variant!(Method {
        Get,
        Head,
        Post,
        Put,
        Delete,
        Connect,
        Options,
        Trace,
        Patch,
        Other(String),
    });
    variant!(Scheme {
        Http,
        Https,
        Other(String),
    });
    record!(DnsErrorPayload { rcode, info_code });
    record!(TlsAlertReceivedPayload {
        alert_id,
        alert_message
    });
    record!(FieldSizePayload {
        field_name,
        field_size
    });
    variant!(ErrorCode {
        DnsTimeout,
        DnsError(DnsErrorPayload),
        DestinationNotFound,
        DestinationUnavailable,
        DestinationIpProhibited,
        DestinationIpUnroutable,
        ConnectionRefused,
        ConnectionTerminated,
        ConnectionTimeout,
        ConnectionReadTimeout,
        ConnectionWriteTimeout,
        ConnectionLimitReached,
        TlsProtocolError,
        TlsCertificateError,
        TlsAlertReceived(TlsAlertReceivedPayload),
        HttpRequestDenied,
        HttpRequestLengthRequired,
        HttpRequestBodySize(Option<u64>),
        HttpRequestMethodInvalid,
        HttpRequestUriInvalid,
        HttpRequestUriTooLong,
        HttpRequestHeaderSectionSize(Option<u32>),
        HttpRequestHeaderSize(Option<FieldSizePayload>),
        HttpRequestTrailerSectionSize(Option<u32>),
        HttpRequestTrailerSize(FieldSizePayload),
        HttpResponseIncomplete,
        HttpResponseHeaderSectionSize(Option<u32>),
        HttpResponseHeaderSize(FieldSizePayload),
        HttpResponseBodySize(Option<u64>),
        HttpResponseTrailerSectionSize(Option<u32>),
        HttpResponseTrailerSize(FieldSizePayload),
        HttpResponseTransferCoding(Option<String>),
        HttpResponseContentCoding(Option<String>),
        HttpResponseTimeout,
        HttpUpgradeFailed,
        HttpProtocolError,
        LoopDetected,
        ConfigurationError,
        InternalError(Option<String>),
    });
    variant!(HeaderError {
        InvalidSyntax,
        Forbidden,
        Immutable,
    });
}

/// `wasi:sockets`' values (wasmtime-wasi 48's bindings).
mod sockets {
    use super::{Save, Saved};
    use wasmtime_wasi::p2::bindings::sockets::network::{
        ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress,
        Ipv6SocketAddress,
    };
    use wasmtime_wasi::p2::bindings::sockets::tcp::ShutdownType;
    use wasmtime_wasi::p2::bindings::sockets::udp::{IncomingDatagram, OutgoingDatagram};

    variant!(ErrorCode {
        Unknown,
        AccessDenied,
        NotSupported,
        InvalidArgument,
        OutOfMemory,
        Timeout,
        ConcurrencyConflict,
        NotInProgress,
        WouldBlock,
        InvalidState,
        NewSocketLimit,
        AddressNotBindable,
        AddressInUse,
        RemoteUnreachable,
        ConnectionRefused,
        ConnectionReset,
        ConnectionAborted,
        DatagramTooLarge,
        NameUnresolvable,
        TemporaryResolverFailure,
        PermanentResolverFailure,
    });
    variant!(IpAddressFamily { Ipv4, Ipv6 });
    variant!(IpAddress {
        Ipv4((u8, u8, u8, u8)),
        Ipv6((u16, u16, u16, u16, u16, u16, u16, u16)),
    });
    record!(Ipv4SocketAddress { port, address });
    record!(Ipv6SocketAddress {
        port,
        flow_info,
        address,
        scope_id
    });
    variant!(IpSocketAddress {
        Ipv4(Ipv4SocketAddress),
        Ipv6(Ipv6SocketAddress),
    });
    variant!(ShutdownType {
        Receive,
        Send,
        Both
    });
    record!(IncomingDatagram {
        data,
        remote_address
    });
    record!(OutgoingDatagram {
        data,
        remote_address
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime;
    use wasmtime_wasi::p2::bindings::filesystem::types::{
        DescriptorFlags, DescriptorStat, DescriptorType, ErrorCode, NewTimestamp,
    };

    /// `value` saved, checked to load back as a value that saves the same.
    fn round_trip<T: Save>(value: T) -> Saved {
        let saved = value.save();
        let back = T::load(&saved).expect("loads back");
        assert_eq!(back.save(), saved);
        saved
    }

    #[test]
    fn generated_types_round_trip_with_their_declared_positions() {
        let stat = DescriptorStat {
            type_: DescriptorType::RegularFile,
            link_count: 1,
            size: 12,
            data_access_timestamp: None,
            data_modification_timestamp: Some(Datetime {
                seconds: 5,
                nanoseconds: 6,
            }),
            status_change_timestamp: None,
        };
        assert_eq!(
            round_trip(stat),
            Saved::Tuple(vec![
                Saved::Case(6, Box::new(Saved::Unit)),
                Saved::U64(1),
                Saved::U64(12),
                Saved::None,
                Saved::Some(Box::new(Saved::Tuple(vec![Saved::U64(5), Saved::U64(6)]))),
                Saved::None,
            ])
        );
        assert_eq!(
            round_trip(DescriptorFlags::READ | DescriptorFlags::MUTATE_DIRECTORY),
            Saved::Flags(0b100001)
        );
        assert_eq!(
            round_trip(NewTimestamp::Timestamp(Datetime {
                seconds: 1,
                nanoseconds: 2
            })),
            Saved::Case(
                2,
                Box::new(Saved::Tuple(vec![Saved::U64(1), Saved::U64(2)]))
            )
        );
        assert_eq!(
            round_trip(ErrorCode::CrossDevice),
            Saved::Case(36, Box::new(Saved::Unit))
        );
        assert_eq!(round_trip(vec![1u8, 2, 3]), Saved::Bytes(vec![1, 2, 3]));
        round_trip((vec!["a".to_string()], Some(7u32), Ok::<u64, bool>(3)));
    }

    /// Values are written flat and read back without recursion: nesting
    /// past [`MAX_DEPTH`] and malformed node lists are errors, not a
    /// crash.
    #[test]
    fn values_round_trip_through_postcard_and_deep_nesting_is_refused() {
        let value = Saved::Tuple(vec![
            Saved::List(vec![]),
            Saved::Some(Box::new(Saved::Case(
                3,
                Box::new(Saved::Tuple(vec![
                    Saved::Bytes(b"ab".to_vec()),
                    Saved::Own(7),
                ])),
            ))),
            Saved::Err(Box::new(Saved::Flags(5))),
            Saved::Str("s".into()),
        ]);
        let bytes = postcard::to_stdvec(&value).unwrap();
        assert_eq!(postcard::from_bytes::<Saved>(&bytes).unwrap(), value);
        // Written straight from the value: the bytes of its node list.
        let listed = postcard::to_stdvec(&value.nodes().unwrap()).unwrap();
        assert_eq!(bytes, listed);

        let mut deep = Saved::Unit;
        for _ in 0..MAX_DEPTH {
            deep = Saved::Some(Box::new(deep));
        }
        let bytes = postcard::to_stdvec(&deep).unwrap();
        assert_eq!(postcard::from_bytes::<Saved>(&bytes).unwrap(), deep);
        // Past MAX_DEPTH it is written from its node list: the same form.
        let deeper_value = Saved::Some(Box::new(deep.clone()));
        assert_eq!(deeper_value.node_count(0), None);
        let deeper = postcard::to_stdvec(&deeper_value).unwrap();
        assert_eq!(
            deeper,
            postcard::to_stdvec(&deeper_value.nodes().unwrap()).unwrap()
        );
        let e = postcard::from_bytes::<Saved>(&deeper).unwrap_err();
        assert!(e.to_string().contains("Serde Deserialization Error"), "{e}");
        // A hundred thousand `some` nodes: refused, no stack overflow.
        let mut crafted = vec![];
        let n = 100_000u32;
        crafted.extend(postcard::to_stdvec(&n).unwrap());
        crafted.extend(std::iter::repeat_n(9u8, n as usize));
        assert!(postcard::from_bytes::<Saved>(&crafted).is_err());
        // Too few and too many nodes.
        let tuple_of_two = [1u8, 7, 2];
        assert!(postcard::from_bytes::<Saved>(&tuple_of_two).is_err());
        let two_values = [2u8, 0, 0];
        assert!(postcard::from_bytes::<Saved>(&two_values).is_err());
    }

    #[test]
    fn every_flag_of_the_generated_flags_types_is_listed() {
        assert!(ALL_FLAGS_LISTED());
    }

    #[test]
    fn values_of_another_shape_do_not_load() {
        assert_eq!(u8::load(&Saved::U64(256)), None);
        assert!(ErrorCode::load(&Saved::Case(37, Box::new(Saved::Unit))).is_none());
        assert!(DescriptorFlags::load(&Saved::Flags(1 << 6)).is_none());
        assert_eq!(<(u64, u64)>::load(&Saved::Tuple(vec![Saved::U64(1)])), None);
        assert_eq!(String::load(&Saved::Bytes(vec![])), None);
    }
}
