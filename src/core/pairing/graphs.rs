//! The complete graphs that get matched: the members (with a phantom vertex when the roster
//! is odd) and, for groups of four, pairs of members taken as blocks.

use super::candidates::{CANDIDATES, Complete};
use super::round_robin::round_robin_partner;
use super::tunables::SCARCITY;
use super::weights::{Scorer, Weights, tie};

/// The members, plus a phantom vertex `m` for an odd roster: whoever is matched to it is the
/// one who will join a pair.
pub(super) struct Members<'a> {
    pub(super) scorer: &'a Scorer,
    pub(super) phantom: bool,
}

impl Members<'_> {
    fn phantom_weight(&self, c: usize) -> i64 {
        let s = self.scorer;
        let all = (s.m as i64 - 1).max(1);
        // Prefer leaving out someone with many strangers: they fit into a pair most easily.
        s.new_bonus
            + s.rotation(c, s.m)
            + tie(s.seed, c, s.m)
            + SCARCITY * s.strangers[c] as i64 / all
    }
}

impl Complete for Members<'_> {
    fn len(&self) -> usize {
        self.scorer.m + self.phantom as usize
    }

    fn weight(&self, a: usize, b: usize) -> i64 {
        let m = self.scorer.m;
        if a == m {
            self.phantom_weight(b)
        } else if b == m {
            self.phantom_weight(a)
        } else {
            self.scorer.weight(a, b)
        }
    }

    fn row(&self, a: usize, out: &mut Vec<i64>) {
        let m = self.scorer.m;
        if a == m {
            out.clear();
            out.extend((0..m).map(|b| self.phantom_weight(b)));
            out.push(0);
            return;
        }
        self.scorer.row(a, out);
        if self.phantom {
            out.push(self.phantom_weight(a));
        }
    }

    fn scarce(&self, a: usize) -> bool {
        a < self.scorer.m && (self.scorer.strangers[a] as usize) < self.scorer.m / 4 + CANDIDATES
    }

    fn always(&self) -> Option<usize> {
        self.phantom.then_some(self.scorer.m)
    }

    fn exact_max(&self) -> usize {
        self.scorer.exact_max
    }

    fn good(&self, _a: usize, _b: usize, w: i64) -> bool {
        w >= self.scorer.new_bonus
    }

    fn hint(&self, a: usize) -> Option<usize> {
        let s = self.scorer;
        let b = round_robin_partner(s.classes, s.target, a);
        (b < self.len() && b != a).then_some(b)
    }
}

/// Blocks of members (pairs) weighed by the sum over all cross pairs, plus an optional
/// phantom block.
pub(super) struct Blocks<'a> {
    pub(super) exact_max: usize,
    pub(super) blocks: &'a [Vec<usize>],
    pub(super) weights: &'a Weights<'a>,
    pub(super) phantom: bool,
}

impl Complete for Blocks<'_> {
    fn len(&self) -> usize {
        self.blocks.len() + self.phantom as usize
    }

    fn weight(&self, a: usize, b: usize) -> i64 {
        let k = self.blocks.len();
        if a >= k || b >= k {
            return 0;
        }
        let mut w = 0;
        for &x in &self.blocks[a] {
            for &y in &self.blocks[b] {
                w += self.weights.get(x, y);
            }
        }
        w
    }

    fn always(&self) -> Option<usize> {
        self.phantom.then_some(self.blocks.len())
    }

    fn exact_max(&self) -> usize {
        self.exact_max
    }
}
