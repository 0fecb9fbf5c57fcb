//! Weekly "coffee" pairings: splits a programme's opted-in, unpaused members into groups.
//!
//! Pure and deterministic: the same `Request` (seed included) always gives the same `Outcome`.
//! No I/O, no clock, no global randomness; only `std`.
//!
//! # How a round is arranged
//! * Every possible pair of members gets an integer weight (see [`weights`](#weights)).
//! * Size 2: a maximum-weight perfect matching. Up to [`EXACT_MAX`] members: Edmonds' blossom
//!   algorithm (a port of van Rantwijk's `mwmatching`, in `blossom`) on each member's best and a few
//!   random edges, then every other pair is priced against the final duals and violators are
//!   added until none is left, so the result is certified optimal over the complete graph.
//!   Above it: greedy matching on a sampled candidate graph, augmenting-path repair and 2-opt
//!   (no certificate; the same outcome in practice). An odd roster gets exactly one group of
//!   three (a phantom member in the matching marks who joins a pair); if that leaves a
//!   repeat, a fallback search tries each member as the third with a matching of the others
//!   among strangers that contains two of that member's strangers (exact: every member is
//!   tried up to [`FALLBACK_ALL_MAX`] members, a few up to 2,001, none beyond).
//! * Sizes 3 and 4: exhaustive search up to [`EXHAUSTIVE_MAX`] members; above it matchings
//!   build the groups (pairs, then pairs of pairs when every group has four or five; pairs
//!   plus single members when some group has two or three) and a local search swaps and moves members between groups, with random kicks
//!   while a repeat remains.
//! * Mentor mode: a maximum-cardinality, maximum-weight matching between mentor "seats" (a
//!   mentor offers `capacity` seats, at most one per mentee and at most
//!   [`MENTOR_SEATS_MAX`]) and mentees. Mentors meet only
//!   mentees; a mentor must be strictly senior when both stage ranks are known; members with
//!   neither role are ignored; mentees left without a mentor are `unmatched` (mentors with
//!   spare seats are not listed). Every mentee who can be given a mentor is given one, even
//!   a mentor met before; among such groupings the fewest repeats win.
//!
//! # Group sizes
//! With `n` members and size `s` (2, 3 or 4; anything else is clamped) every group has
//! `s - 1`, `s` or `s + 1` members (never fewer than two), and as few groups as possible are
//! off-size. When two shapes have equally few off-size groups, the one with fewer, larger
//! groups wins: size 4 with 10 members is 5 + 5, not 4 + 3 + 3, as size 2 with an odd roster
//! is pairs and one group of three. So size 4 gives 6 → 3 + 3, 7 → 4 + 3, 9 → 5 + 4 and
//! 14 → 5 + 5 + 4; size 3 gives 5 → 3 + 2 and 8 → 3 + 3 + 2. A roster too small for any
//! group in range (2 members, size 4) is one group of them all; a roster of one is unmatched.
//!
//! # Weights
//! Each pair's weight is `NEW` (if the two have never met) plus a small part `X`:
//! * tie-break: 0..[`TIE_SPAN`], a hash of the seed and the pair;
//! * preference: [`PREFERENCE`] when the mode's wish holds (specialties differ, stages differ,
//!   a mentee's wanted specialty);
//! * scarcity (new pairs): up to [`SCARCITY`] when both members have few strangers left, so
//!   the pairs only they can use are used before they are stranded;
//! * rotation: [`ROTATION`] for the pairs of one round-robin class (the circle method on the
//!   members' positions; the class least used so far, ties drawn from the seed), so that
//!   consecutive rounds fit together like a round-robin schedule instead of painting
//!   themselves into a corner where the strangers left form no perfect matching;
//! * recency (pairs who met): [`RECENCY_PER_ROUND`] per round since they last met (capped at
//!   [`RECENCY_CAP`] rounds) less [`TIMES_PENALTY`] per earlier meeting: met 1 round ago is
//!   worse than 10 rounds ago.
//!
//! `NEW = (P + 1) * (X_MAX + 1)`, where `P` is the number of within-group pairs a grouping
//! has. One more new pair therefore outweighs any possible sum of the `X` parts, so the best
//! grouping by weight has the fewest repeats first, and only then the best preferences and
//! recencies. That is what makes "no repeat while a repeat-free grouping exists" a property of
//! the optimum instead of a hope. Weights are `i64` and exact: no float ties.

mod blossom;
mod candidates;
mod exact;
mod graphs;
mod groups;
mod history;
mod local_search;
mod matching;
mod mentor;
mod mode;
mod pairs;
mod person;
mod request;
mod rng;
mod round_robin;
mod sampled;
mod tunables;
mod weights;

pub use history::History;
pub use mode::Mode;
pub use person::{MentorRole, Person};
pub use request::{Outcome, Request};
pub use rng::Rng;
pub use tunables::{
    EXACT_MAX, EXHAUSTIVE_MAX, FALLBACK_ALL_MAX, MENTOR_SEATS_MAX, PREFERENCE, RECENCY_CAP,
    RECENCY_PER_ROUND, ROTATION, SCARCITY, SPREAD, TIE_SPAN, TIMES_PENALTY,
};

use weights::Scorer;

/// Arranges one round. Never panics; see the module notes for the rules.
pub fn arrange(request: &Request) -> Outcome {
    arrange_with_exact_max(request, EXACT_MAX)
}

/// [`arrange`] with another certified-tier limit than [`EXACT_MAX`]: for the benchmark that
/// measures where the certified tier stops paying.
#[doc(hidden)]
pub fn arrange_with_exact_max(request: &Request, exact_max: usize) -> Outcome {
    let size = request.size.clamp(2, 4);
    let (groups, unmatched) = if request.mode == Mode::Mentor {
        mentor::arrange(request)
    } else {
        let n = request.people.len();
        match n {
            0 => (Vec::new(), Vec::new()),
            1 => (Vec::new(), vec![0]),
            _ => {
                let sizes = group_sizes(n, size);
                let scorer = Scorer::new(request, pairs_in(&sizes), exact_max);
                let mut rng = Rng::new(request.seed ^ 0x5EED_0FC0_FFEE);
                let groups = if size == 2 {
                    pairs::arrange(&scorer, &mut rng)
                } else {
                    groups::arrange(&scorer, &sizes, &mut rng)
                };
                (groups, Vec::new())
            }
        }
    };
    finish(groups, unmatched, request.history)
}

/// Sizes of the groups for `n` members in groups of `size`, largest first (see the module
/// notes).
pub fn group_sizes(n: usize, size: usize) -> Vec<usize> {
    let size = size.clamp(2, 4);
    if n < 2 {
        return Vec::new();
    }
    // With `count` groups, `n - count * size` members are over (each makes one group of
    // `size + 1`) or under (each takes one from a group, leaving `size - 1`).
    let smallest = (size - 1).max(2);
    let best = (n.div_ceil(size + 1)..=n / smallest)
        .filter_map(|count| {
            let off = n.abs_diff(count * size);
            (off <= count).then_some((off, count))
        })
        .min();
    let Some((off, count)) = best else {
        return vec![n];
    };
    let other = if n > count * size { size + 1 } else { size - 1 };
    let mut sizes: Vec<usize> = (0..count)
        .map(|k| if k < off { other } else { size })
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

fn pairs_in(sizes: &[usize]) -> usize {
    sizes.iter().map(|&s| s * (s - 1) / 2).sum()
}

/// The number of within-group pairs of `groups` that appear in `history`.
pub fn count_repeats(groups: &[Vec<usize>], history: &History) -> usize {
    let mut repeats = 0;
    for group in groups {
        for (x, &a) in group.iter().enumerate() {
            for &b in &group[x + 1..] {
                if history.met(a, b).is_some() {
                    repeats += 1;
                }
            }
        }
    }
    repeats
}

fn finish(mut groups: Vec<Vec<usize>>, mut unmatched: Vec<usize>, history: &History) -> Outcome {
    groups.retain(|g| !g.is_empty());
    for group in &mut groups {
        group.sort_unstable();
    }
    groups.sort();
    unmatched.sort_unstable();
    let repeats = count_repeats(&groups, history);
    Outcome {
        groups,
        unmatched,
        repeats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_rules() {
        assert_eq!(group_sizes(0, 2), Vec::<usize>::new());
        assert_eq!(group_sizes(1, 2), Vec::<usize>::new());
        assert_eq!(group_sizes(2, 4), vec![2]);
        assert_eq!(group_sizes(3, 2), vec![3]);
        assert_eq!(group_sizes(7, 2), vec![3, 2, 2]);
        assert_eq!(group_sizes(7, 3), vec![4, 3]);
        assert_eq!(group_sizes(5, 3), vec![3, 2]);
        assert_eq!(group_sizes(8, 3), vec![3, 3, 2]);
        assert_eq!(group_sizes(11, 3), vec![3, 3, 3, 2]);
        assert_eq!(group_sizes(3, 4), vec![3]);
        assert_eq!(group_sizes(5, 4), vec![5]);
        assert_eq!(group_sizes(6, 4), vec![3, 3]);
        assert_eq!(group_sizes(7, 4), vec![4, 3]);
        assert_eq!(group_sizes(9, 4), vec![5, 4]);
        assert_eq!(group_sizes(10, 4), vec![5, 5]);
        assert_eq!(group_sizes(11, 4), vec![4, 4, 3]);
        assert_eq!(group_sizes(14, 4), vec![5, 5, 4]);
        assert_eq!(group_sizes(6, 9), vec![3, 3]);
        assert_eq!(group_sizes(5, 0), vec![3, 2]);
    }

    /// Small odd rosters forced onto the sampled tier once overflowed the phantom's masked weight.
    #[test]
    fn small_odd_rosters_on_the_sampled_tier_group_everyone() {
        for n in 1..=11 {
            let people: Vec<Person> = (0..n)
                .map(|_| Person {
                    specialty: None,
                    stage_rank: None,
                    mentor: MentorRole::Neither,
                })
                .collect();
            let history = History::new();
            let outcome = arrange_with_exact_max(
                &Request {
                    people: &people,
                    history: &history,
                    size: 2,
                    mode: Mode::Random,
                    seed: 7,
                },
                0,
            );
            let grouped: usize = outcome.groups.iter().map(Vec::len).sum();
            assert_eq!(grouped + outcome.unmatched.len(), n);
            assert_eq!(outcome.repeats, 0);
        }
    }
}
