//! The certified tier: a matching proven optimal over every pair, not only the candidates.

use super::blossom::NONE;
use super::candidates::{CANDIDATES, Complete, EdgeSet, RANDOM_CANDIDATES, add_always, solve, top};
use super::rng::Rng;

/// Certified tier: edges with negative reduced cost added per vertex and pricing round.
const PRICE_PER_VERTEX: usize = 3;

/// Solves on each vertex's best few edges, then prices every other edge against the final
/// duals; edges with negative slack are added and the matching solved again. When no edge
/// has negative slack the duals prove the matching optimal over the complete graph.
pub(super) fn certified<G: Complete>(graph: &G, rng: &mut Rng) -> Vec<usize> {
    certified_from(graph, CANDIDATES, RANDOM_CANDIDATES, rng)
}

/// [`certified`] starting from `best` best and `random` random candidates per vertex.
pub(super) fn certified_from<G: Complete>(
    graph: &G,
    best_k: usize,
    random: usize,
    rng: &mut Rng,
) -> Vec<usize> {
    let n = graph.len();
    let mut set = EdgeSet::new();
    let mut row = Vec::new();
    let mut best = Vec::new();
    for a in 0..n {
        graph.row(a, &mut row);
        top(&row, a, best_k, &mut best);
        for &b in &best {
            set.add(a, b, row[b]);
        }
        // A few random partners too: when everyone's best edges point at the same few
        // vertices (one specialty in the majority), the optimum is mostly among the rest.
        for _ in 0..random {
            let b = rng.below(n);
            if b != a {
                set.add(a, b, row[b]);
            }
        }
    }
    add_always(graph, &mut set, &mut row);
    let mut pending = Vec::new();
    loop {
        let (mates, solver) = solve(n, &set.edges, rng);
        let exposed: Vec<usize> = (0..n).filter(|&v| mates[v] == NONE).collect();
        let mut added = 0;
        if !exposed.is_empty() {
            drop(solver);
            for &a in &exposed {
                graph.row(a, &mut row);
                for (b, &w) in row.iter().enumerate() {
                    added += set.add(a, b, w) as usize;
                }
            }
            if added == 0 {
                return mates;
            }
            continue;
        }
        // Price every edge; add each vertex's most violated few (adding them all can make
        // the next graph nearly complete when everyone's favourites are the same few).
        let mut violations = Vec::new();
        for a in 0..n {
            graph.row(a, &mut row);
            violations.clear();
            for (b, &w) in row.iter().enumerate().skip(a + 1) {
                if !set.contains(a, b) {
                    let s = solver.slack_of(a, b, 2 * w);
                    if s < 0 {
                        violations.push((s, b, w));
                    }
                }
            }
            if violations.len() > PRICE_PER_VERTEX {
                violations.select_nth_unstable(PRICE_PER_VERTEX - 1);
                violations.truncate(PRICE_PER_VERTEX);
            }
            for &(_, b, w) in &violations {
                pending.push((a, b, w));
            }
        }
        drop(solver);
        if pending.is_empty() {
            return mates;
        }
        for (a, b, w) in pending.drain(..) {
            set.add(a, b, w);
        }
    }
}
