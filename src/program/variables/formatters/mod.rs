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
//!
//! The formatters are split by language — [`rust`] and [`libcxx`] — over
//! what they share ([`common`]); this module picks by the compilation
//! unit's language. All of them work over the [`Read`] interface, never
//! the reader itself.

mod common;
mod libcxx;
mod rust;

use crate::error::Error;
use gimli::{UnitOffset, constants as dw};

use super::read::{Language, Place, Read, Typed};
use crate::program::value::SourceValue;
pub(super) use common::{Common, Elements, Failure, Layout, MemberAt};
use libcxx::LibcxxFormatters;
use rust::RustFormatters;

/// The formatters, for any reader of values ([`Read`]): the reader's
/// `show` calls [`Formatters::format`] for a struct, and the formatters
/// call `show` for what a container holds.
pub(super) trait Formatters: RustFormatters + LibcxxFormatters {
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

    /// The elements of `t` when it is an indexable container (see
    /// [`Elements`]); `None` for any other value.
    fn elements(&mut self, t: &Typed) -> Result<Option<Elements>, Failure> {
        let Some(p) = self.peel(t.ty) else {
            return Ok(None);
        };
        if !matches!(p.tag, dw::DW_TAG_structure_type | dw::DW_TAG_class_type) {
            return Ok(None);
        }
        match self.language() {
            Language::Rust => self.rust_elements(t, p.offset),
            Language::Cpp => self.cpp_elements(t, p.offset),
            Language::Other => Ok(None),
        }
    }

    /// `*v` for a formatted value: a slice's or `Vec`'s elements as an
    /// array, a string as itself, an `Rc`'s or `Arc`'s value, what a libc++
    /// smart pointer or `std::optional` holds; `None` when `v` is none of
    /// these.
    fn deref_formatted(&mut self, v: &Typed) -> Result<Option<Typed>, Error> {
        let Some(p) = self.peel(v.ty) else {
            return Ok(None);
        };
        let held = match self.language() {
            Language::Rust => self.rust_deref(v, p.offset)?,
            Language::Cpp => self.cpp_deref(v, p.offset)?,
            Language::Other => None,
        };
        if held.is_some() {
            return Ok(held);
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
}

impl<T: Read + ?Sized> Formatters for T {}

#[cfg(test)]
mod tests;
