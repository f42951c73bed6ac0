//! The layering that `src/lib.rs` states, checked on the source: a module
//! may use only its own layer and the layers before it, and no modules
//! import each other in a cycle — between the top-level folders, and between
//! the files of `model`, `input`, `engine` and `server` (a folder's `mod.rs`
//! counts as one of its files).
//!
//! The check reads every `crate::…` and `super::…` path outside comments and
//! `#[cfg(test)]` blocks (a `use` line, a grouped `use crate::{a, b::c}` or a
//! path written inline), and the `use child::…` lines of a `mod.rs`, so a
//! layer cannot be crossed by spelling the path out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers in order; a folder may import its own and earlier ranks.
/// `witness` (formats and client) sits below the log that uses it; the
/// witness's own HTTP service stands with the server.
const LAYERS: &[&[&str]] =
    &[&["model"], &["input"], &["engine"], &["witness"], &["log"], &["server", "witness_service"], &["cli"]];

/// Folders whose files must not import each other in a cycle either.
const ACYCLIC_INSIDE: &[&str] = &["model", "input", "engine", "server"];

fn rank(folder: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&folder))
}

/// `src/input/table/parse.rs` → `["input", "table", "parse"]`.
fn module_of(rel: &str) -> Vec<String> {
    let stem = rel.trim_end_matches(".rs");
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its `#[cfg(test)]` tail.
fn code(text: &str) -> String {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every module path named after `prefix` (`crate::` or `super::`), as its segments.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // e.g. `fairdraw_crate::` or `super::super::`
        }
        out.extend(expand(rest));
    }
    out
}

/// Every path the code of module `from` names, from the crate root:
/// `crate::a::b`, `super::b` (relative to `from`'s parent) and, in a `use`
/// line, `child::x` or `self::child::x` for a child module of `from`.
fn module_paths(code: &str, from: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<Vec<String>> {
    let mut out = paths_after(code, "crate::");
    if let Some((_, parent)) = from.split_last() {
        for tail in paths_after(code, "super::") {
            out.push([parent, &tail].concat());
        }
    }
    for line in code.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("pub(crate) ").or_else(|| line.strip_prefix("pub ")).unwrap_or(line);
        let Some(tree) = line.strip_prefix("use ") else { continue };
        let tree = tree.strip_prefix("self::").unwrap_or(tree);
        for tail in expand(tree) {
            let path = [from, &tail].concat();
            if tail.first().is_some_and(|child| modules.contains(&[from, std::slice::from_ref(child)].concat())) {
                out.push(path);
            }
        }
    }
    out
}

/// The paths a `use` tree starting at `text` names: `a::b::C` or `{a, b::{c, d}}`.
fn expand(text: &str) -> Vec<Vec<String>> {
    let mut segs = Vec::new();
    let mut rest = text;
    loop {
        let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if word.is_empty() {
            break;
        }
        rest = &rest[word.len()..];
        segs.push(word);
        if let Some(r) = rest.strip_prefix("::") {
            rest = r;
        } else {
            break;
        }
    }
    if let Some(inner) = rest.strip_prefix('{') {
        let mut depth = 1;
        let mut end = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = i;
                break;
            }
        }
        let mut out = Vec::new();
        let mut item_depth = 0;
        let mut start = 0;
        let group = &inner[..end];
        for (i, c) in group.char_indices().chain([(group.len(), ',')]) {
            match c {
                '{' => item_depth += 1,
                '}' => item_depth -= 1,
                ',' if item_depth == 0 => {
                    for tail in expand(group[start..i].trim()) {
                        let mut p = segs.clone();
                        p.extend(tail);
                        out.push(p);
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        return out;
    }
    vec![segs]
}

/// Module → modules it imports (only modules that exist in `files`).
fn graph(files: &BTreeMap<String, String>) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules: BTreeSet<Vec<String>> = files.keys().map(|k| module_of(k)).collect();
    let mut g = BTreeMap::new();
    for (rel, text) in files {
        let from = module_of(rel);
        let mut to = BTreeSet::new();
        for path in module_paths(&code(text), &from, &modules) {
            // The longest prefix of the path that is a module.
            if let Some(m) = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p)) {
                if m != from {
                    to.insert(m);
                }
            }
        }
        g.insert(from, to);
    }
    g
}

/// A cycle in `g`, if any, as the nodes along it.
fn find_cycle<N: Ord + Clone>(g: &BTreeMap<N, BTreeSet<N>>) -> Option<Vec<N>> {
    fn visit<N: Ord + Clone>(
        n: &N,
        g: &BTreeMap<N, BTreeSet<N>>,
        done: &mut BTreeSet<N>,
        stack: &mut Vec<N>,
    ) -> Option<Vec<N>> {
        if let Some(at) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(n.clone());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.clone());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.clone());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| visit(n, g, &mut done, &mut Vec::new()))
}

/// Every breach of the layering, in words; empty when the source keeps it.
fn breaches(files: &BTreeMap<String, String>) -> Vec<String> {
    let g = graph(files);
    let mut out = Vec::new();
    let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &g {
        if from.len() < 2 {
            continue; // lib.rs and main.rs stand above the folders
        }
        let Some(r) = rank(&from[0]) else {
            out.push(format!("src/{}/ is in no layer: add it to LAYERS here and to src/lib.rs", from[0]));
            continue;
        };
        for to in tos {
            let entry = folders.entry(from[0].clone()).or_default();
            if to[0] != from[0] {
                entry.insert(to[0].clone());
            }
            match rank(&to[0]) {
                Some(t) if t > r => out.push(format!(
                    "{} (layer {}) imports {} (layer {})",
                    from.join("::"),
                    from[0],
                    to.join("::"),
                    to[0]
                )),
                _ => {}
            }
        }
    }
    if let Some(c) = find_cycle(&folders) {
        out.push(format!("folders import each other in a cycle: {}", c.join(" → ")));
    }
    for folder in ACYCLIC_INSIDE {
        let inside: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = g
            .iter()
            .filter(|(m, _)| m.first() == Some(&folder.to_string()))
            .map(|(m, tos)| {
                (
                    m[..m.len().min(2)].to_vec(),
                    tos.iter().filter(|t| t[0] == *folder).map(|t| t[..t.len().min(2)].to_vec()).collect(),
                )
            })
            .fold(BTreeMap::new(), |mut acc, (m, tos): (Vec<String>, BTreeSet<Vec<String>>)| {
                let e: &mut BTreeSet<Vec<String>> = acc.entry(m.clone()).or_default();
                e.extend(tos.into_iter().filter(|t| *t != m));
                acc
            });
        if let Some(c) = find_cycle(&inside) {
            let names: Vec<String> = c.iter().map(|m| m.join("::")).collect();
            out.push(format!("modules of {folder}/ import each other in a cycle: {}", names.join(" → ")));
        }
    }
    out
}

fn read_tree(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read_to_string(&path).unwrap());
        }
    }
}

fn files(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()
}

#[test]
fn the_source_keeps_the_layering_of_lib_rs() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut tree = BTreeMap::new();
    read_tree(&src, &src, &mut tree);
    assert!(tree.contains_key("model/mod.rs") && tree.len() > 40, "read the whole source tree");
    let found = breaches(&tree);
    assert!(found.is_empty(), "the layering of src/lib.rs is broken:\n  {}", found.join("\n  "));
}

#[test]
fn a_lower_layer_importing_a_higher_one_is_caught() {
    let tree = files(&[
        ("model/mod.rs", "pub mod date;"),
        ("model/date.rs", "use crate::engine::draw::Doc;\n"),
        ("engine/mod.rs", "pub mod draw;"),
        ("engine/draw.rs", "use crate::model::date;"),
    ]);
    let found = breaches(&tree);
    assert!(found.iter().any(|b| b == "model::date (layer model) imports engine::draw (layer engine)"), "{found:?}");
}

#[test]
fn grouped_and_inline_paths_count_and_comments_and_tests_do_not() {
    let tree = files(&[
        (
            "model/a.rs",
            "// use crate::log::x;\nfn f() { crate::server::state::go(); }\n#[cfg(test)]\nuse crate::engine::b;",
        ),
        ("model/b.rs", "use crate::{model::a, input::{table::{self, Row}, plan}};"),
        ("input/table.rs", ""),
        ("input/plan.rs", ""),
        ("server/state.rs", ""),
        ("log/x.rs", ""),
        ("engine/b.rs", ""),
    ]);
    let found = breaches(&tree);
    assert_eq!(
        found,
        vec![
            "model::a (layer model) imports server::state (layer server)".to_string(),
            "model::b (layer model) imports input::plan (layer input)".to_string(),
            "model::b (layer model) imports input::table (layer input)".to_string(),
        ]
    );
}

#[test]
fn cycles_between_folders_and_inside_the_engine_are_caught() {
    let tree = files(&[
        ("server/a.rs", "use crate::witness_service::b;"),
        ("witness_service/b.rs", "use crate::server::a;"),
        ("engine/assign.rs", "use crate::engine::candidates::Candidates;"),
        ("engine/candidates.rs", "use crate::engine::assign::Board;"),
    ]);
    let found = breaches(&tree);
    assert!(
        found.iter().any(|b| b.starts_with("folders import each other in a cycle: server → witness_service → server")),
        "{found:?}"
    );
    assert!(found.iter().any(|b| b.starts_with("modules of engine/ import each other in a cycle")), "{found:?}");
    assert!(breaches(&files(&[("sideways/x.rs", "")]))[0].contains("src/sideways/ is in no layer"));
}

#[test]
fn a_mod_rs_and_its_file_importing_each_other_is_a_cycle() {
    let tree = files(&[
        ("server/mod.rs", "mod listen;\nmod state;\npub use listen::serve;\npub fn app() {}"),
        ("server/listen.rs", "use super::{app, state::AppState};"),
        ("server/state.rs", ""),
    ]);
    let found = breaches(&tree);
    assert_eq!(
        found,
        vec!["modules of server/ import each other in a cycle: server → server::listen → server".to_string()]
    );
    let fixed = files(&[
        ("server/mod.rs", "mod listen;\nmod router;\npub use listen::serve;\npub use router::app;"),
        ("server/listen.rs", "use super::router::app;"),
        ("server/router.rs", ""),
    ]);
    assert_eq!(breaches(&fixed), Vec::<String>::new());
}
