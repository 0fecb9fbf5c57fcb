//! Mentor mode: mentors' seats matched with mentees, as many mentees as possible first.

use std::collections::BTreeMap;

use super::blossom::{Edge, Solver};
use super::person::MentorRole;
use super::request::Request;
use super::tunables::{MENTOR_SEATS_MAX, PREFERENCE, SPREAD};
use super::weights::{X_MAX, norm, recency, tie};

/// Mentor mode: above this many possible (seat, mentee) edges, each mentee keeps only its best
/// mentors.
const MENTOR_EDGE_LIMIT: usize = 300_000;
const MENTOR_KEEP: usize = 32;

pub(super) fn arrange(request: &Request) -> (Vec<Vec<usize>>, Vec<usize>) {
    let people = request.people;
    let mut mentors: Vec<(usize, usize)> = Vec::new();
    let mut mentees: Vec<(usize, Option<String>)> = Vec::new();
    for (i, p) in people.iter().enumerate() {
        match &p.mentor {
            MentorRole::Mentor { capacity } if *capacity > 0 => {
                mentors.push((i, *capacity as usize))
            }
            MentorRole::Mentee { wants_specialty } => mentees.push((i, norm(wants_specialty))),
            _ => {}
        }
    }
    if mentees.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let specialty: Vec<Option<String>> = people.iter().map(|p| norm(&p.specialty)).collect();
    let allowed =
        |mentor: usize, mentee: usize| match (people[mentor].stage_rank, people[mentee].stage_rank)
        {
            (Some(a), Some(b)) => a > b,
            _ => true,
        };
    // Seats: mentor `i` offers seats 0..capacity (never more than there are mentees).
    let mut seats: Vec<(usize, usize)> = Vec::new();
    for &(i, cap) in &mentors {
        for k in 0..cap.min(mentees.len()).min(MENTOR_SEATS_MAX) {
            seats.push((i, k));
        }
    }
    let pairs = mentees.len().min(seats.len());
    let new_bonus = (pairs as i64 + 1).saturating_mul(X_MAX + 1);
    let seed = request.seed;
    let base = |mentor: usize, e: usize| -> i64 {
        let (mentee, wants) = &mentees[e];
        let mut w = tie(seed, mentor, *mentee);
        if wants.is_some() && *wants == specialty[mentor] {
            w += PREFERENCE;
        }
        match request.history.met(mentor, *mentee) {
            None => w + new_bonus,
            Some((r, t)) => w + recency(r, t),
        }
    };
    // Which mentors each mentee may meet (the best few when there are very many).
    let mut options: Vec<Vec<(i64, usize)>> = Vec::with_capacity(mentees.len());
    let mut total = 0usize;
    for (e, &(mentee, _)) in mentees.iter().enumerate() {
        let list: Vec<(i64, usize)> = mentors
            .iter()
            .filter(|&&(i, _)| i != mentee && allowed(i, mentee))
            .map(|&(i, _)| (base(i, e), i))
            .collect();
        total += list.len();
        options.push(list);
    }
    let per_mentor: BTreeMap<usize, usize> = mentors
        .iter()
        .map(|&(i, cap)| (i, cap.min(mentees.len()).min(MENTOR_SEATS_MAX)))
        .collect();
    let seat_edges: usize = options
        .iter()
        .flatten()
        .map(|&(_, i)| per_mentor.get(&i).copied().unwrap_or(0))
        .sum();
    let large = seat_edges > MENTOR_EDGE_LIMIT || total > MENTOR_EDGE_LIMIT;
    if large {
        for list in &mut options {
            list.sort_unstable_by(|x, y| y.cmp(x));
            list.truncate(MENTOR_KEEP);
        }
    }
    let mut first_seat: BTreeMap<usize, usize> = BTreeMap::new();
    for (s, &(i, k)) in seats.iter().enumerate() {
        if k == 0 {
            first_seat.insert(i, s);
        }
    }
    let offset = seats.len();
    let mut edges = Vec::new();
    for (e, list) in options.iter().enumerate() {
        for &(w, i) in list {
            let (Some(&s0), Some(&cap)) = (first_seat.get(&i), per_mentor.get(&i)) else {
                continue;
            };
            for k in 0..cap {
                // Earlier seats weigh more, so mentees spread over mentors.
                let spread = SPREAD * (16 - k.min(16)) as i64;
                edges.push(Edge {
                    u: (s0 + k) as u32,
                    v: (offset + e) as u32,
                    w: 2 * (w + spread),
                });
            }
        }
    }
    let n = offset + mentees.len();
    let mut solver = Solver::new(n, &edges);
    if large {
        // Very large programmes: a greedy start makes it fast; the result still has the
        // most mentees matched, but the fewest repeats among those is then likely rather
        // than certain.
        let order: Vec<usize> = (offset..n).chain(0..offset).collect();
        solver.jump_start(&order);
    }
    solver.run();
    let mates = solver.mates();
    let mut groups = Vec::new();
    let mut unmatched = Vec::new();
    for (e, &(mentee, _)) in mentees.iter().enumerate() {
        match mates[offset + e] {
            s if s < offset => groups.push(vec![seats[s].0, mentee]),
            _ => unmatched.push(mentee),
        }
    }
    (groups, unmatched)
}
