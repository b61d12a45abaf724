//! Data formatters: Rust's standard library types and libc++'s containers
//! shown as their authors think of them (`Vec(size=2) = {1, 2}`,
//! `"text"`, `Some(5)`, `Rc(strong=2, weak=0) = ...`), and the elements
//! of containers for `p v[1]`, `p xs.len` and `p *xs`.
//!
//! Each formatter knows one type's layout as its library lays it out and
//! checks it against DWARF: members are found by name in the type's DWARF
//! (through base classes and anonymous members), so a layout that differs
//! makes the formatter step aside and the raw structure is shown. The
//! shapes follow rust-gdb's providers (`src/etc/gdb_providers.py` in the
//! Rust repository): `Vec(size=N) = {...}`, `HashMap(size=N) = {[k] = v}`,
//! `Rc(strong=S, weak=W) = value`, `RefCell(borrow=N) = value`.
//!
//! Everything read from memory is untrusted: lengths are checked against
//! capacities and memory, walks of trees and lists are bounded by the
//! container's length and a step count, and a container that contradicts
//! itself is shown as [`SourceValue::Corrupted`] with the reason, the rest
//! of the enclosing value still shown. Written here rather than taken from
//! a library because no Rust library formats DWARF-described values: this
//! is the debugger itself.

use crate::error::{Error, invalid, not_found, unavailable};
use gimli::{AttributeValue, UnitOffset, constants as dw};

use super::read::{Language, Place, Read, Scalar, Typed, le_u64};
use crate::program::value::SourceValue;

/// How element `i` of a container is found.
#[derive(Clone, Copy, Debug)]
pub(super) enum Layout {
    /// Contiguous from this address.
    Contiguous(u64),
    /// A ring buffer (`VecDeque`): element `i` is slot `(head + i) % cap`
    /// of the buffer at `ptr`.
    Ring { ptr: u64, head: u64, cap: u64 },
}

/// The elements of an indexable container (a slice, `Vec`, `VecDeque`,
/// `String`, `&str`, `std::vector`, `std::array`, `std::string`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Elements {
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
const WALK_STEPS: u64 = 1 << 16;
/// Most hash table buckets scanned (a corrupted bucket mask claims
/// billions).
const MAX_BUCKETS: u64 = 1 << 24;

/// The formatters, for any reader of values ([`Read`]): the reader's
/// `show` calls [`Formatters::format`] for a struct, and the formatters
/// call `show` for what a container holds.
pub(super) trait Formatters: Read {
    /// The formatted view of struct value `t` of struct type `ty`, or
    /// `None` when no formatter knows the type (the raw structure is
    /// shown).
    ///
    /// # Errors
    /// Only what the raw structure's reading would also fail on; a
    /// formatter that cannot make sense of the value gives
    /// [`SourceValue::Corrupted`] or steps aside.
    fn format(
        &mut self,
        t: &Typed,
        ty: UnitOffset,
        depth: usize,
    ) -> Result<Option<SourceValue>, Error> {
        let result = match self.language() {
            Language::Rust => self.format_rust(t, ty, depth),
            Language::Cpp => self.format_cpp(t, ty, depth),
            Language::Other => Ok(None),
        };
        // A layout this formatter did not expect (a member missing): the
        // raw structure instead. A value that contradicts itself: marked.
        Ok(match result {
            Ok(v) => v,
            Err(Failure::Layout) => None,
            Err(Failure::Corrupted(why)) => Some(SourceValue::Corrupted(why)),
        })
    }

    /// The type's name up to its generic arguments (`Vec` for
    /// `Vec<i64, alloc::alloc::Global>`).
    fn base_name(&self, ty: UnitOffset) -> String {
        let name = self.name(ty).unwrap_or_default();
        match name.find('<') {
            Some(i) if !name.starts_with('(') && !name.starts_with('&') => name[..i].to_string(),
            _ => name,
        }
    }

    fn format_rust(
        &mut self,
        t: &Typed,
        ty: UnitOffset,
        depth: usize,
    ) -> Result<Option<SourceValue>, Failure> {
        if self.has_child(ty, dw::DW_TAG_variant_part) {
            return self.rust_enum(t, ty, depth).map(Some);
        }
        if self.raw() {
            return Ok(None);
        }
        let name = self.base_name(ty);
        Ok(Some(match name.as_str() {
            "String" | "&str" | "&mut str" | "PathBuf" | "OsString" | "Vec" | "VecDeque" => {
                let e = self.elements(t)?.ok_or(Failure::Layout)?;
                if e.text {
                    self.text(e)?
                } else {
                    self.sequence(&name, e, depth)
                }
            }
            n if n.starts_with("&[") || n.starts_with("&mut [") => {
                let e = self.elements(t)?.ok_or(Failure::Layout)?;
                self.sequence(n, e, depth)
            }
            "HashMap" | "HashSet" => self.hash_map(t, &name, depth)?,
            "BTreeMap" | "BTreeSet" => self.btree_map(t, &name, depth)?,
            "Rc" | "Arc" => {
                let inner = self.pointee_at(t, &["ptr"])?;
                let strong = self.count_at(&inner, &["strong"])?;
                let weak = self.count_at(&inner, &["weak"])?;
                let value = self.field(&inner, &[if name == "Rc" { "value" } else { "data" }])?;
                // The strong references together hold one weak reference.
                let weak = if strong > 0 { weak - 1 } else { weak };
                let value = if strong > 0 {
                    self.show_inner(&value, depth)
                } else {
                    // An `Rc` exists, so its count cannot be 0: the memory
                    // was freed and reused.
                    SourceValue::Corrupted(format!("{name} with a strong count of {strong}"))
                };
                SourceValue::Wrapper {
                    name,
                    facts: vec![("strong".into(), strong), ("weak".into(), weak)],
                    value: Box::new(value),
                }
            }
            "Weak" => {
                // `Weak::new()` points nowhere (address usize::MAX).
                let ptr = self.uint_at(t, &["ptr"])?;
                if ptr == u64::from(u32::MAX) {
                    return Ok(Some(SourceValue::Record {
                        name: "Weak".into(),
                        fields: Vec::new(),
                    }));
                }
                let inner = self.pointee_at(t, &["ptr"])?;
                let strong = self.count_at(&inner, &["strong"])?;
                let weak = self.count_at(&inner, &["weak"])?;
                let weak = if strong > 0 { weak - 1 } else { weak };
                let value = match self
                    .field(&inner, &["value"])
                    .or_else(|_| self.field(&inner, &["data"]))
                {
                    Ok(v) if strong > 0 => self.show_inner(&v, depth),
                    _ => SourceValue::Unavailable("dropped: no strong reference is left".into()),
                };
                SourceValue::Wrapper {
                    name,
                    facts: vec![("strong".into(), strong), ("weak".into(), weak)],
                    value: Box::new(value),
                }
            }
            "Cell" => {
                let value = self.field(t, &["value", "value"])?;
                self.wrapper(&name, Vec::new(), &value, depth)
            }
            "RefCell" => {
                let borrow = self.count_at(t, &["borrow"])?;
                let value = self.field(t, &["value", "value"])?;
                let fact = if borrow >= 0 {
                    ("borrow".to_string(), borrow)
                } else {
                    ("borrow_mut".to_string(), -borrow)
                };
                self.wrapper(&name, vec![fact], &value, depth)
            }
            "Ref" | "RefMut" => {
                let value = self.pointee_at(t, &["value"])?;
                self.wrapper(&name, Vec::new(), &value, depth)
            }
            _ => return Ok(None),
        }))
    }

    fn format_cpp(
        &mut self,
        t: &Typed,
        ty: UnitOffset,
        depth: usize,
    ) -> Result<Option<SourceValue>, Failure> {
        let name = self.base_name(ty);
        Ok(Some(match name.as_str() {
            "basic_string" | "basic_string_view" => {
                let e = self.elements(t)?.ok_or(Failure::Layout)?;
                self.text(e)?
            }
            "vector" => {
                let e = self.elements(t)?.ok_or(Failure::Layout)?;
                self.sequence("std::vector", e, depth)
            }
            "array" => {
                // Its one member, a C array, wherever it is (in memory or
                // in Wasm locals).
                let elems = self.field(t, &["__elems_"])?;
                match self.show(&elems, depth) {
                    Ok(SourceValue::Array { items, more }) => SourceValue::Sequence {
                        name: "std::array".into(),
                        len: items.len() as u64 + more,
                        items,
                        more,
                    },
                    _ => return Err(Failure::Layout),
                }
            }
            "unique_ptr" => {
                // As a reference: the address and what is there.
                let ptr = self.field(t, &["__ptr_", "__value_"])?;
                let address = self.uint(&ptr)?;
                let referent = if address == 0 {
                    None
                } else {
                    let value = self.pointee(&ptr)?;
                    Some(Box::new(self.show_inner(&value, depth)))
                };
                SourceValue::Pointer {
                    address,
                    string: None,
                    referent,
                }
            }
            "shared_ptr" => {
                let ptr = self.field(t, &["__ptr_"])?;
                let control = self.uint_at(t, &["__cntrl_"])?;
                if control == 0 {
                    return Ok(Some(self.show_inner(&ptr, depth)));
                }
                // libc++'s `__shared_weak_count` (declared only in DWARF:
                // libc++.a has no debug info): a vtable pointer, then
                // `__shared_owners_` and `__shared_weak_owners_`, each
                // stored as the count minus one, as libc++'s own pretty
                // printer reads them.
                let owners = self.read_word(control.saturating_add(4))?;
                let weak = self.read_word(control.saturating_add(8))?;
                let value = self.pointee(&ptr)?;
                SourceValue::Wrapper {
                    name: "std::shared_ptr".into(),
                    facts: vec![
                        ("count".into(), i128::from(owners as i32) + 1),
                        ("weak".into(), i128::from(weak as i32)),
                    ],
                    value: Box::new(self.show_inner(&value, depth)),
                }
            }
            "optional" => {
                let engaged = self.uint_at(t, &["__engaged_"])?;
                if engaged == 0 {
                    SourceValue::Record {
                        name: "std::nullopt".into(),
                        fields: Vec::new(),
                    }
                } else {
                    let value = self.field(t, &["__val_"])?;
                    self.wrapper("std::optional", Vec::new(), &value, depth)
                }
            }
            "map" => self.cpp_map(t, depth)?,
            "unordered_map" => self.cpp_unordered_map(t, depth)?,
            _ => return Ok(None),
        }))
    }

    /// The elements of `t` when it is an indexable container (see
    /// [`Elements`]); `None` for any other value.
    fn elements(&mut self, t: &Typed) -> Result<Option<Elements>, Failure> {
        let Some(p) = self.peel(t.ty) else {
            return Ok(None);
        };
        if !matches!(p.tag, dw::DW_TAG_structure_type | dw::DW_TAG_class_type) {
            return Ok(None);
        }
        let ty = p.offset;
        let name = self.base_name(ty);
        let slice = |this: &mut Self, text: bool| -> Result<Option<Elements>, Failure> {
            let ptr_field = this.field(t, &["data_ptr"])?;
            let ptr = this.uint(&ptr_field)?;
            let len = this.uint_at(t, &["length"])?;
            let elem = this.peel(ptr_field.ty).and_then(|p| this.type_of(p.offset));
            Ok(Some(Elements {
                elem: if text { None } else { elem },
                len,
                layout: Layout::Contiguous(ptr),
                text,
            }))
        };
        match self.language() {
            Language::Rust => match name.as_str() {
                "&str" | "&mut str" => slice(self, true),
                n if n.starts_with("&[") || n.starts_with("&mut [") => slice(self, false),
                "Vec" => {
                    let (ptr, len) = self.rust_vec(t)?;
                    Ok(Some(Elements {
                        elem: self.template_param(ty, "T"),
                        len,
                        layout: Layout::Contiguous(ptr),
                        text: false,
                    }))
                }
                "String" | "PathBuf" | "OsString" | "Buf" => {
                    // String { vec }, PathBuf { inner: OsString { inner:
                    // Buf { inner: Vec<u8> } } } on WASI.
                    let mut v = t.clone();
                    for _ in 0..4 {
                        let inner = match self.field(&v, &["vec"]) {
                            Ok(vec) => vec,
                            Err(_) => self.field(&v, &["inner"])?,
                        };
                        let inner_ty = self.peel(inner.ty).ok_or(Failure::Layout)?;
                        if self.base_name(inner_ty.offset) == "Vec" {
                            let (ptr, len) = self.rust_vec(&inner)?;
                            return Ok(Some(Elements {
                                elem: None,
                                len,
                                layout: Layout::Contiguous(ptr),
                                text: true,
                            }));
                        }
                        v = inner;
                    }
                    Err(Failure::Layout)
                }
                "VecDeque" => {
                    let head = self.uint_at(t, &["head"])?;
                    let len = self.uint_at(t, &["len"])?;
                    let buf = self.field(t, &["buf"])?;
                    let (ptr, cap) = self.raw_vec(&buf)?;
                    if len > cap || (cap > 0 && head >= cap) {
                        return Err(Failure::Corrupted(format!(
                            "VecDeque with head {head} and length {len} in a buffer of {cap}"
                        )));
                    }
                    Ok(Some(Elements {
                        elem: self.template_param(ty, "T"),
                        len,
                        layout: Layout::Ring { ptr, head, cap },
                        text: false,
                    }))
                }
                _ => Ok(None),
            },
            Language::Cpp => match name.as_str() {
                "basic_string" => {
                    let rep = self.field(t, &["__r_", "__value_"])?;
                    let long = self.uint_at(&rep, &["__s", "__is_long_"])? != 0;
                    let (ptr, len) = if long {
                        let ptr = self.uint_at(&rep, &["__l", "__data_"])?;
                        let len = self.uint_at(&rep, &["__l", "__size_"])?;
                        (ptr, len)
                    } else {
                        let data = self.field(&rep, &["__s", "__data_"])?;
                        let len = self.uint_at(&rep, &["__s", "__size_"])?;
                        let Place::Memory(ptr) = data.place else {
                            // A short string held outside memory (in a
                            // Wasm local): not indexable here.
                            return Err(Failure::Layout);
                        };
                        (ptr, len)
                    };
                    Ok(Some(Elements {
                        elem: None,
                        len,
                        layout: Layout::Contiguous(ptr),
                        text: true,
                    }))
                }
                "basic_string_view" => {
                    let data = self
                        .field(t, &["__data_"])
                        .or_else(|_| self.field(t, &["__data"]))?;
                    let len = self
                        .field(t, &["__size_"])
                        .or_else(|_| self.field(t, &["__size"]))?;
                    Ok(Some(Elements {
                        elem: None,
                        len: self.uint(&len)?,
                        layout: Layout::Contiguous(self.uint(&data)?),
                        text: true,
                    }))
                }
                "vector" => {
                    let begin = self.field(t, &["__begin_"])?;
                    let elem = self.peel(begin.ty).and_then(|p| self.type_of(p.offset));
                    let start = self.uint(&begin)?;
                    let end = self.uint_at(t, &["__end_"])?;
                    let size = self.size_of(elem).unwrap_or(1).max(1);
                    if end < start || (end - start) % size != 0 {
                        return Err(Failure::Corrupted(format!(
                            "std::vector from 0x{start:x} to 0x{end:x} (elements of {size} bytes)"
                        )));
                    }
                    Ok(Some(Elements {
                        elem,
                        len: (end - start) / size,
                        layout: Layout::Contiguous(start),
                        text: false,
                    }))
                }
                "array" => {
                    let elems = self.field(t, &["__elems_"])?;
                    let Place::Memory(at) = elems.place else {
                        return Err(Failure::Layout);
                    };
                    let array = self.peel(elems.ty).ok_or(Failure::Layout)?;
                    let len = self
                        .dimensions(array.offset)
                        .first()
                        .copied()
                        .flatten()
                        .unwrap_or(0);
                    Ok(Some(Elements {
                        elem: self.type_of(array.offset),
                        len,
                        layout: Layout::Contiguous(at),
                        text: false,
                    }))
                }
                _ => Ok(None),
            },
            Language::Other => Ok(None),
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

    /// `*v` for a formatted value: a slice's or `Vec`'s elements as an
    /// array, a string as itself, an `Rc`'s or `Arc`'s value; `None` when
    /// `v` is none of these.
    fn deref_formatted(&mut self, v: &Typed) -> Result<Option<Typed>, Error> {
        let Some(p) = self.peel(v.ty) else {
            return Ok(None);
        };
        let name = self.base_name(p.offset);
        if self.language() == Language::Cpp {
            let path: &[&str] = match name.as_str() {
                "unique_ptr" => &["__ptr_", "__value_"],
                "shared_ptr" => &["__ptr_"],
                _ => &[],
            };
            if !path.is_empty() {
                let target = self.pointee_at(v, path).map_err(Error::from)?;
                if matches!(target.place, Place::Memory(0)) {
                    return Err(invalid!("the std::{name} is null"));
                }
                return Ok(Some(target));
            }
            if name == "optional" {
                if self.uint_at(v, &["__engaged_"]).map_err(Error::from)? == 0 {
                    return Err(invalid!("the std::optional holds no value"));
                }
                return self.field(v, &["__val_"]).map(Some).map_err(Error::from);
            }
        }
        if self.language() == Language::Rust && matches!(name.as_str(), "Rc" | "Arc") {
            let inner = self
                .field(v, &["ptr"])
                .and_then(|ptr| self.pointee(&ptr))
                .map_err(Error::from)?;
            return self
                .field(&inner, &[if name == "Rc" { "value" } else { "data" }])
                .map(Some)
                .map_err(Error::from);
        }
        match self.elements(v).map_err(Error::from)? {
            Some(e) if e.text => Ok(Some(v.clone())),
            Some(Elements {
                elem,
                len,
                layout: Layout::Contiguous(at),
                ..
            }) => Ok(Some(Typed {
                ty: None,
                place: Place::Rows {
                    at: Box::new(Place::Memory(at)),
                    elem,
                    dims: vec![Some(len)],
                },
            })),
            _ => Ok(None),
        }
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

    /// A Rust enum with data (a `DW_TAG_variant_part`): its active variant
    /// as a record, `Some(5)`, `Shape::Circle {radius: 1.5}`.
    fn rust_enum(
        &mut self,
        t: &Typed,
        ty: UnitOffset,
        depth: usize,
    ) -> Result<SourceValue, Failure> {
        let (variant, value) = self.active_variant(t, ty)?;
        let enum_name = self.base_name(ty);
        let name = if matches!(enum_name.as_str(), "Option" | "Result") {
            variant
        } else {
            format!("{enum_name}::{variant}")
        };
        let mut fields = Vec::new();
        if let Some(p) = self.peel(value.ty) {
            for m in self.children(p.offset, dw::DW_TAG_member) {
                let field = self.name(m).unwrap_or_default();
                let v = match self.member(&value, m) {
                    Ok(v) => self.show_inner(&v, depth),
                    Err(why) => SourceValue::Unavailable(why.to_string()),
                };
                fields.push((field, v));
            }
        }
        Ok(SourceValue::Record { name, fields })
    }

    /// The active variant of a Rust enum value: its name and its value
    /// (typed as the variant's struct). DWARF's variant part names the
    /// discriminant member; each variant has its `DW_AT_discr_value`, and
    /// one without is the default (niche-encoded enums).
    fn active_variant(&mut self, t: &Typed, ty: UnitOffset) -> Result<(String, Typed), Failure> {
        let part = self
            .children(ty, dw::DW_TAG_variant_part)
            .into_iter()
            .next()
            .ok_or(Failure::Layout)?;
        let discr = match self.attr(part, dw::DW_AT_discr) {
            Some(AttributeValue::UnitRef(m)) => {
                let member = self.member(t, m).map_err(Failure::from)?;
                let size = self.size_of(member.ty).unwrap_or(4).clamp(1, 8);
                let bytes = self.bytes(&member, size).map_err(Failure::from)?;
                Some((le_u64(&bytes), size))
            }
            _ => None,
        };
        let mut default = None;
        let mut chosen = None;
        for variant in self.children(part, dw::DW_TAG_variant) {
            let Some(m) = self.children(variant, dw::DW_TAG_member).into_iter().next() else {
                continue;
            };
            match (self.attr(variant, dw::DW_AT_discr_value), discr) {
                (None, _) => default = Some(m),
                (Some(v), Some((d, size))) => {
                    let mask = if size >= 8 {
                        u64::MAX
                    } else {
                        (1u64 << (size * 8)) - 1
                    };
                    let want = v
                        .udata_value()
                        .or_else(|| v.sdata_value().map(|n| n as u64))
                        .unwrap_or(u64::MAX);
                    if want & mask == d & mask {
                        chosen = Some(m);
                        break;
                    }
                }
                (Some(_), None) => default = default.or(Some(m)),
            }
        }
        let m = chosen.or(default).ok_or_else(|| {
            Failure::Corrupted(format!(
                "{} with discriminant {} (no such variant)",
                self.base_name(ty),
                discr.map_or(0, |d| d.0)
            ))
        })?;
        let name = self.name(m).unwrap_or_default();
        let value = self.member(t, m).map_err(Failure::from)?;
        Ok((name, value))
    }

    /// A Rust `HashMap` or `HashSet` (hashbrown's `RawTable`): entries in
    /// bucket order, which is Rust's iteration order. A bucket `i` is full
    /// when its control byte's top bit is clear; its value is stored
    /// `(i + 1) * size_of::<T>()` bytes below the control bytes.
    fn hash_map(&mut self, t: &Typed, name: &str, depth: usize) -> Result<SourceValue, Failure> {
        let table = match name {
            "HashMap" => self.field(t, &["base", "table"])?,
            _ => self.field(t, &["base", "map", "table"])?,
        };
        let table_ty = self.peel(table.ty).ok_or(Failure::Layout)?;
        let pair = self
            .template_param(table_ty.offset, "T")
            .ok_or(Failure::Layout)?;
        let pair_size = self.size_of(Some(pair)).ok_or(Failure::Layout)?;
        let inner = self.field(&table, &["table"])?;
        let mask = self.uint_at(&inner, &["bucket_mask"])?;
        let ctrl = self.uint_at(&inner, &["ctrl"])?;
        let len = self.uint_at(&inner, &["items"])?;
        let buckets = mask.wrapping_add(1);
        if len > 0 && (!buckets.is_power_of_two() || len > buckets || buckets > MAX_BUCKETS) {
            return Err(Failure::Corrupted(format!(
                "{name} of {len} entries in {buckets} buckets"
            )));
        }
        let members = self.children(pair, dw::DW_TAG_member);
        let limit = self.max_elements().min(self.budget());
        let mut entries = Vec::new();
        let mut found = 0u64;
        let mut index = 0u64;
        while len > 0 && index < buckets && found < len && (entries.len() as u64) < limit {
            let chunk = (buckets - index).min(4096);
            let control = self
                .memory(ctrl.saturating_add(index), chunk)
                .map_err(|why| Failure::Corrupted(format!("{name} control bytes: {why}")))?;
            for (j, byte) in control.iter().enumerate() {
                if byte & 0x80 != 0 {
                    continue;
                }
                let i = index + j as u64;
                found += 1;
                let at = (i + 1)
                    .checked_mul(pair_size)
                    .and_then(|o| ctrl.checked_sub(o))
                    .ok_or_else(|| {
                        Failure::Corrupted(format!("{name} bucket {i} below address 0"))
                    })?;
                let entry = Typed {
                    ty: Some(pair),
                    place: Place::Memory(at),
                };
                let key = match members.first() {
                    Some(m) => self.member(&entry, *m).map(|k| self.show_inner(&k, depth)),
                    None => Err(not_found!("no key")),
                }
                .unwrap_or_else(|e| SourceValue::Unavailable(e.to_string()));
                let value = match members.get(1) {
                    Some(m) if name == "HashMap" => self
                        .member(&entry, *m)
                        .map(|v| self.show_inner(&v, depth))
                        .unwrap_or_else(|e| SourceValue::Unavailable(e.to_string())),
                    _ => SourceValue::TooDeep,
                };
                entries.push((key, value));
                if found >= len || entries.len() as u64 >= limit {
                    break;
                }
            }
            index += chunk;
        }
        if found < len && (entries.len() as u64) < limit {
            return Err(Failure::Corrupted(format!(
                "{name} of length {len} whose buckets hold {found}"
            )));
        }
        Ok(self.map_or_set(name, len, entries))
    }

    /// A Rust `BTreeMap` or `BTreeSet`: an in-order walk of its nodes.
    /// A `LeafNode<K, V>` has `len` keys and values; an internal node is
    /// the leaf followed by `len + 1` child pointers (`edges`), at the
    /// leaf's size rounded up to a pointer's alignment.
    fn btree_map(&mut self, t: &Typed, name: &str, depth: usize) -> Result<SourceValue, Failure> {
        let map = if name == "BTreeSet" {
            self.field(t, &["map"])?
        } else {
            t.clone()
        };
        let len = self.uint_at(&map, &["length"])?;
        let root = self.field(&map, &["root"])?;
        let root_ty = self.peel(root.ty).ok_or(Failure::Layout)?;
        let (variant, some) = self.active_variant(&root, root_ty.offset)?;
        if variant != "Some" {
            return Ok(self.map_or_set(name, len, Vec::new()));
        }
        let node_ref = self.field(&some, &["__0"])?;
        let height = self.uint_at(&node_ref, &["height"])?;
        let node_field = self.field(&node_ref, &["node"])?;
        let node = self.uint(&node_field)?;
        let leaf = self.pointee_type(&node_field).ok_or(Failure::Layout)?;
        let offset =
            |this: &Self, member: &str| this.member_offset(leaf, member).ok_or(Failure::Layout);
        let walk = Walk {
            keys: offset(self, "keys")?,
            vals: offset(self, "vals")?,
            len: offset(self, "len")?,
            key_ty: self.template_param(leaf, "K"),
            val_ty: self.template_param(leaf, "V"),
            edges: self
                .size_of(Some(leaf))
                .ok_or(Failure::Layout)?
                .next_multiple_of(4),
            set: name == "BTreeSet",
        };
        if height > 32 {
            return Err(Failure::Corrupted(format!("{name} of height {height}")));
        }
        let mut entries = Vec::new();
        let mut steps = WALK_STEPS;
        let limit = self.max_elements().min(self.budget()).min(len);
        self.btree_walk(&walk, node, height, limit, depth, &mut steps, &mut entries)?;
        if (entries.len() as u64) < limit {
            return Err(Failure::Corrupted(format!(
                "{name} of length {len} whose nodes hold {}",
                entries.len()
            )));
        }
        Ok(self.map_or_set(name, len, entries))
    }

    #[allow(clippy::too_many_arguments)]
    fn btree_walk(
        &mut self,
        w: &Walk,
        node: u64,
        height: u64,
        limit: u64,
        depth: usize,
        steps: &mut u64,
        out: &mut Vec<(SourceValue, SourceValue)>,
    ) -> Result<(), Failure> {
        step(steps, "a B-tree walk")?;
        let n = self.read_u16(node.saturating_add(w.len))?;
        if n > 11 {
            return Err(Failure::Corrupted(format!(
                "a B-tree node at 0x{node:x} with {n} keys (at most 11)"
            )));
        }
        let key_size = self.size_of(w.key_ty).unwrap_or(0);
        let val_size = self.size_of(w.val_ty).unwrap_or(0);
        for i in 0..=n {
            if out.len() as u64 >= limit {
                return Ok(());
            }
            if height > 0 {
                let edge = self.read_word(node.saturating_add(w.edges).saturating_add(4 * i))?;
                self.btree_walk(w, edge, height - 1, limit, depth, steps, out)?;
            }
            if i == n || out.len() as u64 >= limit {
                continue;
            }
            let key = Typed {
                ty: w.key_ty,
                place: Place::Memory(
                    node.saturating_add(w.keys)
                        .saturating_add(i.saturating_mul(key_size)),
                ),
            };
            let key = self.show_inner(&key, depth);
            let value = if w.set {
                SourceValue::TooDeep
            } else {
                let v = Typed {
                    ty: w.val_ty,
                    place: Place::Memory(
                        node.saturating_add(w.vals)
                            .saturating_add(i.saturating_mul(val_size)),
                    ),
                };
                self.show_inner(&v, depth)
            };
            out.push((key, value));
        }
        Ok(())
    }

    /// A libc++ `std::map`: an in-order walk of its red-black tree from the
    /// leftmost node, the way libc++'s iterator steps.
    fn cpp_map(&mut self, t: &Typed, depth: usize) -> Result<SourceValue, Failure> {
        let tree = self.field(t, &["__tree_"])?;
        let len = self.uint_at(&tree, &["__pair3_", "__value_"])?;
        let end = match self.field(&tree, &["__pair1_", "__value_"])?.place {
            Place::Memory(a) => a,
            _ => return Err(Failure::Layout),
        };
        let (value_offset, value_ty) = self.cpp_node(&tree, "__tree_node", 16)?;
        // Node: __left_ (0), __right_ (4), __parent_ (8), __is_black_ (12);
        // the end node holds only __left_, the root.
        let mut node = self.read_word(end)?;
        let mut entries = Vec::new();
        let limit = self.max_elements().min(self.budget()).min(len);
        let mut steps = WALK_STEPS + limit * 64;
        if node != 0 {
            node = self.leftmost(node, &mut steps)?;
        }
        while node != 0 && node != end && (entries.len() as u64) < limit {
            entries.push(self.cpp_pair(node, value_offset, value_ty, depth)?);
            let right = self.read_word(node.saturating_add(4))?;
            if right != 0 {
                node = self.leftmost(right, &mut steps)?;
            } else {
                loop {
                    let parent = self.read_word(node.saturating_add(8))?;
                    step(&mut steps, "a std::map walk")?;
                    if parent == end || parent == 0 {
                        node = parent;
                        break;
                    }
                    // Up while `node` is its parent's right child.
                    if self.read_word(parent)? == node {
                        node = parent;
                        break;
                    }
                    node = parent;
                }
            }
        }
        if (entries.len() as u64) < limit {
            return Err(Failure::Corrupted(format!(
                "std::map of size {len} whose tree holds {}",
                entries.len()
            )));
        }
        Ok(self.map_or_set("std::map", len, entries))
    }

    /// The leftmost node of the `std::map` subtree at `node` (following
    /// `__left_`, at offset 0).
    fn leftmost(&mut self, mut node: u64, steps: &mut u64) -> Result<u64, Failure> {
        loop {
            let left = self.read_word(node)?;
            if left == 0 {
                return Ok(node);
            }
            node = left;
            step(steps, "a std::map walk")?;
        }
    }

    /// A libc++ `std::unordered_map`: its singly linked list of nodes from
    /// `__p1_`'s `__next_`.
    fn cpp_unordered_map(&mut self, t: &Typed, depth: usize) -> Result<SourceValue, Failure> {
        let table = self.field(t, &["__table_"])?;
        let len = self.uint_at(&table, &["__p2_", "__value_"])?;
        let first = self.uint_at(&table, &["__p1_", "__value_", "__next_"])?;
        let (value_offset, value_ty) = self.cpp_node(&table, "__hash_node", 8)?;
        let limit = self.max_elements().min(self.budget()).min(len);
        let mut entries = Vec::new();
        let mut node = first;
        let mut steps = WALK_STEPS;
        while node != 0 && (entries.len() as u64) < limit {
            step(&mut steps, "a std::unordered_map list")?;
            entries.push(self.cpp_pair(node, value_offset, value_ty, depth)?);
            node = self.read_word(node)?;
        }
        if (entries.len() as u64) < limit {
            return Err(Failure::Corrupted(format!(
                "std::unordered_map of size {len} whose list holds {}",
                entries.len()
            )));
        }
        Ok(self.map_or_set("std::unordered_map", len, entries))
    }

    /// Where a libc++ tree or hash node keeps its value: the `__value_`
    /// member of the node struct (`__tree_node` or `__hash_node`) whose
    /// `_Tp` is the container's value type, found in the unit; else
    /// `fallback` (its offset on wasm32). Also the value type.
    fn cpp_node(
        &mut self,
        container: &Typed,
        node: &str,
        fallback: u64,
    ) -> Result<(u64, Option<UnitOffset>), Failure> {
        let ty = self.peel(container.ty).ok_or(Failure::Layout)?;
        let value_ty = self
            .template_param(ty.offset, "_Tp")
            .ok_or(Failure::Layout)?;
        let prefix = format!("{node}<");
        let mut entries = self.unit().entries();
        while let Ok(Some(e)) = entries.next_dfs() {
            if e.tag() != dw::DW_TAG_structure_type && e.tag() != dw::DW_TAG_class_type {
                continue;
            }
            let offset = e.offset();
            if self.name(offset).is_some_and(|n| n.starts_with(&prefix))
                && self.template_param(offset, "_Tp") == Some(value_ty)
                && let Some(at) = self.member_offset(offset, "__value_")
            {
                return Ok((at, Some(value_ty)));
            }
        }
        Ok((fallback, Some(value_ty)))
    }

    /// The key and value of a libc++ map node at `node`: its
    /// `__value_type`'s `__cc_` pair's `first` and `second`.
    fn cpp_pair(
        &mut self,
        node: u64,
        value_offset: u64,
        value_ty: Option<UnitOffset>,
        depth: usize,
    ) -> Result<(SourceValue, SourceValue), Failure> {
        let value = Typed {
            ty: value_ty,
            place: Place::Memory(node.saturating_add(value_offset)),
        };
        let pair = self
            .field(&value, &["__cc_"])
            .or_else(|_| self.field(&value, &["__cc"]))?;
        let first = self.field(&pair, &["first"])?;
        let second = self.field(&pair, &["second"])?;
        Ok((
            self.show_inner(&first, depth),
            self.show_inner(&second, depth),
        ))
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

    /// A Rust `Vec`'s data pointer and length (checked against its
    /// capacity).
    fn rust_vec(&mut self, v: &Typed) -> Result<(u64, u64), Failure> {
        let len = self.uint_at(v, &["len"])?;
        let buf = self.field(v, &["buf"])?;
        let (ptr, cap) = self.raw_vec(&buf)?;
        let elem = self
            .peel(v.ty)
            .and_then(|p| self.template_param(p.offset, "T"));
        let zero_sized = elem.is_some() && self.size_of(elem) == Some(0);
        if len > cap && !zero_sized {
            return Err(Failure::Corrupted(format!(
                "Vec of length {len} with capacity {cap}"
            )));
        }
        Ok((ptr, len))
    }

    /// A `RawVec`'s pointer and capacity (Rust 1.84 and later:
    /// `RawVec { inner: RawVecInner { ptr, cap } }`; before, `RawVec { ptr,
    /// cap }`).
    fn raw_vec(&mut self, buf: &Typed) -> Result<(u64, u64), Failure> {
        let raw = self.field(buf, &["inner"]).unwrap_or_else(|_| buf.clone());
        let ptr = self.uint_at(&raw, &["ptr"])?;
        let cap = self.uint_at(&raw, &["cap"])?;
        Ok((ptr, cap))
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

impl<T: Read + ?Sized> Formatters for T {}

/// One step of a walk over a container's nodes, out of the budget
/// `steps`; none left: the walk does not end (a cycle in corrupted memory).
fn step(steps: &mut u64, what: &str) -> Result<(), Failure> {
    if *steps == 0 {
        return Err(Failure::Corrupted(format!(
            "{what} that does not end (a cycle?)"
        )));
    }
    *steps -= 1;
    Ok(())
}

/// Where a member was found by [`Reader::find_member`].
#[derive(Clone, Copy, Debug)]
pub(super) enum MemberAt {
    /// An ordinary member of this type.
    Plain(Option<UnitOffset>),
    /// A bit field: its DIE, and the byte offset of the struct that
    /// declares it.
    BitField(UnitOffset, u64),
}

/// What a B-tree walk needs to know of `LeafNode<K, V>`: byte offsets of
/// `keys`, `vals`, `len` and the internal node's `edges`; the key and
/// value types; whether it is a set (values not shown).
pub(super) struct Walk {
    keys: u64,
    vals: u64,
    len: u64,
    edges: u64,
    key_ty: Option<UnitOffset>,
    val_ty: Option<UnitOffset>,
    set: bool,
}

/// Why a formatter gave up.
#[derive(Debug)]
pub(super) enum Failure {
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
