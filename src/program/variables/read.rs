//! The reading interface between the DWARF variables reader and its data
//! formatters: where a value is ([`Place`]), a typed value ([`Typed`]),
//! and [`Read`], what a formatter may ask of the reader — DWARF facts of
//! the pc's compilation unit, bytes and members of values, the showing of
//! a nested value, and the limits of one print. The formatters are
//! written against this trait alone; the reader (the parent module)
//! implements it.

use gimli::{AttributeValue, UnitOffset};

use crate::error::Error;
use crate::program::dwarf::R;
use crate::program::value::SourceValue;

/// A compilation unit of the program's DWARF.
pub(super) type Unit<'a> = gimli::UnitRef<'a, R>;

/// Where a value is.
#[derive(Clone, Debug)]
pub(super) enum Place {
    /// Linear memory 0 at this address.
    Memory(u64),
    /// Held outside memory: its bytes (a Wasm local, a computed value).
    Bytes(Vec<u8>),
    /// No location at this pc.
    OptimizedOut,
    /// A number computed by an expression (no DWARF type).
    Scalar(Scalar),
    /// A row of a multi-dimensional array (`grid[1]`): where it is, its
    /// element type and its remaining dimensions.
    Rows {
        at: Box<Place>,
        elem: Option<UnitOffset>,
        dims: Vec<Option<u64>>,
    },
}

/// A typed value during evaluation.
#[derive(Clone, Debug)]
pub(super) struct Typed {
    pub(super) ty: Option<UnitOffset>,
    pub(super) place: Place,
}

/// The languages whose values are shown their own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Language {
    Rust,
    Cpp,
    Other,
}

/// A type with typedefs and qualifiers peeled off.
pub(super) struct Peeled {
    pub(super) tag: gimli::DwTag,
    pub(super) offset: UnitOffset,
}

/// A number computed by an expression, or read as one.
#[derive(Clone, Copy, Debug)]
pub(super) enum Scalar {
    Int(i128),
    Float(f64),
}

impl Scalar {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Scalar::Int(n) => n as f64,
            Scalar::Float(f) => f,
        }
    }
    pub(super) fn as_i128(self) -> i128 {
        match self {
            Scalar::Int(n) => n,
            Scalar::Float(f) => f as i128,
        }
    }
}

/// The little-endian number in `bytes` (at most 8 of them; fewer are
/// zero-extended).
pub(super) fn le_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

/// What a data formatter may ask of the value reader. Offsets are DIE
/// offsets in the pc's compilation unit ([`Read::unit`]).
pub(super) trait Read {
    /// The pc's compilation unit.
    fn unit(&self) -> Unit<'_>;
    /// Its source language (which formatters apply).
    fn language(&self) -> Language;
    /// Attribute `at` of the DIE at `offset`.
    fn attr(&self, offset: UnitOffset, at: gimli::DwAt) -> Option<AttributeValue<R>>;
    /// Attribute `at` of the DIE at `offset`, as an unsigned number.
    fn udata(&self, offset: UnitOffset, at: gimli::DwAt) -> Option<u64>;
    /// `DW_AT_name` of the DIE at `offset`.
    fn name(&self, offset: UnitOffset) -> Option<String>;
    /// `DW_AT_type` of the DIE at `offset`.
    fn type_of(&self, offset: UnitOffset) -> Option<UnitOffset>;
    /// The type with typedefs and qualifiers peeled off.
    fn peel(&self, ty: Option<UnitOffset>) -> Option<Peeled>;
    /// The type's size in bytes.
    fn size_of(&self, ty: Option<UnitOffset>) -> Option<u64>;
    /// The children of the DIE at `offset` with tag `tag`.
    fn children(&self, offset: UnitOffset, tag: gimli::DwTag) -> Vec<UnitOffset>;
    /// Whether member `m` is static (no storage in the value).
    fn is_static(&self, m: UnitOffset) -> bool;
    /// The unit's base type named `name`.
    fn base_type(&self, name: &str) -> Option<UnitOffset>;
    /// The first `len` bytes of the value.
    fn bytes(&mut self, t: &Typed, len: u64) -> Result<Vec<u8>, Error>;
    /// The value as a number (integers, floats, enums, pointers).
    fn scalar(&mut self, t: &Typed) -> Result<Scalar, Error>;
    /// The dimensions of array type `array` (`None`: unknown), outermost
    /// first.
    fn dimensions(&self, array: UnitOffset) -> Vec<Option<u64>>;
    /// The part of `place` at `offset`, `len` bytes long.
    fn offset_place(&self, place: &Place, offset: u64, len: u64) -> Result<Place, Error>;
    /// Member `m` (a `DW_TAG_member` of the value's type) of the value.
    fn member(&mut self, t: &Typed, m: UnitOffset) -> Result<Typed, Error>;
    /// `len` bytes of linear memory 0 at `address`.
    fn memory(&mut self, address: u64, len: u64) -> Result<Vec<u8>, Error>;
    /// The value shown at nesting `depth` (formatters included).
    fn show(&mut self, t: &Typed, depth: usize) -> Result<SourceValue, Error>;
    /// Most elements of one container shown (`print elements`).
    fn max_elements(&self) -> u64;
    /// Values this print may still read.
    fn budget(&self) -> u64;
    /// Whether the raw structure is asked for (`print/r`): no formatters.
    fn raw(&self) -> bool;
}
