//! Whether an exception is caught: the exception handlers (`try_table`
//! catch clauses, and the legacy `try`'s `catch`/`catch_all`) around a pc,
//! read from the function's code. wasmtime reports a `throw` before it
//! searches for a handler; asking this of every frame on the stack tells a
//! throw that ends the program from one that is caught.

use super::ModuleInfo;

/// What the handlers of one function do with an exception passing through
/// a pc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// A handler around the pc catches it.
    Caught,
    /// No handler around the pc catches it: it leaves the function.
    Passes,
    /// Cannot be told: a handler for a specific tag when the exception's tag
    /// in this module is not known, a legacy `delegate`, or code that could
    /// not be read.
    Unknown,
}

/// One open block around the pc.
#[derive(Clone, Debug)]
enum Open {
    /// `block`, `loop`, `if`: no handler.
    Plain,
    /// `try_table` with its catch clauses (`Some(tag)` for `catch TAG` and
    /// `catch_ref TAG`, `None` for `catch_all` and `catch_all_ref`).
    TryTable(Vec<Option<u32>>),
    /// Legacy `try`: its `catch` clauses (as for `TryTable`, found after
    /// the pc), whether the pc is in a handler rather than the body, and
    /// whether it ends in `delegate`.
    Try {
        catches: Vec<Option<u32>>,
        in_handler: bool,
        delegates: bool,
    },
}

/// What the handlers around `pc` (the instruction that throws, or for a
/// caller's frame the call it waits on) in function `func` do with an
/// exception of tag `tag` (an index in this module's tag index space;
/// `None` when the exception's tag is not one of this module's).
pub fn handling(info: &ModuleInfo, func: u32, pc: usize, tag: Option<u32>) -> Handling {
    let Some(body) = info.func(func).and_then(|f| f.body.clone()) else {
        return Handling::Unknown;
    };
    let Some(bytes) = info.bytes().get(body.clone()) else {
        return Handling::Unknown;
    };
    let reader = wasmparser::BinaryReader::new(bytes, body.start);
    let Ok(mut ops) = wasmparser::FunctionBody::new(reader).get_operators_reader() else {
        return Handling::Unknown;
    };
    use wasmparser::{Catch, Operator as O};
    let mut stack: Vec<Open> = Vec::new();
    // From the pc on: the blocks open at the pc, and how many of them are
    // still open (the legacy `try`'s clauses come after its body).
    let mut around: Option<(Vec<Open>, usize)> = None;
    while !ops.eof() {
        let offset = ops.original_position();
        if offset == pc && around.is_none() {
            around = Some((stack.clone(), stack.len()));
        }
        let Ok(op) = ops.read() else {
            return Handling::Unknown;
        };
        // The top block, when it is one of those open at the pc.
        let top_is_around = matches!(&around, Some((_, live)) if stack.len() == *live && *live > 0);
        match op {
            O::Block { .. } | O::Loop { .. } | O::If { .. } => stack.push(Open::Plain),
            O::TryTable { try_table } => stack.push(Open::TryTable(
                try_table
                    .catches
                    .iter()
                    .map(|c| match c {
                        Catch::One { tag, .. } | Catch::OneRef { tag, .. } => Some(*tag),
                        Catch::All { .. } | Catch::AllRef { .. } => None,
                    })
                    .collect(),
            )),
            O::Try { .. } => stack.push(Open::Try {
                catches: Vec::new(),
                in_handler: false,
                delegates: false,
            }),
            O::Catch { .. } | O::CatchAll | O::Delegate { .. } => {
                let clause = match op {
                    O::Catch { tag_index } => Some(Some(tag_index)),
                    O::CatchAll => Some(None),
                    _ => None,
                };
                match (&mut around, top_is_around) {
                    // A clause of a try around the pc.
                    (Some((blocks, live)), true) => {
                        if let Open::Try {
                            catches, delegates, ..
                        } = &mut blocks[*live - 1]
                        {
                            match clause {
                                Some(c) => catches.push(c),
                                None => *delegates = true,
                            }
                        }
                    }
                    // Before the pc: the pc is in a handler or after.
                    (None, _) => {
                        if let Some(Open::Try { in_handler, .. }) = stack.last_mut() {
                            *in_handler = true;
                        }
                    }
                    _ => {}
                }
                if matches!(op, O::Delegate { .. }) {
                    stack.pop();
                }
            }
            // The function's own `end`: nothing is open.
            O::End if stack.is_empty() => break,
            O::End => {
                stack.pop();
            }
            _ => {}
        }
        if let Some((blocks, live)) = &mut around {
            *live = (*live).min(stack.len());
            if *live == 0 {
                return decide(blocks, tag);
            }
        }
    }
    match around {
        Some((blocks, _)) => decide(&blocks, tag),
        None => Handling::Unknown,
    }
}

/// The handlers of the blocks around the pc, innermost last.
fn decide(around: &[Open], tag: Option<u32>) -> Handling {
    let mut unknown = false;
    for open in around.iter().rev() {
        let (catches, usable) = match open {
            Open::Plain => continue,
            Open::TryTable(c) => (c, true),
            Open::Try {
                catches,
                in_handler,
                delegates,
            } => {
                if *delegates && !*in_handler {
                    unknown = true;
                }
                (catches, !*in_handler)
            }
        };
        if !usable {
            continue;
        }
        for c in catches {
            match (c, tag) {
                (None, _) => {
                    return if unknown {
                        Handling::Unknown
                    } else {
                        Handling::Caught
                    };
                }
                (Some(t), Some(thrown)) if *t == thrown => {
                    return if unknown {
                        Handling::Unknown
                    } else {
                        Handling::Caught
                    };
                }
                (Some(_), None) => unknown = true,
                _ => {}
            }
        }
    }
    if unknown {
        Handling::Unknown
    } else {
        Handling::Passes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handling at the `n`th `throw` of function 0 of `wat` (tag 0).
    fn at_throw(wat: &str, n: usize) -> Handling {
        let info = ModuleInfo::parse(wat::parse_str(wat).unwrap()).unwrap();
        let pc = info
            .instruction_offsets(0)
            .iter()
            .copied()
            .filter(|pc| {
                info.instruction_text(*pc)
                    .is_some_and(|t| t.starts_with("throw"))
            })
            .nth(n)
            .expect("a throw");
        handling(&info, 0, pc, Some(0))
    }

    #[test]
    fn try_table_clauses_catch_by_tag_or_all() {
        let module = |clause: &str| {
            format!(
                "(module (tag $a) (tag $b)
                   (func (block $h (try_table {clause} (block (throw $a)))) (throw $a)))"
            )
        };
        assert_eq!(at_throw(&module("(catch $a $h)"), 0), Handling::Caught);
        assert_eq!(at_throw(&module("(catch $b $h)"), 0), Handling::Passes);
        assert_eq!(at_throw(&module("(catch_all $h)"), 0), Handling::Caught);
        assert_eq!(at_throw(&module("(catch_all_ref $h)"), 0), Handling::Caught);
        // The second throw is after the try_table.
        assert_eq!(at_throw(&module("(catch_all $h)"), 1), Handling::Passes);
    }

    #[test]
    fn a_tag_this_module_does_not_have_is_unknown_to_a_tag_clause() {
        let info = ModuleInfo::parse(
            wat::parse_str(
                "(module (tag $a) (func (block $h (try_table (catch $a $h) (throw $a)))))",
            )
            .unwrap(),
        )
        .unwrap();
        let pc = *info
            .instruction_offsets(0)
            .iter()
            .find(|pc| info.instruction_text(**pc) == Some("throw $a"))
            .unwrap();
        assert_eq!(handling(&info, 0, pc, None), Handling::Unknown);
        assert_eq!(handling(&info, 0, pc, Some(0)), Handling::Caught);
    }

    #[test]
    fn legacy_try_catches_in_its_body_not_in_its_handlers() {
        let wat = "(module (tag $a) (tag $b)
            (func
              try
                throw $a
              catch $b
              catch $a
                throw $a
              catch_all
              end
              try
                throw $a
              catch $b
              end
              block
                try
                  throw $a
                delegate 0
              end))";
        assert_eq!(at_throw(wat, 0), Handling::Caught, "body, catch $a later");
        assert_eq!(at_throw(wat, 1), Handling::Passes, "in a handler");
        assert_eq!(at_throw(wat, 2), Handling::Passes, "only catch $b");
        assert_eq!(at_throw(wat, 3), Handling::Unknown, "delegate");
    }

    #[test]
    fn nested_handlers_innermost_first_and_top_level_throws_pass() {
        let wat = "(module (tag $a) (tag $b)
            (func (block $h (block $g
              (try_table (catch $a $h)
                (try_table (catch $b $g) (throw $a))))) (throw $b)))";
        assert_eq!(at_throw(wat, 0), Handling::Caught);
        assert_eq!(at_throw(wat, 1), Handling::Passes);
    }
}
