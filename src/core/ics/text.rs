//! TEXT values: escaping for export, and unescaping and cleaning what a feed says for import.

/// RFC 5545 section 3.3.11; CR and other control characters, which TEXT may not contain, become
/// a line break or are dropped.
pub(super) fn escape_text(value: &str) -> String {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub(super) fn strip_controls(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other @ ('\\' | ';' | ',' | ':')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Titles and places are shown on one line: line breaks become spaces.
pub(super) fn one_line(value: &str, max_chars: usize) -> String {
    let flat: String = unescape_text(value)
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    truncate(flat.trim(), max_chars)
}

pub(super) fn multi_line(value: &str, max_chars: usize) -> String {
    let text = unescape_text(value)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    truncate(clean.trim(), max_chars)
}

fn truncate(value: &str, max_chars: usize) -> String {
    if value.chars().count() <= max_chars {
        return value.to_string();
    }
    let kept: String = value.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}
