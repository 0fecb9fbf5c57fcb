//! Feed addresses often carry the secret that opens them: `user:pass@`, Google's "secret
//! address" (`/private-<token>/basic.ics`), `?token=`/`?key=` parameters, Outlook's long opaque
//! path segments. [`redacted`] is the one form shown in rooms and written to logs; the stored
//! address stays whole, for fetching.

/// Path segments at least this long, made of letters and digits with a digit among them, look
/// like generated secrets rather than names.
const OPAQUE_SEGMENT: usize = 24;
const HIDDEN: &str = "***";

/// `url` with its credentials, query values, `private-…` segments and token-like segments
/// replaced by `***`. Scheme, host and the readable rest of the path stay, so members can still
/// tell their feeds apart.
pub fn redacted(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let (rest, fragment) = match rest.split_once('#') {
        Some((rest, _)) => (rest, Some(HIDDEN)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => format!("{HIDDEN}@{host}"),
        None => authority.to_string(),
    };
    let path = path
        .split('/')
        .map(|segment| {
            if segment.to_ascii_lowercase().starts_with("private-") {
                format!("private-{HIDDEN}")
            } else if looks_generated(segment) {
                HIDDEN.to_string()
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut out = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(&host);
    out.push_str(&path);
    if let Some(query) = query {
        // Any parameter may be the key (`token`, `key`, `auth`, `sig`, vendor names): names stay
        // readable, values go.
        let hidden: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{name}={HIDDEN}"),
                None if pair.is_empty() => String::new(),
                None => HIDDEN.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&hidden.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

fn looks_generated(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or(segment);
    stem.len() >= OPAQUE_SEGMENT
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && stem.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn secrets_are_hidden_and_the_rest_stays_readable() {
        assert_eq!(
            redacted("https://user:pa@ss@cal.example.org/feed.ics"),
            "https://***@cal.example.org/feed.ics"
        );
        assert_eq!(
            redacted(
                "https://calendar.google.com/calendar/ical/rounds%40gmail.com/private-0123456789abcdef/basic.ics"
            ),
            "https://calendar.google.com/calendar/ical/rounds%40gmail.com/private-***/basic.ics"
        );
        assert_eq!(
            redacted("https://h.example.org/feed.ics?token=s3cret&key=k&view"),
            "https://h.example.org/feed.ics?token=***&key=***&***"
        );
        assert_eq!(
            redacted(
                "https://outlook.office365.com/owa/calendar/4f1c2a9e8b7d6c5e4f3a2b1c0d9e8f7a@nhs.net/9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f/calendar.ics"
            ),
            "https://outlook.office365.com/owa/calendar/4f1c2a9e8b7d6c5e4f3a2b1c0d9e8f7a@nhs.net/***/calendar.ics"
        );
        let plain = "https://hospital.example.org/grand-rounds.ics";
        assert_eq!(redacted(plain), plain);
        assert_eq!(
            redacted("webcal://x.example/a#frag"),
            "webcal://x.example/a#***"
        );
    }
}
