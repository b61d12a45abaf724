//! libc++'s containers and wrappers as its own pretty printers show them:
//! `std::string` as text, `std::vector` and `std::array` as sequences,
//! `std::map` and `std::unordered_map` by their entries, `std::shared_ptr`
//! with its counts, `std::unique_ptr` as a pointer, `std::optional`.

use crate::error::{Error, invalid};
use gimli::{UnitOffset, constants as dw};

use super::super::read::{Place, Read, Typed};
use super::common::{Common, Elements, Failure, Layout, WALK_STEPS, step};
use crate::program::value::SourceValue;

/// The formatters of libc++'s types.
pub(in crate::program::variables) trait LibcxxFormatters:
    Common
{
    /// libc++'s types: strings, `std::vector`, `std::array`, smart
    /// pointers, `std::optional`, `std::map`, `std::unordered_map`;
    /// `None` for any other type.
    fn format_cpp(
        &mut self,
        t: &Typed,
        ty: UnitOffset,
        depth: usize,
    ) -> Result<Option<SourceValue>, Failure> {
        let name = self.base_name(ty);
        Ok(Some(match name.as_str() {
            "basic_string" | "basic_string_view" => {
                let e = self.cpp_elements(t, ty)?.ok_or(Failure::Layout)?;
                self.text(e)?
            }
            "vector" => {
                let e = self.cpp_elements(t, ty)?.ok_or(Failure::Layout)?;
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

    /// The elements of `t`, of C++ class type `ty`, when it is an
    /// indexable libc++ container (`std::string`, `std::string_view`,
    /// `std::vector`, `std::array`); `None` for any other type.
    fn cpp_elements(&mut self, t: &Typed, ty: UnitOffset) -> Result<Option<Elements>, Failure> {
        let name = self.base_name(ty);
        match name.as_str() {
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
        }
    }

    /// `*v` for a libc++ smart pointer or `std::optional` of class type
    /// `ty`: what it holds; `None` for any other type.
    fn cpp_deref(&mut self, v: &Typed, ty: UnitOffset) -> Result<Option<Typed>, Error> {
        let name = self.base_name(ty);
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
        Ok(None)
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
}

impl<T: Read + ?Sized> LibcxxFormatters for T {}
