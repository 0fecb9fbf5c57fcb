//! Content lines of a feed, unfolded and parsed into nested components without recursion.

use super::error::IcsError;

/// Deeper nesting than any real calendar uses is ignored rather than built.
const MAX_DEPTH: usize = 8;

#[derive(Debug, Default)]
pub(super) struct Prop {
    name: String,
    params: Vec<(String, String)>,
    pub(super) value: String,
}

impl Prop {
    pub(super) fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
pub(super) struct Comp {
    pub(super) name: String,
    props: Vec<Prop>,
    pub(super) children: Vec<Comp>,
}

impl Comp {
    pub(super) fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    pub(super) fn props<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Prop> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }
}

/// Unfolds (CRLF or bare LF, then a space or tab) into logical lines.
fn logical_lines(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<String> = Vec::new();
    for physical in text.split('\n') {
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        if let Some(rest) = physical
            .strip_prefix(' ')
            .or_else(|| physical.strip_prefix('\t'))
            && let Some(last) = lines.last_mut()
        {
            last.push_str(rest);
            continue;
        }
        if !physical.trim().is_empty() {
            lines.push(physical.to_string());
        }
    }
    lines
}

/// `NAME;PARAM=value;PARAM="quoted:value":VALUE`; None for a line that is not a property.
fn parse_line(line: &str) -> Option<Prop> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = Vec::new();
    let mut start = 0;
    in_quotes = false;
    for (i, c) in head.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => {
                parts.push(&head[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&head[start..]);
    let mut parts = parts.into_iter();
    let name = parts.next()?.trim().to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let params = parts
        .filter_map(|part| {
            let (key, val) = part.split_once('=')?;
            Some((key.trim().to_ascii_uppercase(), val.replace('"', "")))
        })
        .collect();
    Some(Prop {
        name,
        params,
        value: value.to_string(),
    })
}

/// The top-level components, or why the text is not a calendar.
pub(super) fn parse_components(text: &str) -> Result<Vec<Comp>, IcsError> {
    let mut roots: Vec<Comp> = Vec::new();
    let mut stack: Vec<Comp> = Vec::new();
    let mut ignored_depth = 0usize;
    for line in logical_lines(text) {
        let Some(prop) = parse_line(&line) else {
            continue;
        };
        match prop.name.as_str() {
            "BEGIN" => {
                if ignored_depth > 0 || stack.len() >= MAX_DEPTH {
                    ignored_depth += 1;
                } else {
                    stack.push(Comp {
                        name: prop.value.trim().to_ascii_uppercase(),
                        ..Comp::default()
                    });
                }
            }
            "END" => {
                if ignored_depth > 0 {
                    ignored_depth -= 1;
                    continue;
                }
                let name = prop.value.trim().to_ascii_uppercase();
                // A stray END closes the nearest matching component, and those left open inside it.
                if let Some(at) = stack.iter().rposition(|c| c.name == name) {
                    while stack.len() > at {
                        let Some(done) = stack.pop() else { break };
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(done),
                            None => roots.push(done),
                        }
                    }
                }
            }
            _ => {
                if let Some(current) = stack.last_mut() {
                    current.props.push(prop);
                }
            }
        }
    }
    let calendars: Vec<Comp> = roots
        .into_iter()
        .filter(|c| c.name == "VCALENDAR")
        .collect();
    if calendars.is_empty() {
        if stack.iter().any(|c| c.name == "VCALENDAR") {
            return Err(IcsError::Truncated);
        }
        return Err(IcsError::NotCalendar);
    }
    Ok(calendars)
}
