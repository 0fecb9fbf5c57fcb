//! Properties of the pairing algorithm, checked against independent brute force where the
//! rosters are small enough to enumerate every grouping.

use proptest::prelude::*;
use rounds::core::pairing::{
    History, MentorRole, Mode, Outcome, Person, Request, Rng, arrange, arrange_with_exact_max,
    count_repeats, group_sizes,
};

const SPECIALTIES: [&str; 3] = ["cardiology", "surgery", "psychiatry"];

// ---------------------------------------------------------------------------------------------
// Independent reference implementations
// ---------------------------------------------------------------------------------------------

/// The group sizes the rules ask for, by brute force over every shape: each group has
/// `size - 1`, `size` or `size + 1` members (at least two), the fewest groups are off-size,
/// and among equally good shapes the one with fewer groups wins. A roster too small for any
/// such shape (two members, size 4) is one group; one member is none.
fn expected_sizes(n: usize, size: usize) -> Vec<usize> {
    if n < 2 {
        return Vec::new();
    }
    let small = (size - 1).max(2);
    let mut best: Option<(usize, usize, Vec<usize>)> = None;
    for under in 0..=n / small {
        for over in 0..=n / (size + 1) {
            let used = under * small + over * (size + 1);
            if used > n || !(n - used).is_multiple_of(size) {
                continue;
            }
            let at_size = (n - used) / size;
            let off = if small == size - 1 { under } else { 0 } + over;
            let count = under + over + at_size;
            let mut sizes = vec![small; under];
            sizes.extend(std::iter::repeat_n(size + 1, over));
            sizes.extend(std::iter::repeat_n(size, at_size));
            sizes.sort_unstable();
            if best
                .as_ref()
                .is_none_or(|(o, c, _)| (off, count) < (*o, *c))
            {
                best = Some((off, count, sizes));
            }
        }
    }
    best.map_or_else(|| vec![n], |(_, _, sizes)| sizes)
}

/// The fewest repeats any grouping of `n` members in groups of `size` can have: every
/// partition of `0..n` with the expected sizes, by branch and bound.
fn fewest_repeats(n: usize, size: usize, history: &History) -> usize {
    fn go(
        free: u32,
        sizes: &mut Vec<usize>,
        repeats: usize,
        best: &mut usize,
        met: &dyn Fn(usize, usize) -> bool,
    ) {
        if repeats >= *best {
            return;
        }
        if free == 0 {
            *best = repeats;
            return;
        }
        let first = free.trailing_zeros() as usize;
        let rest = free & !(1 << first);
        let mut tried = Vec::new();
        for s in 0..sizes.len() {
            let size = sizes[s];
            if tried.contains(&size) {
                continue;
            }
            tried.push(size);
            sizes.remove(s);
            // Every (size - 1)-subset of `rest` joins `first`.
            let mut sub = rest;
            loop {
                if sub.count_ones() as usize == size - 1 {
                    let group = sub | (1 << first);
                    let members: Vec<usize> = (0..32).filter(|&i| group & (1 << i) != 0).collect();
                    let mut r = 0;
                    for (x, &a) in members.iter().enumerate() {
                        for &b in &members[x + 1..] {
                            r += usize::from(met(a, b));
                        }
                    }
                    go(rest & !sub, sizes, repeats + r, best, met);
                }
                if sub == 0 {
                    break;
                }
                sub = (sub - 1) & rest;
            }
            sizes.insert(s, size);
        }
    }
    if n < 2 {
        return 0;
    }
    let mut best = usize::MAX;
    let met = |a: usize, b: usize| history.met(a, b).is_some();
    go(
        (1u32 << n) - 1,
        &mut expected_sizes(n, size),
        0,
        &mut best,
        &met,
    );
    best
}

fn people(n: usize, specialties: &[u8], stages: &[u8]) -> Vec<Person> {
    (0..n)
        .map(|i| Person {
            specialty: specialties
                .get(i)
                .filter(|&&s| (s as usize) < SPECIALTIES.len())
                .map(|&s| SPECIALTIES[s as usize].to_string()),
            stage_rank: stages.get(i).filter(|&&s| s < 5).copied(),
            mentor: MentorRole::Neither,
        })
        .collect()
}

/// Pairs `(a, b)` with `a < b < n` in a fixed order, for generated histories.
fn all_pairs(n: usize) -> Vec<(usize, usize)> {
    (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .collect()
}

fn history_from(n: usize, marks: &[(u8, u8, u8)], density: u8) -> History {
    let mut history = History::new();
    for (&(a, b), &(roll, ago, times)) in all_pairs(n).iter().zip(marks) {
        if roll < density {
            history.record(a, b, 1 + ago as u32, 1 + times as u32);
        }
    }
    history
}

/// Structural checks every non-mentor outcome must pass.
fn check_shape(outcome: &Outcome, n: usize, size: usize, history: &History) {
    let size = size.clamp(2, 4);
    let mut seen = vec![0usize; n];
    for group in &outcome.groups {
        assert!(
            group.windows(2).all(|w| w[0] < w[1]),
            "members ascending: {group:?}"
        );
        for &x in group {
            assert!(x < n, "index in range");
            seen[x] += 1;
        }
    }
    assert!(
        outcome.groups.windows(2).all(|w| w[0][0] < w[1][0]),
        "groups ordered by first member"
    );
    if n == 1 {
        assert_eq!(outcome.unmatched, vec![0], "a lone member has no partner");
        assert!(outcome.groups.is_empty());
        return;
    }
    assert!(outcome.unmatched.is_empty(), "nobody left out");
    assert!(
        seen.iter().all(|&c| c == 1),
        "everyone exactly once: {seen:?}"
    );
    let mut sizes: Vec<usize> = outcome.groups.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(
        sizes,
        expected_sizes(n, size),
        "group sizes for n={n}, size={size}"
    );
    if size == 2 && n >= 2 {
        let triples = sizes.iter().filter(|&&s| s == 3).count();
        assert_eq!(triples, n % 2, "odd roster: exactly one group of three");
    }
    assert_eq!(outcome.repeats, count_repeats(&outcome.groups, history));
}

fn mode_from(k: u8) -> Mode {
    [Mode::Random, Mode::CrossSpecialty, Mode::CrossStage][k as usize % 3]
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Small rosters against brute force: nobody left out, sizes by the rules, and no repeat
    /// whenever some grouping has none (sizes 2 and 3). Where the algorithm is exact (even
    /// rosters in pairs, and every roster of at most 12 in threes) it also has the fewest
    /// repeats possible.
    #[test]
    fn no_repeat_while_a_repeat_free_grouping_exists(
        n in 1usize..=9,
        size in 2usize..=4,
        marks in prop::collection::vec((0u8..10, 0u8..20, 0u8..3), 36),
        density in 0u8..10,
        specialties in prop::collection::vec(0u8..4, 9),
        stages in prop::collection::vec(0u8..6, 9),
        mode in 0u8..3,
        seed in any::<u64>(),
    ) {
        let history = history_from(n, &marks, density);
        let people = people(n, &specialties, &stages);
        let request = Request { people: &people, history: &history, size, mode: mode_from(mode), seed };
        let outcome = arrange(&request);
        check_shape(&outcome, n, size, &history);
        let fewest = fewest_repeats(n, size, &history);
        if fewest == 0 {
            prop_assert_eq!(outcome.repeats, 0, "a repeat-free grouping exists: {:?}", outcome);
        }
        if size >= 3 || n % 2 == 0 {
            prop_assert_eq!(outcome.repeats, fewest);
        }
    }

    /// Larger rosters, every size and mode: the shape rules hold.
    #[test]
    fn everyone_once_with_configured_sizes(
        n in 0usize..60,
        size in 0usize..7,
        marks in prop::collection::vec((0u8..10, 0u8..20, 0u8..3), 0..400),
        density in 0u8..10,
        specialties in prop::collection::vec(0u8..4, 80),
        stages in prop::collection::vec(0u8..6, 80),
        mode in 0u8..3,
        seed in any::<u64>(),
    ) {
        let history = history_from(n, &marks, density);
        let people = people(n, &specialties, &stages);
        let request = Request { people: &people, history: &history, size, mode: mode_from(mode), seed };
        let outcome = arrange(&request);
        check_shape(&outcome, n, size, &history);
        prop_assert_eq!(arrange(&request), outcome, "same seed, same result");
    }

    /// Mentor mode against brute force: capacities, only mentor–mentee pairs, junior with
    /// senior, each mentee at most once, as many mentees matched as possible and, among
    /// those groupings, the fewest repeats; unmatched are exactly the mentees left out.
    #[test]
    fn mentor_mode_rules(
        roles in prop::collection::vec((0u8..3, 0u32..4), 1..9),
        stages in prop::collection::vec(0u8..7, 9),
        specialties in prop::collection::vec(0u8..4, 9),
        wants in prop::collection::vec(0u8..5, 9),
        marks in prop::collection::vec((0u8..10, 0u8..20, 0u8..3), 36),
        density in 0u8..10,
        seed in any::<u64>(),
    ) {
        let n = roles.len();
        let mut people = people(n, &specialties, &stages);
        for (i, &(role, capacity)) in roles.iter().enumerate() {
            people[i].mentor = match role {
                0 => MentorRole::Neither,
                1 => MentorRole::Mentor { capacity },
                _ => MentorRole::Mentee {
                    wants_specialty: SPECIALTIES.get(wants[i] as usize).map(|s| s.to_string()),
                },
            };
        }
        let history = history_from(n, &marks, density);
        let request = Request { people: &people, history: &history, size: 2, mode: Mode::Mentor, seed };
        let outcome = arrange(&request);

        let capacity = |i: usize| match people[i].mentor {
            MentorRole::Mentor { capacity } => Some(capacity as usize),
            _ => None,
        };
        let is_mentee = |i: usize| matches!(people[i].mentor, MentorRole::Mentee { .. });
        let allowed = |m: usize, e: usize| match (people[m].stage_rank, people[e].stage_rank) {
            (Some(a), Some(b)) => a > b,
            _ => true,
        };
        let mut load = vec![0usize; n];
        let mut mentored = vec![0usize; n];
        for group in &outcome.groups {
            prop_assert_eq!(group.len(), 2);
            let (m, e) = if capacity(group[0]).is_some() { (group[0], group[1]) } else { (group[1], group[0]) };
            prop_assert!(capacity(m).is_some() && is_mentee(e), "mentor with mentee: {:?}", group);
            prop_assert!(allowed(m, e), "junior with senior: {:?}", group);
            load[m] += 1;
            mentored[e] += 1;
        }
        for i in 0..n {
            if let Some(cap) = capacity(i) {
                prop_assert!(load[i] <= cap, "capacity of {}", i);
            }
            prop_assert!(mentored[i] <= 1, "mentee {} at most once", i);
        }
        let mut unmatched: Vec<usize> = (0..n).filter(|&i| is_mentee(i) && mentored[i] == 0).collect();
        unmatched.sort_unstable();
        prop_assert_eq!(&outcome.unmatched, &unmatched);
        prop_assert_eq!(outcome.repeats, count_repeats(&outcome.groups, &history));

        // Brute force: each mentee picks a mentor (with room, senior enough) or none; the
        // best is the most mentees matched, then the fewest repeats.
        let mentors: Vec<usize> = (0..n).filter(|&i| capacity(i).is_some()).collect();
        let mentees: Vec<usize> = (0..n).filter(|&i| is_mentee(i)).collect();
        let mut best = (0usize, usize::MAX);
        let mut stack: Vec<(usize, Vec<usize>, usize, usize)> = vec![(0, vec![0; n], 0, 0)];
        while let Some((k, load, matched, repeats)) = stack.pop() {
            if k == mentees.len() {
                if matched > best.0 || (matched == best.0 && repeats < best.1) {
                    best = (matched, repeats);
                }
                continue;
            }
            let e = mentees[k];
            stack.push((k + 1, load.clone(), matched, repeats));
            for &m in &mentors {
                if load[m] < capacity(m).unwrap_or(0) && allowed(m, e) {
                    let mut load = load.clone();
                    load[m] += 1;
                    let again = usize::from(history.met(m, e).is_some());
                    stack.push((k + 1, load, matched + 1, repeats + again));
                }
            }
        }
        prop_assert_eq!(outcome.groups.len(), best.0, "as many mentees matched as possible");
        if best.0 > 0 {
            prop_assert_eq!(outcome.repeats, best.1, "fewest repeats among the fullest groupings");
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Odd rosters with dense histories, where attaching the odd one out to the best pair of a
    /// matching is not enough: the fallback search must find the triple of strangers.
    #[test]
    fn odd_rosters_with_dense_histories(
        n in prop::sample::select(vec![5usize, 7, 9]),
        marks in prop::collection::vec((0u8..10, 0u8..20, 0u8..3), 36),
        density in 4u8..10,
        seed in any::<u64>(),
    ) {
        let history = history_from(n, &marks, density);
        let people = people(n, &[], &[]);
        let request = Request { people: &people, history: &history, size: 2, mode: Mode::Random, seed };
        let outcome = arrange(&request);
        check_shape(&outcome, n, 2, &history);
        if fewest_repeats(n, 2, &history) == 0 {
            prop_assert_eq!(outcome.repeats, 0, "a repeat-free grouping exists: {:?}", outcome);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The sampled tier (forced here on small rosters; it normally serves rosters above
    /// `EXACT_MAX`): the shape rules, and no repeat when every member has met at most three
    /// others (for pairs, strangers then form a graph of minimum degree at least n/2, which
    /// has a perfect matching; for groups of three and four, the greedy-plus-swaps heuristic
    /// must find one too).
    #[test]
    fn sampled_tier_keeps_the_rules(
        n in 20usize..120,
        size in 2usize..=4,
        mode in 0u8..3,
        specialties in prop::collection::vec(0u8..4, 120),
        stages in prop::collection::vec(0u8..6, 120),
        seed in any::<u64>(),
    ) {
        let people = people(n, &specialties, &stages);
        let mut rng = Rng::new(seed);
        let mut history = History::new();
        let mut degree = vec![0; n];
        for _ in 0..n {
            let (a, b) = (rng.below(n), rng.below(n));
            if a != b && degree[a] < 3 && degree[b] < 3 && history.met(a, b).is_none() {
                history.record(a, b, 1 + rng.below(5) as u32, 1);
                degree[a] += 1;
                degree[b] += 1;
            }
        }
        let request = Request { people: &people, history: &history, size, mode: mode_from(mode), seed };
        let outcome = arrange_with_exact_max(&request, 0);
        check_shape(&outcome, n, size, &history);
        prop_assert_eq!(outcome.repeats, 0);
    }

    /// Ten members, nine weekly rounds: each round has no repeat whenever some grouping of
    /// that round has none.
    #[test]
    fn a_season_never_repeats_while_it_need_not(
        seed in any::<u64>(),
        size in 2usize..=3,
        mode in 0u8..3,
        specialties in prop::collection::vec(0u8..4, 10),
        stages in prop::collection::vec(0u8..6, 10),
    ) {
        let n = 10;
        let people = people(n, &specialties, &stages);
        let mut history = History::new();
        for round in 0..9u64 {
            let request = Request {
                people: &people,
                history: &history,
                size,
                mode: mode_from(mode),
                seed: seed.wrapping_add(round),
            };
            let outcome = arrange(&request);
            check_shape(&outcome, n, size, &history);
            if outcome.repeats > 0 {
                prop_assert!(
                    fewest_repeats(n, size, &history) > 0,
                    "round {} repeated although a repeat-free grouping existed: {:?}",
                    round + 1,
                    outcome
                );
            }
            history.advance(&outcome.groups);
        }
    }
}

/// Random mode, 10 members in pairs: the round-robin rotation gives nine rounds with no repeat
/// (the most there can be) for every seed tried.
/// Every roster up to 120 in every size: groups stay within `size - 1 ..= size + 1` (never
/// below two) whenever some shape allows it, and no other shape has fewer off-size groups.
/// Size 4 once made one group of 7 from 7 members and one of 6 from 6.
#[test]
fn groups_stay_within_one_of_the_size_with_the_fewest_off_size() {
    for size in 2..=4usize {
        for n in 0..=120usize {
            let sizes = group_sizes(n, size);
            let mut sorted = sizes.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, expected_sizes(n, size), "n={n}, size={size}");
            assert_eq!(sizes.iter().sum::<usize>(), if n < 2 { 0 } else { n });
            let fits = |s: &usize| (size - 1).max(2) <= *s && *s <= size + 1;
            if n >= (size - 1).max(2) {
                assert!(sizes.iter().all(fits), "n={n}, size={size}: {sizes:?}");
            }
            if n <= 40 {
                let people = people(n, &[], &[]);
                let history = History::new();
                let request = Request {
                    people: &people,
                    history: &history,
                    size,
                    mode: Mode::Random,
                    seed: n as u64,
                };
                check_shape(&arrange(&request), n, size, &history);
            }
        }
    }
    assert_eq!(group_sizes(7, 4), vec![4, 3]);
    assert_eq!(group_sizes(6, 4), vec![3, 3]);
    assert_eq!(group_sizes(9, 4), vec![5, 4]);
    assert_eq!(group_sizes(10, 4), vec![5, 5]);
    assert_eq!(
        group_sizes(2, 4),
        vec![2],
        "two members: one pair is all there is"
    );
}

#[test]
fn ten_members_meet_everyone_in_nine_rounds() {
    for seed in 0..20u64 {
        let people = people(10, &[], &[]);
        let mut history = History::new();
        for round in 0..9u64 {
            let outcome = arrange(&Request {
                people: &people,
                history: &history,
                size: 2,
                mode: Mode::Random,
                seed: seed * 100 + round,
            });
            assert_eq!(outcome.repeats, 0, "seed {seed}, round {}", round + 1);
            history.advance(&outcome.groups);
        }
        assert_eq!(history.len(), 45, "everyone has met everyone");
    }
}

#[test]
fn empty_and_tiny_rosters() {
    let history = History::new();
    let none = arrange(&Request {
        people: &[],
        history: &history,
        size: 2,
        mode: Mode::Random,
        seed: 1,
    });
    assert_eq!(none, Outcome::default());
    let one = people(1, &[], &[]);
    for mode in Mode::ALL {
        let outcome = arrange(&Request {
            people: &one,
            history: &history,
            size: 3,
            mode,
            seed: 1,
        });
        assert!(outcome.groups.is_empty());
        if mode != Mode::Mentor {
            assert_eq!(outcome.unmatched, vec![0]);
        }
    }
    let three = people(3, &[], &[]);
    let outcome = arrange(&Request {
        people: &three,
        history: &history,
        size: 4,
        mode: Mode::Random,
        seed: 1,
    });
    assert_eq!(outcome.groups, vec![vec![0, 1, 2]]);
}

#[test]
fn cross_specialty_prefers_different_specialties() {
    // Four cardiologists and four surgeons: every pair can be mixed.
    let people = people(8, &[0, 0, 0, 0, 1, 1, 1, 1], &[]);
    let history = History::new();
    for seed in 0..10 {
        let outcome = arrange(&Request {
            people: &people,
            history: &history,
            size: 2,
            mode: Mode::CrossSpecialty,
            seed,
        });
        for group in &outcome.groups {
            assert_ne!(
                people[group[0]].specialty, people[group[1]].specialty,
                "{outcome:?}"
            );
        }
    }
}

#[test]
fn recent_repeats_are_worse_than_old_ones() {
    // Four members who have all met: pair the ones who met longest ago.
    let people = people(4, &[], &[]);
    let mut history = History::new();
    history.record(0, 1, 1, 1);
    history.record(2, 3, 1, 1);
    history.record(0, 2, 2, 1);
    history.record(1, 3, 2, 1);
    history.record(0, 3, 10, 1);
    history.record(1, 2, 10, 1);
    for seed in 0..10 {
        let outcome = arrange(&Request {
            people: &people,
            history: &history,
            size: 2,
            mode: Mode::Random,
            seed,
        });
        assert_eq!(outcome.groups, vec![vec![0, 3], vec![1, 2]]);
        assert_eq!(outcome.repeats, 2);
    }
}

#[test]
fn rng_is_seeded() {
    let mut a = Rng::new(42);
    let mut b = Rng::new(42);
    let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
    let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
    assert_eq!(xs, ys);
    assert_ne!(Rng::new(43).next_u64(), xs[0]);
    let mut c = Rng::new(7);
    assert!((0..1000).all(|_| c.below(10) < 10));
    assert_eq!(c.below(0), 0);
}
