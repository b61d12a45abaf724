//! What the data formatters share: the shape of an indexable container
//! ([`Elements`]), why a formatter gives up ([`Failure`]), and the
//! [`Common`] helpers every language's formatters use to find members by
//! name, read numbers and pointers, and show sequences, maps and wrappers.

use crate::error::{Error, invalid, unavailable};
use gimli::{UnitOffset, constants as dw};

use super::super::read::{Place, Read, Scalar, Typed, le_u64};
use crate::program::value::SourceValue;

/// How element `i` of a container is found.
#[derive(Clone, Copy, Debug)]
pub(in crate::program::variables) enum Layout {
    /// Contiguous from this address.
    Contiguous(u64),
    /// A ring buffer (`VecDeque`): element `i` is slot `(head + i) % cap`
    /// of the buffer at `ptr`.
    Ring { ptr: u64, head: u64, cap: u64 },
}

/// The elements of an indexable container (a slice, `Vec`, `VecDeque`,
/// `String`, `&str`, `std::vector`, `std::array`, `std::string`).
#[derive(Clone, Copy, Debug)]
pub(in crate::program::variables) struct Elements {
    /// The element type (`None`: bytes of a string).
    pub elem: Option<UnitOffset>,
    /// How many there are.
    pub len: u64,
    /// Where they are.
    pub layout: Layout,
    /// A string (shown as text, elements are bytes).
    pub text: bool,
}

/// Most nodes one tree or list walk visits beyond the entries it shows: a
/// cycle in a corrupted container ends here.
pub(in crate::program::variables) const WALK_STEPS: u64 = 1 << 16;

/// The helpers of every language's formatters, for any reader of values.
pub(in crate::program::variables) trait Common: Read {
    /// The type's name up to its generic arguments (`Vec` for
    /// `Vec<i64, alloc::alloc::Global>`).
    fn base_name(&self, ty: UnitOffset) -> String {
        let name = self.name(ty).unwrap_or_default();
        match name.find('<') {
            Some(i) if !name.starts_with('(') && !name.starts_with('&') => name[..i].to_string(),
            _ => name,
        }
    }

    /// Element `i` of a container (bounds checked).
    fn element(&mut self, e: &Elements, i: i64) -> Result<Typed, Error> {
        if i < 0 || i as u64 >= e.len {
            return Err(invalid!(
                "index {i} is out of bounds (the length is {})",
                e.len
            ));
        }
        let size = match e.elem {
            Some(_) => self
                .size_of(e.elem)
                .ok_or_else(|| invalid!("the element type has no size"))?,
            None => 1,
        };
        let slot = match e.layout {
            Layout::Contiguous(_) => i as u64,
            Layout::Ring { head, cap, .. } => (head + i as u64) % cap.max(1),
        };
        let base = match e.layout {
            Layout::Contiguous(at) | Layout::Ring { ptr: at, .. } => at,
        };
        let address = slot
            .checked_mul(size)
            .and_then(|o| base.checked_add(o))
            .ok_or_else(|| invalid!("element {i} is past the end of the address space"))?;
        Ok(Typed {
            ty: e
                .elem
                .or_else(|| self.base_type("u8"))
                .or_else(|| self.base_type("char")),
            place: Place::Memory(address),
        })
    }

    /// A string's text: its first `print elements` bytes.
    fn text(&mut self, e: Elements) -> Result<SourceValue, Failure> {
        let Layout::Contiguous(at) = e.layout else {
            return Err(Failure::Layout);
        };
        let shown = e.len.min(self.max_elements());
        let bytes = self.memory(at, shown).map_err(|why| {
            Failure::Corrupted(format!("a string of {} bytes at 0x{at:x}: {why}", e.len))
        })?;
        Ok(SourceValue::Str {
            bytes,
            more: e.len - shown,
        })
    }

    /// A container's first `print elements` elements.
    fn sequence(&mut self, name: &str, e: Elements, depth: usize) -> SourceValue {
        let shown = e.len.min(self.max_elements()).min(self.budget());
        let mut items = Vec::new();
        for i in 0..shown {
            match self.element(&e, i as i64) {
                Ok(item) => {
                    // The first element that cannot be read ends the list:
                    // a dangling pointer gives one marker, not 200.
                    let readable = match item.place {
                        Place::Memory(a) => self
                            .memory(a, self.size_of(item.ty).unwrap_or(1).clamp(1, 4096))
                            .map(|_| ())
                            .map_err(|why| unavailable!("element {i} at 0x{a:x}: {why}")),
                        _ => Ok(()),
                    };
                    if let Err(why) = readable {
                        items.push(SourceValue::Corrupted(why.to_string()));
                        break;
                    }
                    items.push(self.show_inner(&item, depth));
                }
                Err(why) => {
                    items.push(SourceValue::Corrupted(why.to_string()));
                    break;
                }
            }
        }
        let more = e.len - items.len() as u64;
        SourceValue::Sequence {
            name: name.to_string(),
            len: e.len,
            items,
            more,
        }
    }

    /// A nested value one level deeper; a failure to read it becomes its
    /// marker.
    fn show_inner(&mut self, t: &Typed, depth: usize) -> SourceValue {
        self.show(t, depth + 1)
            .unwrap_or_else(|e| SourceValue::Unavailable(e.to_string()))
    }

    fn wrapper(
        &mut self,
        name: &str,
        facts: Vec<(String, i128)>,
        value: &Typed,
        depth: usize,
    ) -> SourceValue {
        SourceValue::Wrapper {
            name: name.to_string(),
            facts,
            value: Box::new(self.show_inner(value, depth)),
        }
    }

    /// A map's entries, or a set's keys (its values are the
    /// [`SourceValue::TooDeep`] placeholder).
    fn map_or_set(
        &self,
        name: &str,
        len: u64,
        entries: Vec<(SourceValue, SourceValue)>,
    ) -> SourceValue {
        let more = len.saturating_sub(entries.len() as u64);
        if name.ends_with("Set") {
            SourceValue::Sequence {
                name: name.to_string(),
                len,
                items: entries.into_iter().map(|(k, _)| k).collect(),
                more,
            }
        } else {
            SourceValue::Map {
                name: name.to_string(),
                len,
                entries,
                more,
            }
        }
    }

    /// The value a pointer-like value (a pointer, or a struct wrapping one:
    /// `NonNull`, `Unique`) points to, typed.
    fn pointee(&mut self, v: &Typed) -> Result<Typed, Failure> {
        let ty = self.pointee_type(v).ok_or(Failure::Layout)?;
        let address = self.uint(v)?;
        Ok(Typed {
            ty: Some(ty),
            place: Place::Memory(address),
        })
    }

    /// The type a pointer-like value points to.
    fn pointee_type(&self, v: &Typed) -> Option<UnitOffset> {
        let mut ty = v.ty;
        for _ in 0..8 {
            let p = self.peel(ty)?;
            match p.tag {
                dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => {
                    return self.type_of(p.offset);
                }
                dw::DW_TAG_structure_type => {
                    let first = self
                        .children(p.offset, dw::DW_TAG_member)
                        .into_iter()
                        .next()?;
                    ty = self.type_of(first);
                }
                _ => return None,
            }
        }
        None
    }

    /// A number held by `v`, or by the first member of the first member of
    /// ... `v` (`Cell<usize>`, `AtomicUsize`, `NonNull<T>`, Rust's `Cap`):
    /// unsigned, pointers as addresses.
    fn uint(&mut self, v: &Typed) -> Result<u64, Failure> {
        Ok(self.signed(v)? as u64)
    }

    /// [`Self::uint`], signed as its type says.
    fn signed(&mut self, v: &Typed) -> Result<i128, Failure> {
        let mut v = v.clone();
        for _ in 0..8 {
            let Some(p) = self.peel(v.ty) else {
                return Err(Failure::Layout);
            };
            if matches!(p.tag, dw::DW_TAG_structure_type | dw::DW_TAG_class_type) {
                let first = self
                    .children(p.offset, dw::DW_TAG_member)
                    .into_iter()
                    .next()
                    .ok_or(Failure::Layout)?;
                v = self.member(&v, first).map_err(Failure::from)?;
                continue;
            }
            return match self.scalar(&v).map_err(Failure::from)? {
                Scalar::Int(n) => Ok(n),
                Scalar::Float(_) => Err(Failure::Layout),
            };
        }
        Err(Failure::Layout)
    }

    /// The number at member `path` of `v` ([`Self::uint`]).
    fn uint_at(&mut self, v: &Typed, path: &[&str]) -> Result<u64, Failure> {
        let f = self.field(v, path)?;
        self.uint(&f)
    }

    /// A reference count or borrow flag at member `path` of `v` (signed).
    fn count_at(&mut self, v: &Typed, path: &[&str]) -> Result<i128, Failure> {
        let f = self.field(v, path)?;
        self.signed(&f)
    }

    /// What the pointer at member `path` of `v` points to.
    fn pointee_at(&mut self, v: &Typed, path: &[&str]) -> Result<Typed, Failure> {
        let f = self.field(v, path)?;
        self.pointee(&f)
    }

    /// The member reached by `path` from `v`: each name found in the
    /// struct's members, its base classes' and its anonymous members'.
    fn field(&mut self, v: &Typed, path: &[&str]) -> Result<Typed, Failure> {
        let mut v = v.clone();
        for name in path {
            let ty = self.peel(v.ty).ok_or(Failure::Layout)?;
            let (offset, ty) = self
                .find_member(ty.offset, name, 0)
                .ok_or(Failure::Layout)?;
            match ty {
                MemberAt::Plain(offset_ty) => {
                    let len = self.size_of(offset_ty).unwrap_or(0);
                    v = Typed {
                        ty: offset_ty,
                        place: self
                            .offset_place(&v.place, offset, len)
                            .map_err(Failure::from)?,
                    };
                }
                MemberAt::BitField(m, base) => {
                    let holder = Typed {
                        ty: None,
                        place: self
                            .offset_place(&v.place, base, 16)
                            .map_err(Failure::from)?,
                    };
                    v = self.member(&holder, m).map_err(Failure::from)?;
                }
            }
        }
        Ok(v)
    }

    /// Where member `name` of struct type `ty` is: its byte offset from
    /// the start of `ty` and its type, searching base classes and
    /// anonymous struct and union members too.
    fn find_member(&self, ty: UnitOffset, name: &str, nesting: usize) -> Option<(u64, MemberAt)> {
        if nesting > 8 {
            return None;
        }
        let members = self.children(ty, dw::DW_TAG_member);
        for m in &members {
            if self.name(*m).as_deref() == Some(name) && !self.is_static(*m) {
                if self.attr(*m, dw::DW_AT_bit_size).is_some() {
                    return Some((0, MemberAt::BitField(*m, 0)));
                }
                let at = self.udata(*m, dw::DW_AT_data_member_location).unwrap_or(0);
                return Some((at, MemberAt::Plain(self.type_of(*m))));
            }
        }
        let mut nested: Vec<UnitOffset> = self.children(ty, dw::DW_TAG_inheritance);
        nested.extend(members.into_iter().filter(|m| self.name(*m).is_none()));
        for holder in nested {
            let at = self
                .udata(holder, dw::DW_AT_data_member_location)
                .unwrap_or(0);
            let inner = self.peel(self.type_of(holder))?;
            if let Some((offset, found)) = self.find_member(inner.offset, name, nesting + 1) {
                return Some(match found {
                    MemberAt::Plain(t) => (at.saturating_add(offset), MemberAt::Plain(t)),
                    MemberAt::BitField(m, base) => (
                        0,
                        MemberAt::BitField(m, base.saturating_add(at).saturating_add(offset)),
                    ),
                });
            }
        }
        None
    }

    /// The byte offset of member `name` in `ty` (not a bit field).
    fn member_offset(&self, ty: UnitOffset, name: &str) -> Option<u64> {
        match self.find_member(ty, name, 0)? {
            (at, MemberAt::Plain(_)) => Some(at),
            _ => None,
        }
    }

    /// The type argument `name` of a generic type (`T` of `Vec<T>`).
    fn template_param(&self, ty: UnitOffset, name: &str) -> Option<UnitOffset> {
        self.children(ty, dw::DW_TAG_template_type_parameter)
            .into_iter()
            .find(|p| self.name(*p).as_deref() == Some(name))
            .and_then(|p| self.type_of(p))
    }

    /// Whether type `ty` has a child DIE with `tag`.
    fn has_child(&self, ty: UnitOffset, tag: gimli::DwTag) -> bool {
        !self.children(ty, tag).is_empty()
    }

    /// A little-endian 32-bit word of memory (a wasm32 pointer or `usize`).
    fn read_word(&mut self, address: u64) -> Result<u64, Failure> {
        let b = self
            .memory(address, 4)
            .map_err(|why| Failure::Corrupted(format!("0x{address:x}: {why}")))?;
        Ok(le_u64(&b))
    }

    fn read_u16(&mut self, address: u64) -> Result<u64, Failure> {
        let b = self
            .memory(address, 2)
            .map_err(|why| Failure::Corrupted(format!("0x{address:x}: {why}")))?;
        Ok(le_u64(&b))
    }
}

impl<T: Read + ?Sized> Common for T {}

/// One step of a walk over a container's nodes, out of the budget
/// `steps`; none left: the walk does not end (a cycle in corrupted memory).
pub(in crate::program::variables) fn step(steps: &mut u64, what: &str) -> Result<(), Failure> {
    if *steps == 0 {
        return Err(Failure::Corrupted(format!(
            "{what} that does not end (a cycle?)"
        )));
    }
    *steps -= 1;
    Ok(())
}

/// Where a member was found by [`Common::find_member`].
#[derive(Clone, Copy, Debug)]
pub(in crate::program::variables) enum MemberAt {
    /// An ordinary member of this type.
    Plain(Option<UnitOffset>),
    /// A bit field: its DIE, and the byte offset of the struct that
    /// declares it.
    BitField(UnitOffset, u64),
}

/// Why a formatter gave up.
#[derive(Debug)]
pub(in crate::program::variables) enum Failure {
    /// The type is not laid out as the formatter expects (another library
    /// version): the raw structure is shown instead.
    Layout,
    /// The value contradicts itself or points outside memory: why.
    Corrupted(String),
}

impl From<Error> for Failure {
    /// A read that failed inside a formatter: the value is shown as
    /// corrupted, with the reader's message.
    fn from(e: Error) -> Failure {
        Failure::Corrupted(e.to_string())
    }
}

impl From<Failure> for Error {
    /// As an evaluation error: [`ErrorKind::Unavailable`] for a layout
    /// the formatter does not know, what contradicts itself in a corrupted one.
    ///
    /// [`ErrorKind::Unavailable`]: crate::error::ErrorKind::Unavailable
    fn from(f: Failure) -> Error {
        match f {
            Failure::Layout => {
                unavailable!("this value's layout is not the one its formatter knows")
            }
            Failure::Corrupted(why) => unavailable!("{why}"),
        }
    }
}
