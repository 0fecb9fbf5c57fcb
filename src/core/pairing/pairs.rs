//! Size 2: one maximum-weight perfect matching. An odd roster gets its one group of three from
//! a phantom vertex, and a fallback search when that triple leaves a repeat.

use super::blossom::{Edge, NONE};
use super::candidates::solve;
use super::graphs::Members;
use super::local_search::{LOCAL_SEARCH_FULL_MAX, best_home, improve};
use super::matching::{pairs_of, perfect_matching};
use super::rng::Rng;
use super::tunables::FALLBACK_ALL_MAX;
use super::weights::{Scorer, Weights, group_repeats, total_repeats};

/// Odd rosters above [`FALLBACK_ALL_MAX`] members try this many as the "third".
const FALLBACK_TRIES_LARGE: usize = 12;
/// Above this many members the fallback is skipped (it lists every pair of strangers).
const FALLBACK_MEMBERS_MAX: usize = 2_001;

pub(super) fn arrange(scorer: &Scorer, rng: &mut Rng) -> Vec<Vec<usize>> {
    let m = scorer.m;
    let odd = m % 2 == 1;
    let graph = Members {
        scorer,
        phantom: odd,
    };
    let mates = perfect_matching(&graph, rng);
    let mut groups = pairs_of(&mates, m);
    if !odd {
        return groups;
    }
    let weights = Weights::new(scorer, LOCAL_SEARCH_FULL_MAX);
    let c = match mates.get(m) {
        Some(&c) if c < m => c,
        // Cannot happen (the phantom is always matched), but never lose a member.
        _ => (0..m)
            .find(|&x| mates[x] == NONE || mates[x] >= m)
            .unwrap_or(0),
    };
    match best_home(&weights, &groups, c, None) {
        Some(k) => groups[k].push(c),
        None => groups.push(vec![c]),
    }
    let triple: Vec<usize> = groups
        .iter()
        .find(|g| g.len() == 3)
        .cloned()
        .unwrap_or_default();
    let mut focus = triple;
    for g in &groups {
        if group_repeats(scorer, g) > 0 {
            focus.extend_from_slice(g);
        }
    }
    improve(&mut groups, &weights, m, Some(&focus), rng);
    if total_repeats(scorer, &groups) > 0
        && let Some(mut better) = fallback(scorer, rng)
    {
        improve(&mut better, &weights, m, None, rng);
        if total_repeats(scorer, &better) < total_repeats(scorer, &groups) {
            return better;
        }
    }
    groups
}

/// Odd roster with a repeat: looks for a member `c` and a perfect matching of the others
/// among strangers that contains a pair of `c`'s strangers (that pair and `c` form the
/// triple). Exact when every `c` is tried.
fn fallback(scorer: &Scorer, rng: &mut Rng) -> Option<Vec<Vec<usize>>> {
    let m = scorer.m;
    if m > FALLBACK_MEMBERS_MAX {
        return None;
    }
    let mut order: Vec<usize> = (0..m).filter(|&c| scorer.strangers[c] >= 2).collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|&c| std::cmp::Reverse(scorer.strangers[c]));
    let tries = if m <= FALLBACK_ALL_MAX {
        order.len()
    } else {
        FALLBACK_TRIES_LARGE
    };
    // Every pair of strangers, once.
    let mut strangers = Vec::new();
    for a in 0..m {
        for b in a + 1..m {
            if scorer.met(a, b).is_none() {
                strangers.push((a, b));
            }
        }
    }
    let mut near = vec![false; m];
    for &c in order.iter().take(tries) {
        for (b, x) in near.iter_mut().enumerate() {
            *x = b != c && scorer.met(b, c).is_none();
        }
        // Vertices other than c, renumbered.
        let index = |v: usize| if v < c { v } else { v - 1 };
        let mut edges = Vec::new();
        let mut any_bonus = false;
        for &(a, b) in &strangers {
            if a == c || b == c {
                continue;
            }
            let bonus = near[a] && near[b];
            any_bonus |= bonus;
            edges.push(Edge {
                u: index(a) as u32,
                v: index(b) as u32,
                w: if bonus { 4 } else { 2 },
            });
        }
        if !any_bonus {
            continue;
        }
        let (mates, _) = solve(m - 1, &edges, rng);
        if mates.contains(&NONE) {
            continue;
        }
        let back = |v: usize| if v < c { v } else { v + 1 };
        let mut groups: Vec<Vec<usize>> = pairs_of(&mates, m - 1)
            .into_iter()
            .map(|g| g.into_iter().map(back).collect())
            .collect();
        let home = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| near[g[0]] && near[g[1]])
            .max_by_key(|(_, g)| scorer.weight(c, g[0]) + scorer.weight(c, g[1]))
            .map(|(k, _)| k);
        if let Some(k) = home {
            groups[k].push(c);
            return Some(groups);
        }
    }
    None
}
