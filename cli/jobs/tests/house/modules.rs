//! The import graph of one crate, file by file: which source file uses what
//! another defines.
//!
//! Nodes are files (a file's inline modules count toward it). An edge runs
//! from a file to the file that defines what it names through `crate::`,
//! `super::`, `self::` or a child module's name, in `use` items and in code.
//! A name imported by a `use` is followed to where it is defined, so a child
//! that imports `crate::Thing`, which lib.rs re-exports from `thing.rs`,
//! depends on `thing.rs`, not on lib.rs. `mod x;` is not an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::lexer::{code_only, tokens, Token};

type ModPath = Vec<String>;

/// One `use` (or code path) as written, in the module it appears in.
struct Reference {
    module: ModPath,
    path: Vec<String>,
    alias: Option<String>,
    glob: bool,
    is_use: bool,
    file: usize,
    line: usize,
}

#[derive(Default)]
pub struct Graph {
    pub files: Vec<PathBuf>,
    /// (from, to) -> the line of `from` that names `to` first.
    pub edges: BTreeMap<(usize, usize), usize>,
}

#[derive(Default)]
struct Scan {
    files: Vec<PathBuf>,
    modules: BTreeMap<ModPath, usize>,
    references: Vec<Reference>,
}

/// The graph of the crate whose root file (lib.rs, main.rs, a test's file)
/// is `root`.
pub fn crate_graph(root: &Path) -> Graph {
    let mut scan = Scan::default();
    scan.file(root, Vec::new(), true);
    let imports = scan.imports();
    let mut graph = Graph {
        files: scan.files.clone(),
        ..Graph::default()
    };
    for r in &scan.references {
        let Some(absolute) = scan.absolute(&r.module, &r.path) else {
            continue;
        };
        let target = scan.target(&absolute, &imports, 0);
        if target != r.file {
            graph.edges.entry((r.file, target)).or_insert(r.line);
        }
    }
    graph
}

impl Scan {
    fn file(&mut self, path: &Path, module: ModPath, owns_dir: bool) {
        let Ok(source) = std::fs::read_to_string(path) else {
            return;
        };
        let file = self.files.len();
        self.files.push(path.to_owned());
        self.modules.insert(module.clone(), file);
        let child_dir = if owns_dir {
            path.parent().unwrap().to_owned()
        } else {
            path.with_extension("")
        };
        let raw_lines: Vec<&str> = source.lines().collect();
        let toks = tokens(&code_only(&source));
        let mut depth = 0usize;
        let mut inline: Vec<(String, usize)> = Vec::new();
        let current = |inline: &[(String, usize)]| -> ModPath {
            let mut m = module.clone();
            m.extend(inline.iter().map(|(n, _)| n.clone()));
            m
        };
        let mut i = 0;
        while i < toks.len() {
            let (tok, line) = &toks[i];
            match tok {
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => {
                    depth = depth.saturating_sub(1);
                    if inline.last().is_some_and(|(_, d)| *d > depth) {
                        inline.pop();
                    }
                }
                Token::Ident(word) if word == "mod" => {
                    if let (Some((Token::Ident(name), _)), Some((next, _))) =
                        (toks.get(i + 1), toks.get(i + 2))
                    {
                        let mut m = current(&inline);
                        m.push(name.clone());
                        if *next == Token::Punct(';') {
                            let dir = if inline.is_empty() {
                                child_dir.clone()
                            } else {
                                inline.iter().fold(child_dir.clone(), |d, (n, _)| d.join(n))
                            };
                            let attr = path_attribute(&raw_lines, *line);
                            self.child(&dir, path, name, attr, m);
                            i += 3;
                            continue;
                        } else if *next == Token::Punct('{') {
                            self.modules.insert(m, file);
                            inline.push((name.clone(), depth + 1));
                            depth += 1;
                            i += 3;
                            continue;
                        }
                    }
                }
                Token::Ident(word) if word == "use" => {
                    i += 1;
                    let mut found = Vec::new();
                    use_tree(&toks, &mut i, Vec::new(), &mut found);
                    for (path, alias, glob) in found {
                        self.references.push(Reference {
                            module: current(&inline),
                            path,
                            alias,
                            glob,
                            is_use: true,
                            file,
                            line: *line,
                        });
                    }
                    continue;
                }
                Token::Ident(word) => {
                    let after_sep = i > 0 && toks[i - 1].0 == Token::PathSep;
                    let after_dollar = i > 0 && toks[i - 1].0 == Token::Punct('$');
                    let after_in = i > 0 && toks[i - 1].0 == Token::Ident("in".into());
                    let is_path = toks.get(i + 1).is_some_and(|(t, _)| *t == Token::PathSep);
                    if is_path && !after_sep && !after_dollar && !after_in {
                        let mut path = vec![word.clone()];
                        let mut j = i + 1;
                        while let (Some((Token::PathSep, _)), Some((Token::Ident(s), _))) =
                            (toks.get(j), toks.get(j + 1))
                        {
                            path.push(s.clone());
                            j += 2;
                        }
                        self.references.push(Reference {
                            module: current(&inline),
                            path,
                            alias: None,
                            glob: false,
                            is_use: false,
                            file,
                            line: *line,
                        });
                        i = j;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn child(&mut self, dir: &Path, parent: &Path, name: &str, attr: Option<String>, m: ModPath) {
        if let Some(relative) = attr {
            let base = parent.parent().unwrap();
            self.file(&base.join(relative), m, true);
            return;
        }
        let flat = dir.join(format!("{name}.rs"));
        if flat.exists() {
            self.file(&flat, m, false);
        } else {
            self.file(&dir.join(name).join("mod.rs"), m, true);
        }
    }

    /// Each module's names brought in by `use`: alias -> absolute path.
    fn imports(&self) -> BTreeMap<(ModPath, String), ModPath> {
        let mut out = BTreeMap::new();
        for r in self.references.iter().filter(|r| r.is_use && !r.glob) {
            let Some(mut absolute) = self.absolute(&r.module, &r.path) else {
                continue;
            };
            if absolute.last().map(String::as_str) == Some("self") {
                absolute.pop();
            }
            let name = r.alias.clone().or_else(|| absolute.last().cloned());
            if let Some(name) = name.filter(|n| n != "_") {
                out.insert((r.module.clone(), name), absolute);
            }
        }
        out
    }

    /// The path from the crate root, or None for another crate's.
    fn absolute(&self, module: &[String], path: &[String]) -> Option<ModPath> {
        let mut base: ModPath = module.to_vec();
        let mut rest = path;
        match path.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &path[1..];
            }
            Some("self") => rest = &path[1..],
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            Some(first) => {
                let mut child = base.clone();
                child.push(first.to_owned());
                if !self.modules.contains_key(&child) {
                    // Another crate, or in code `Type::method`.
                    return None;
                }
            }
            None => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file that defines what `absolute` names, following imports.
    fn target(
        &self,
        absolute: &[String],
        imports: &BTreeMap<(ModPath, String), ModPath>,
        hops: usize,
    ) -> usize {
        let mut prefix = absolute.len();
        while !self.modules.contains_key(&absolute[..prefix]) {
            prefix -= 1;
        }
        let module = &absolute[..prefix];
        if hops < 8 && prefix < absolute.len() {
            let key = (module.to_vec(), absolute[prefix].clone());
            if let Some(source) = imports.get(&key) {
                let mut followed = source.clone();
                followed.extend(absolute[prefix + 1..].iter().cloned());
                if followed != absolute {
                    return self.target(&followed, imports, hops + 1);
                }
            }
        }
        self.modules[module]
    }
}

/// A `use` tree from `i` to its `;`, flattened: (path, alias, is glob).
fn use_tree(
    toks: &[(Token, usize)],
    i: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>, bool)>,
) {
    let mut path = prefix;
    if toks.get(*i).map(|t| &t.0) == Some(&Token::PathSep) {
        // `::name` is another crate's path.
        path.push("::".into());
        *i += 1;
    }
    while let Some((tok, _)) = toks.get(*i) {
        match tok {
            Token::Punct('{') => {
                *i += 1;
                while let Some((tok, _)) = toks.get(*i) {
                    match tok {
                        Token::Punct('}') => {
                            *i += 1;
                            break;
                        }
                        Token::Punct(',') => *i += 1,
                        _ => use_tree(toks, i, path.clone(), out),
                    }
                }
                break;
            }
            Token::Punct('*') => {
                *i += 1;
                out.push((path, None, true));
                break;
            }
            Token::Ident(segment) => {
                path.push(segment.clone());
                *i += 1;
                match toks.get(*i).map(|t| &t.0) {
                    Some(Token::PathSep) => *i += 1,
                    Some(Token::Ident(word)) if word == "as" => {
                        let alias = match toks.get(*i + 1) {
                            Some((Token::Ident(a), _)) => Some(a.clone()),
                            _ => None,
                        };
                        *i += 2;
                        out.push((path, alias, false));
                        break;
                    }
                    _ => {
                        out.push((path, None, false));
                        break;
                    }
                }
            }
            _ => break,
        }
    }
    if toks.get(*i).map(|t| &t.0) == Some(&Token::Punct(';')) {
        *i += 1;
    }
}

/// `#[path = "x.rs"]` on the line before a `mod` (or two before, under a `#[cfg]`).
fn path_attribute(lines: &[&str], line: usize) -> Option<String> {
    (line.saturating_sub(3)..line.saturating_sub(1)).find_map(|l| {
        let text = lines.get(l)?.trim();
        let rest = text.strip_prefix("#[path = \"")?;
        Some(rest.split('"').next()?.to_owned())
    })
}

/// The groups of files that import each other, directly or through others.
pub fn circles(graph: &Graph) -> Vec<BTreeSet<usize>> {
    let n = graph.files.len();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(from, to) in graph.edges.keys() {
        next[from].push(to);
    }
    let reach = |start: usize| -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(f) = stack.pop() {
            for &t in &next[f] {
                if seen.insert(t) {
                    stack.push(t);
                }
            }
        }
        seen
    };
    let reaches: Vec<BTreeSet<usize>> = (0..n).map(reach).collect();
    let mut groups: Vec<BTreeSet<usize>> = Vec::new();
    for a in 0..n {
        if groups.iter().any(|g| g.contains(&a)) {
            continue;
        }
        let group: BTreeSet<usize> = (0..n)
            .filter(|&b| b != a && reaches[a].contains(&b) && reaches[b].contains(&a))
            .chain(std::iter::once(a))
            .collect();
        if group.len() > 1 {
            groups.push(group);
        }
    }
    groups
}
