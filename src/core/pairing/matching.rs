//! Maximum-weight perfect matchings of complete graphs: the choice between the certified tier
//! (`exact`) and the sampled tier (`sampled`), and reading pairs off a matching.

use super::blossom::NONE;
use super::candidates::Complete;
use super::exact::certified;
use super::rng::Rng;
use super::sampled::sampled;

/// A maximum-weight perfect matching of a complete graph on an even number of vertices:
/// certified optimal up to `exact_max` vertices, from a sampled candidate graph above.
pub(super) fn perfect_matching<G: Complete>(graph: &G, rng: &mut Rng) -> Vec<usize> {
    if graph.len() <= graph.exact_max() {
        certified(graph, rng)
    } else {
        sampled(graph, rng)
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
