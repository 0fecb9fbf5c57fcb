//! The candidate graph both matching tiers build on: the [`Complete`] interface, the candidate
//! edge set, and a blossom solve on it.

use std::collections::HashSet;

use super::blossom::{Edge, Solver};
use super::rng::Rng;

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

pub(super) fn add_always<G: Complete>(graph: &G, set: &mut EdgeSet, row: &mut Vec<i64>) {
    if let Some(x) = graph.always() {
        graph.row(x, row);
        for (b, &w) in row.iter().enumerate() {
            set.add(x, b, w);
        }
    }
}
