//! Sizes 3 and 4: every grouping tried up to [`EXHAUSTIVE_MAX`] members; above it, groups
//! built from matchings and polished by the local search.

use super::blossom::NONE;
use super::graphs::{Blocks, Members};
use super::local_search::{LOCAL_SEARCH_FULL_MAX, best_home, improve};
use super::matching::{pairs_of, perfect_matching};
use super::rng::Rng;
use super::tunables::EXHAUSTIVE_MAX;
use super::weights::{Scorer, Weights, group_repeats, group_weight};

pub(super) fn arrange(scorer: &Scorer, sizes: &[usize], rng: &mut Rng) -> Vec<Vec<usize>> {
    let m = scorer.m;
    let weights = Weights::new(scorer, LOCAL_SEARCH_FULL_MAX);
    if m <= EXHAUSTIVE_MAX {
        return exhaustive(m, sizes, &weights);
    }
    let base = sizes.iter().copied().min().unwrap_or(3);
    let mut groups = if base >= 4 {
        pairs_then_pairs(scorer, &weights, rng)
    } else {
        pairs_plus_singles(scorer, &weights, sizes.len(), rng)
    };
    let full = m <= LOCAL_SEARCH_FULL_MAX;
    let focus = repeat_members(scorer, &groups);
    improve(
        &mut groups,
        &weights,
        m,
        if full { None } else { Some(&focus) },
        rng,
    );
    if full {
        kicks(scorer, &weights, &mut groups, rng);
    }
    groups
}

fn repeat_members(scorer: &Scorer, groups: &[Vec<usize>]) -> Vec<usize> {
    let mut out = Vec::new();
    for g in groups {
        if group_repeats(scorer, g) > 0 {
            out.extend_from_slice(g);
        }
    }
    out
}

/// Groups of four and five: pairs by matching, then pairs of pairs by matching; the (at
/// most three) members left over each join a different group.
fn pairs_then_pairs(scorer: &Scorer, weights: &Weights, rng: &mut Rng) -> Vec<Vec<usize>> {
    let m = scorer.m;
    let odd = m % 2 == 1;
    let mates = perfect_matching(
        &Members {
            scorer,
            phantom: odd,
        },
        rng,
    );
    let pairs = pairs_of(&mates, m);
    let mut left: Vec<usize> = (0..m)
        .filter(|&a| mates[a] == NONE || mates[a] >= m)
        .collect();
    let blocks = Blocks {
        exact_max: scorer.exact_max,
        blocks: &pairs,
        weights,
        phantom: pairs.len() % 2 == 1,
    };
    let quads = perfect_matching(&blocks, rng);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (p, pair) in pairs.iter().enumerate() {
        let q = quads[p];
        if q == NONE || q >= pairs.len() {
            left.extend_from_slice(pair);
        } else if p < q {
            let mut g = pair.clone();
            g.extend_from_slice(&pairs[q]);
            groups.push(g);
        }
    }
    for c in left {
        match best_home(weights, &groups, c, Some(4)) {
            Some(k) => groups[k].push(c),
            None => groups.push(vec![c]),
        }
    }
    groups
}

/// Groups of two to four with some of two or three (size 3, and size 4 one short): pairs by
/// matching; the weakest pairs beyond the number of groups dissolve, and their members
/// (hardest to place first) each join the best pair with room.
fn pairs_plus_singles(
    scorer: &Scorer,
    weights: &Weights,
    count: usize,
    rng: &mut Rng,
) -> Vec<Vec<usize>> {
    let m = scorer.m;
    let odd = m % 2 == 1;
    let mates = perfect_matching(
        &Members {
            scorer,
            phantom: odd,
        },
        rng,
    );
    let mut pairs = pairs_of(&mates, m);
    let mut singles: Vec<usize> = (0..m)
        .filter(|&a| mates[a] == NONE || mates[a] >= m)
        .collect();
    rng.shuffle(&mut pairs);
    pairs.sort_by_key(|p| weights.get(p[0], p[1]));
    let dissolve = pairs.len().saturating_sub(count);
    for p in pairs.drain(..dissolve) {
        singles.extend(p);
    }
    rng.shuffle(&mut singles);
    singles.sort_by_key(|&a| scorer.strangers[a]);
    let mut groups = pairs;
    let sample = groups.len() > 2_000;
    for c in singles {
        let smallest = groups.iter().map(Vec::len).min().unwrap_or(0);
        let home = if sample {
            let mut best: Option<(i64, usize)> = None;
            for _ in 0..256 {
                let k = rng.below(groups.len());
                if groups[k].len() == smallest {
                    let w: i64 = groups[k].iter().map(|&x| weights.get(c, x)).sum();
                    if best.is_none_or(|(bw, _)| w > bw) {
                        best = Some((w, k));
                    }
                }
            }
            best.map(|(_, k)| k)
                .or_else(|| groups.iter().position(|g| g.len() == smallest))
        } else {
            best_home(weights, &groups, c, Some(smallest))
        };
        match home {
            Some(k) => groups[k].push(c),
            None => groups.push(vec![c]),
        }
    }
    groups
}

/// Random kicks for rosters small enough: a member of a group with a repeat swaps with a
/// random member, the local search runs again, and the result is kept if it is better.
fn kicks(scorer: &Scorer, weights: &Weights, groups: &mut Vec<Vec<usize>>, rng: &mut Rng) {
    let m = scorer.m;
    let score = |gs: &[Vec<usize>]| -> i64 { gs.iter().map(|g| group_weight(weights, g)).sum() };
    let mut best_score = score(groups);
    let budget = (200_000 / (m * m).max(1)).clamp(4, 60);
    for _ in 0..budget {
        let bad = repeat_members(scorer, groups);
        if bad.is_empty() {
            return;
        }
        let mut trial = groups.clone();
        let mut owner = vec![0; m];
        for (k, g) in trial.iter().enumerate() {
            for &x in g {
                owner[x] = k;
            }
        }
        for _ in 0..2 {
            let i = bad[rng.below(bad.len())];
            let j = rng.below(m);
            let (gi, gj) = (owner[i], owner[j]);
            if gi == gj {
                continue;
            }
            let pi = trial[gi].iter().position(|&x| x == i);
            let pj = trial[gj].iter().position(|&x| x == j);
            if let (Some(pi), Some(pj)) = (pi, pj) {
                trial[gi][pi] = j;
                trial[gj][pj] = i;
                owner[i] = gj;
                owner[j] = gi;
            }
        }
        improve(&mut trial, weights, m, None, rng);
        let s = score(&trial);
        if s > best_score {
            best_score = s;
            *groups = trial;
        }
    }
}

/// Every grouping with the given sizes; the heaviest wins (fewest repeats first).
pub(super) fn exhaustive(m: usize, sizes: &[usize], weights: &Weights) -> Vec<Vec<usize>> {
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for &s in sizes {
        match counts.iter_mut().find(|(z, _)| *z == s) {
            Some((_, c)) => *c += 1,
            None => counts.push((s, 1)),
        }
    }
    let mut search = Search {
        weights,
        counts,
        current: Vec::new(),
        best: None,
    };
    search.go((1u32 << m) - 1, 0);
    search.best.map(|(_, g)| g).unwrap_or_default()
}

struct Search<'a> {
    weights: &'a Weights<'a>,
    counts: Vec<(usize, usize)>,
    current: Vec<Vec<usize>>,
    best: Option<(i64, Vec<Vec<usize>>)>,
}

impl Search<'_> {
    fn go(&mut self, free: u32, weight: i64) {
        if free == 0 {
            if self.best.as_ref().is_none_or(|(w, _)| weight > *w) {
                self.best = Some((weight, self.current.clone()));
            }
            return;
        }
        let first = free.trailing_zeros() as usize;
        let rest = free & !(1 << first);
        for s in 0..self.counts.len() {
            let (size, count) = self.counts[s];
            if count == 0 {
                continue;
            }
            self.counts[s].1 -= 1;
            let mut group = vec![first];
            self.choose(rest, size - 1, &mut group, weight, free);
            self.counts[s].1 += 1;
        }
    }

    fn choose(&mut self, pool: u32, need: usize, group: &mut Vec<usize>, weight: i64, free: u32) {
        if need == 0 {
            let mut w = weight;
            for (x, &a) in group.iter().enumerate() {
                for &b in &group[x + 1..] {
                    w += self.weights.get(a, b);
                }
            }
            let mut left = free;
            for &a in group.iter() {
                left &= !(1 << a);
            }
            self.current.push(group.clone());
            self.go(left, w);
            self.current.pop();
            return;
        }
        if (pool.count_ones() as usize) < need {
            return;
        }
        let next = pool.trailing_zeros() as usize;
        let rest = pool & !(1 << next);
        group.push(next);
        self.choose(rest, need - 1, group, weight, free);
        group.pop();
        self.choose(rest, need, group, weight, free);
    }
}
