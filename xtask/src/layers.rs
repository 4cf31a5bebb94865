//! The crate layering is checked: the edges between the workspace's crates that
//! docs/ARCHITECTURE.md lists (section "Crate layers", the block between [`BEGIN`] and [`END`]) are
//! exactly the edges `cargo metadata` reports. An edge cargo has and the document lacks fails, and so
//! does a documented edge that no longer exists, or a crate the list leaves out.
//!
//! An edge is a normal or build dependency of one workspace crate on another (optional ones
//! marked `(optional)`, as the manifest says). Dev-dependencies are not edges: they build only the
//! crate's own tests, never its users. A dev-dependency on another workspace crate may only reach a
//! crate the normal edges already reach, or the crate itself (e.g. with its `testing` feature), so
//! that no test pulls in a layer above its crate.

#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

use crate::packaging::{Metadata, metadata};

/// The document that lists the edges, relative to the workspace root.
const DOC: &str = "docs/ARCHITECTURE.md";
/// The line that opens the list.
const BEGIN: &str = "<!-- crate-edges: begin (xtask's layering test reads this list) -->";
/// The line that closes it.
const END: &str = "<!-- crate-edges: end -->";

/// Each crate's edges: the crates it depends on, each with whether it is optional.
type Edges = BTreeMap<String, BTreeMap<String, bool>>;

/// Parses the list: one line per crate, `crate -> dep, dep (optional), ...` or `crate -> nothing`;
/// code fences and blank lines are skipped.
fn documented(doc: &str) -> Result<Edges> {
    let start = doc
        .find(BEGIN)
        .with_context(|| format!("{DOC} has no line `{BEGIN}`"))?;
    let block = &doc[start + BEGIN.len()..];
    let end = block
        .find(END)
        .with_context(|| format!("{DOC} has no line `{END}` after the list"))?;
    let mut edges = Edges::new();
    for line in block[..end].lines().map(str::trim) {
        if line.is_empty() || line.starts_with("```") {
            continue;
        }
        let Some((from, deps)) = line.split_once("->") else {
            bail!("{DOC}: `{line}` is not `crate -> dep, dep (optional)` or `crate -> nothing`");
        };
        let from = from.trim().to_string();
        let mut to = BTreeMap::new();
        let deps = deps.trim();
        if deps != "nothing" {
            for dep in deps.split(',').map(str::trim) {
                let (name, optional) = match dep.strip_suffix("(optional)") {
                    Some(name) => (name.trim(), true),
                    None => (dep, false),
                };
                if name.is_empty() || name.contains(char::is_whitespace) {
                    bail!("{DOC}: `{dep}` in `{line}` is not a crate name");
                }
                if to.insert(name.to_string(), optional).is_some() {
                    bail!("{DOC}: {from} lists {name} twice");
                }
            }
        }
        if edges.insert(from.clone(), to).is_some() {
            bail!("{DOC}: {from} has two lines");
        }
    }
    Ok(edges)
}

/// The edges cargo sees (normal and build dependencies between workspace crates), and each
/// crate's dev-dependencies on workspace crates.
fn actual(workspace: &Metadata) -> (Edges, BTreeMap<String, BTreeSet<String>>) {
    let members: BTreeSet<&str> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
    let mut edges = Edges::new();
    let mut dev = BTreeMap::new();
    for package in &workspace.packages {
        let to = edges.entry(package.name.clone()).or_default();
        let dev_to: &mut BTreeSet<String> = dev.entry(package.name.clone()).or_default();
        for dep in &package.dependencies {
            if dep.path.is_none() || !members.contains(dep.name.as_str()) {
                continue;
            }
            if dep.kind.as_deref() == Some("dev") {
                dev_to.insert(dep.name.clone());
            } else {
                // A crate listing one dependency twice (say, per target) is optional only where
                // every listing is.
                let optional = to.entry(dep.name.clone()).or_insert(dep.optional);
                *optional &= dep.optional;
            }
        }
    }
    (edges, dev)
}

/// What differs between the documented edges and cargo's, one line each; empty when they agree.
fn differences(documented: &Edges, actual: &Edges) -> Vec<String> {
    let mut out = Vec::new();
    for (from, to) in actual {
        let Some(listed) = documented.get(from) else {
            out.push(format!("{from} is a workspace crate the list leaves out"));
            continue;
        };
        for (dep, &optional) in to {
            match listed.get(dep) {
                None => out.push(format!(
                    "{from} -> {dep} is an edge the list does not document"
                )),
                Some(&said) if said != optional => out.push(format!(
                    "{from} -> {dep} is {} in its manifest, {} in the list",
                    if optional { "optional" } else { "not optional" },
                    if said { "optional" } else { "not optional" },
                )),
                Some(_) => {}
            }
        }
        for dep in listed.keys().filter(|dep| !to.contains_key(*dep)) {
            out.push(format!("{from} -> {dep} is listed but no longer exists"));
        }
    }
    for from in documented.keys().filter(|from| !actual.contains_key(*from)) {
        out.push(format!("{from} is listed but is no workspace crate"));
    }
    out
}

/// The dev-dependencies that reach a crate the normal edges do not: a test pulling in a layer
/// above its crate.
fn upward_dev_dependencies(edges: &Edges, dev: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let below = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(next) = todo.pop() {
            if seen.insert(next.clone()) {
                todo.extend(
                    edges
                        .get(&next)
                        .into_iter()
                        .flat_map(|to| to.keys().cloned()),
                );
            }
        }
        seen
    };
    let mut out = Vec::new();
    for (from, to) in dev {
        let reach = below(from);
        for dep in to.iter().filter(|dep| !reach.contains(*dep)) {
            out.push(format!(
                "{from}'s dev-dependency {dep} is not below it: a test would pull in a layer above \
                 its crate"
            ));
        }
    }
    out
}

#[test]
fn the_crate_edges_are_the_documented_ones() -> Result<()> {
    let root = crate::root();
    let doc = std::fs::read_to_string(root.join(DOC))?;
    let listed = documented(&doc)?;
    let (edges, dev) = actual(&metadata(&root.join("Cargo.toml"))?);
    let wrong = differences(&listed, &edges);
    assert!(
        wrong.is_empty(),
        "{DOC} (\"Crate layers\") and the manifests disagree; update whichever is wrong:\n{}",
        wrong.join("\n")
    );
    let upward = upward_dev_dependencies(&edges, &dev);
    assert!(upward.is_empty(), "{}", upward.join("\n"));
    Ok(())
}

fn edges(list: &[(&str, &[(&str, bool)])]) -> Edges {
    list.iter()
        .map(|(from, to)| {
            let to = to
                .iter()
                .map(|(dep, opt)| (dep.to_string(), *opt))
                .collect();
            (from.to_string(), to)
        })
        .collect()
}

#[test]
fn the_list_parses_between_its_markers() -> Result<()> {
    let doc = format!(
        "text -> not read\n{BEGIN}\n```text\na -> b, c (optional)\n\nb -> nothing\nc -> b\n```\n{END}\nd -> a\n"
    );
    assert_eq!(
        documented(&doc)?,
        edges(&[
            ("a", &[("b", false), ("c", true)]),
            ("b", &[]),
            ("c", &[("b", false)]),
        ])
    );
    for bad in ["a b", "a -> b c", "a -> b\na -> c", "a -> b, b"] {
        assert!(
            documented(&format!("{BEGIN}\n{bad}\n{END}")).is_err(),
            "{bad}"
        );
    }
    assert!(documented("a -> b").is_err(), "no markers");
    Ok(())
}

#[test]
fn every_difference_is_found() {
    let listed = edges(&[
        ("a", &[("b", false), ("gone", false), ("c", false)]),
        ("b", &[]),
        ("c", &[]),
        ("old", &[]),
    ]);
    let cargo = edges(&[
        ("a", &[("b", false), ("c", true), ("new", false)]),
        ("b", &[]),
        ("c", &[]),
        ("new", &[]),
    ]);
    let found = differences(&listed, &cargo);
    for expected in [
        "a -> new is an edge the list does not document",
        "a -> gone is listed but no longer exists",
        "a -> c is optional in its manifest, not optional in the list",
        "new is a workspace crate the list leaves out",
        "old is listed but is no workspace crate",
    ] {
        assert!(found.iter().any(|f| f == expected), "{expected}: {found:?}");
    }
    assert_eq!(found.len(), 5, "{found:?}");
    assert!(differences(&cargo, &cargo).is_empty());
}

#[test]
fn a_dev_dependency_may_reach_only_what_is_below() {
    let layers = edges(&[
        ("top", &[("mid", false)]),
        ("mid", &[("low", false)]),
        ("low", &[]),
    ]);
    let dev = |from: &str, to: &str| {
        BTreeMap::from([(from.to_string(), BTreeSet::from([to.to_string()]))])
    };
    assert!(upward_dev_dependencies(&layers, &dev("top", "low")).is_empty());
    assert!(upward_dev_dependencies(&layers, &dev("mid", "mid")).is_empty());
    assert_eq!(
        upward_dev_dependencies(&layers, &dev("low", "top")).len(),
        1
    );
}
