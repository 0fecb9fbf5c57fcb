//! Moving members between groups: the group a member adds most to, and the swap/move local
//! search that polishes groupings built from matchings.

use super::rng::Rng;
use super::weights::Weights;

/// Rosters up to this size run the full swap/move local search; larger ones only reconsider
/// members who sit in a group with a repeat.
pub(super) const LOCAL_SEARCH_FULL_MAX: usize = 1_000;

/// Index of the group (among those with `len() == size_now`, if given) to which `c` adds the
/// most weight.
pub(super) fn best_home(
    weights: &Weights,
    groups: &[Vec<usize>],
    c: usize,
    size_now: Option<usize>,
) -> Option<usize> {
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| size_now.is_none_or(|s| g.len() == s))
        .max_by_key(|(k, g)| {
            (
                g.iter().map(|&x| weights.get(c, x)).sum::<i64>(),
                usize::MAX - k,
            )
        })
        .map(|(k, _)| k)
}

/// Local search: moves a member from a larger group to one smaller by one, or swaps two
/// members of different groups, whenever that adds weight; repeats until nothing does (or a
/// pass limit). Group sizes keep their multiset. With `focus`, only those members initiate.
pub(super) fn improve(
    groups: &mut [Vec<usize>],
    weights: &Weights,
    m: usize,
    focus: Option<&[usize]>,
    rng: &mut Rng,
) {
    if groups.len() < 2 {
        return;
    }
    let mut owner = vec![usize::MAX; m];
    for (k, g) in groups.iter().enumerate() {
        for &x in g {
            if x < m {
                owner[x] = k;
            }
        }
    }
    // own[x] = weight between x and the rest of its group.
    let mut own = vec![0i64; m];
    let refresh = |groups: &[Vec<usize>], own: &mut [i64], k: usize| {
        for &x in &groups[k] {
            own[x] = groups[k]
                .iter()
                .filter(|&&y| y != x)
                .map(|&y| weights.get(x, y))
                .sum();
        }
    };
    for k in 0..groups.len() {
        refresh(groups, &mut own, k);
    }
    let mut order: Vec<usize> = match focus {
        Some(f) => f.iter().copied().filter(|&x| x < m).collect(),
        None => (0..m).collect(),
    };
    order.sort_unstable();
    order.dedup();
    rng.shuffle(&mut order);
    let mut to_group = vec![0i64; groups.len()];
    for _pass in 0..25 {
        let mut improved = false;
        for &i in &order {
            let a = owner[i];
            if a == usize::MAX {
                continue;
            }
            to_group.iter_mut().for_each(|x| *x = 0);
            for j in 0..m {
                if j != i && owner[j] != usize::MAX {
                    to_group[owner[j]] += weights.get(i, j);
                }
            }
            let size_a = groups[a].len();
            // (gain, Some(j) for a swap / None for a move, target group)
            let mut best: (i64, usize, usize) = (0, usize::MAX, usize::MAX);
            for (b, g) in groups.iter().enumerate() {
                if b != a && g.len() + 1 == size_a {
                    let gain = to_group[b] - own[i];
                    if gain > best.0 {
                        best = (gain, usize::MAX, b);
                    }
                }
            }
            for j in 0..m {
                let b = owner[j];
                if b == a || b == usize::MAX {
                    continue;
                }
                let wij = weights.get(i, j);
                let mut j_to_a = 0;
                for &x in &groups[a] {
                    if x != i {
                        j_to_a += weights.get(j, x);
                    }
                }
                let gain = j_to_a - own[i] + (to_group[b] - wij) - own[j];
                if gain > best.0 {
                    best = (gain, j, b);
                }
            }
            let (gain, j, b) = best;
            if gain <= 0 {
                continue;
            }
            improved = true;
            if let Some(pos) = groups[a].iter().position(|&x| x == i) {
                groups[a].swap_remove(pos);
            }
            groups[b].push(i);
            owner[i] = b;
            if j != usize::MAX {
                if let Some(pos) = groups[b].iter().position(|&x| x == j) {
                    groups[b].swap_remove(pos);
                }
                groups[a].push(j);
                owner[j] = a;
            }
            refresh(groups, &mut own, a);
            refresh(groups, &mut own, b);
        }
        if !improved {
            break;
        }
    }
}
