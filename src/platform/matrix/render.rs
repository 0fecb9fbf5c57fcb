//! The core's plain text as Matrix HTML: `backticks` become code, lines become breaks, and
//! mentioned members become pills.

use crate::core::io::UserRef;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A pill: Matrix clients render a link to the user's matrix.to address as their name.
fn pill(user: &UserRef) -> String {
    format!(
        "<a href=\"https://matrix.to/#/{}\">{}</a>",
        escape(&user.id),
        escape(&user.name)
    )
}

pub fn html(text: &str, mentions: &[UserRef]) -> String {
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut html = String::new();
        for (n, part) in line.split('`').enumerate() {
            // Odd parts sit between backticks; an unmatched trailing backtick stays literal.
            if n % 2 == 1 && line.matches('`').count() > n {
                html.push_str(&format!("<code>{}</code>", escape(part)));
            } else {
                if n % 2 == 1 {
                    html.push('`');
                }
                html.push_str(&escape(part));
            }
        }
        lines.push(html);
    }
    let mut html = lines.join("<br>");
    for user in mentions {
        let name = escape(&user.name);
        if let Some(at) = html.find(&name) {
            html.replace_range(at..at + name.len(), &pill(user));
        }
    }
    html
}

/// Keycap reactions offered for choices, in order.
pub const CHOICE_KEYS: [&str; 9] = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_breaks_escaping_and_pills() {
        let ana = UserRef {
            id: "@ana:example.org".into(),
            name: "ana".into(),
        };
        assert_eq!(
            html(
                "Use `!help` <now>\n⏰ Reminder from ana: x & y",
                std::slice::from_ref(&ana)
            ),
            "Use <code>!help</code> &lt;now&gt;<br>⏰ Reminder from <a href=\"https://matrix.to/#/@ana:example.org\">ana</a>: x &amp; y"
        );
        assert_eq!(html("a ` b", &[]), "a ` b");
    }
}
