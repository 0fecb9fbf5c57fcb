//! The sampled tier, for graphs too large to certify: fast, with no proof of optimality.

use super::blossom::{Edge, NONE};
use super::candidates::{CANDIDATES, Complete, EdgeSet, RANDOM_CANDIDATES, add_always, solve, top};
use super::rng::Rng;

/// Sampled tier: vertices a breadth-first augmenting-path search may visit per exposed vertex.
const AUGMENT_VISITS: usize = 4_000;

/// The sampled tier: greedy matching on candidate edges, augmenting repair, then 2-opt.
///
/// Candidates: each vertex's best edges among a random sample of partners (every partner for a
/// vertex with few good ones left), its round-robin partner, and a few random partners. The
/// heaviest candidate edges are matched greedily; vertices left exposed are matched by
/// augmenting paths (Edmonds' algorithm with equal weights) through "good" edges (strangers)
/// first and any candidate edge second; any still exposed are matched among themselves.
/// Finally 2-opt: two pairs `(a, b)`, `(c, d)` with `a`–`c` a candidate edge become `(a, c)`,
/// `(b, d)` whenever that weighs more. Weights are lexicographic (strangers first), so the
/// repair and the 2-opt never trade a stranger for a repeat.
pub(super) fn sampled<G: Complete>(graph: &G, rng: &mut Rng) -> Vec<usize> {
    let n = graph.len();
    let mut set = EdgeSet::new();
    let mut row = Vec::new();
    let mut best = Vec::new();
    let mut sample: Vec<(i64, usize)> = Vec::new();
    for a in 0..n {
        if graph.always() == Some(a) {
            continue;
        }
        if graph.scarce(a) {
            graph.row(a, &mut row);
            if let Some(x) = graph.always() {
                row[x] = i64::MIN;
            }
            top(&row, a, CANDIDATES, &mut best);
            // On a small graph `top` keeps even the phantom's masked column; its edges come
            // from `add_always` with their real weight.
            for &b in best.iter().filter(|&&b| graph.always() != Some(b)) {
                set.add(a, b, row[b]);
            }
        } else {
            sample.clear();
            if let Some(b) = graph.hint(a) {
                sample.push((graph.weight(a, b), b));
            }
            for _ in 0..4 * CANDIDATES {
                let b = rng.below(n);
                if b != a && graph.always() != Some(b) {
                    sample.push((graph.weight(a, b), b));
                }
            }
            sample.sort_unstable_by(|x, y| y.cmp(x));
            sample.dedup_by_key(|e| e.1);
            for &(w, b) in sample.iter().take(CANDIDATES) {
                set.add(a, b, w);
            }
        }
        for _ in 0..RANDOM_CANDIDATES {
            let b = rng.below(n);
            if b != a && graph.always() != Some(b) {
                set.add(a, b, graph.weight(a, b));
            }
        }
    }
    add_always(graph, &mut set, &mut row);
    let edges = &set.edges;
    // Greedy, heaviest first (ties in a seeded order).
    let mut order: Vec<usize> = (0..edges.len()).collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|&k| std::cmp::Reverse(edges[k].w));
    let mut mates = vec![NONE; n];
    for &k in &order {
        let (u, v) = (edges[k].u as usize, edges[k].v as usize);
        if mates[u] == NONE && mates[v] == NONE {
            mates[u] = v;
            mates[v] = u;
        }
    }
    // Augmenting repair: strangers' edges first, then every candidate.
    let mut adjacency: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
    for e in edges {
        let good = graph.good(e.u as usize, e.v as usize, e.w / 2);
        adjacency[e.u as usize].push((e.v, good));
        adjacency[e.v as usize].push((e.u, good));
    }
    for only_good in [true, false] {
        augment_short(&adjacency, &mut mates, only_good);
    }
    let exposed: Vec<usize> = (0..n).filter(|&v| mates[v] == NONE).collect();
    if !exposed.is_empty() {
        // Only when the candidate graph has no perfect matching: match the rest among
        // themselves (exactly when they are few, greedily otherwise).
        if exposed.len() <= 300 {
            let mut rest = EdgeSet::new();
            for (x, &a) in exposed.iter().enumerate() {
                for (y, &b) in exposed.iter().enumerate().skip(x + 1) {
                    rest.add(x, y, graph.weight(a, b));
                }
            }
            let (sub, _) = solve(exposed.len(), &rest.edges, rng);
            for (x, &y) in sub.iter().enumerate() {
                if y != NONE {
                    mates[exposed[x]] = exposed[y];
                }
            }
        } else {
            for pair in exposed.chunks(2) {
                if let [a, b] = *pair {
                    mates[a] = b;
                    mates[b] = a;
                }
            }
        }
    }
    two_opt(graph, edges, &mut mates, rng);
    mates
}

/// Augmenting paths from each exposed vertex by breadth-first search over alternating paths
/// (at most [`AUGMENT_VISITS`] vertices each). Blossoms are not shrunk, so a path through an
/// odd cycle can be missed, but every path found is a valid augmenting path.
fn augment_short(adjacency: &[Vec<(u32, bool)>], mates: &mut [usize], only_good: bool) {
    let n = mates.len();
    let mut parent = vec![NONE; n];
    let mut stamp = vec![0u32; n];
    let mut round = 0u32;
    let mut queue = std::collections::VecDeque::new();
    for root in 0..n {
        if mates[root] != NONE {
            continue;
        }
        round += 1;
        stamp[root] = round;
        queue.clear();
        queue.push_back(root);
        let mut visits = 0;
        let mut end = NONE;
        'search: while let Some(x) = queue.pop_front() {
            for &(y, good) in &adjacency[x] {
                let y = y as usize;
                if (only_good && !good) || stamp[y] == round || mates[x] == y {
                    continue;
                }
                stamp[y] = round;
                parent[y] = x;
                visits += 1;
                if mates[y] == NONE {
                    end = y;
                    break 'search;
                }
                let z = mates[y];
                if stamp[z] != round {
                    stamp[z] = round;
                    queue.push_back(z);
                }
                if visits > AUGMENT_VISITS {
                    break 'search;
                }
            }
        }
        // Flip the path end .. root: each odd vertex takes its parent.
        let mut y = end;
        while y != NONE {
            let x = parent[y];
            let next = mates[x];
            mates[y] = x;
            mates[x] = y;
            y = if x == root { NONE } else { next };
        }
    }
}

/// 2-opt on a perfect matching: for each candidate edge `a`–`c` (with `a`–`b`, `c`–`d`
/// matched), rematch as `a`–`c`, `b`–`d` when that weighs more.
fn two_opt<G: Complete>(graph: &G, edges: &[Edge], mates: &mut [usize], rng: &mut Rng) {
    let n = mates.len();
    // Weight of each vertex's matched edge.
    let mut held: Vec<i64> = (0..n)
        .map(|a| {
            if mates[a] == NONE {
                0
            } else {
                graph.weight(a, mates[a])
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..edges.len()).collect();
    rng.shuffle(&mut order);
    for _pass in 0..3 {
        let mut improved = false;
        for &k in &order {
            let (a, c) = (edges[k].u as usize, edges[k].v as usize);
            let (b, d) = (mates[a], mates[c]);
            if b == c || b == NONE || d == NONE || b == d {
                continue;
            }
            let ac = edges[k].w / 2;
            let bd = graph.weight(b, d);
            if ac + bd > held[a] + held[c] {
                mates[a] = c;
                mates[c] = a;
                mates[b] = d;
                mates[d] = b;
                held[a] = ac;
                held[c] = ac;
                held[b] = bd;
                held[d] = bd;
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
}
