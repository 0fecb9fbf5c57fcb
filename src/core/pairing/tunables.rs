//! The numbers that tune a round: where each algorithm tier stops, and the parts of a pair's
//! weight (see the module notes of `pairing`, "Weights").

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
