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
//!   build the groups (pairs, then pairs of pairs for size 4; pairs plus single members for
//!   size 3) and a local search swaps and moves members between groups, with random kicks
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
//! With `n` members and size `s` (2, 3 or 4; anything else is clamped): `max(1, n / s)` groups
//! whose sizes differ by at most one, so every group has at least `s` members and the
//! remainder members each join a different group (size 2, odd `n`: exactly one group of three).
//! A roster smaller than `s` but of at least two is one group; a roster of one is unmatched.
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
mod exact;
mod graphs;
mod groups;
mod history;
mod local_search;
mod matching;
mod mentor;
mod pairs;
mod rng;
mod round_robin;
mod sampled;
mod weights;

pub use history::History;
pub use rng::Rng;

use weights::Scorer;

// ---------------------------------------------------------------------------------------------
// Tunables
// ---------------------------------------------------------------------------------------------

/// Largest roster (size 2) whose matching is certified optimal over all pairs. Above it the
/// sampled tier (greedy + augmenting repair + 2-opt on a candidate graph) takes over.
///
/// Why 1,000: the certified tier prices all `n^2 / 2` pairs at least twice and re-solves when
/// pricing finds violators. Measured in release on this 2-core machine (`cargo bench --bench
/// pairing`, "tiers" table, varying a little from run to run): 30–40 ms at 1,000 members,
/// 55–70 ms at 1,500, 0.1–0.15 s at 2,000 and 0.2–0.4 s at 3,000 in random mode; but in the
/// hard case (cross-specialty mode with 80% of members in one specialty, so everyone's
/// favourite partners are the same few and the blossom algorithm needs many dual updates)
/// 0.5–0.8 s at 1,000, 1.0–1.2 s at 1,500 and 1.7–2.7 s at 2,000. The sampled tier does 1,000
/// members in about 5 ms and 10,000 in 0.06–0.1 s. So 1,000 keeps the worst certified round
/// under a second, in line with the 1 s budget for 10,000 members.
pub const EXACT_MAX: usize = 1_000;

/// Largest roster for sizes 3 and 4 that is solved by trying every grouping (12 members in
/// groups of three: 15,400 groupings).
pub const EXHAUSTIVE_MAX: usize = 12;

/// Random tie-break range per pair.
pub const TIE_SPAN: i64 = 32;
/// Bonus for the pairs of this round's round-robin class (see the module notes); larger than
/// the tie-break span so a whole class wins, smaller than a preference.
pub const ROTATION: i64 = 256;
/// Bonus for a pair that satisfies the mode's preference.
pub const PREFERENCE: i64 = 1_024;
/// Largest scarcity bonus (both members have almost no strangers left).
pub const SCARCITY: i64 = 512;
/// Weight per round since a repeated pair last met: one round of recency outweighs a
/// preference.
pub const RECENCY_PER_ROUND: i64 = 2_048;
/// Rounds after which recency stops counting (two years of weekly rounds).
pub const RECENCY_CAP: u32 = 104;
/// Penalty per earlier meeting of a repeated pair (beyond the first).
pub const TIMES_PENALTY: i64 = 512;
/// Mentor mode: bonus per unused seat of a mentor, so mentees spread over mentors.
pub const SPREAD: i64 = 64;

/// Odd rosters up to this size try every member as the "third" in the fallback search; larger
/// ones try a few.
pub const FALLBACK_ALL_MAX: usize = 400;
/// Mentor mode: seats per mentor per round are capped here (and at the number of mentees).
pub const MENTOR_SEATS_MAX: usize = 64;

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// How a programme wants its members mixed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// No preference beyond avoiding repeats.
    #[default]
    Random,
    /// Prefer pairs whose (known) specialties differ.
    CrossSpecialty,
    /// Prefer pairs whose (known) stages differ.
    CrossStage,
    /// Mentors with mentees only.
    Mentor,
}

impl Mode {
    pub const ALL: [Mode; 4] = [
        Mode::Random,
        Mode::CrossSpecialty,
        Mode::CrossStage,
        Mode::Mentor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Random => "random",
            Mode::CrossSpecialty => "cross-specialty",
            Mode::CrossStage => "cross-stage",
            Mode::Mentor => "mentor",
        }
    }

    /// The inverse of [`Mode::as_str`]; ignores case and surrounding space.
    pub fn parse(text: &str) -> Option<Mode> {
        let text = text.trim();
        Mode::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(text))
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member's part in mentor mode (ignored in the other modes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum MentorRole {
    #[default]
    Neither,
    /// Offers to meet up to `capacity` mentees a round.
    Mentor { capacity: u32 },
    /// Looks for a mentor, optionally one of a given specialty.
    Mentee { wants_specialty: Option<String> },
}

/// What the algorithm knows of a member. Specialties compare ignoring case and surrounding
/// space; a stage rank is larger for more senior members.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Person {
    pub specialty: Option<String>,
    pub stage_rank: Option<u8>,
    pub mentor: MentorRole,
}

/// One round to arrange. `people` are the eligible members; indices everywhere are positions
/// in it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub people: &'a [Person],
    pub history: &'a History,
    /// Members per group: 2, 3 or 4 (clamped into that range). Ignored in mentor mode.
    pub size: usize,
    pub mode: Mode,
    pub seed: u64,
}

/// The round: groups (members ascending, groups ordered by first member), members left
/// without a partner this round, and how many within-group pairs had met before.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub groups: Vec<Vec<usize>>,
    pub unmatched: Vec<usize>,
    pub repeats: usize,
}

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

/// Sizes of the groups for `n` members in groups of `size` (see the module notes).
pub fn group_sizes(n: usize, size: usize) -> Vec<usize> {
    let size = size.clamp(2, 4);
    if n < 2 {
        return Vec::new();
    }
    let count = (n / size).max(1);
    let (base, extra) = (n / count, n % count);
    (0..count)
        .map(|k| if k < extra { base + 1 } else { base })
        .collect()
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
    fn modes_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
            assert_eq!(
                Mode::parse(&format!(" {} ", mode.as_str().to_uppercase())),
                Some(mode)
            );
        }
        assert_eq!(Mode::parse("crossspecialty"), None);
    }

    #[test]
    fn sizes_follow_the_rules() {
        assert_eq!(group_sizes(0, 2), Vec::<usize>::new());
        assert_eq!(group_sizes(1, 2), Vec::<usize>::new());
        assert_eq!(group_sizes(2, 4), vec![2]);
        assert_eq!(group_sizes(3, 2), vec![3]);
        assert_eq!(group_sizes(7, 2), vec![3, 2, 2]);
        assert_eq!(group_sizes(7, 3), vec![4, 3]);
        assert_eq!(group_sizes(11, 3), vec![4, 4, 3]);
        assert_eq!(group_sizes(9, 4), vec![5, 4]);
        assert_eq!(group_sizes(6, 9), vec![6]);
        assert_eq!(group_sizes(5, 0), vec![3, 2]);
    }
}
