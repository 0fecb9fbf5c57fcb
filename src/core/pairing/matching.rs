//! Maximum-weight perfect matchings of complete graphs: the [`Complete`] interface, the choice
//! between the certified tier (`exact`) and the sampled tier (`sampled`), and the candidate
//! edges both build on.

use std::collections::HashSet;

use super::blossom::{Edge, NONE, Solver};
use super::exact::certified;
use super::rng::Rng;
use super::sampled::sampled;

/// Candidate edges kept per member before pricing (certified tier) or for good (sampled tier).
pub(super) const CANDIDATES: usize = 10;
/// Random partners added to each member's candidates.
pub(super) const RANDOM_CANDIDATES: usize = 6;

/// A complete graph with integer weights.
pub(super) trait Complete {
    fn len(&self) -> usize;
    fn weight(&self, a: usize, b: usize) -> i64;
    /// `out[b]` = weight of `(a, b)` for every `b`.
    fn row(&self, a: usize, out: &mut Vec<i64>) {
        out.clear();
        out.extend((0..self.len()).map(|b| if a == b { 0 } else { self.weight(a, b) }));
    }
    /// Whether the sampled tier should look at every neighbour of `a` (few good ones left).
    fn scarce(&self, _a: usize) -> bool {
        false
    }
    /// Vertices whose every edge is always a candidate (the phantom of an odd roster).
    fn always(&self) -> Option<usize> {
        None
    }
    /// Graphs up to this many vertices get the certified matching.
    fn exact_max(&self) -> usize;
    /// A partner worth offering the sampled tier whatever the sample (this round's
    /// round-robin partner).
    fn hint(&self, _a: usize) -> Option<usize> {
        None
    }
    /// Whether an edge of weight `w` is one the repair should use first (strangers).
    fn good(&self, _a: usize, _b: usize, _w: i64) -> bool {
        true
    }
}

pub(super) struct EdgeSet {
    pub(super) edges: Vec<Edge>,
    have: HashSet<u64>,
}

impl EdgeSet {
    pub(super) fn new() -> Self {
        EdgeSet {
            edges: Vec::new(),
            have: HashSet::new(),
        }
    }

    fn key(a: usize, b: usize) -> u64 {
        ((a.min(b) as u64) << 32) | a.max(b) as u64
    }

    pub(super) fn contains(&self, a: usize, b: usize) -> bool {
        self.have.contains(&Self::key(a, b))
    }

    /// Adds `(a, b)` with weight `w` (stored doubled: the jump start wants even weights).
    pub(super) fn add(&mut self, a: usize, b: usize, w: i64) -> bool {
        if a == b || !self.have.insert(Self::key(a, b)) {
            return false;
        }
        self.edges.push(Edge {
            u: a as u32,
            v: b as u32,
            w: 2 * w,
        });
        true
    }
}

pub(super) fn solve<'e>(n: usize, edges: &'e [Edge], rng: &mut Rng) -> (Vec<usize>, Solver<'e>) {
    let mut solver = Solver::new(n, edges);
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    solver.jump_start(&order);
    solver.run();
    (solver.mates(), solver)
}

/// Indices of the `k` largest entries of `row` other than `skip`.
pub(super) fn top(row: &[i64], skip: usize, k: usize, into: &mut Vec<usize>) {
    into.clear();
    into.extend((0..row.len()).filter(|&b| b != skip));
    if into.len() > k {
        into.select_nth_unstable_by(k - 1, |&x, &y| row[y].cmp(&row[x]));
        into.truncate(k);
    }
}

/// A maximum-weight perfect matching of a complete graph on an even number of vertices:
/// certified optimal up to `exact_max` vertices, from a sampled candidate graph above.
pub(super) fn perfect_matching<G: Complete>(graph: &G, rng: &mut Rng) -> Vec<usize> {
    if graph.len() <= graph.exact_max() {
        certified(graph, rng)
    } else {
        sampled(graph, rng)
    }
}

pub(super) fn add_always<G: Complete>(graph: &G, set: &mut EdgeSet, row: &mut Vec<i64>) {
    if let Some(x) = graph.always() {
        graph.row(x, row);
        for (b, &w) in row.iter().enumerate() {
            set.add(x, b, w);
        }
    }
}

pub(super) fn pairs_of(mates: &[usize], limit: usize) -> Vec<Vec<usize>> {
    (0..limit)
        .filter(|&a| mates[a] != NONE && a < mates[a] && mates[a] < limit)
        .map(|a| vec![a, mates[a]])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::pairing::exact::certified_from;

    /// A complete graph given as a matrix.
    struct Matrix(Vec<Vec<i64>>);

    impl Complete for Matrix {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn weight(&self, a: usize, b: usize) -> i64 {
            self.0[a][b]
        }
        fn exact_max(&self) -> usize {
            usize::MAX
        }
    }

    /// Maximum weight of a perfect matching, by dynamic programming over subsets.
    fn best_perfect(w: &[Vec<i64>]) -> i64 {
        let n = w.len();
        let mut best = vec![i64::MIN; 1 << n];
        best[0] = 0;
        for mask in 0usize..1 << n {
            if best[mask] == i64::MIN {
                continue;
            }
            let Some(a) = (0..n).find(|&a| mask & (1 << a) == 0) else {
                continue;
            };
            for (b, &wab) in w[a].iter().enumerate().skip(a + 1) {
                if mask & (1 << b) == 0 {
                    let next = mask | (1 << a) | (1 << b);
                    best[next] = best[next].max(best[mask] + wab);
                }
            }
        }
        best[(1 << n) - 1]
    }

    #[test]
    fn certified_and_sampled_tiers_against_dynamic_programming() {
        let mut rng = Rng::new(5);
        for round in 0..60 {
            let n = 2 * (5 + rng.below(4));
            // Everyone's favourites are the same few vertices, so the candidates mislead and
            // pricing has to find the rest.
            let favourites = 1 + rng.below(3);
            let mut w = vec![vec![0i64; n]; n];
            for (a, b) in (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))) {
                let bonus = if a < favourites || b < favourites {
                    500
                } else {
                    0
                };
                w[a][b] = bonus + rng.below(100) as i64;
                w[b][a] = w[a][b];
            }
            let want = best_perfect(&w);
            let graph = Matrix(w.clone());
            for (tier, mates) in [
                ("certified", certified_from(&graph, 1, 0, &mut rng)),
                ("certified", certified(&graph, &mut rng)),
                ("sampled", sampled(&graph, &mut rng)),
            ] {
                let mut total = 0;
                for (a, &b) in mates.iter().enumerate() {
                    assert!(b < n && mates[b] == a, "{tier}: perfect, round {round}");
                    if a < b {
                        total += w[a][b];
                    }
                }
                if tier == "certified" {
                    assert_eq!(total, want, "certified optimum, round {round}");
                } else {
                    assert!(total <= want);
                }
            }
        }
    }
}
