//! The SQLite and PostgreSQL migration trees must describe the same schema: the same files in the
//! same order, and after each file the same tables with the same columns in the same order (by
//! type class, nullability, default and generated ids), the same primary keys and unique
//! constraints, and the same indexes. Each tree's statements are applied in order to a small
//! schema model, so an `ALTER TABLE` in one tree must be matched in the other by the same file.
//!
//! Only the dialect differences the trees need are normalised: `INTEGER` (SQLite) and `BIGINT`
//! (PostgreSQL) are both integers, `INTEGER PRIMARY KEY AUTOINCREMENT` and `BIGSERIAL PRIMARY
//! KEY` (or `GENERATED .. AS IDENTITY`) are both generated ids. A statement the model does not
//! know fails the test, so it never passes by ignoring a change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

#[test]
fn sqlite_and_postgres_migrations_describe_the_same_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let sqlite = read_tree(&root.join("sqlite"));
    let postgres = read_tree(&root.join("postgres"));
    assert!(
        !sqlite.is_empty(),
        "no migrations found under migrations/sqlite"
    );
    let schema = compare_trees(&sqlite, &postgres).unwrap_or_else(|differences| {
        panic!(
            "migrations/sqlite and migrations/postgres have drifted apart:\n{}",
            differences.join("\n")
        )
    });
    // A reader that silently read nothing would compare two empty schemas.
    let columns: usize = schema.tables.values().map(|t| t.columns.len()).sum();
    assert!(
        schema.tables.len() >= sqlite.len() && columns > schema.tables.len(),
        "the migrations were read as {} tables with {columns} columns: the reader missed them",
        schema.tables.len()
    );
}

/// The `.sql` files of one tree, by name, in the order they are applied.
fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files: Vec<(String, String)> = entries
        .map(|entry| entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())))
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "sql"))
        .map(|entry| {
            let path = entry.path();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (entry.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    // sqlx applies migrations by their numeric prefix; the names are zero-padded, so by name.
    files.sort();
    files
}

// ---------------------------------------------------------------------------------------------
// The schema model

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        })
    }
}

/// What a column holds, whatever each dialect calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TypeClass {
    Integer,
    Text,
    Time,
    Bool,
    Real,
    Bytes,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Column {
    name: String,
    class: TypeClass,
    not_null: bool,
    /// The default expression, upper-cased, `TRUE`/`FALSE` as `1`/`0`.
    default: Option<String>,
    /// An id the database assigns (AUTOINCREMENT, SERIAL, IDENTITY).
    generated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Table {
    columns: Vec<Column>,
    primary_key: Option<Vec<String>>,
    unique: BTreeSet<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Index {
    table: String,
    columns: Vec<String>,
    unique: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Schema {
    tables: BTreeMap<String, Table>,
    indexes: BTreeMap<String, Index>,
}

// ---------------------------------------------------------------------------------------------
// SQL tokens

#[derive(Clone, Debug, PartialEq)]
enum Sql {
    /// A keyword or identifier, lower-cased unless it was double-quoted.
    Word(String),
    /// A number or a quoted string, kept as written (strings with their quotes).
    Literal(String),
    Punct(char),
}

impl Sql {
    fn is(&self, word: &str) -> bool {
        matches!(self, Sql::Word(w) if w == word)
    }
}

impl fmt::Display for Sql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sql::Word(w) | Sql::Literal(w) => f.write_str(w),
            Sql::Punct(c) => write!(f, "{c}"),
        }
    }
}

/// Splits a migration into statements of tokens, dropping `--` and `/* */` comments.
fn statements(text: &str) -> Vec<Vec<Sql>> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut statements = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && at(i + 1) == '-' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' {
            // A doubled quote inside is the quote itself.
            let mut end = i + 1;
            let mut value = String::new();
            while end < chars.len() {
                if chars[end] == c && at(end + 1) == c {
                    value.push(c);
                    end += 2;
                } else if chars[end] == c {
                    break;
                } else {
                    value.push(chars[end]);
                    end += 1;
                }
            }
            current.push(if c == '"' {
                Sql::Word(value)
            } else {
                Sql::Literal(format!("'{value}'"))
            });
            i = end + 1;
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = i;
            while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            let word: String = chars[i..end].iter().collect();
            current.push(if c.is_ascii_digit() {
                Sql::Literal(word)
            } else {
                Sql::Word(word.to_lowercase())
            });
            i = end;
        } else if c == ';' {
            if !current.is_empty() {
                statements.push(std::mem::take(&mut current));
            }
            i += 1;
        } else {
            current.push(Sql::Punct(c));
            i += 1;
        }
    }
    if !current.is_empty() {
        statements.push(current);
    }
    statements
}

/// The tokens of a parenthesised list starting at `open` (a `(`), split on top-level commas;
/// returns the parts and the index after the closing `)`.
fn split_parenthesised(tokens: &[Sql], open: usize) -> Result<(Vec<Vec<Sql>>, usize), String> {
    if tokens.get(open) != Some(&Sql::Punct('(')) {
        return Err(format!("expected `(` at token {open}"));
    }
    let mut parts = vec![Vec::new()];
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open + 1) {
        match token {
            Sql::Punct('(') => depth += 1,
            Sql::Punct(')') if depth == 0 => {
                parts.retain(|p: &Vec<Sql>| !p.is_empty());
                return Ok((parts, i + 1));
            }
            Sql::Punct(')') => depth -= 1,
            Sql::Punct(',') if depth == 0 => {
                parts.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if let Some(part) = parts.last_mut() {
            part.push(token.clone());
        }
    }
    Err("a `(` is never closed".to_string())
}

/// Column names of an index or key list: `(a, b DESC)` -> `[a, b]`.
fn column_list(tokens: &[Sql], open: usize) -> Result<(Vec<String>, usize), String> {
    let (parts, end) = split_parenthesised(tokens, open)?;
    let names = parts
        .iter()
        .map(|part| match part.first() {
            Some(Sql::Word(name)) => Ok(name.clone()),
            other => Err(format!("expected a column name, found {other:?}")),
        })
        .collect::<Result<_, _>>()?;
    Ok((names, end))
}

fn render(tokens: &[Sql]) -> String {
    tokens
        .iter()
        .map(Sql::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// Applying statements

/// Words that end a column's type and start its constraints.
const CONSTRAINT_WORDS: &[&str] = &[
    "primary",
    "not",
    "null",
    "default",
    "unique",
    "references",
    "check",
    "constraint",
    "generated",
    "autoincrement",
    "collate",
];

/// A declared type's class in a dialect, and whether the type itself makes a generated id.
fn type_class(dialect: Dialect, words: &[String]) -> Result<(TypeClass, bool), String> {
    let name = words.join(" ");
    let first = words.first().map(String::as_str).unwrap_or("");
    let class = match (dialect, first) {
        (Dialect::Postgres, "bigserial" | "serial" | "smallserial" | "serial8" | "serial4") => {
            return Ok((TypeClass::Integer, true));
        }
        (_, "integer" | "int" | "bigint" | "smallint" | "int2" | "int4" | "int8") => {
            TypeClass::Integer
        }
        (_, "text" | "varchar" | "char" | "character" | "clob") => TypeClass::Text,
        (Dialect::Postgres, "uuid" | "json" | "jsonb") => TypeClass::Text,
        (_, "timestamptz" | "timestamp" | "date" | "time") => TypeClass::Time,
        (Dialect::Sqlite, "datetime") => TypeClass::Time,
        (_, "boolean" | "bool") => TypeClass::Bool,
        (_, "real" | "double" | "float" | "float4" | "float8" | "numeric" | "decimal") => {
            TypeClass::Real
        }
        (Dialect::Sqlite, "blob") | (Dialect::Postgres, "bytea") => TypeClass::Bytes,
        _ => return Err(format!("unknown {dialect} type `{name}`")),
    };
    Ok((class, false))
}

fn normalise_default(tokens: &[Sql]) -> String {
    // Keywords and function names in upper case; string literals as written.
    let text = tokens
        .iter()
        .map(|t| match t {
            Sql::Word(w) => w.to_uppercase(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    match text.as_str() {
        "TRUE" => "1".to_string(),
        "FALSE" => "0".to_string(),
        _ => text
            .trim_start_matches("( ")
            .trim_end_matches(" )")
            .to_string(),
    }
}

/// Reads one column definition; a column-level `PRIMARY KEY` or `UNIQUE` is added to `table`.
fn column(dialect: Dialect, def: &[Sql], table: &mut Table) -> Result<Column, String> {
    let Some(Sql::Word(name)) = def.first() else {
        return Err(format!("expected a column name in `{}`", render(def)));
    };
    let mut i = 1;
    let mut type_words = Vec::new();
    while let Some(token) = def.get(i) {
        match token {
            Sql::Word(w) if CONSTRAINT_WORDS.contains(&w.as_str()) => break,
            Sql::Word(w) => type_words.push(w.clone()),
            // `VARCHAR(40)`, `NUMERIC(10, 2)`: the size does not change the class.
            Sql::Punct('(') => {
                let (_, end) = split_parenthesised(def, i)?;
                i = end;
                continue;
            }
            other => return Err(format!("unexpected `{other}` in the type of `{name}`")),
        }
        i += 1;
    }
    let (class, mut generated) =
        type_class(dialect, &type_words).map_err(|e| format!("{e} for column `{name}`"))?;
    let mut not_null = false;
    let mut default = None;
    while let Some(token) = def.get(i) {
        let word = match token {
            Sql::Word(w) => w.as_str(),
            other => return Err(format!("unexpected `{other}` in column `{name}`")),
        };
        match word {
            "primary" => {
                table.primary_key = Some(vec![name.clone()]);
                // PRIMARY KEY [ASC|DESC]
                i += 2;
                while def.get(i).is_some_and(|t| t.is("asc") || t.is("desc")) {
                    i += 1;
                }
                continue;
            }
            "not" if def.get(i + 1).is_some_and(|t| t.is("null")) => {
                not_null = true;
                i += 2;
                continue;
            }
            "null" => {}
            "unique" => {
                table.unique.insert(vec![name.clone()]);
            }
            "autoincrement" => generated = true,
            "generated" => {
                // GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [( sequence options )]
                let Some(identity) = def[i..].iter().position(|t| t.is("identity")) else {
                    return Err(format!("only identity columns are understood: `{name}`"));
                };
                generated = true;
                i += identity + 1;
                if def.get(i) == Some(&Sql::Punct('(')) {
                    i = split_parenthesised(def, i)?.1;
                }
                continue;
            }
            "default" => {
                let start = i + 1;
                let mut end = start;
                if def.get(start) == Some(&Sql::Punct('(')) {
                    end = split_parenthesised(def, start)?.1;
                } else {
                    // A signed number is two tokens: `-` `1`.
                    while def
                        .get(end)
                        .is_some_and(|t| matches!(t, Sql::Punct('-' | '+')))
                    {
                        end += 1;
                    }
                    end += 1;
                    // A function call: `now()`.
                    if def.get(end) == Some(&Sql::Punct('(')) {
                        end = split_parenthesised(def, end)?.1;
                    }
                }
                default = Some(normalise_default(&def[start..end.min(def.len())]));
                i = end;
                continue;
            }
            "collate" => i += 1,
            "references" | "check" | "constraint" => {
                return Err(format!(
                    "`{}` on column `{name}` is not understood by this test yet",
                    word.to_uppercase()
                ));
            }
            other => return Err(format!("unexpected `{other}` in column `{name}`")),
        }
        i += 1;
    }
    // In both dialects a primary key column cannot hold NULL, written or not.
    if table.primary_key.as_deref() == Some(std::slice::from_ref(name)) {
        not_null = true;
    }
    Ok(Column {
        name: name.clone(),
        class,
        not_null,
        default,
        generated,
    })
}

/// Skips `IF NOT EXISTS` / `IF EXISTS` at `i`.
fn skip_if_exists(tokens: &[Sql], mut i: usize) -> usize {
    if tokens.get(i).is_some_and(|t| t.is("if")) {
        i += 1;
        if tokens.get(i).is_some_and(|t| t.is("not")) {
            i += 1;
        }
        if tokens.get(i).is_some_and(|t| t.is("exists")) {
            i += 1;
        }
    }
    i
}

fn word_at(tokens: &[Sql], i: usize) -> Result<String, String> {
    match tokens.get(i) {
        Some(Sql::Word(w)) => Ok(w.clone()),
        other => Err(format!("expected a name, found {other:?}")),
    }
}

impl Schema {
    fn table_mut(&mut self, name: &str) -> Result<&mut Table, String> {
        self.tables
            .get_mut(name)
            .ok_or_else(|| format!("table `{name}` does not exist"))
    }

    /// Applies one statement; an error says what the model could not follow.
    fn apply(&mut self, dialect: Dialect, tokens: &[Sql]) -> Result<(), String> {
        let words: Vec<&str> = tokens
            .iter()
            .take(3)
            .map(|t| match t {
                Sql::Word(w) => w.as_str(),
                _ => "",
            })
            .collect();
        match words.as_slice() {
            ["create", "table", ..] => self.create_table(dialect, tokens),
            ["create", "index", ..] | ["create", "unique", "index"] => self.create_index(tokens),
            ["alter", "table", ..] => self.alter_table(dialect, tokens),
            ["drop", "table", ..] => {
                let name = word_at(tokens, skip_if_exists(tokens, 2))?;
                self.tables.remove(&name);
                self.indexes.retain(|_, index| index.table != name);
                Ok(())
            }
            ["drop", "index", ..] => {
                let name = word_at(tokens, skip_if_exists(tokens, 2))?;
                self.indexes.remove(&name);
                Ok(())
            }
            // Data changes leave the schema as it is.
            ["insert", ..] | ["update", ..] | ["delete", ..] => Ok(()),
            _ => Err(format!(
                "statement not understood by this test: `{}`",
                render(tokens)
            )),
        }
    }

    fn create_table(&mut self, dialect: Dialect, tokens: &[Sql]) -> Result<(), String> {
        let at = skip_if_exists(tokens, 2);
        let name = word_at(tokens, at)?;
        let (defs, _) = split_parenthesised(tokens, at + 1)?;
        let mut table = Table::default();
        for def in defs {
            let first = def.first().cloned().unwrap_or(Sql::Punct(' '));
            let second_is_key = def.get(1).is_some_and(|t| t.is("key"));
            if first.is("constraint") {
                return Err(format!(
                    "named constraints in `{name}` are not understood by this test yet"
                ));
            } else if first.is("primary") && second_is_key {
                table.primary_key = Some(column_list(&def, 2)?.0);
            } else if first.is("unique") && def.get(1) == Some(&Sql::Punct('(')) {
                table.unique.insert(column_list(&def, 1)?.0);
            } else if first.is("foreign") || first.is("check") {
                return Err(format!(
                    "`{}` in `{name}` is not understood by this test yet",
                    render(&def)
                ));
            } else {
                let column = column(dialect, &def, &mut table)
                    .map_err(|e| format!("table `{name}`: {e}"))?;
                table.columns.push(column);
            }
        }
        if let Some(key) = &table.primary_key {
            for column in table.columns.iter_mut().filter(|c| key.contains(&c.name)) {
                column.not_null = true;
            }
        }
        if self.tables.insert(name.clone(), table).is_some() && !tokens[2].is("if") {
            return Err(format!("table `{name}` is created twice"));
        }
        Ok(())
    }

    fn create_index(&mut self, tokens: &[Sql]) -> Result<(), String> {
        let unique = tokens[1].is("unique");
        let at = skip_if_exists(tokens, if unique { 3 } else { 2 });
        let name = word_at(tokens, at)?;
        if !tokens.get(at + 1).is_some_and(|t| t.is("on")) {
            return Err(format!("index `{name}`: expected ON"));
        }
        let table = word_at(tokens, at + 2)?;
        let (columns, end) = column_list(tokens, at + 3)?;
        if end < tokens.len() {
            return Err(format!(
                "index `{name}`: `{}` after the columns is not understood by this test yet",
                render(&tokens[end..])
            ));
        }
        self.table_mut(&table)?;
        self.indexes.insert(
            name,
            Index {
                table,
                columns,
                unique,
            },
        );
        Ok(())
    }

    fn alter_table(&mut self, dialect: Dialect, tokens: &[Sql]) -> Result<(), String> {
        let at = skip_if_exists(tokens, 2);
        let name = word_at(tokens, at)?;
        let action = &tokens[at + 1..];
        let skip_column = |i: usize| {
            if action.get(i).is_some_and(|t| t.is("column")) {
                i + 1
            } else {
                i
            }
        };
        if action.first().is_some_and(|t| t.is("add")) {
            let start = skip_if_exists(action, skip_column(1));
            let table = self.table_mut(&name)?;
            let column = column(dialect, &action[start..], table)
                .map_err(|e| format!("table `{name}`: {e}"))?;
            table.columns.push(column);
        } else if action.first().is_some_and(|t| t.is("drop")) {
            let column = word_at(action, skip_if_exists(action, skip_column(1)))?;
            let table = self.table_mut(&name)?;
            table.columns.retain(|c| c.name != column);
        } else if action.first().is_some_and(|t| t.is("rename"))
            && action.get(1).is_some_and(|t| t.is("to"))
        {
            let new_name = word_at(action, 2)?;
            let table = self
                .tables
                .remove(&name)
                .ok_or_else(|| format!("table `{name}` does not exist"))?;
            self.tables.insert(new_name.clone(), table);
            for index in self.indexes.values_mut().filter(|i| i.table == name) {
                index.table = new_name.clone();
            }
        } else if action.first().is_some_and(|t| t.is("rename")) {
            let from = skip_column(1);
            let old = word_at(action, from)?;
            let new = word_at(action, from + 2)?;
            let rename = |list: &mut Vec<String>| {
                for column in list.iter_mut().filter(|c| **c == old) {
                    *column = new.clone();
                }
            };
            let table = self.table_mut(&name)?;
            for column in table.columns.iter_mut().filter(|c| c.name == old) {
                column.name = new.clone();
            }
            if let Some(key) = &mut table.primary_key {
                rename(key);
            }
            table.unique = std::mem::take(&mut table.unique)
                .into_iter()
                .map(|mut list| {
                    rename(&mut list);
                    list
                })
                .collect();
            for index in self.indexes.values_mut().filter(|i| i.table == name) {
                rename(&mut index.columns);
            }
        } else {
            return Err(format!(
                "`{}` is not understood by this test yet",
                render(tokens)
            ));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing

/// Applies one file of one tree to `schema`.
fn apply_file(dialect: Dialect, file: &str, text: &str, schema: &mut Schema) -> Result<(), String> {
    for statement in statements(text) {
        schema
            .apply(dialect, &statement)
            .map_err(|e| format!("migrations/{dialect}/{file}: {e}"))?;
    }
    Ok(())
}

fn describe(column: &Column) -> String {
    let mut text = format!("{:?}", column.class).to_lowercase();
    if column.not_null {
        text.push_str(" not null");
    }
    if let Some(default) = &column.default {
        text.push_str(&format!(" default {default}"));
    }
    if column.generated {
        text.push_str(" generated id");
    }
    text
}

/// Every difference between the two schemas after `file`, one line each, naming the file,
/// table and column.
fn differences(file: &str, sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut found = Vec::new();
    let names: BTreeSet<&String> = sqlite.tables.keys().chain(postgres.tables.keys()).collect();
    for name in names {
        let (s, p) = match (sqlite.tables.get(name), postgres.tables.get(name)) {
            (Some(s), Some(p)) => (s, p),
            (Some(_), None) => {
                found.push(format!("{file}: table `{name}` exists in sqlite only"));
                continue;
            }
            (None, _) => {
                found.push(format!("{file}: table `{name}` exists in postgres only"));
                continue;
            }
        };
        for position in 0..s.columns.len().max(p.columns.len()) {
            match (s.columns.get(position), p.columns.get(position)) {
                (Some(a), Some(b)) if a.name != b.name => found.push(format!(
                    "{file}: table `{name}`, column {}: `{}` in sqlite but `{}` in postgres",
                    position + 1,
                    a.name,
                    b.name
                )),
                (Some(a), Some(b)) if a != b => found.push(format!(
                    "{file}: table `{name}`, column `{}`: {} in sqlite but {} in postgres",
                    a.name,
                    describe(a),
                    describe(b)
                )),
                (Some(a), None) => found.push(format!(
                    "{file}: table `{name}`, column `{}` exists in sqlite only",
                    a.name
                )),
                (None, Some(b)) => found.push(format!(
                    "{file}: table `{name}`, column `{}` exists in postgres only",
                    b.name
                )),
                _ => {}
            }
        }
        if s.primary_key != p.primary_key {
            found.push(format!(
                "{file}: table `{name}`: primary key {:?} in sqlite but {:?} in postgres",
                s.primary_key, p.primary_key
            ));
        }
        for unique in s.unique.symmetric_difference(&p.unique) {
            let side = if s.unique.contains(unique) {
                "sqlite"
            } else {
                "postgres"
            };
            found.push(format!(
                "{file}: table `{name}`: UNIQUE ({}) exists in {side} only",
                unique.join(", ")
            ));
        }
    }
    let indexes: BTreeSet<&String> = sqlite
        .indexes
        .keys()
        .chain(postgres.indexes.keys())
        .collect();
    for name in indexes {
        match (sqlite.indexes.get(name), postgres.indexes.get(name)) {
            (Some(s), Some(p)) if s != p => found.push(format!(
                "{file}: index `{name}`: {s:?} in sqlite but {p:?} in postgres"
            )),
            (Some(s), None) => found.push(format!(
                "{file}: index `{name}` on table `{}` exists in sqlite only",
                s.table
            )),
            (None, Some(p)) => found.push(format!(
                "{file}: index `{name}` on table `{}` exists in postgres only",
                p.table
            )),
            _ => {}
        }
    }
    found
}

/// Compares two trees file by file and returns the schema both describe; `Err` lists every
/// difference, each naming its file, table and column. Comparison stops at the first file that
/// differs, since later files then differ only because of it.
fn compare_trees(
    sqlite: &[(String, String)],
    postgres: &[(String, String)],
) -> Result<Schema, Vec<String>> {
    let sqlite_names: Vec<&String> = sqlite.iter().map(|(name, _)| name).collect();
    let postgres_names: Vec<&String> = postgres.iter().map(|(name, _)| name).collect();
    if sqlite_names != postgres_names {
        return Err(vec![format!(
            "the trees hold different files:\n  sqlite:   {sqlite_names:?}\n  postgres: {postgres_names:?}"
        )]);
    }
    let mut sqlite_schema = Schema::default();
    let mut postgres_schema = Schema::default();
    for ((file, sqlite_text), (_, postgres_text)) in sqlite.iter().zip(postgres) {
        let mut errors = Vec::new();
        if let Err(e) = apply_file(Dialect::Sqlite, file, sqlite_text, &mut sqlite_schema) {
            errors.push(e);
        }
        if let Err(e) = apply_file(Dialect::Postgres, file, postgres_text, &mut postgres_schema) {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let found = differences(file, &sqlite_schema, &postgres_schema);
        if !found.is_empty() {
            return Err(found);
        }
    }
    Ok(sqlite_schema)
}

// ---------------------------------------------------------------------------------------------
// The comparison checked on small trees

fn tree(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect()
}

#[test]
fn a_column_added_to_one_tree_only_is_named() {
    let sqlite = tree(&[
        (
            "0001_start.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);",
        ),
        (
            "0002_more.sql",
            "-- a comment; with a semicolon\nALTER TABLE notes ADD COLUMN pinned INTEGER;",
        ),
    ]);
    let postgres = tree(&[
        (
            "0001_start.sql",
            "CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL);",
        ),
        ("0002_more.sql", "-- forgot the column\n"),
    ]);
    let differences = compare_trees(&sqlite, &postgres).expect_err("the trees differ");
    assert_eq!(
        differences,
        vec!["0002_more.sql: table `notes`, column `pinned` exists in sqlite only"]
    );
}

#[test]
fn a_column_of_another_class_is_named() {
    let sqlite = tree(&[("0001.sql", "CREATE TABLE t (a TEXT, b INTEGER NOT NULL);")]);
    let postgres = tree(&[(
        "0001.sql",
        "CREATE TABLE t (a TEXT, b TIMESTAMPTZ NOT NULL);",
    )]);
    let differences = compare_trees(&sqlite, &postgres).expect_err("the trees differ");
    assert_eq!(
        differences,
        vec![
            "0001.sql: table `t`, column `b`: integer not null in sqlite but time not null in postgres"
        ]
    );
}

#[test]
fn dialect_spellings_of_the_same_schema_agree() {
    let sqlite = tree(&[(
        "0001.sql",
        r#"
        CREATE TABLE IF NOT EXISTS "jobs" (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name VARCHAR(40) NOT NULL DEFAULT 'it''s',
            done BOOLEAN NOT NULL DEFAULT 0,
            at DATETIME,
            weight REAL DEFAULT -1,
            data BLOB,
            UNIQUE (name, at)
        );
        CREATE UNIQUE INDEX IF NOT EXISTS jobs_at ON jobs (at DESC, name);
        ALTER TABLE jobs ADD COLUMN extra INTEGER;
        ALTER TABLE jobs RENAME COLUMN extra TO spare;
        "#,
    )]);
    let postgres = tree(&[(
        "0001.sql",
        r#"
        CREATE TABLE IF NOT EXISTS jobs (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL DEFAULT 'it''s',
            done BOOLEAN NOT NULL DEFAULT FALSE,
            at TIMESTAMP WITH TIME ZONE,
            weight DOUBLE PRECISION DEFAULT -1,
            data BYTEA,
            UNIQUE (name, at)
        );
        CREATE UNIQUE INDEX IF NOT EXISTS jobs_at ON jobs (at, name);
        ALTER TABLE jobs ADD COLUMN IF NOT EXISTS spare BIGINT;
        "#,
    )]);
    let schema = compare_trees(&sqlite, &postgres).expect("the same schema");
    let jobs = &schema.tables["jobs"];
    let names: Vec<&str> = jobs.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "name", "done", "at", "weight", "data", "spare"]
    );
    assert!(jobs.columns[0].generated && jobs.columns[0].not_null);
    assert_eq!(jobs.columns[2].default.as_deref(), Some("0"));
}

#[test]
fn different_file_lists_and_unknown_statements_are_reported() {
    let sqlite = tree(&[("0001.sql", ""), ("0002.sql", "")]);
    let postgres = tree(&[("0001.sql", "")]);
    let differences = compare_trees(&sqlite, &postgres).expect_err("the lists differ");
    assert!(differences[0].contains("0002.sql"), "{differences:?}");

    let sqlite = tree(&[("0001.sql", "CREATE VIEW v AS SELECT 1;")]);
    let postgres = tree(&[("0001.sql", "CREATE VIEW v AS SELECT 1;")]);
    let differences = compare_trees(&sqlite, &postgres).expect_err("a view is not understood");
    assert!(
        differences[0].starts_with("migrations/sqlite/0001.sql: statement not understood"),
        "{differences:?}"
    );
}

#[test]
fn index_and_key_drift_is_named() {
    let sqlite = tree(&[(
        "0001.sql",
        "CREATE TABLE t (a TEXT, b TEXT, PRIMARY KEY (a, b)); CREATE INDEX t_b ON t (b);",
    )]);
    let postgres = tree(&[(
        "0001.sql",
        "CREATE TABLE t (a TEXT, b TEXT, PRIMARY KEY (a)); CREATE INDEX t_b ON t (b, a);",
    )]);
    let differences = compare_trees(&sqlite, &postgres).expect_err("the trees differ");
    assert_eq!(differences.len(), 3, "{differences:?}");
    assert!(
        differences[0].contains("column `b`: text not null in sqlite but text in postgres"),
        "{differences:?}"
    );
    assert!(differences[1].contains("table `t`: primary key"));
    assert!(differences[2].contains("index `t_b`"));
}
