//! Integration tests: the real `wasmdbg` binary on scripted sessions, and the
//! core library driven without the REPL. One test binary, a module per area.

mod bad_input;
mod breakpoints;
mod cache;
mod components;
mod coredump;
mod corpus;
mod dap;
mod dwarf;
mod formatters;
mod harness;
mod hostile;
mod init;
mod inspect;
mod json;
mod library;
mod replay;
mod runner;
mod serve;
mod sessions;
mod stepping;
mod structure;
mod terminal;
mod traps;
