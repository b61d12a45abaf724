//! The shape of `src/`: no module cycles.
//!
//! Every `.rs` file under `src/` is a module node (`src/lib.rs` is the
//! crate root; `src/main.rs`, the binary, is left out: nothing in the
//! library can name it). A file depends on another when its code (`use`
//! items, paths in types, expressions and patterns; not `#[cfg(test)]`
//! items) names something the other file defines: a path is resolved
//! through `crate::`, `super::`, `self::` and child modules to the deepest
//! module it reaches, and a name a module re-exports (`pub use`) is
//! followed to the module that defines it, as is a name a module imports
//! (`use`) when its children name it through `super::`. Paths inside macro
//! calls (`matches!`, `format!`, ...) are read from their tokens. The files
//! are parsed with `syn`; the cycles are the strongly connected components
//! of that graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module by its path below the crate root (`[]` is `src/lib.rs`).
type ModPath = Vec<String>;

/// One file's module: where it is, its children, what it re-exports and
/// the paths its code names.
#[derive(Default)]
struct Module {
    file: PathBuf,
    /// Child modules (files and inline `mod x { }` merged into this file).
    children: BTreeSet<String>,
    /// The names its `use` items bind (re-exports and private imports,
    /// which its children see too): the name and the path it stands for
    /// (as written, resolved from this module).
    reexports: BTreeMap<String, Vec<String>>,
    /// Paths this module's code names, with the line they are on.
    uses: Vec<(Vec<String>, usize)>,
}

/// The module path of a file below `src`, or `None` for `main.rs`.
fn module_path(src: &Path, file: &Path) -> Option<ModPath> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    match last.as_str() {
        "main.rs" if parts.is_empty() => None,
        "lib.rs" if parts.is_empty() => Some(parts),
        "mod.rs" => Some(parts),
        other => {
            parts.push(other.strip_suffix(".rs")?.to_string());
            Some(parts)
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Collects a file's paths, `pub use` names and inline child modules.
struct Collector<'a> {
    /// The inline module path inside the file (`[]` at its top).
    inline: Vec<String>,
    module: &'a mut Module,
    /// Paths named inside an inline module, with that module's path (they
    /// resolve from there).
    inline_uses: Vec<(Vec<String>, Vec<String>, usize)>,
}

impl Collector<'_> {
    fn record(&mut self, path: Vec<String>, line: usize) {
        if self.inline.is_empty() {
            self.module.uses.push((path, line));
        } else {
            self.inline_uses.push((self.inline.clone(), path, line));
        }
    }
}

/// The paths (`a::b::c`, two names or more) in a macro call's tokens,
/// with the line each starts on.
fn token_paths(tokens: proc_macro2::TokenStream, out: &mut Vec<(Vec<String>, usize)>) {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(g) => {
                token_paths(g.stream(), out);
                i += 1;
            }
            TokenTree::Ident(first) => {
                let line = first.span().start().line;
                let mut path = vec![first.to_string()];
                let mut j = i + 1;
                // `::` is two joint ':' punctuation tokens.
                while let (
                    Some(TokenTree::Punct(a)),
                    Some(TokenTree::Punct(b)),
                    Some(TokenTree::Ident(next)),
                ) = (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2))
                {
                    if a.as_char() != ':' || b.as_char() != ':' {
                        break;
                    }
                    path.push(next.to_string());
                    j += 3;
                }
                if path.len() > 1 {
                    out.push((path, line));
                }
                i = j;
            }
            _ => i += 1,
        }
    }
}

/// Every path a `use` tree names, with the name it binds (`None` for a
/// glob).
fn use_paths(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            out.push((prefix.clone(), prefix.last().cloned()));
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push((path, Some(n.ident.to_string())));
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push((path, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => out.push((prefix.clone(), None)),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_cfg_test(attrs) {
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if self.inline.is_empty() {
            self.module.children.insert(m.ident.to_string());
        }
        if let Some((_, items)) = &m.content {
            self.inline.push(m.ident.to_string());
            for item in items {
                self.visit_item(item);
            }
            self.inline.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let line = u.use_token.span.start().line;
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for (path, name) in paths {
            if self.inline.is_empty()
                && let Some(name) = name
            {
                self.module.reexports.insert(name, path.clone());
            }
            self.record(path, line);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut found = Vec::new();
        token_paths(m.tokens.clone(), &mut found);
        for (path, line) in found {
            self.record(path, line);
        }
        syn::visit::visit_macro(self, m);
    }

    /// `pub(in crate::a::b)` names where an item may be seen, not what it
    /// uses: no edge.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            let line = p.segments[0].ident.span().start().line;
            self.record(segments, line);
        }
        syn::visit::visit_path(self, p);
    }
}

/// Every `.rs` file under `dir`, depth first.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source directory") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate's modules, read from the files under `src`.
fn read_modules(src: &Path) -> BTreeMap<ModPath, Module> {
    let mut all = Vec::new();
    rust_files(src, &mut all);
    let mut modules = BTreeMap::new();
    let mut inline = Vec::new();
    for file in all {
        let Some(path) = module_path(src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read a source file");
        let ast = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let mut module = Module {
            file: file.clone(),
            ..Module::default()
        };
        let mut collector = Collector {
            inline: Vec::new(),
            module: &mut module,
            inline_uses: Vec::new(),
        };
        collector.visit_file(&ast);
        let inline_uses = collector.inline_uses;
        for (within, used, line) in inline_uses {
            inline.push((path.clone(), within, used, line));
        }
        modules.insert(path, module);
    }
    // A file its parent does not declare is not part of the crate as built
    // (a `#[cfg(test)] mod tests;` file): left out, with what is below it.
    loop {
        let undeclared: Vec<ModPath> = modules
            .keys()
            .filter(|path| {
                let Some((last, parent)) = path.split_last() else {
                    return false;
                };
                modules
                    .get(parent)
                    .is_none_or(|p| !p.children.contains(last))
            })
            .cloned()
            .collect();
        if undeclared.is_empty() {
            break;
        }
        for path in undeclared {
            modules.remove(&path);
        }
    }
    // Paths inside an inline module are resolved from it; its `super` is
    // the file's module. Write them as paths from the file's module.
    for (file_module, within, used, line) in inline {
        let mut from_file = used.clone();
        let mut depth = within.len();
        let mut start = 0;
        while depth > 0 && from_file.get(start).is_some_and(|s| s == "super") {
            depth -= 1;
            start += 1;
        }
        let path = if depth == 0 {
            from_file.split_off(start)
        } else {
            used
        };
        if let Some(m) = modules.get_mut(&file_module) {
            m.uses.push((path, line));
        }
    }
    modules
}

/// The module `path` (named from module `from`) reaches: the deepest
/// module on it, following re-exports. `None` for a path that leaves the
/// crate (`std::`, another crate, a local name).
fn resolve(
    modules: &BTreeMap<ModPath, Module>,
    from: &ModPath,
    path: &[String],
    depth: usize,
) -> Option<ModPath> {
    if depth > 16 {
        return None;
    }
    let mut cur: ModPath;
    let mut rest = path;
    match path.first()?.as_str() {
        "crate" => {
            cur = Vec::new();
            rest = &path[1..];
        }
        "self" => {
            cur = from.clone();
            rest = &path[1..];
        }
        "super" => {
            cur = from.clone();
            while rest.first().is_some_and(|s| s == "super") {
                cur.pop()?;
                rest = &rest[1..];
            }
        }
        first
            if modules
                .get(from)
                .is_some_and(|m| m.children.contains(first)) =>
        {
            cur = from.clone();
        }
        _ => return None,
    }
    for seg in rest {
        let module = modules.get(&cur)?;
        if module.children.contains(seg) {
            let mut child = cur.clone();
            child.push(seg.clone());
            if modules.contains_key(&child) {
                cur = child;
                continue;
            }
            // An inline module: part of this file.
            break;
        }
        if let Some(source) = module.reexports.get(seg) {
            let holder = cur.clone();
            return resolve(modules, &holder, source, depth + 1).or(Some(holder));
        }
        break;
    }
    Some(cur)
}

/// One edge of the graph: `from` names something `to` defines, first at
/// `line` of `from`'s file, as `path`.
struct Edge {
    line: usize,
    path: String,
}

/// The dependency graph: module → module → the first reference.
fn graph(modules: &BTreeMap<ModPath, Module>) -> BTreeMap<ModPath, BTreeMap<ModPath, Edge>> {
    let mut edges: BTreeMap<ModPath, BTreeMap<ModPath, Edge>> = BTreeMap::new();
    for (from, module) in modules {
        let out = edges.entry(from.clone()).or_default();
        for (path, line) in &module.uses {
            if let Some(to) = resolve(modules, from, path, 0)
                && to != *from
            {
                out.entry(to).or_insert_with(|| Edge {
                    line: *line,
                    path: path.join("::"),
                });
            }
        }
    }
    edges
}

/// The strongly connected components of more than one module (Tarjan's
/// algorithm), each sorted.
fn cycles(edges: &BTreeMap<ModPath, BTreeMap<ModPath, Edge>>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        edges: &'a BTreeMap<ModPath, BTreeMap<ModPath, Edge>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    fn connect<'a>(s: &mut State<'a>, v: &'a ModPath) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flat_map(|e| e.keys()) {
            if !s.index.contains_key(w) {
                connect(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v) {
            connect(&mut state, v);
        }
    }
    state.out
}

fn name(path: &ModPath) -> String {
    if path.is_empty() {
        "crate".to_string()
    } else {
        path.join("::")
    }
}

/// Each cycle as its modules and the edges among them, with where each
/// edge is written; empty when there is none.
fn report(src: &Path) -> String {
    let modules = read_modules(src);
    let edges = graph(&modules);
    let mut text = String::new();
    for component in cycles(&edges) {
        let names: Vec<String> = component.iter().map(name).collect();
        text.push_str(&format!(
            "cycle among {} modules: {}\n",
            names.len(),
            names.join(", ")
        ));
        for from in &component {
            for (to, edge) in &edges[from] {
                if component.contains(to) {
                    let file = modules[from]
                        .file
                        .strip_prefix(src.parent().unwrap_or(src))
                        .unwrap_or(&modules[from].file);
                    text.push_str(&format!(
                        "  {} -> {}  ({}:{} `{}`)\n",
                        name(from),
                        name(to),
                        file.display(),
                        edge.line,
                        edge.path
                    ));
                }
            }
        }
    }
    text
}

/// No module of `src/` depends on itself through others (the report names
/// each cycle's modules and the line of every edge).
#[test]
fn no_module_cycles_in_src() {
    let src = crate::harness::root().join("src");
    let text = report(&src);
    assert_eq!(text, "", "module cycles in src/:\n{text}");
}

#[test]
fn the_cycle_check_finds_a_cycle_through_a_reexport_and_super() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("core")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod core;\npub mod front;\n").unwrap();
    std::fs::write(
        src.join("core/mod.rs"),
        "mod model;\nmod worker;\npub use model::Model;\n#[cfg(test)]\nmod tests;\n",
    )
    .unwrap();
    // model -> worker through `super::worker`; worker -> model through
    // the parent's re-export, named only inside a macro call; front ->
    // model (no cycle with front). The test-only file core/tests.rs would
    // close a cycle with front, and is not part of the crate as built.
    std::fs::write(src.join("core/tests.rs"), "use crate::front::Front;\n").unwrap();
    std::fs::write(
        src.join("core/model.rs"),
        "pub struct Model(super::worker::Worker);\n#[cfg(test)]\nmod tests { use crate::front::Front; }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("core/worker.rs"),
        "pub struct Worker;\nfn f() { assert!(matches!(None, Some(crate::core::Model { .. }))); }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("front.rs"),
        "use crate::core::Model;\npub struct Front(Model);\npub use crate::core::tests as _t;\n",
    )
    .unwrap();
    assert_eq!(
        report(&src),
        "cycle among 2 modules: core::model, core::worker\n  \
         core::model -> core::worker  (src/core/model.rs:1 `super::worker::Worker`)\n  \
         core::worker -> core::model  (src/core/worker.rs:2 `crate::core::Model`)\n"
    );
}

/// The layers: the core (`debugger`, `program`, `error`) depends on no
/// front end (`console`, `repl`, `dap`, `render`, `cli`); the program model
/// (`program`: what is known without running anything) depends on nothing
/// of the running side (`debugger`) and names no wasmtime item; and the
/// DAP server is no client of the REPL (its debug console is a
/// `console::Console`). Dependencies are those of the crate as built: test
/// modules may borrow from anywhere (the formatters' tests read a frame
/// with the core-dump reader); the wasmtime rule holds for them too.
#[test]
fn the_core_knows_no_front_end_and_the_dap_server_no_repl() {
    let src = crate::harness::root().join("src");
    let modules = read_modules(&src);
    let edges = graph(&modules);
    let top = |m: &ModPath| m.first().cloned().unwrap_or_default();
    let mut wrong = Vec::new();
    for (from, out) in &edges {
        for (to, edge) in out {
            let (f, t) = (top(from), top(to));
            let core_to_front = matches!(f.as_str(), "debugger" | "program" | "error")
                && matches!(t.as_str(), "console" | "repl" | "dap" | "render" | "cli");
            let program_to_running = f == "program" && t == "debugger";
            let dap_to_repl = f == "dap" && t == "repl";
            if core_to_front || program_to_running || dap_to_repl {
                wrong.push(format!(
                    "{} -> {} (line {} `{}`)",
                    name(from),
                    name(to),
                    edge.line,
                    edge.path
                ));
            }
        }
    }
    // wasmtime is the running side's: no `wasmtime` path in any file of
    // the program model, its tests included (they run without an engine).
    let mut files = Vec::new();
    rust_files(&src.join("program"), &mut files);
    assert!(!files.is_empty(), "no program module found");
    for entry in files {
        let text = std::fs::read_to_string(&entry).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("wasmtime::") || line.contains("use wasmtime") {
                wrong.push(format!("{}:{} names wasmtime", entry.display(), n + 1));
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}
