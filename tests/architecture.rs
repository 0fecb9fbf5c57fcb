//! The house rules of issue 13, checked on the source tree itself rather than on the compiled
//! crate: no import circle among the files under `src/` (counted per file, so a child importing
//! what its parent `mod.rs` defines while the parent dispatches into the child is a circle), and
//! no file under `src/` longer than `MAX_LINES`.
//!
//! The reader is a small Rust tokenizer, not a compiler: it follows `use` trees, qualified paths
//! in code (`crate::`, `super::`, `self::`, a child module's name, a name a `use` bound) and the
//! names a `use parent::*` brings in. Comments, strings, char literals and `mod tests { .. }`
//! blocks (and `tests.rs` files) are not read, since tests may import upwards.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;
use std::path::Path;

/// A file longer than this is split (a long `mod tests` can move to a `tests.rs` child).
const MAX_LINES: usize = 900;

/// How deep name lookups through `use` bindings and globs may chain before giving up; real code
/// needs two or three, and a limit keeps a glob circle (`a` globs `b` globs `a`) finite.
const LOOKUP_DEPTH: usize = 8;

/// The crate root of the library; module paths of library files start with it.
const LIB_ROOT: &str = "crate";
/// The crate root of the binary `src/main.rs`, kept apart so it never joins a library circle.
const BIN_ROOT: &str = "<bin>";
/// The library's name as the binary writes it.
const LIB_NAME: &str = "rounds";

#[test]
fn no_import_circle_among_src_files() {
    let tree = read_src_tree();
    let graph = DependencyGraph::build(&tree);
    let report = graph.circles_report();
    assert!(
        report.is_empty(),
        "import circles among src/ files (each line `a -> b` says where a imports b; a file \
         must never import, directly or through others, a file that imports it):\n{report}"
    );
}

#[test]
fn no_src_file_longer_than_the_limit() {
    let tree = read_src_tree();
    let mut long: Vec<(usize, &String)> = tree
        .iter()
        .map(|(path, text)| (text.lines().count(), path))
        .filter(|(lines, _)| *lines > MAX_LINES)
        .collect();
    long.sort_by(|a, b| b.cmp(a));
    let listing: String = long
        .iter()
        .map(|(lines, path)| format!("  src/{path}: {lines} lines\n"))
        .collect();
    assert!(
        long.is_empty(),
        "{} files under src/ are longer than {MAX_LINES} lines (split them; a long `mod tests` \
         may move to a `tests.rs` child file):\n{listing}",
        long.len()
    );
}

/// Not a rule: prints every file-to-file import with where it is written, to check the reader or
/// to plan a split (`cargo test --test architecture -- --ignored --nocapture`).
#[test]
#[ignore]
fn print_the_import_graph() {
    let graph = DependencyGraph::build(&read_src_tree());
    for (from, targets) in &graph.edges {
        for (to, evidence) in targets {
            println!(
                "{from} -> {to}    ({from}:{} `{}`)",
                evidence.line, evidence.path
            );
        }
    }
}

/// Every `.rs` file under `src/`, by its path relative to `src/` with `/` separators.
fn read_src_tree() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut tree = BTreeMap::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                let relative = path
                    .strip_prefix(&src)
                    .expect("a file found under src/ lies under src/")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                tree.insert(relative, text);
            }
        }
    }
    tree
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// An identifier or keyword; `$crate` and other macro variables keep their `$`; a raw
    /// identifier `r#type` is `type`.
    Ident(String),
    /// `::`
    PathSep,
    /// Any other character outside comments and literals (numbers included, one char at a time
    /// is not needed: a number is one `Other`).
    Punct(char),
    /// A number or a skipped literal: stands between tokens so paths do not join across it.
    Other,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Splits Rust source into the tokens paths are made of, dropping comments, string and char
/// literals (raw, byte and C strings included) and lifetimes.
fn tokenize(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Advances past chars[from..to], counting newlines so later tokens keep their line.
    let skip_to = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())]
            .iter()
            .filter(|c| **c == '\n')
            .count();
        to
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i = skip_to(i, i + 1, &mut line);
        } else if c == '/' && at(i + 1) == '/' {
            let mut end = i;
            while end < chars.len() && chars[end] != '\n' {
                end += 1;
            }
            i = end;
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            let mut end = i;
            while end < chars.len() {
                if chars[end] == '/' && at(end + 1) == '*' {
                    depth += 1;
                    end += 2;
                } else if chars[end] == '*' && at(end + 1) == '/' {
                    depth -= 1;
                    end += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    end += 1;
                }
            }
            i = skip_to(i, end, &mut line);
        } else if c == '"' {
            let end = quoted_end(&chars, i + 1, '"');
            tokens.push(Token {
                tok: Tok::Other,
                line,
            });
            i = skip_to(i, end, &mut line);
        } else if c == '\'' {
            // A char literal is `'x'` or `'\..'`; anything else after a quote is a lifetime or a
            // label (`'a`, `'static`), which must not be read as the start of a literal.
            if at(i + 1) == '\\' {
                let end = quoted_end(&chars, i + 1, '\'');
                tokens.push(Token {
                    tok: Tok::Other,
                    line,
                });
                i = skip_to(i, end, &mut line);
            } else if at(i + 2) == '\'' {
                tokens.push(Token {
                    tok: Tok::Other,
                    line,
                });
                i = skip_to(i, i + 3, &mut line);
            } else {
                let mut end = i + 1;
                while end < chars.len() && is_ident_continue(chars[end]) {
                    end += 1;
                }
                i = end;
            }
        } else if is_ident_start(c) || (c == '$' && is_ident_start(at(i + 1))) {
            let start = i;
            let mut end = i + 1;
            while end < chars.len() && is_ident_continue(chars[end]) {
                end += 1;
            }
            let word: String = chars[start..end].iter().collect();
            match (word.as_str(), at(end)) {
                ("r" | "br" | "cr", '"' | '#') if raw_string_hashes(&chars, end).is_some() => {
                    let hashes = raw_string_hashes(&chars, end).unwrap_or(0);
                    let mut close = end + hashes + 1;
                    loop {
                        if close >= chars.len() {
                            break;
                        }
                        if chars[close] == '"' && (1..=hashes).all(|k| at(close + k) == '#') {
                            close += hashes + 1;
                            break;
                        }
                        close += 1;
                    }
                    tokens.push(Token {
                        tok: Tok::Other,
                        line,
                    });
                    i = skip_to(i, close, &mut line);
                }
                ("r", '#') if is_ident_start(at(end + 1)) => {
                    let mut raw_end = end + 1;
                    while raw_end < chars.len() && is_ident_continue(chars[raw_end]) {
                        raw_end += 1;
                    }
                    tokens.push(Token {
                        tok: Tok::Ident(chars[end + 1..raw_end].iter().collect()),
                        line,
                    });
                    i = raw_end;
                }
                ("b" | "c", '"') => {
                    let close = quoted_end(&chars, end + 1, '"');
                    tokens.push(Token {
                        tok: Tok::Other,
                        line,
                    });
                    i = skip_to(i, close, &mut line);
                }
                ("b", '\'') => {
                    let close = quoted_end(&chars, end + 1, '\'');
                    tokens.push(Token {
                        tok: Tok::Other,
                        line,
                    });
                    i = skip_to(i, close, &mut line);
                }
                _ => {
                    tokens.push(Token {
                        tok: Tok::Ident(word),
                        line,
                    });
                    i = end;
                }
            }
        } else if c.is_ascii_digit() {
            let mut end = i + 1;
            while end < chars.len() && is_ident_continue(chars[end]) {
                end += 1;
            }
            tokens.push(Token {
                tok: Tok::Other,
                line,
            });
            i = end;
        } else if c == ':' && at(i + 1) == ':' {
            tokens.push(Token {
                tok: Tok::PathSep,
                line,
            });
            i += 2;
        } else {
            tokens.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    tokens
}

/// The index just past the closing `quote` of a literal whose body starts at `from`, honouring
/// backslash escapes.
fn quoted_end(chars: &[char], from: usize, quote: char) -> usize {
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// After `r`, `br` or `cr` at `from`: the number of `#` before an opening `"`, if this is a raw
/// string at all (`r#type` is a raw identifier instead).
fn raw_string_hashes(chars: &[char], from: usize) -> Option<usize> {
    let mut hashes = 0;
    while chars.get(from + hashes) == Some(&'#') {
        hashes += 1;
    }
    (chars.get(from + hashes) == Some(&'"')).then_some(hashes)
}

// ---------------------------------------------------------------------------------------------
// What one file says

/// One name a `use` declaration brings in (or a glob).
#[derive(Clone, Debug)]
struct UseLeaf {
    /// The path as written, `self` leaves already folded into their prefix.
    segments: Vec<String>,
    /// The name it binds: the last segment or the `as` alias; `None` for a glob or `as _`.
    binding: Option<String>,
    glob: bool,
    line: usize,
}

/// A module scope: a file, or an inline `mod name { .. }` inside one.
#[derive(Clone, Debug, Default)]
struct Scope {
    file: String,
    /// Its module path, starting with the crate root (`crate` or `<bin>`).
    module: Vec<String>,
    uses: Vec<UseLeaf>,
    /// Qualified paths met in code, as written, with their line.
    paths: Vec<(Vec<String>, usize)>,
}

/// The module path of a file under `src/`, or `None` for files that are not read for imports
/// (`tests.rs` children: tests may import upwards).
fn module_of(relative: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = relative.split('/').collect();
    let file = parts.last()?.strip_suffix(".rs")?;
    if file == "tests" {
        return None;
    }
    if relative == "main.rs" {
        return Some(vec![BIN_ROOT.to_string()]);
    }
    let mut module = vec![LIB_ROOT.to_string()];
    module.extend(parts[..parts.len() - 1].iter().map(|p| p.to_string()));
    if relative != "lib.rs" && file != "mod" {
        module.push(file.to_string());
    }
    Some(module)
}

/// Reads one file's `use` declarations, inline modules and qualified paths into its scopes.
fn read_scopes(relative: &str, module: Vec<String>, source: &str) -> Vec<Scope> {
    let tokens = tokenize(source);
    let ident = |i: usize| match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let tok = |i: usize| tokens.get(i).map(|t| &t.tok);
    let mut scopes = vec![Scope {
        file: relative.to_string(),
        module,
        ..Scope::default()
    }];
    // Open inline modules: (index into scopes, brace depth inside them).
    let mut open: Vec<(usize, usize)> = vec![(0, 0)];
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let current = open.last().map_or(0, |(scope, _)| *scope);
        match &tokens[i].tok {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                if open.len() > 1 && open.last().is_some_and(|(_, d)| *d == depth) {
                    open.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(word) if word == "mod" && tok(i + 2) == Some(&Tok::Punct('{')) => {
                let name = ident(i + 1).unwrap_or_default().to_string();
                if name == "tests" {
                    i = matching_brace(&tokens, i + 2) + 1;
                } else {
                    let mut module = scopes[current].module.clone();
                    module.push(name);
                    scopes.push(Scope {
                        file: relative.to_string(),
                        module,
                        ..Scope::default()
                    });
                    depth += 1;
                    open.push((scopes.len() - 1, depth));
                    i += 3;
                }
            }
            Tok::Ident(word) if word == "use" => {
                let mut end = i + 1;
                let mut leaves = Vec::new();
                parse_use_tree(&tokens, &mut end, Vec::new(), &mut leaves);
                scopes[current].uses.extend(leaves);
                i = end;
            }
            // `pub(in crate::x)` names where an item is visible, not what it uses.
            Tok::Ident(word)
                if word == "pub"
                    && tok(i + 1) == Some(&Tok::Punct('('))
                    && ident(i + 2) == Some("in") =>
            {
                while i < tokens.len() && tokens[i].tok != Tok::Punct(')') {
                    i += 1;
                }
            }
            Tok::Ident(first)
                if tok(i + 1) == Some(&Tok::PathSep)
                    && !matches!(
                        i.checked_sub(1).and_then(&tok),
                        Some(Tok::PathSep | Tok::Punct('.'))
                    ) =>
            {
                let line = tokens[i].line;
                let mut segments = vec![first.clone()];
                let mut end = i + 1;
                while tok(end) == Some(&Tok::PathSep) {
                    match ident(end + 1) {
                        Some(next) => {
                            segments.push(next.to_string());
                            end += 2;
                        }
                        None => break,
                    }
                }
                scopes[current].paths.push((segments, line));
                i = end;
            }
            _ => i += 1,
        }
    }
    scopes
}

/// The index of the `}` closing the `{` at `open`.
fn matching_brace(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// Reads one use tree starting at `*i` (after `use`, or inside a brace group), appending its
/// leaves; leaves `*i` on the `,`, `}` or `;` that ends it (past the `;`).
fn parse_use_tree(tokens: &[Token], i: &mut usize, prefix: Vec<String>, out: &mut Vec<UseLeaf>) {
    let mut segments = prefix;
    let line = tokens.get(*i).map_or(0, |t| t.line);
    while let Some(token) = tokens.get(*i) {
        match &token.tok {
            Tok::PathSep => *i += 1,
            Tok::Ident(name) => {
                segments.push(name.clone());
                *i += 1;
                if tokens.get(*i).map(|t| &t.tok) == Some(&Tok::PathSep) {
                    continue;
                }
                let mut binding = segments.last().cloned();
                if let Some(Tok::Ident(word)) = tokens.get(*i).map(|t| &t.tok)
                    && word == "as"
                {
                    binding = match tokens.get(*i + 1).map(|t| &t.tok) {
                        Some(Tok::Ident(alias)) if alias != "_" => Some(alias.clone()),
                        _ => None,
                    };
                    *i += 2;
                }
                if segments.last().is_some_and(|s| s == "self") {
                    segments.pop();
                    if binding.as_deref() == Some("self") {
                        binding = segments.last().cloned();
                    }
                }
                out.push(UseLeaf {
                    segments,
                    binding,
                    glob: false,
                    line,
                });
                break;
            }
            Tok::Punct('*') => {
                *i += 1;
                out.push(UseLeaf {
                    segments,
                    binding: None,
                    glob: true,
                    line,
                });
                break;
            }
            Tok::Punct('{') => {
                *i += 1;
                loop {
                    match tokens.get(*i).map(|t| &t.tok) {
                        None => return,
                        Some(Tok::Punct('}')) => {
                            *i += 1;
                            break;
                        }
                        Some(Tok::Punct(',')) => *i += 1,
                        Some(_) => parse_use_tree(tokens, i, segments.clone(), out),
                    }
                }
                break;
            }
            _ => break,
        }
    }
    // Only the outermost call sits before the `;`; step past it so the caller resumes after.
    if tokens.get(*i).map(|t| &t.tok) == Some(&Tok::Punct(';')) {
        *i += 1;
    }
}

// ---------------------------------------------------------------------------------------------
// The graph

/// Why a file depends on another: the first place it says so.
#[derive(Clone, Debug)]
struct Evidence {
    line: usize,
    path: String,
}

struct DependencyGraph {
    /// Files read for imports (every `.rs` under `src/` but `tests.rs`).
    files: BTreeSet<String>,
    /// from -> to -> first evidence.
    edges: BTreeMap<String, BTreeMap<String, Evidence>>,
}

/// Everything needed to resolve names: every scope by its module path.
struct Resolver {
    scopes: HashMap<Vec<String>, Scope>,
}

impl Resolver {
    fn is_module(&self, module: &[String]) -> bool {
        self.scopes.contains_key(module)
    }

    /// The file holding the longest prefix of `path` that is a module.
    fn file_of(&self, path: &[String]) -> Option<&str> {
        (1..=path.len())
            .rev()
            .find_map(|len| self.scopes.get(&path[..len]))
            .map(|scope| scope.file.as_str())
    }

    /// A path as written in `scope`, made absolute; `None` when it leaves the crate (std, an
    /// external crate) or names nothing this reader can follow.
    fn absolute(&self, scope: &[String], segments: &[String], depth: usize) -> Option<Vec<String>> {
        let (first, rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" | "$crate" => vec![scope[0].clone()],
            "self" => scope.to_vec(),
            "super" => {
                let mut base = scope.to_vec();
                base.pop();
                base
            }
            LIB_NAME if scope[0] == BIN_ROOT => vec![LIB_ROOT.to_string()],
            name => self.lookup(scope, name, depth)?,
        };
        let mut rest = rest.iter().peekable();
        while rest.peek().is_some_and(|s| *s == "super") {
            rest.next();
            base.pop();
        }
        if base.is_empty() {
            return None;
        }
        base.extend(rest.cloned());
        Some(base)
    }

    /// What a bare `name` means in `scope`: a child module, a name a `use` bound, or a name a
    /// glob import brings in from another module.
    fn lookup(&self, scope: &[String], name: &str, depth: usize) -> Option<Vec<String>> {
        if depth > LOOKUP_DEPTH {
            return None;
        }
        let mut child = scope.to_vec();
        child.push(name.to_string());
        if self.is_module(&child) {
            return Some(child);
        }
        let info = self.scopes.get(scope)?;
        if let Some(found) = info
            .uses
            .iter()
            .filter(|leaf| !leaf.glob && leaf.binding.as_deref() == Some(name))
            // `use chrono;` binds `chrono` to itself: an external crate, not a lookup loop.
            .filter(|leaf| leaf.segments != [name])
            .find_map(|leaf| self.absolute(scope, &leaf.segments, depth + 1))
        {
            return Some(found);
        }
        info.uses
            .iter()
            .filter(|leaf| leaf.glob)
            .filter_map(|leaf| self.absolute(scope, &leaf.segments, depth + 1))
            .filter(|module| self.is_module(module))
            .find_map(|module| self.lookup(&module, name, depth + 1))
    }
}

impl DependencyGraph {
    fn build(tree: &BTreeMap<String, String>) -> Self {
        let mut scopes = HashMap::new();
        let mut files = BTreeSet::new();
        for (relative, source) in tree {
            let Some(module) = module_of(relative) else {
                continue;
            };
            files.insert(relative.clone());
            for scope in read_scopes(relative, module, source) {
                scopes.insert(scope.module.clone(), scope);
            }
        }
        let resolver = Resolver { scopes };
        let mut edges: BTreeMap<String, BTreeMap<String, Evidence>> = BTreeMap::new();
        for scope in resolver.scopes.values() {
            let mut add = |segments: &[String], glob: bool, line: usize| {
                let Some(target) = resolver.absolute(&scope.module, segments, 0) else {
                    return;
                };
                // Paths of one crate never reach into the other's files.
                if target[0] != scope.module[0] && target[0] != LIB_ROOT {
                    return;
                }
                let Some(to) = resolver.file_of(&target) else {
                    return;
                };
                if to == scope.file {
                    return;
                }
                let written = segments.join("::") + if glob { "::*" } else { "" };
                edges
                    .entry(scope.file.clone())
                    .or_default()
                    .entry(to.to_string())
                    .and_modify(|known: &mut Evidence| {
                        if line < known.line {
                            *known = Evidence {
                                line,
                                path: written.clone(),
                            };
                        }
                    })
                    .or_insert(Evidence {
                        line,
                        path: written.clone(),
                    });
            };
            for leaf in &scope.uses {
                add(&leaf.segments, leaf.glob, leaf.line);
            }
            for (segments, line) in &scope.paths {
                add(segments, false, *line);
            }
        }
        DependencyGraph { files, edges }
    }

    fn targets<'a>(&'a self, from: &str) -> impl Iterator<Item = &'a String> + use<'a> {
        self.edges.get(from).into_iter().flat_map(|to| to.keys())
    }

    /// Strongly connected components with more than one file (Tarjan), each sorted.
    fn circles(&self) -> Vec<Vec<String>> {
        struct Walk<'g> {
            graph: &'g DependencyGraph,
            index: HashMap<&'g str, usize>,
            low: HashMap<&'g str, usize>,
            stack: Vec<&'g str>,
            on_stack: BTreeSet<&'g str>,
            found: Vec<Vec<String>>,
        }
        impl<'g> Walk<'g> {
            fn visit(&mut self, node: &'g str) {
                let number = self.index.len();
                self.index.insert(node, number);
                self.low.insert(node, number);
                self.stack.push(node);
                self.on_stack.insert(node);
                let graph = self.graph;
                for next in graph.targets(node) {
                    let next = next.as_str();
                    if !self.index.contains_key(next) {
                        self.visit(next);
                        let low = self.low[node].min(self.low[next]);
                        self.low.insert(node, low);
                    } else if self.on_stack.contains(next) {
                        let low = self.low[node].min(self.index[next]);
                        self.low.insert(node, low);
                    }
                }
                if self.low[node] == self.index[node] {
                    let mut component = Vec::new();
                    while let Some(member) = self.stack.pop() {
                        self.on_stack.remove(member);
                        component.push(member.to_string());
                        if member == node {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort();
                        self.found.push(component);
                    }
                }
            }
        }
        let mut walk = Walk {
            graph: self,
            index: HashMap::new(),
            low: HashMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            found: Vec::new(),
        };
        for file in &self.files {
            if !walk.index.contains_key(file.as_str()) {
                walk.visit(file);
            }
        }
        walk.found.sort();
        walk.found
    }

    /// For every import that closes a circle, the shortest circle through it, each once, starting
    /// at its alphabetically first file.
    fn cycles(&self) -> Vec<Vec<String>> {
        let mut cycles = BTreeSet::new();
        for component in self.circles() {
            let members: BTreeSet<&str> = component.iter().map(String::as_str).collect();
            for from in &component {
                for to in self.targets(from).filter(|t| members.contains(t.as_str())) {
                    // Shortest way back from `to` to `from` inside the component.
                    let mut came_from: HashMap<&str, &str> = HashMap::new();
                    let mut queue = VecDeque::from([to.as_str()]);
                    while let Some(node) = queue.pop_front() {
                        if node == from {
                            break;
                        }
                        for next in self.targets(node) {
                            let next = next.as_str();
                            if members.contains(next) && next != to && !came_from.contains_key(next)
                            {
                                came_from.insert(next, node);
                                queue.push_back(next);
                            }
                        }
                    }
                    let mut back = vec![from.as_str()];
                    let mut node = from.as_str();
                    while node != to {
                        node = came_from[node];
                        back.push(node);
                    }
                    back.reverse();
                    // back: to .. from; the cycle is from -> to .. from.
                    let mut cycle: Vec<String> = std::iter::once(from.as_str())
                        .chain(back.into_iter().take_while(|n| *n != from))
                        .map(str::to_string)
                        .collect();
                    let start = (0..cycle.len())
                        .min_by_key(|k| &cycle[*k])
                        .unwrap_or_default();
                    cycle.rotate_left(start);
                    cycles.insert(cycle);
                }
            }
        }
        cycles.into_iter().collect()
    }

    /// A readable account of every circle, empty when there is none.
    fn circles_report(&self) -> String {
        let mut report = String::new();
        let cycles = self.cycles();
        for component in self.circles() {
            let _ = writeln!(
                report,
                "\n{} files import one another in a circle: {}",
                component.len(),
                component.join(", ")
            );
            let members: BTreeSet<&String> = component.iter().collect();
            for cycle in &cycles {
                if !members.contains(&cycle[0]) {
                    continue;
                }
                let mut closed = cycle.clone();
                closed.push(cycle[0].clone());
                let _ = writeln!(report, "  {}", closed.join(" -> "));
                for pair in closed.windows(2) {
                    let evidence = &self.edges[&pair[0]][&pair[1]];
                    let _ = writeln!(
                        report,
                        "      {}:{} uses `{}`",
                        pair[0], evidence.line, evidence.path
                    );
                }
            }
        }
        report
    }
}

// ---------------------------------------------------------------------------------------------
// The reader checked on synthetic trees

#[test]
fn tokenizer_skips_comments_literals_and_lifetimes() {
    let source = r####"
        // crate::a::in_line_comment
        /* crate::a::block /* nested crate::a::x */ still comment crate::a::y */
        /// crate::a::doc
        fn f<'a>(x: &'a str, y: &'static str) -> char {
            let s = "crate::a::string \" crate::a::escaped";
            let r = r#"crate::a::raw "quoted" "#;
            let rr = r##"crate::a::raw2 "# still"##;
            let b = b"crate::a::bytes";
            let br = br"crate::a::rawbytes";
            let q = '"';
            let e = '\'';
            let u = '\u{1F600}';
            let byte = b'x';
            let r#type = 1;
            'outer: loop { break 'outer; }
            crate::a::real(x)
        }
    "####;
    let paths: Vec<String> = read_scopes("x.rs", vec!["crate".into(), "x".into()], source)
        .into_iter()
        .flat_map(|scope| scope.paths)
        .map(|(segments, line)| format!("{}@{line}", segments.join("::")))
        .collect();
    assert_eq!(paths, vec!["crate::a::real@17".to_string()]);
    let idents: Vec<Tok> = tokenize(source)
        .into_iter()
        .map(|t| t.tok)
        .filter(|t| matches!(t, Tok::Ident(s) if s == "type" || s == "outer" || s == "a"))
        .collect();
    // `r#type` is the identifier `type`; `'outer` and `'a` are lifetimes/labels, not idents,
    // and the only `a` is the one in `crate::a::real`.
    assert_eq!(
        idents,
        vec![Tok::Ident("type".into()), Tok::Ident("a".into())]
    );
}

#[test]
fn use_trees_are_read_into_leaves() {
    let source = "use super::{a, b::{self, c, D as E}, *}; pub(crate) use self::x::y as _;";
    let tokens = tokenize(source);
    let mut i = 1;
    let mut leaves = Vec::new();
    parse_use_tree(&tokens, &mut i, Vec::new(), &mut leaves);
    let read: Vec<String> = leaves
        .iter()
        .map(|leaf| {
            format!(
                "{}{} as {:?}",
                leaf.segments.join("::"),
                if leaf.glob { "::*" } else { "" },
                leaf.binding
            )
        })
        .collect();
    assert_eq!(
        read,
        vec![
            "super::a as Some(\"a\")",
            "super::b as Some(\"b\")",
            "super::b::c as Some(\"c\")",
            "super::b::D as Some(\"E\")",
            "super::* as None",
        ]
    );
    assert_eq!(tokens[i].tok, Tok::Ident("pub".into()));
}

fn synthetic_tree() -> BTreeMap<String, String> {
    [
        ("lib.rs", "pub mod a;\npub mod b;\n"),
        (
            "a/mod.rs",
            r##"
mod child;
mod other;
pub use child::Thing;
pub struct Shared;
// crate::b::from_a_comment
fn f() {
    let s = "crate::b::from_a_string";
    let r = r#"super::b "quoted" "#;
    let c = '"';
    other::run();
}
fn g<'a>(x: &'a str) -> &'a str { x }
"##,
        ),
        (
            "a/child.rs",
            r#"
use super::{other::{self, Helper}, *};
use crate::b;
pub struct Thing;
fn f() { b::inner::go(); let _ = Shared; }
"#,
        ),
        ("a/other.rs", "pub struct Helper;\npub fn run() { crate::b::inner::go(); }\n"),
        (
            "b/mod.rs",
            "pub mod inner;\npub(crate) use self::inner::go;\npub(in crate::b) fn quiet() {}\n",
        ),
        (
            "b/inner.rs",
            "pub fn go() {}\n#[cfg(test)]\nmod tests {\n    use crate::a::*;\n    use super::super::quiet;\n}\n",
        ),
        ("b/tests.rs", "use crate::a::Thing;\nuse super::*;\n"),
        ("main.rs", "use rounds::a::Thing;\nfn main() { rounds::b::go(); }\n"),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.to_string()))
    .collect()
}

#[test]
fn module_paths_follow_the_file_layout() {
    let path = |p: &str| module_of(p).map(|m| m.join("::"));
    assert_eq!(path("lib.rs").as_deref(), Some("crate"));
    assert_eq!(path("main.rs").as_deref(), Some(BIN_ROOT));
    assert_eq!(
        path("core/events/mod.rs").as_deref(),
        Some("crate::core::events")
    );
    assert_eq!(
        path("core/events/rsvp.rs").as_deref(),
        Some("crate::core::events::rsvp")
    );
    assert_eq!(path("core/events/tests.rs"), None);
}

#[test]
fn resolver_finds_exactly_the_real_edges() {
    let graph = DependencyGraph::build(&synthetic_tree());
    let edges: Vec<String> = graph
        .edges
        .iter()
        .flat_map(|(from, to)| to.keys().map(move |to| format!("{from} -> {to}")))
        .collect();
    assert_eq!(
        edges,
        vec![
            // `pub use child::Thing` and `other::run()`: a parent dispatching into children.
            "a/child.rs -> a/mod.rs",
            "a/child.rs -> a/other.rs",
            "a/child.rs -> b/inner.rs",
            "a/child.rs -> b/mod.rs",
            "a/mod.rs -> a/child.rs",
            "a/mod.rs -> a/other.rs",
            "a/other.rs -> b/inner.rs",
            "b/mod.rs -> b/inner.rs",
            "main.rs -> a/mod.rs",
            "main.rs -> b/mod.rs",
        ]
    );
    assert_eq!(
        graph.circles(),
        vec![vec!["a/child.rs".to_string(), "a/mod.rs".to_string()]]
    );
    let report = graph.circles_report();
    assert!(
        report.contains("a/child.rs -> a/mod.rs -> a/child.rs"),
        "{report}"
    );
    assert!(report.contains("a/child.rs:2 uses `super::*`"), "{report}");
    assert!(
        report.contains("a/mod.rs:4 uses `child::Thing`"),
        "{report}"
    );
}

#[test]
fn a_chain_of_three_files_is_one_circle() {
    let tree: BTreeMap<String, String> = [
        ("lib.rs", "mod x;\nmod y;\nmod z;\n"),
        ("x.rs", "use crate::y::Y;\n"),
        ("y.rs", "pub struct Y;\nfn f() { super::z::g(); }\n"),
        ("z.rs", "pub fn g() { let _ = crate::x::X; }\n"),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.to_string()))
    .collect();
    let graph = DependencyGraph::build(&tree);
    assert_eq!(
        graph.cycles(),
        vec![vec![
            "x.rs".to_string(),
            "y.rs".to_string(),
            "z.rs".to_string()
        ]]
    );
    assert!(
        graph
            .circles_report()
            .contains("x.rs -> y.rs -> z.rs -> x.rs")
    );
}
