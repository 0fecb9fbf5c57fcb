//! Member text cut into lower-cased words, each remembering where it ended in the original, so
//! `split_when` can hand back the rest of the message untouched.

pub(super) struct Token {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) word: String,
}

pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    let ends = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    for (i, c) in ends {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                push_token(&mut out, text, s, i);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

fn push_token(out: &mut Vec<Token>, text: &str, start: usize, end: usize) {
    let raw = &text[start..end];
    // "in 5 minutes: call" — the colon belongs to the separator, not to the time.
    if raw.len() > 1 && raw.ends_with(':') {
        out.push(token(text, start, end - 1));
        out.push(token(text, end - 1, end));
    } else {
        out.push(token(text, start, end));
    }
}

fn token(text: &str, start: usize, end: usize) -> Token {
    let lower = text[start..end].to_lowercase();
    let trimmed = lower.trim_end_matches([',', '.']);
    let word = if trimmed.is_empty() {
        lower.clone()
    } else {
        trimmed.to_string()
    };
    Token { start, end, word }
}
