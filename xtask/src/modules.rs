//! No module circle in any crate: each workspace crate's module graph, built from the paths in its
//! source (`crate::`, `super::`, `self::` and a declared child's name, `use` trees included;
//! comments and string literals are left out), has no cycle.
//!
//! A module's files are `src/lib.rs` (or `src/main.rs`, the root), `src/a.rs` or `src/a/mod.rs`
//! (`a`), `src/a/b.rs` (`a::b`); an inline `mod name { ... }` is a child of the file's module, so a
//! unit test module's imports are its own, not its parent's. A path names the deepest module it
//! goes through (`crate::a::b::Item` is module `a::b` where `a/b.rs` exists, else `a`). An edge
//! goes from the module holding the path to that module, except to the module itself or one of its
//! ancestors: the crate root is the façade that re-exports, and a module's children are its own
//! parts, so `use super::Item` is no circle. Everything else is: `a -> b -> a`, between siblings or
//! through a child (`a -> b -> a::c` where `a` uses `c`).

#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A module's path inside its crate; empty for the root.
type Module = Vec<String>;

/// Rust source with its comments, string and character literals replaced by spaces (line breaks
/// kept), so that no path is read out of them.
fn code_only(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
                out.push(' ');
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if let Some((body, hashes)) = raw_string_at(&chars, i) {
            while i < body {
                out.push(' ');
                i += 1;
            }
            while i < chars.len() {
                if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += 1 + hashes;
                    break;
                }
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    blank(&mut out, ch);
                }
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a), left as it is.
            let end = if next == Some('\\') {
                (i + 3..chars.len()).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// At `i`, a raw string (`r"`, `r#"`, `br"`, ...) that no identifier character precedes: where its
/// body starts and its number of hashes.
fn raw_string_at(chars: &[char], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    let start = match (chars.get(i), chars.get(i + 1)) {
        (Some('r'), _) => i + 1,
        (Some('b'), Some('r')) => i + 2,
        _ => return None,
    };
    let hashes = chars[start.min(chars.len())..]
        .iter()
        .take_while(|&&c| c == '#')
        .count();
    (chars.get(start + hashes) == Some(&'"')).then_some((start + hashes + 1, hashes))
}

/// The tokens of code: identifiers, `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".into());
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// Reads the path (or `use` tree) continuing at `tokens[at]` after a `::`, calling `found` with each
/// full path's segments; returns the index after it.
fn read_tree(
    tokens: &[String],
    mut at: usize,
    prefix: &mut Vec<String>,
    found: &mut dyn FnMut(&[String]),
) -> usize {
    let depth = prefix.len();
    loop {
        match tokens.get(at).map(String::as_str) {
            Some("{") => {
                at += 1;
                loop {
                    at = read_tree(tokens, at, prefix, found);
                    match tokens.get(at).map(String::as_str) {
                        Some(",") => at += 1,
                        Some("}") => {
                            at += 1;
                            break;
                        }
                        _ => break,
                    }
                    if tokens.get(at).map(String::as_str) == Some("}") {
                        at += 1;
                        break;
                    }
                }
                prefix.truncate(depth);
                return at;
            }
            Some(t) if is_ident(t) => {
                prefix.push(t.to_string());
                at += 1;
                if tokens.get(at).map(String::as_str) == Some("::") {
                    at += 1;
                    continue;
                }
                found(prefix);
                prefix.truncate(depth);
                return at;
            }
            _ => {
                // `*`, or the end of a `use` tree
                if tokens.get(at).map(String::as_str) == Some("*") {
                    at += 1;
                }
                found(prefix);
                prefix.truncate(depth);
                return at;
            }
        }
    }
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// One crate's modules, by their files under `src`.
fn modules_of(src: &Path) -> Result<BTreeMap<Module, PathBuf>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![src.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list {dir:?}"))? {
            let path = entry?.path();
            let rel = path.strip_prefix(src)?.to_path_buf();
            if path.is_dir() {
                if rel != Path::new("bin") {
                    todo.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let mut module: Module = rel
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if module == ["lib"] || module == ["main"] || module.last().is_some_and(|m| m == "mod")
            {
                module.pop();
            }
            out.insert(module, path);
        }
    }
    Ok(out)
}

/// The edges of one crate's module graph.
fn edges_of(modules: &BTreeMap<Module, PathBuf>) -> Result<BTreeMap<Module, BTreeSet<Module>>> {
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (file_module, path) in modules {
        let src = std::fs::read_to_string(path).with_context(|| format!("cannot read {path:?}"))?;
        let toks = tokens(&code_only(&src));
        // The inline modules open at each brace depth: (depth of its `{`, name).
        let mut inline: Vec<(usize, String)> = Vec::new();
        let mut depth = 0;
        let mut at = 0;
        while at < toks.len() {
            let t = toks[at].as_str();
            let here: Module = file_module
                .iter()
                .cloned()
                .chain(inline.iter().map(|(_, n)| n.clone()))
                .collect();
            match t {
                "{" => depth += 1,
                "}" => {
                    if inline.last().is_some_and(|(d, _)| *d == depth) {
                        inline.pop();
                    }
                    depth = depth.saturating_sub(1);
                }
                "mod" if toks.get(at + 2).map(String::as_str) == Some("{") => {
                    inline.push((depth + 1, toks[at + 1].clone()));
                }
                _ => {}
            }
            let after_path = at > 0 && (toks[at - 1] == "::" || toks[at - 1] == ".");
            let starts = matches!(t, "crate" | "super" | "self")
                || (is_ident(t)
                    && modules.contains_key(&[here.as_slice(), &[t.to_string()]].concat()));
            if starts && !after_path && toks.get(at + 1).map(String::as_str) == Some("::") {
                let mut paths = Vec::new();
                let mut prefix = vec![t.to_string()];
                let end = read_tree(&toks, at + 2, &mut prefix, &mut |p| paths.push(p.to_vec()));
                for p in paths {
                    let target = resolve(&here, &p, modules);
                    let ancestor = here.starts_with(&target);
                    if !ancestor {
                        edges.entry(here.clone()).or_default().insert(target);
                    }
                }
                at = end;
                continue;
            }
            at += 1;
        }
    }
    Ok(edges)
}

/// The module a path goes to from `here`: the deepest module among its leading segments.
fn resolve(here: &Module, path: &[String], modules: &BTreeMap<Module, PathBuf>) -> Module {
    let mut m: Module = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") => here[..here.len().saturating_sub(1)].to_vec(),
        Some("self") => here.clone(),
        Some(child) => [here.as_slice(), &[child.to_string()]].concat(),
        None => here.clone(),
    };
    for seg in path.iter().skip(1) {
        if seg == "super" {
            m.pop();
            continue;
        }
        let deeper = [m.as_slice(), std::slice::from_ref(seg)].concat();
        if !modules.contains_key(&deeper) {
            break;
        }
        m = deeper;
    }
    // an inline module (say `tests`) of a file: its file's module holds it
    while !m.is_empty() && !modules.contains_key(&m) {
        m.pop();
    }
    m
}

/// The first cycle found, as the modules along it (the first repeated at the end).
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        stack: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(pos) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(m.clone());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|m| visit(m, edges, &mut Vec::new(), &mut done))
}

fn show(cycle: &[Module]) -> String {
    cycle
        .iter()
        .map(|m| {
            if m.is_empty() {
                "crate".into()
            } else {
                m.join("::")
            }
        })
        .collect::<Vec<_>>()
        .join(" -> ")
}

#[test]
fn no_crate_has_a_module_circle() -> Result<()> {
    let workspace = crate::packaging::metadata(&crate::root().join("Cargo.toml"))?;
    let mut circles = Vec::new();
    let (mut crates, mut edges) = (0, 0);
    for package in &workspace.packages {
        let src = package.dir().join("src");
        let graph = edges_of(&modules_of(&src)?)?;
        if let Some(cycle) = find_cycle(&graph) {
            circles.push(format!("{}: {}", package.name, show(&cycle)));
        }
        crates += 1;
        edges += graph.values().map(BTreeSet::len).sum::<usize>();
    }
    // a reader that found no path would pass any workspace
    assert!(
        crates > 5 && edges > 50,
        "read {crates} crates, {edges} edges only"
    );
    assert!(
        circles.is_empty(),
        "module circles (a module reaches itself through `crate::`/`super::` paths; move what both \
         need to a module below them):\n{}",
        circles.join("\n")
    );
    Ok(())
}

fn crate_with(files: &[(&str, &str)]) -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().context("no parent")?)?;
        std::fs::write(path, text)?;
    }
    Ok(dir)
}

fn cycle_in(files: &[(&str, &str)]) -> Result<Option<String>> {
    let dir = crate_with(files)?;
    let modules = modules_of(dir.path())?;
    Ok(find_cycle(&edges_of(&modules)?).map(|c| show(&c)))
}

#[test]
fn comments_and_strings_hide_their_paths() {
    let src = "// crate::a::X\n/* crate::b /* nested */ crate::c */ let s = \"crate::d \\\" crate::e\";\n\
         let r = r#\"crate::f \" crate::g\"#; let c = '\\''; let q = '\"'; fn f<'a>(x: &'a str) {}\n\
         use crate::h::Y;";
    let code = code_only(src);
    let found: Vec<String> = tokens(&code)
        .windows(3)
        .filter(|w| w[0] == "crate" && w[1] == "::")
        .map(|w| w[2].clone())
        .collect();
    assert_eq!(found, ["h"], "{code}");
    assert_eq!(
        code.lines().count(),
        src.lines().count(),
        "line breaks are kept"
    );
}

#[test]
fn a_circle_is_found_between_siblings_and_through_a_child() -> Result<()> {
    let lib = "mod a;\nmod b;\npub use a::A;\n";
    assert_eq!(
        cycle_in(&[
            ("lib.rs", lib),
            ("a.rs", "use crate::{b::{self, B}, Error};\npub struct A;"),
            ("b.rs", "pub struct B(super::a::A);"),
        ])?
        .as_deref(),
        Some("a -> b -> a")
    );
    // a uses its child c by name, c uses b, b uses a
    assert_eq!(
        cycle_in(&[
            ("lib.rs", lib),
            ("a/mod.rs", "mod c;\npub fn f() { c::g(); }"),
            ("a/c.rs", "pub fn g() { crate::b::h() }"),
            ("b.rs", "pub fn h() { crate::a::f() }"),
        ])?
        .as_deref(),
        Some("a -> a::c -> b -> a")
    );
    // a child using its parent, a test module using everything, the root re-exporting: no circle
    assert_eq!(
        cycle_in(&[
            ("lib.rs", lib),
            (
                "a/mod.rs",
                "mod c;\npub use c::C;\npub fn f() { crate::b::h() }"
            ),
            ("a/c.rs", "use super::f;\npub struct C;"),
            (
                "b.rs",
                "pub fn h() {}\n#[cfg(test)]\nmod tests { use super::*; use crate::a::C; }",
            ),
        ])?,
        None
    );
    Ok(())
}
