//! Rust's standard library types as rust-gdb's providers show them
//! (`src/etc/gdb_providers.py` in the Rust repository): `Vec(size=N) =
//! {...}`, `HashMap(size=N) = {[k] = v}`, `Rc(strong=S, weak=W) = value`,
//! `RefCell(borrow=N) = value`, enums by their active variant.

use crate::error::{Error, not_found};
use gimli::{AttributeValue, UnitOffset, constants as dw};

use super::super::read::{Place, Read, Typed, le_u64};
use super::common::{Common, Elements, Failure, Layout, WALK_STEPS, step};
use crate::program::value::SourceValue;

/// Most hash table buckets scanned (a corrupted bucket mask claims
/// billions).
const MAX_BUCKETS: u64 = 1 << 24;

/// The formatters of Rust's standard library types.
pub(in crate::program::variables) trait RustFormatters:
    Common
{
    /// Rust's standard library types: `Vec`, `String`, slices, maps and
    /// sets, `Rc`/`Arc`/`Weak`, `Cell`/`RefCell`, enums with variants;
    /// `None` for any other type.
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
                let e = self.rust_elements(t, ty)?.ok_or(Failure::Layout)?;
                if e.text {
                    self.text(e)?
                } else {
                    self.sequence(&name, e, depth)
                }
            }
            n if n.starts_with("&[") || n.starts_with("&mut [") => {
                let e = self.rust_elements(t, ty)?.ok_or(Failure::Layout)?;
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

    /// The elements of `t`, of Rust struct type `ty`, when it is an
    /// indexable container (a slice, `&str`, `Vec`, `String`, `PathBuf`,
    /// `OsString`, `VecDeque`); `None` for any other type.
    fn rust_elements(&mut self, t: &Typed, ty: UnitOffset) -> Result<Option<Elements>, Failure> {
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
        match name.as_str() {
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
        }
    }

    /// `*v` for an `Rc` or `Arc` of struct type `ty`: its value; `None`
    /// for any other type.
    fn rust_deref(&mut self, v: &Typed, ty: UnitOffset) -> Result<Option<Typed>, Error> {
        let name = self.base_name(ty);
        if matches!(name.as_str(), "Rc" | "Arc") {
            let inner = self
                .field(v, &["ptr"])
                .and_then(|ptr| self.pointee(&ptr))
                .map_err(Error::from)?;
            return self
                .field(&inner, &[if name == "Rc" { "value" } else { "data" }])
                .map(Some)
                .map_err(Error::from);
        }
        Ok(None)
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
}

impl<T: Read + ?Sized> RustFormatters for T {}

/// What a B-tree walk needs to know of `LeafNode<K, V>`: byte offsets of
/// `keys`, `vals`, `len` and the internal node's `edges`; the key and
/// value types; whether it is a set (values not shown).
pub(in crate::program::variables) struct Walk {
    keys: u64,
    vals: u64,
    len: u64,
    edges: u64,
    key_ty: Option<UnitOffset>,
    val_ty: Option<UnitOffset>,
    set: bool,
}
