//! Counted nouns in replies: "1 group", "2 groups", never "1 groups" or "group(s)".

/// The noun that goes with `n`: `one` for exactly one, `many` otherwise (zero included:
/// "0 groups").
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `n` and its noun: `count(1, "pair", "pairs")` is "1 pair".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(0, "group", "groups"), "0 groups");
        assert_eq!(count(1, "group", "groups"), "1 group");
        assert_eq!(count(2, "mentee", "mentees"), "2 mentees");
        assert_eq!(noun(1, "pair has", "pairs have"), "pair has");
    }
}
