//! The blossom solver against brute force, and its duals as an optimality certificate.

use super::*;
use crate::core::pairing::rng::Rng;

/// (cardinality, weight) of the best matching, by brute force; `perfect_only` restricts
/// to perfect matchings (None if there is none).
fn brute(n: usize, edges: &[Edge], max_cardinality: bool) -> (usize, i64) {
    #[allow(clippy::too_many_arguments)]
    fn go(
        v: usize,
        n: usize,
        used: &mut Vec<bool>,
        adj: &Vec<Vec<(usize, i64)>>,
        card: usize,
        w: i64,
        best: &mut (usize, i64),
        maxc: bool,
    ) {
        if v == n {
            let better = if maxc {
                (card, w) > *best
            } else {
                w > best.1 || (w == best.1 && card > best.0)
            };
            if better {
                *best = (card, w);
            }
            return;
        }
        if used[v] {
            return go(v + 1, n, used, adj, card, w, best, maxc);
        }
        used[v] = true;
        go(v + 1, n, used, adj, card, w, best, maxc);
        for &(u, ew) in &adj[v] {
            if !used[u] {
                used[u] = true;
                go(v + 1, n, used, adj, card + 1, w + ew, best, maxc);
                used[u] = false;
            }
        }
        used[v] = false;
    }
    let mut adj = vec![Vec::new(); n];
    for e in edges {
        adj[e.u as usize].push((e.v as usize, e.w));
        adj[e.v as usize].push((e.u as usize, e.w));
    }
    let mut best = (0, 0);
    go(
        0,
        n,
        &mut vec![false; n],
        &adj,
        0,
        0,
        &mut best,
        max_cardinality,
    );
    best
}

fn measure(n: usize, edges: &[Edge], mates: &[usize]) -> (usize, i64) {
    let mut card = 0;
    let mut w = 0;
    for v in 0..n {
        let u = mates[v];
        if u != NONE {
            assert_eq!(mates[u], v, "mates must be symmetric");
            if v < u {
                card += 1;
                w += edges
                    .iter()
                    .filter(|e| {
                        (e.u as usize, e.v as usize) == (v, u)
                            || (e.u as usize, e.v as usize) == (u, v)
                    })
                    .map(|e| e.w)
                    .max()
                    .expect("matched along an edge");
            }
        }
    }
    (card, w)
}

fn random_graph(rng: &mut Rng, n: usize) -> Vec<Edge> {
    let density = rng.unit();
    let mut edges = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            if rng.unit() < density {
                edges.push(Edge {
                    u: a as u32,
                    v: b as u32,
                    w: 2 * rng.below(12) as i64,
                });
            }
        }
    }
    edges
}

#[test]
fn blossom_matches_brute_force() {
    let mut rng = Rng::new(7);
    for round in 0..3_000 {
        let n = 1 + rng.below(10);
        let edges = random_graph(&mut rng, n);
        let want = brute(n, &edges, true);
        let mut s = Solver::new(n, &edges);
        s.run();
        assert_eq!(
            measure(n, &edges, &s.mates()),
            want,
            "round {round} {edges:?}"
        );
        // Jump start: maximum cardinality always; maximum weight when perfect.
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let mut s = Solver::new(n, &edges);
        s.jump_start(&order);
        s.run();
        let got = measure(n, &edges, &s.mates());
        assert_eq!(
            got.0, want.0,
            "jump start cardinality, round {round} {edges:?}"
        );
        if 2 * want.0 == n {
            assert_eq!(got.1, want.1, "jump start weight, round {round} {edges:?}");
        }
    }
}

#[test]
fn pricing_certifies_complete_graph_optimum() {
    let mut rng = Rng::new(11);
    for _ in 0..500 {
        let n = 2 * (1 + rng.below(5));
        let mut all = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                all.push(Edge {
                    u: a as u32,
                    v: b as u32,
                    w: 2 * rng.below(20) as i64,
                });
            }
        }
        let want = brute(n, &all, true);
        // Start from a random sub-graph; add violated edges until none.
        let mut have: Vec<bool> = all.iter().map(|_| rng.unit() < 0.4).collect();
        loop {
            let sub: Vec<Edge> = all
                .iter()
                .zip(&have)
                .filter(|(_, h)| **h)
                .map(|(e, _)| *e)
                .collect();
            let mut s = Solver::new(n, &sub);
            let order: Vec<usize> = (0..n).collect();
            s.jump_start(&order);
            s.run();
            let mates = s.mates();
            let perfect = mates.iter().all(|&x| x != NONE);
            let mut added = false;
            for (k, e) in all.iter().enumerate() {
                if have[k] {
                    continue;
                }
                let (a, b) = (e.u as usize, e.v as usize);
                let wanted = if perfect {
                    s.slack_of(a, b, e.w) < 0
                } else {
                    mates[a] == NONE || mates[b] == NONE
                };
                if wanted {
                    have[k] = true;
                    added = true;
                }
            }
            if !added {
                assert!(perfect);
                assert_eq!(measure(n, &sub, &mates), want);
                break;
            }
        }
    }
}
