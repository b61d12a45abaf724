//! A WASI 0.2 value as a trace keeps it: [`Saved`], and [`Save`], the
//! conversion of wasmtime-wasi's generated types to and from it.
//!
//! Why by hand: the types `wasmtime_wasi::p2::bindings` generates (records,
//! enums, variants, flags, resources) implement only the component model's
//! own traits, which need a store to lower into; a trace needs them as
//! data. Each type's conversion is one line of a macro below, naming its
//! fields or cases, so a changed type in a new wasmtime-wasi fails to
//! compile here instead of recording the wrong thing.

use serde::{Deserialize, Serialize};
use wasmtime::component::Resource;

/// A component-model value, as far as a trace needs it. Records and tuples
/// are [`Saved::Tuple`]s of their fields in order; enums and variants are
/// [`Saved::Case`]s (the case's index in the WIT declaration, then its
/// payload or [`Saved::Unit`]); flags are [`Saved::Flags`] (bit N: the N-th
/// flag as declared); a resource is its host-side `rep`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
/// cases in their declared order.
macro_rules! variant {
    ($t:ident { $($case:ident $(($payload:ty))?),* $(,)? }) => {
        impl $crate::debugger::record::p2::saved::Save for $t {
            #[allow(unused_assignments)]
            fn save(&self) -> Saved {
                let mut index = 0u32;
                $(
                    variant!(@save self, index, $t, $case $(($payload))?);
                    index += 1;
                )*
                unreachable!("every case of {} is listed", stringify!($t))
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
    (@save $self:ident, $index:ident, $t:ident, $case:ident ($payload:ty)) => {
        if let $t::$case(value) = $self {
            return Saved::Case($index, Box::new(value.save()));
        }
    };
    (@save $self:ident, $index:ident, $t:ident, $case:ident) => {
        if let $t::$case = $self {
            return Saved::Case($index, Box::new(Saved::Unit));
        }
    };
    (@load $payload:ident, $t:ident, $case:ident ($ty:ty)) => {
        Some($t::$case(<$ty as Save>::load($payload)?))
    };
    (@load $payload:ident, $t:ident, $case:ident) => {
        matches!(**$payload, Saved::Unit).then_some($t::$case)
    };
}

/// [`Save`] for a WIT flags type: `flags!(Type { FLAG, ... })`, flags in
/// their declared order (bit N is the N-th).
macro_rules! flags {
    ($t:ident { $($flag:ident),* $(,)? }) => {
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

mod wasi {
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

    #[test]
    fn values_of_another_shape_do_not_load() {
        assert_eq!(u8::load(&Saved::U64(256)), None);
        assert!(ErrorCode::load(&Saved::Case(37, Box::new(Saved::Unit))).is_none());
        assert!(DescriptorFlags::load(&Saved::Flags(1 << 6)).is_none());
        assert_eq!(<(u64, u64)>::load(&Saved::Tuple(vec![Saved::U64(1)])), None);
        assert_eq!(String::load(&Saved::Bytes(vec![])), None);
    }
}
