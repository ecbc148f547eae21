//! The layer rule of `src/lib.rs`: a module of the library uses only modules of lower
//! layers (or its own submodules). Read from the source: every `crate::<module>` outside
//! comments.

use crate::support::repo;
use std::collections::BTreeMap;

/// The layers, from the bottom (the order of `src/lib.rs`).
const LAYERS: &[&[&str]] = &[
    &["indicator", "sensitivity"],
    &["chart"],
    &["error"],
    &["scenario", "outdir"],
    &["model"],
    &["engine"],
    &["stats"],
    &["analysis"],
    &["report"],
    &["commands"],
    &["cli"],
];

/// The modules of the crate root's re-exports (`pub use` in `src/lib.rs`).
const REEXPORTS: &[(&str, &str)] = &[
    ("Error", "error"),
    ("Result", "error"),
    ("Indicator", "indicator"),
    ("Scenario", "scenario"),
];

fn layer_of(module: &str) -> Option<usize> {
    let module = REEXPORTS
        .iter()
        .find(|(name, _)| *name == module)
        .map_or(module, |(_, m)| m);
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module of each source file and the modules it names, outside comments.
fn uses() -> BTreeMap<String, Vec<(String, String)>> {
    let src = repo().join("src");
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or("");
                let mut rest = code;
                while let Some(i) = rest.find("crate::") {
                    rest = &rest[i + "crate::".len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != top {
                        out.entry(top.clone())
                            .or_default()
                            .push((name, rel.display().to_string()));
                    }
                }
            }
        }
    }
    out
}

/// Every use of a module that is not in a lower layer.
fn violations(all: &BTreeMap<String, Vec<(String, String)>>) -> Vec<String> {
    let mut out = Vec::new();
    for (module, used) in all {
        let Some(own) = layer_of(module) else {
            out.push(format!(
                "{module} is in no layer: add it to LAYERS and lib.rs"
            ));
            continue;
        };
        for (dep, file) in used {
            match layer_of(dep) {
                Some(l) if l < own => {}
                Some(_) => out.push(format!("{file}: {module} uses {dep}, not a lower layer")),
                None => out.push(format!("{file}: uses {dep}, which is in no layer")),
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_module_uses_only_lower_layers() {
    let all = uses();
    assert!(all.contains_key("commands"), "the scan found the modules");
    let found = violations(&all);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn a_use_of_a_higher_layer_or_an_unknown_module_is_a_violation() {
    let mut all = BTreeMap::new();
    all.insert(
        "stats".to_string(),
        vec![
            ("engine".to_string(), "stats/mod.rs".to_string()),
            ("report".to_string(), "stats/mod.rs".to_string()),
            ("Result".to_string(), "stats/mod.rs".to_string()),
        ],
    );
    all.insert("extras".to_string(), vec![]);
    assert_eq!(
        violations(&all),
        [
            "extras is in no layer: add it to LAYERS and lib.rs",
            "stats/mod.rs: stats uses report, not a lower layer",
        ]
    );
    // The scan of the real source sees the uses it must judge.
    assert!(uses()["report"].iter().any(|(d, _)| d == "stats"));
}
