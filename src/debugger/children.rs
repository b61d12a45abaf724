//! The children of a source value, fetched later and in pages
//! ([`Request::Children`]): a struct's members, a container's elements or
//! entries, what a reference or pointer points to, a wrapper's facts and
//! held value.
//!
//! A [`ValueRef`] names a value by the source expression that reads it in a
//! frame of a pause (then child positions, for values the expression
//! language cannot name): no value is held between requests, the pause id
//! refuses a stale handle, and a page past what one print reads is read
//! again with a larger element limit.

use super::protocol::{
    ChildName, Error, ErrorKind, FrameRef, PrintOptions, Request, Response, SourceValue,
    ValueChild, ValueRef,
};
use crate::debugger::protocol::InspectRequest;

/// Most elements read to serve one page: the reader's own value budget.
const MOST_ELEMENTS: u64 = 100_000;

/// One child before paging: its name, value and the expression that reads
/// it, when there is one.
type Child = (ChildName, SourceValue, Option<String>);

/// The children `v` shows when expanded, each with the source expression
/// that reads it from `expr` (none for map entries and a wrapper's facts);
/// `None` for a value without children. A raw pointer's target is not here:
/// it needs reading ([`children`] does that).
fn held_children(v: &SourceValue, expr: &str) -> Option<Vec<Child>> {
    let indexed = |items: &[SourceValue]| -> Vec<Child> {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let expr = Some(format!("({expr})[{i}]"));
                (ChildName::Index(i as u64), v.clone(), expr)
            })
            .collect()
    };
    let member = |name: &str| Some(format!("({expr}).{name}"));
    Some(match v {
        SourceValue::Struct(fields) => fields
            .iter()
            .map(|(n, v)| (ChildName::Field(n.clone()), v.clone(), member(n)))
            .collect(),
        SourceValue::Record { fields, .. } => fields
            .iter()
            .map(|(n, v)| {
                // Rust's positional fields are `__0`, `__1`, ...
                let name = n
                    .strip_prefix("__")
                    .and_then(|d| d.parse().ok())
                    .map_or_else(|| ChildName::Field(n.clone()), ChildName::Position);
                (name, v.clone(), member(n))
            })
            .collect(),
        SourceValue::Array { items, .. } | SourceValue::Sequence { items, .. } => indexed(items),
        SourceValue::Map { entries, .. } => entries
            .iter()
            .map(|(k, v)| (ChildName::Key(k.clone()), v.clone(), None))
            .collect(),
        SourceValue::Wrapper { facts, value, .. } => {
            let mut out: Vec<Child> = facts
                .iter()
                .map(|(k, n)| {
                    // A count (`len`, `capacity`): a wasm32 `usize`.
                    let fact = SourceValue::Int {
                        value: *n,
                        bytes: 4,
                    };
                    (ChildName::Fact(k.clone()), fact, None)
                })
                .collect();
            let held = Some(format!("*({expr})"));
            out.push((ChildName::Held, (**value).clone(), held));
            out
        }
        SourceValue::Pointer {
            referent: Some(r), ..
        } => vec![(ChildName::Target, (**r).clone(), Some(format!("*({expr})")))],
        _ => return None,
    })
}

/// How many children `v` has in all, counting those one print did not read
/// (a long container's elements past the element limit).
fn total(v: &SourceValue, held: usize) -> u64 {
    let held = held as u64;
    match v {
        SourceValue::Array { more, .. }
        | SourceValue::Sequence { more, .. }
        | SourceValue::Map { more, .. } => held.saturating_add(*more),
        _ => held,
    }
}

/// A pointer whose target is read only when it is expanded: not null, not
/// a string, not a reference (whose target is held).
fn is_raw_pointer(v: &SourceValue) -> bool {
    matches!(
        v,
        SourceValue::Pointer {
            address,
            string: None,
            referent: None,
        } if *address != 0
    )
}

/// Whether a value has children to fetch: held ones, or a raw pointer's
/// target when an expression reads the pointer (`has_expression`).
pub fn expandable(v: &SourceValue, has_expression: bool) -> bool {
    held_children(v, "").is_some_and(|kids| !kids.is_empty())
        || (has_expression && is_raw_pointer(v))
}

/// Serves [`Request::Children`] through `ask` (which sends a request to
/// the worker or core dump reader): the value is read again by its
/// expression, with an element limit that reaches the page, then followed
/// down its child positions; children `start..start + count` (all when
/// `count` is `None`), each with its own handle when it has children.
///
/// # Errors
/// As a response: the reading's own error (a stale frame, a variable gone
/// out of scope), an expression that reads a Wasm number (no children), a
/// child position past the value's children, a page that starts past the
/// 100,000 elements one page may read.
pub(crate) fn children(
    ask: &dyn Fn(Request) -> Response,
    value: &ValueRef,
    start: u64,
    count: Option<u64>,
) -> Response {
    page(ask, value, start, count).unwrap_or_else(Response::Error)
}

fn page(
    ask: &dyn Fn(Request) -> Response,
    value: &ValueRef,
    start: u64,
    count: Option<u64>,
) -> Result<Response, Error> {
    let end = count.map_or(MOST_ELEMENTS, |n| start.saturating_add(n));
    let deepest_step = value.path.iter().map(|s| s.saturating_add(1)).max();
    let elements = end
        .max(deepest_step.unwrap_or(0))
        .max(PrintOptions::default().elements.unwrap_or(0));
    if elements > MOST_ELEMENTS {
        return Err(invalid(format!(
            "cannot show children past {MOST_ELEMENTS}: one page reads at most {MOST_ELEMENTS} elements"
        )));
    }
    let print = PrintOptions {
        elements: Some(elements),
        ..PrintOptions::default()
    };
    let read = |expr: &str| -> Result<SourceValue, Error> {
        match ask(Request::Inspect(InspectRequest::Evaluate {
            frame: value.frame,
            expr: expr.to_string(),
            print,
            record: false,
        })) {
            Response::SourceValue(_, v) => Ok(v),
            Response::Number(_) => Err(invalid(format!(
                "{expr} is a Wasm value: it has no children"
            ))),
            Response::Error(e) => Err(e),
            other => Err(invalid(format!(
                "internal error: {expr} was answered with {other:?}"
            ))),
        }
    };
    let mut v = read(&value.expr)?;
    let mut expr = Some(value.expr.clone());
    for &step in &value.path {
        let kids = held_children(&v, expr.as_deref().unwrap_or_default()).unwrap_or_default();
        let Some((_, kid, kid_expr)) = usize::try_from(step).ok().and_then(|i| kids.get(i)) else {
            return Err(invalid(format!(
                "the value has no child {step}: it has {}",
                kids.len()
            )));
        };
        v = kid.clone();
        expr = kid_expr.clone();
    }
    let (kids, total) = match (
        held_children(&v, expr.as_deref().unwrap_or_default()),
        &expr,
    ) {
        (Some(kids), _) if !kids.is_empty() => {
            let total = total(&v, kids.len());
            (kids, total)
        }
        (_, Some(e)) if is_raw_pointer(&v) => {
            // What the pointer points to: its members when it has any, else
            // the one value.
            let target = format!("*({e})");
            let pointee = read(&target)?;
            match held_children(&pointee, &target) {
                Some(kids) if !kids.is_empty() => {
                    let total = total(&pointee, kids.len());
                    (kids, total)
                }
                _ => (vec![(ChildName::Target, pointee, Some(target))], 1),
            }
        }
        _ => (Vec::new(), 0),
    };
    let first = usize::try_from(start).unwrap_or(usize::MAX).min(kids.len());
    let last = usize::try_from(end).unwrap_or(usize::MAX).min(kids.len());
    let children = kids
        .into_iter()
        .enumerate()
        .skip(first)
        .take(last - first)
        .map(|(i, (name, kid, kid_expr))| {
            let handle = expandable(&kid, kid_expr.is_some()).then(|| match &kid_expr {
                Some(e) => ValueRef {
                    frame: value.frame,
                    expr: e.clone(),
                    path: Vec::new(),
                },
                None => {
                    let mut path = value.path.clone();
                    path.push(i as u64);
                    ValueRef {
                        frame: value.frame,
                        expr: value.expr.clone(),
                        path,
                    }
                }
            });
            ValueChild {
                name,
                value: kid,
                expr: kid_expr,
                children: handle,
            }
        })
        .collect();
    Ok(Response::Children { total, children })
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::Invalid, message)
}

/// A handle on the value `expr` reads in `frame`.
pub fn value_ref(frame: FrameRef, expr: &str) -> ValueRef {
    ValueRef {
        frame,
        expr: expr.to_string(),
        path: Vec::new(),
    }
}
