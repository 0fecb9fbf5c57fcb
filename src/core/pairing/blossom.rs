//! Maximum-weight matching: Edmonds' blossom algorithm, a port of Joris van Rantwijk's O(n^3)
//! `mwmatching` (public domain), with integer weights.
//!
//! Vertex duals, edge slacks and deltas are pre-multiplied by two, as in the original, so
//! integer weights give integer arithmetic throughout (all vertex duals keep one parity).
//! Two additions: a greedy "jump start" (duals lowered vertex by vertex until an edge is
//! tight, tight edges matched greedily) that leaves only a few free vertices for the
//! stages, and access to the final duals so a caller can certify the result against edges
//! it never passed in (pricing).

pub const NONE: usize = usize::MAX;

#[derive(Clone, Copy, Debug)]
pub struct Edge {
    pub u: u32,
    pub v: u32,
    pub w: i64,
}

pub struct Solver<'a> {
    n: usize,
    edges: &'a [Edge],
    endpoint: Vec<usize>,
    nb_start: Vec<usize>,
    nb: Vec<usize>,
    mate: Vec<usize>,
    label: Vec<i8>,
    labelend: Vec<usize>,
    inblossom: Vec<usize>,
    parent: Vec<usize>,
    childs: Vec<Vec<usize>>,
    base: Vec<usize>,
    endps: Vec<Vec<usize>>,
    bestedge: Vec<usize>,
    bbest: Vec<Option<Vec<usize>>>,
    unused: Vec<usize>,
    dual: Vec<i64>,
    allow: Vec<u32>,
    stage: u32,
    queue: Vec<usize>,
    bestedgeto: Vec<usize>,
    /// Indices whose label or best edge was set since the stage began (so a stage costs
    /// what it touches, not O(n)).
    touched: Vec<usize>,
    /// Per-substage marks for visiting each touched index once.
    seen: Vec<u32>,
    substage: u32,
    /// Per labelled top-level blossom: the root of its alternating tree this stage.
    tree: Vec<usize>,
    cur_tree: usize,
    /// Roots whose tree took part in an augmentation this stage.
    dead: Vec<bool>,
}

impl<'a> Solver<'a> {
    /// `edges` must not contain loops; parallel edges are harmless. With `jump_start`,
    /// every weight must be even (the parity argument for integer duals needs it).
    pub fn new(n: usize, edges: &'a [Edge]) -> Self {
        let m = edges.len();
        let mut endpoint = Vec::with_capacity(2 * m);
        let mut degree = vec![0usize; n + 1];
        for e in edges {
            endpoint.push(e.u as usize);
            endpoint.push(e.v as usize);
            degree[e.u as usize] += 1;
            degree[e.v as usize] += 1;
        }
        let mut nb_start = vec![0usize; n + 1];
        for v in 0..n {
            nb_start[v + 1] = nb_start[v] + degree[v];
        }
        let mut fill = nb_start.clone();
        let mut nb = vec![0usize; 2 * m];
        for (k, e) in edges.iter().enumerate() {
            nb[fill[e.u as usize]] = 2 * k + 1;
            fill[e.u as usize] += 1;
            nb[fill[e.v as usize]] = 2 * k;
            fill[e.v as usize] += 1;
        }
        let maxweight = edges.iter().map(|e| e.w).max().unwrap_or(0).max(0);
        let mut dual = vec![maxweight; n];
        dual.extend(std::iter::repeat_n(0, n));
        Solver {
            n,
            edges,
            endpoint,
            nb_start,
            nb,
            mate: vec![NONE; n],
            label: vec![0; 2 * n],
            labelend: vec![NONE; 2 * n],
            inblossom: (0..n).collect(),
            parent: vec![NONE; 2 * n],
            childs: vec![Vec::new(); 2 * n],
            base: (0..n).chain(std::iter::repeat_n(NONE, n)).collect(),
            endps: vec![Vec::new(); 2 * n],
            bestedge: vec![NONE; 2 * n],
            bbest: vec![None; 2 * n],
            unused: (n..2 * n).rev().collect(),
            dual,
            allow: vec![0; m],
            stage: 0,
            queue: Vec::new(),
            bestedgeto: vec![NONE; 2 * n],
            touched: Vec::new(),
            seen: vec![0; 2 * n],
            substage: 0,
            tree: vec![NONE; 2 * n],
            cur_tree: NONE,
            dead: vec![false; n],
        }
    }

    #[inline]
    fn slack(&self, k: usize) -> i64 {
        let e = self.edges[k];
        self.dual[e.u as usize] + self.dual[e.v as usize] - 2 * e.w
    }

    #[inline]
    fn set_label(&mut self, x: usize, t: i8) {
        self.label[x] = t;
        if t != 0 {
            self.touched.push(x);
        }
    }

    #[inline]
    fn set_best(&mut self, x: usize, k: usize) {
        self.bestedge[x] = k;
        if k != NONE {
            self.touched.push(x);
        }
    }

    #[inline]
    fn is_dead(&self, b: usize) -> bool {
        let root = self.tree[b];
        root < self.n && self.dead[root]
    }

    #[inline]
    fn allowed(&self, k: usize) -> bool {
        self.allow[k] == self.stage
    }

    #[inline]
    fn set_allowed(&mut self, k: usize) {
        self.allow[k] = self.stage;
    }

    fn leaves(&self, b: usize, out: &mut Vec<usize>) {
        if b < self.n {
            out.push(b);
            return;
        }
        let mut stack = vec![b];
        while let Some(x) = stack.pop() {
            if x < self.n {
                out.push(x);
            } else {
                stack.extend(self.childs[x].iter().rev().copied());
            }
        }
    }

    /// Greedy start: each free vertex lowers its dual until an edge is tight and takes
    /// that edge if the other end is free. Keeps duals feasible and matched edges tight.
    /// `order` is the sequence in which vertices are visited.
    pub fn jump_start(&mut self, order: &[usize]) {
        for v in 0..self.n {
            let mut best = 0i64;
            for &p in &self.nb[self.nb_start[v]..self.nb_start[v + 1]] {
                best = best.max(self.edges[p / 2].w);
            }
            self.dual[v] = best;
        }
        for &v in order {
            if v >= self.n || self.mate[v] != NONE {
                continue;
            }
            let range = self.nb_start[v]..self.nb_start[v + 1];
            let mut least = i64::MAX;
            for &p in &self.nb[range.clone()] {
                least = least.min(self.slack(p / 2));
            }
            if least == i64::MAX {
                continue;
            }
            self.dual[v] -= least;
            for &p in &self.nb[range.clone()] {
                let w = self.endpoint[p];
                if w != v && self.mate[w] == NONE && self.slack(p / 2) == 0 {
                    self.mate[v] = p;
                    self.mate[w] = p ^ 1;
                    break;
                }
            }
        }
    }

    fn assign_label(&mut self, w: usize, t: i8, p: usize) {
        let mut w = w;
        let mut t = t;
        let mut p = p;
        loop {
            let b = self.inblossom[w];
            self.tree[b] = self.cur_tree;
            self.set_label(w, t);
            self.set_label(b, t);
            self.labelend[w] = p;
            self.labelend[b] = p;
            self.bestedge[w] = NONE;
            self.bestedge[b] = NONE;
            if t == 1 {
                let mut out = std::mem::take(&mut self.queue);
                self.leaves(b, &mut out);
                self.queue = out;
                return;
            }
            // T: its base's mate becomes S.
            let base = self.base[b];
            let mb = self.mate[base];
            w = self.endpoint[mb];
            t = 1;
            p = mb ^ 1;
        }
    }

    fn scan_blossom(&mut self, v: usize, w: usize) -> usize {
        let mut path = Vec::new();
        let mut base = NONE;
        let (mut v, mut w) = (v, w);
        while v != NONE || w != NONE {
            let mut b = self.inblossom[v];
            if self.label[b] & 4 != 0 {
                base = self.base[b];
                break;
            }
            path.push(b);
            self.label[b] = 5;
            if self.labelend[b] == NONE {
                v = NONE;
            } else {
                v = self.endpoint[self.labelend[b]];
                b = self.inblossom[v];
                v = self.endpoint[self.labelend[b]];
            }
            if w != NONE {
                std::mem::swap(&mut v, &mut w);
            }
        }
        for b in path {
            self.label[b] = 1;
        }
        base
    }

    fn add_blossom(&mut self, base: usize, k: usize) {
        let e = self.edges[k];
        let (mut v, mut w) = (e.u as usize, e.v as usize);
        let bb = self.inblossom[base];
        let mut bv = self.inblossom[v];
        let mut bw = self.inblossom[w];
        let Some(b) = self.unused.pop() else {
            return;
        };
        self.base[b] = base;
        self.parent[b] = NONE;
        self.parent[bb] = b;
        let mut path = Vec::new();
        let mut endps = Vec::new();
        while bv != bb {
            self.parent[bv] = b;
            path.push(bv);
            endps.push(self.labelend[bv]);
            v = self.endpoint[self.labelend[bv]];
            bv = self.inblossom[v];
        }
        path.push(bb);
        path.reverse();
        endps.reverse();
        endps.push(2 * k);
        while bw != bb {
            self.parent[bw] = b;
            path.push(bw);
            endps.push(self.labelend[bw] ^ 1);
            w = self.endpoint[self.labelend[bw]];
            bw = self.inblossom[w];
        }
        self.set_label(b, 1);
        self.tree[b] = self.tree[bb];
        self.labelend[b] = self.labelend[bb];
        self.dual[b] = 0;
        // `b`'s children are not recorded yet: collect the leaves through `path`.
        let mut leaves = Vec::new();
        for &c in &path {
            self.leaves(c, &mut leaves);
        }
        for &x in &leaves {
            if self.label[self.inblossom[x]] == 2 {
                self.queue.push(x);
            }
            self.inblossom[x] = b;
        }
        // Least-slack edges from the new blossom to other S-blossoms.
        let mut touched: Vec<usize> = Vec::new();
        let mut sub = Vec::new();
        for &c in &path {
            let list: Vec<usize> = match self.bbest[c].take() {
                Some(list) => list,
                None => {
                    sub.clear();
                    self.leaves(c, &mut sub);
                    let mut ks = Vec::new();
                    for &x in &sub {
                        for &p in &self.nb[self.nb_start[x]..self.nb_start[x + 1]] {
                            ks.push(p / 2);
                        }
                    }
                    ks
                }
            };
            for k in list {
                let e = self.edges[k];
                // The edge's end outside the new blossom.
                let j = if self.inblossom[e.v as usize] == b {
                    e.u as usize
                } else {
                    e.v as usize
                };
                let bj = self.inblossom[j];
                if bj != b && self.label[bj] == 1 {
                    let cur = self.bestedgeto[bj];
                    if cur == NONE {
                        touched.push(bj);
                        self.bestedgeto[bj] = k;
                    } else if self.slack(k) < self.slack(cur) {
                        self.bestedgeto[bj] = k;
                    }
                }
            }
            self.bestedge[c] = NONE;
        }
        let mut list = Vec::with_capacity(touched.len());
        for bj in touched {
            list.push(self.bestedgeto[bj]);
            self.bestedgeto[bj] = NONE;
        }
        let mut best = NONE;
        for &k in &list {
            if best == NONE || self.slack(k) < self.slack(best) {
                best = k;
            }
        }
        self.set_best(b, best);
        self.bbest[b] = Some(list);
        self.childs[b] = path;
        self.endps[b] = endps;
    }

    fn expand_blossom(&mut self, b: usize, endstage: bool) {
        let mut work = vec![b];
        let mut first = true;
        while let Some(b) = work.pop() {
            let childs = std::mem::take(&mut self.childs[b]);
            let mut leaves = Vec::new();
            for &s in &childs {
                self.parent[s] = NONE;
                if s < self.n {
                    self.inblossom[s] = s;
                } else if endstage && self.dual[s] == 0 {
                    work.push(s);
                } else {
                    leaves.clear();
                    self.leaves(s, &mut leaves);
                    for &x in &leaves {
                        self.inblossom[x] = s;
                    }
                }
            }
            self.childs[b] = childs;
            if first && !endstage && self.label[b] == 2 {
                self.relabel_expanded_t(b);
            }
            first = false;
            self.label[b] = -1;
            self.labelend[b] = NONE;
            self.childs[b] = Vec::new();
            self.endps[b] = Vec::new();
            self.base[b] = NONE;
            self.bbest[b] = None;
            self.bestedge[b] = NONE;
            self.unused.push(b);
        }
    }

    fn relabel_expanded_t(&mut self, b: usize) {
        let len = self.childs[b].len() as isize;
        let entrychild = self.inblossom[self.endpoint[self.labelend[b] ^ 1]];
        let mut j = self.childs[b]
            .iter()
            .position(|&c| c == entrychild)
            .unwrap_or(0) as isize;
        let (jstep, endptrick): (isize, usize) = if j & 1 != 0 {
            j -= len;
            (1, 0)
        } else {
            (-1, 1)
        };
        let at = |j: isize| -> usize { j.rem_euclid(len) as usize };
        self.cur_tree = self.tree[b];
        let mut p = self.labelend[b];
        while j != 0 {
            let e1 = self.endpoint[p ^ 1];
            self.label[e1] = 0;
            let q = self.endps[b][at(j - endptrick as isize)];
            let e2 = self.endpoint[q ^ endptrick ^ 1];
            self.label[e2] = 0;
            self.assign_label(e1, 2, p);
            self.set_allowed(q / 2);
            j += jstep;
            p = self.endps[b][at(j - endptrick as isize)] ^ endptrick;
            self.set_allowed(p / 2);
            j += jstep;
        }
        let bv = self.childs[b][at(j)];
        let e1 = self.endpoint[p ^ 1];
        self.set_label(e1, 2);
        self.set_label(bv, 2);
        self.tree[bv] = self.cur_tree;
        self.labelend[e1] = p;
        self.labelend[bv] = p;
        self.bestedge[bv] = NONE;
        j += jstep;
        let mut leaves = Vec::new();
        while self.childs[b][at(j)] != entrychild {
            let bv = self.childs[b][at(j)];
            if self.label[bv] == 1 {
                j += jstep;
                continue;
            }
            leaves.clear();
            self.leaves(bv, &mut leaves);
            if let Some(&v) = leaves.iter().find(|&&v| self.label[v] != 0) {
                self.label[v] = 0;
                let mb = self.mate[self.base[bv]];
                let e = self.endpoint[mb];
                self.label[e] = 0;
                self.assign_label(v, 2, self.labelend[v]);
            }
            j += jstep;
        }
    }

    fn augment_blossom(&mut self, b: usize, v: usize) {
        let mut t = v;
        while self.parent[t] != b {
            t = self.parent[t];
        }
        if t >= self.n {
            self.augment_blossom(t, v);
        }
        let len = self.childs[b].len() as isize;
        let i = self.childs[b].iter().position(|&c| c == t).unwrap_or(0);
        let mut j = i as isize;
        let (jstep, endptrick): (isize, usize) = if j & 1 != 0 {
            j -= len;
            (1, 0)
        } else {
            (-1, 1)
        };
        let at = |j: isize| -> usize { j.rem_euclid(len) as usize };
        while j != 0 {
            j += jstep;
            let t = self.childs[b][at(j)];
            let p = self.endps[b][at(j - endptrick as isize)] ^ endptrick;
            if t >= self.n {
                self.augment_blossom(t, self.endpoint[p]);
            }
            j += jstep;
            let t = self.childs[b][at(j)];
            if t >= self.n {
                self.augment_blossom(t, self.endpoint[p ^ 1]);
            }
            self.mate[self.endpoint[p]] = p ^ 1;
            self.mate[self.endpoint[p ^ 1]] = p;
        }
        self.childs[b].rotate_left(i);
        self.endps[b].rotate_left(i);
        self.base[b] = self.base[self.childs[b][0]];
    }

    fn augment_matching(&mut self, k: usize) {
        let e = self.edges[k];
        for (s, p) in [(e.u as usize, 2 * k + 1), (e.v as usize, 2 * k)] {
            let (mut s, mut p) = (s, p);
            loop {
                let bs = self.inblossom[s];
                if bs >= self.n {
                    self.augment_blossom(bs, s);
                }
                self.mate[s] = p;
                if self.labelend[bs] == NONE {
                    break;
                }
                let t = self.endpoint[self.labelend[bs]];
                let bt = self.inblossom[t];
                s = self.endpoint[self.labelend[bt]];
                let j = self.endpoint[self.labelend[bt] ^ 1];
                if bt >= self.n {
                    self.augment_blossom(bt, j);
                }
                self.mate[j] = self.labelend[bt];
                p = self.labelend[bt] ^ 1;
            }
        }
    }

    /// Runs stages until no augmenting path is left. The result has maximum cardinality
    /// and, among matchings of that cardinality, maximum weight (certified by the duals
    /// for a perfect result whatever the start; for a non-perfect one only without
    /// [`Solver::jump_start`]).
    ///
    /// Every exposed vertex is a root in each stage, as in the original; unlike it, a
    /// stage goes on after an augmentation, through the trees the augmentation did not
    /// touch, as long as no dual update is needed: many augmentations per stage, so the
    /// number of stages does not grow with the number of exposed vertices.
    pub fn run(&mut self) {
        self.run_limited(u64::MAX);
    }

    /// [`Solver::run`], stopping at the end of a stage once about `budget` units of work
    /// (edge scans and dual-update visits) are spent. The matching is valid whenever it
    /// stops; false if it stopped early.
    pub fn run_limited(&mut self, budget: u64) -> bool {
        let n = self.n;
        let mut work = 0u64;
        let mut free: Vec<usize> = (0..n).filter(|&v| self.mate[v] == NONE).collect();
        let mut dead_roots: Vec<usize> = Vec::new();
        loop {
            self.stage += 1;
            for x in std::mem::take(&mut self.touched) {
                self.label[x] = 0;
                self.bestedge[x] = NONE;
                if x >= n {
                    self.bbest[x] = None;
                }
            }
            for r in dead_roots.drain(..) {
                self.dead[r] = false;
            }
            self.queue.clear();
            free.retain(|&v| self.mate[v] == NONE);
            if free.is_empty() {
                break;
            }
            if work > budget {
                return false;
            }
            for &v in &free {
                if self.label[self.inblossom[v]] == 0 {
                    self.cur_tree = v;
                    self.assign_label(v, 1, NONE);
                }
            }
            let mut augmented = false;
            loop {
                while let Some(v) = self.queue.pop() {
                    let bv = self.inblossom[v];
                    if self.label[bv] != 1 || self.is_dead(bv) {
                        continue;
                    }
                    let range = self.nb_start[v]..self.nb_start[v + 1];
                    work += range.len() as u64 + 1;
                    for idx in range {
                        let p = self.nb[idx];
                        let k = p / 2;
                        let w = self.endpoint[p];
                        let bv = self.inblossom[v];
                        let bw = self.inblossom[w];
                        if bv == bw {
                            continue;
                        }
                        if self.label[bw] != 0 && self.is_dead(bw) {
                            continue;
                        }
                        let mut kslack = 0;
                        if !self.allowed(k) {
                            kslack = self.slack(k);
                            if kslack <= 0 {
                                self.set_allowed(k);
                            }
                        }
                        if self.allowed(k) {
                            if self.label[bw] == 0 {
                                self.cur_tree = self.tree[bv];
                                self.assign_label(w, 2, p ^ 1);
                            } else if self.label[bw] == 1 {
                                let base = self.scan_blossom(v, w);
                                if base != NONE {
                                    self.add_blossom(base, k);
                                } else {
                                    let (tv, tw) = (self.tree[bv], self.tree[bw]);
                                    self.augment_matching(k);
                                    for r in [tv, tw] {
                                        if r < n && !self.dead[r] {
                                            self.dead[r] = true;
                                            dead_roots.push(r);
                                        }
                                    }
                                    augmented = true;
                                    break;
                                }
                            } else if self.label[w] == 0 {
                                self.set_label(w, 2);
                                self.labelend[w] = p ^ 1;
                            }
                        } else if self.label[bw] == 1 {
                            if self.bestedge[bv] == NONE || kslack < self.slack(self.bestedge[bv]) {
                                self.set_best(bv, k);
                            }
                        } else if self.label[w] == 0
                            && (self.bestedge[w] == NONE || kslack < self.slack(self.bestedge[w]))
                        {
                            self.set_best(w, k);
                        }
                    }
                }
                // The queue is empty. After an augmentation the least-slack bookkeeping
                // may point into dead trees: end the stage rather than update duals.
                work += self.touched.len() as u64;
                if augmented || !self.adjust_duals() {
                    break;
                }
            }
            if !augmented {
                break;
            }
            // End of a stage: expand S-blossoms whose dual reached zero.
            let mut candidates: Vec<usize> =
                self.touched.iter().copied().filter(|&b| b >= n).collect();
            candidates.sort_unstable();
            candidates.dedup();
            for b in candidates {
                if self.parent[b] == NONE
                    && self.base[b] != NONE
                    && self.label[b] == 1
                    && self.dual[b] == 0
                {
                    self.expand_blossom(b, true);
                }
            }
        }
        true
    }

    /// No augmenting path on tight edges: moves the duals by the largest step that keeps
    /// them feasible and acts on the constraint that stopped it. False when nothing
    /// limits the step (no augmenting path from these roots).
    fn adjust_duals(&mut self) -> bool {
        let n = self.n;
        let mut deltatype = -1i32;
        let mut delta = 0i64;
        let mut deltaedge = NONE;
        let mut deltablossom = NONE;
        self.substage = self.substage.wrapping_add(1);
        if self.substage == 0 {
            self.seen.fill(0);
            self.substage = 1;
        }
        let mark = self.substage;
        // Top-level labelled blossoms (trivial ones included); delta2 on the way.
        let mut tops = Vec::new();
        for t in 0..self.touched.len() {
            let x = self.touched[t];
            if self.seen[x] == mark {
                continue;
            }
            self.seen[x] = mark;
            if x < n && self.label[self.inblossom[x]] == 0 && self.bestedge[x] != NONE {
                let d = self.slack(self.bestedge[x]);
                if deltatype == -1 || d < delta {
                    delta = d;
                    deltatype = 2;
                    deltaedge = self.bestedge[x];
                }
            }
            if self.parent[x] != NONE || (x >= n && self.base[x] == NONE) {
                continue;
            }
            if (x >= n || self.inblossom[x] == x) && matches!(self.label[x], 1 | 2) {
                tops.push(x);
            }
        }
        for &b in &tops {
            if self.label[b] == 1 && self.bestedge[b] != NONE {
                let d = self.slack(self.bestedge[b]) / 2;
                if deltatype == -1 || d < delta {
                    delta = d;
                    deltatype = 3;
                    deltaedge = self.bestedge[b];
                }
            }
        }
        for &b in &tops {
            if b >= n && self.label[b] == 2 && (deltatype == -1 || self.dual[b] < delta) {
                delta = self.dual[b];
                deltatype = 4;
                deltablossom = b;
            }
        }
        if deltatype == -1 {
            // Maximum cardinality reached: a final step, as in the original, so the
            // exposed vertices' duals are the smallest (the optimum is verifiable).
            deltatype = 1;
            delta = self.dual[..n].iter().copied().min().unwrap_or(0).max(0);
        }
        let mut leaves = Vec::new();
        for &b in &tops {
            let sign = if self.label[b] == 1 { -1 } else { 1 };
            leaves.clear();
            self.leaves(b, &mut leaves);
            for &v in &leaves {
                self.dual[v] += sign * delta;
            }
            if b >= n {
                self.dual[b] -= sign * delta;
            }
        }
        match deltatype {
            2 => {
                self.set_allowed(deltaedge);
                let e = self.edges[deltaedge];
                let (mut i, j) = (e.u as usize, e.v as usize);
                if self.label[self.inblossom[i]] == 0 {
                    i = j;
                }
                self.queue.push(i);
                true
            }
            3 => {
                self.set_allowed(deltaedge);
                self.queue.push(self.edges[deltaedge].u as usize);
                true
            }
            4 => {
                self.expand_blossom(deltablossom, false);
                true
            }
            _ => false,
        }
    }

    /// The partner of each vertex, or `NONE`.
    pub fn mates(&self) -> Vec<usize> {
        self.mate
            .iter()
            .map(|&p| if p == NONE { NONE } else { self.endpoint[p] })
            .collect()
    }

    /// The reduced cost (times two) of a possible edge `(i, j, w)` under the final duals,
    /// blossom duals included. Negative means the edge would improve the matching: the
    /// result is optimal over any superset of edges on which no slack is negative (for a
    /// perfect matching, whatever the signs of the vertex duals).
    pub fn slack_of(&self, i: usize, j: usize, w: i64) -> i64 {
        let mut s = self.dual[i] + self.dual[j] - 2 * w;
        if s >= 0 || (self.parent[i] == NONE && self.parent[j] == NONE) {
            return s;
        }
        let chain = |mut x: usize| {
            let mut c = Vec::new();
            while self.parent[x] != NONE {
                x = self.parent[x];
                c.push(x);
            }
            c.reverse();
            c
        };
        let (ci, cj) = (chain(i), chain(j));
        for (a, b) in ci.iter().zip(cj.iter()) {
            if a != b {
                break;
            }
            s += 2 * self.dual[*a];
        }
        s
    }
}

#[cfg(test)]
mod tests;
