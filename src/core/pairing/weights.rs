//! Pair weights outside mentor mode: the integer scale of the module notes ("Weights"), one
//! pair at a time ([`Scorer`]) or as a matrix for the local search ([`Weights`]).

use std::collections::BTreeMap;

use super::mode::Mode;
use super::request::Request;
use super::rng::{Rng, mix64};
use super::round_robin::pair_class;
use super::tunables::{
    PREFERENCE, RECENCY_CAP, RECENCY_PER_ROUND, ROTATION, SCARCITY, SPREAD, TIE_SPAN, TIMES_PENALTY,
};

/// The largest `X` part of any weight, mentor spread included (see the module notes).
pub(super) const X_MAX: i64 = TIE_SPAN
    + ROTATION
    + PREFERENCE
    + SCARCITY
    + RECENCY_PER_ROUND * RECENCY_CAP as i64
    + SPREAD * 16;

pub(super) fn norm(text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
}

fn intern(values: impl Iterator<Item = Option<String>>) -> Vec<u32> {
    let mut ids: BTreeMap<String, u32> = BTreeMap::new();
    values
        .map(|v| match v {
            None => 0,
            Some(s) => {
                let next = ids.len() as u32 + 1;
                *ids.entry(s).or_insert(next)
            }
        })
        .collect()
}

/// Recency weight of a pair who met `rounds_ago` rounds ago, `times` times.
pub(super) fn recency(rounds_ago: u32, times: u32) -> i64 {
    let r = rounds_ago.clamp(1, RECENCY_CAP) as i64;
    let t = times.clamp(1, 16) as i64 - 1;
    (RECENCY_PER_ROUND * r - TIMES_PENALTY * t).max(0)
}

pub(super) fn tie(seed: u64, a: usize, b: usize) -> i64 {
    let (lo, hi) = (a.min(b) as u64, a.max(b) as u64);
    (mix64(mix64(seed) ^ (lo << 32) ^ hi) % TIE_SPAN as u64) as i64
}

/// Everything needed to weigh a pair of members (non-mentor modes).
pub(super) struct Scorer {
    pub(super) m: usize,
    mode: Mode,
    pub(super) seed: u64,
    specialty: Vec<u32>,
    stage: Vec<u16>,
    /// Per member: `(other, rounds_ago, times)`, sorted by `other`.
    met: Vec<Vec<(u32, u32, u32)>>,
    /// Per member: how many others they have not met.
    pub(super) strangers: Vec<u32>,
    /// Per member: `SCARCITY` scaled by the share of the others they have met; a pair of
    /// strangers gets the smaller of the two.
    scarcity: Vec<i64>,
    /// Number of round-robin classes, and the one favoured this round.
    pub(super) classes: usize,
    pub(super) target: usize,
    pub(super) new_bonus: i64,
    /// Size-2 rosters up to this many members get the certified matching.
    pub(super) exact_max: usize,
}

impl Scorer {
    pub(super) fn new(request: &Request, pairs: usize, exact_max: usize) -> Self {
        let m = request.people.len();
        let specialty = intern(request.people.iter().map(|p| norm(&p.specialty)));
        let stage = request
            .people
            .iter()
            .map(|p| p.stage_rank.map_or(0, |r| r as u16 + 1))
            .collect();
        let mut met: Vec<Vec<(u32, u32, u32)>> = vec![Vec::new(); m];
        for (a, b, r, t) in request.history.iter() {
            if a < m && b < m {
                met[a].push((b as u32, r, t));
                met[b].push((a as u32, r, t));
            }
        }
        for list in &mut met {
            list.sort_unstable_by_key(|e| e.0);
        }
        let strangers: Vec<u32> = met
            .iter()
            .map(|l| (m - 1).saturating_sub(l.len()) as u32)
            .collect();
        let all = (m as i64 - 1).max(1);
        let scarcity = strangers
            .iter()
            .map(|&s| SCARCITY * (all - s as i64) / all)
            .collect();
        // The round-robin class this round favours: the one with the fewest meetings so far
        // (ties in an order drawn from the seed). With no churn every round finds a class
        // nobody in it has used, so consecutive rounds form a round-robin schedule.
        let slots = m + (m & 1);
        let classes = (slots - 1).max(1);
        let mut used = vec![0usize; classes];
        for (a, b, _, _) in request.history.iter() {
            if a < m && b < m {
                used[pair_class(classes, a, b)] += 1;
            }
        }
        let mut order: Vec<usize> = (0..classes).collect();
        Rng::new(request.seed ^ 0x00DD_BA11).shuffle(&mut order);
        let target = order.iter().copied().min_by_key(|&c| used[c]).unwrap_or(0);
        let new_bonus = (pairs as i64 + 1).saturating_mul(X_MAX + 1);
        Scorer {
            m,
            mode: request.mode,
            seed: request.seed,
            specialty,
            stage,
            met,
            scarcity,
            strangers,
            classes,
            target,
            new_bonus,
            exact_max,
        }
    }

    /// Rotation bonus of a pair (`b` may be `m`, the phantom slot of an odd roster).
    pub(super) fn rotation(&self, a: usize, b: usize) -> i64 {
        if pair_class(self.classes, a, b) == self.target {
            ROTATION
        } else {
            0
        }
    }

    pub(super) fn met(&self, a: usize, b: usize) -> Option<(u32, u32)> {
        let (list, other) = if self.met[a].len() <= self.met[b].len() {
            (&self.met[a], b as u32)
        } else {
            (&self.met[b], a as u32)
        };
        list.binary_search_by_key(&other, |e| e.0)
            .ok()
            .map(|k| (list[k].1, list[k].2))
    }

    fn preferred(&self, a: usize, b: usize) -> bool {
        match self.mode {
            Mode::CrossSpecialty => {
                let (x, y) = (self.specialty[a], self.specialty[b]);
                x != 0 && y != 0 && x != y
            }
            Mode::CrossStage => {
                let (x, y) = (self.stage[a], self.stage[b]);
                x != 0 && y != 0 && x != y
            }
            Mode::Random | Mode::Mentor => false,
        }
    }

    /// The weight of a pair who have never met.
    fn fresh(&self, a: usize, b: usize) -> i64 {
        let mut w = self.new_bonus + tie(self.seed, a, b) + self.rotation(a, b);
        if self.preferred(a, b) {
            w += PREFERENCE;
        }
        w + self.scarcity[a].min(self.scarcity[b])
    }

    /// The weight of a pair who met `rounds_ago` rounds ago, `times` times.
    fn again(&self, a: usize, b: usize, rounds_ago: u32, times: u32) -> i64 {
        let mut w = tie(self.seed, a, b) + recency(rounds_ago, times);
        if self.preferred(a, b) {
            w += PREFERENCE;
        }
        w
    }

    pub(super) fn weight(&self, a: usize, b: usize) -> i64 {
        match self.met(a, b) {
            None => self.fresh(a, b),
            Some((r, t)) => self.again(a, b, r, t),
        }
    }

    /// `out[j]` = weight of `(a, j)` for every member `j` (`out[a]` is meaningless).
    pub(super) fn row(&self, a: usize, out: &mut Vec<i64>) {
        out.clear();
        out.extend((0..self.m).map(|b| if b == a { 0 } else { self.fresh(a, b) }));
        for &(b, r, t) in &self.met[a] {
            out[b as usize] = self.again(a, b as usize, r, t);
        }
    }
}

/// Symmetric weights as a dense matrix (small and medium rosters) or computed on demand.
pub(super) enum Weights<'a> {
    Dense { m: usize, w: Vec<i64> },
    Lazy(&'a Scorer),
}

impl<'a> Weights<'a> {
    pub(super) fn new(scorer: &'a Scorer, dense_max: usize) -> Self {
        let m = scorer.m;
        if m > dense_max {
            return Weights::Lazy(scorer);
        }
        let mut w = Vec::with_capacity(m * m);
        let mut row = Vec::new();
        for a in 0..m {
            scorer.row(a, &mut row);
            w.extend_from_slice(&row);
        }
        Weights::Dense { m, w }
    }

    #[inline]
    pub(super) fn get(&self, a: usize, b: usize) -> i64 {
        match self {
            Weights::Dense { m, w } => w[a * m + b],
            Weights::Lazy(s) => s.weight(a, b),
        }
    }
}

pub(super) fn group_weight(weights: &Weights, group: &[usize]) -> i64 {
    let mut w = 0;
    for (x, &a) in group.iter().enumerate() {
        for &b in &group[x + 1..] {
            w += weights.get(a, b);
        }
    }
    w
}

pub(super) fn group_repeats(scorer: &Scorer, group: &[usize]) -> usize {
    let mut r = 0;
    for (x, &a) in group.iter().enumerate() {
        for &b in &group[x + 1..] {
            r += scorer.met(a, b).is_some() as usize;
        }
    }
    r
}

pub(super) fn total_repeats(scorer: &Scorer, groups: &[Vec<usize>]) -> usize {
    groups.iter().map(|g| group_repeats(scorer, g)).sum()
}
