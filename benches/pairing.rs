//! Pairing benchmark: `cargo bench --bench pairing` prints markdown tables.
//!
//! Simulates weekly rounds of the pairing algorithm (Random mode, groups of two) for rosters of
//! 20 to 10,000 members, with and without 5% weekly churn (that many members leave each round
//! and as many newcomers take their places), and reports the median time per round and how
//! many rounds pass before the first forced repeat, next to the N−1 limit and to a naive
//! shuffle (random pairs, no history) simulated alongside. Under `cargo test --all-targets`
//! (no `--bench` argument) it returns at once.

use std::time::{Duration, Instant};

use rounds::core::pairing::{
    EXACT_MAX, History, MentorRole, Mode, Outcome, Person, Request, Rng, arrange,
    arrange_with_exact_max,
};

const SPECIALTIES: [&str; 8] = [
    "anaesthetics",
    "cardiology",
    "emergency",
    "general practice",
    "paediatrics",
    "psychiatry",
    "radiology",
    "surgery",
];

fn person(rng: &mut Rng) -> Person {
    Person {
        specialty: Some(SPECIALTIES[rng.below(SPECIALTIES.len())].to_string()),
        stage_rank: Some(rng.below(6) as u8),
        mentor: MentorRole::Neither,
    }
}

/// Naive shuffle: random pairs, the odd one out joins the last pair.
fn shuffle_pairs(n: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut groups: Vec<Vec<usize>> = order.chunks(2).map(<[usize]>::to_vec).collect();
    if n % 2 == 1 && groups.len() > 1 {
        let last = groups.pop().unwrap_or_default();
        if let Some(g) = groups.last_mut() {
            g.extend(last);
        }
    }
    groups
}

fn has_repeat(groups: &[Vec<usize>], history: &History) -> bool {
    groups.iter().any(|g| {
        g.iter()
            .enumerate()
            .any(|(x, &a)| g[x + 1..].iter().any(|&b| history.met(a, b).is_some()))
    })
}

struct Sim {
    times: Vec<Duration>,
    /// Rounds before the first round with a repeat (None: none within the cap).
    clean: Option<usize>,
    naive_clean: Option<usize>,
    rounds: usize,
}

fn churn(n: usize, rate: f64, people: &mut [Person], history: &mut History, rng: &mut Rng) {
    let leaving = (n as f64 * rate).round() as usize;
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    for &i in &order[..leaving] {
        people[i] = person(rng);
        history.forget(i);
    }
}

fn simulate(n: usize, rate: f64, cap: usize, seed: u64, mode: Mode, exact_max: usize) -> Sim {
    let mut rng = Rng::new(seed);
    let mut people: Vec<Person> = (0..n).map(|_| person(&mut rng)).collect();
    let mut history = History::new();
    let mut naive_history = History::new();
    let mut naive_rng = Rng::new(seed ^ 0xFACE);
    let mut naive_clean = None;
    let mut clean = None;
    let mut times = Vec::new();
    let mut round = 0;
    while round < cap && (clean.is_none() || naive_clean.is_none()) {
        round += 1;
        if clean.is_none() {
            let request = Request {
                people: &people,
                history: &history,
                size: 2,
                mode,
                seed: seed.wrapping_mul(1_000_003).wrapping_add(round as u64),
            };
            let start = Instant::now();
            let outcome: Outcome = if exact_max == EXACT_MAX {
                arrange(&request)
            } else {
                arrange_with_exact_max(&request, exact_max)
            };
            times.push(start.elapsed());
            if outcome.repeats > 0 {
                clean = Some(round - 1);
            }
            history.advance(&outcome.groups);
        }
        if naive_clean.is_none() {
            let groups = shuffle_pairs(n, &mut naive_rng);
            if has_repeat(&groups, &naive_history) {
                naive_clean = Some(round - 1);
            }
            naive_history.advance(&groups);
        }
        if rate > 0.0 {
            // The same members leave both simulations.
            let mut a = Rng::new(seed ^ round as u64);
            let mut b = a.clone();
            churn(n, rate, &mut people, &mut history, &mut a);
            let mut scratch = people.clone();
            churn(n, rate, &mut scratch, &mut naive_history, &mut b);
        }
    }
    Sim {
        times,
        clean,
        naive_clean,
        rounds: round,
    }
}

fn median(times: &mut [Duration]) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort();
    times[times.len() / 2]
}

fn show(d: Duration) -> String {
    if d.as_secs_f64() >= 0.1 {
        format!("{:.2} s", d.as_secs_f64())
    } else if d.as_secs_f64() >= 1e-3 {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.0} µs", d.as_secs_f64() * 1e6)
    }
}

fn rounds(value: Option<usize>, cap: usize) -> String {
    match value {
        Some(r) => r.to_string(),
        None => format!("≥ {cap} (cap)"),
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only: Option<String> = std::env::var("PAIRING_BENCH_ONLY").ok();
    let want = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|x| x == name))
    };

    if want("main") {
        println!("## Weekly rounds, Random mode, groups of two\n");
        println!(
            "| members | churn | per-round time (median) | rounds before first forced repeat | limit N−1 | naive shuffle |"
        );
        println!("|---:|---:|---:|---:|---:|---:|");
        for (n, cap) in [
            (20, 200),
            (50, 200),
            (200, 400),
            (1_000, 1_100),
            (10_000, 60),
        ] {
            for rate in [0.0, 0.05] {
                let mut sim = simulate(n, rate, cap, 1, Mode::Random, EXACT_MAX);
                println!(
                    "| {n} | {:.0}% | {} | {} | {} | {} |",
                    rate * 100.0,
                    show(median(&mut sim.times)),
                    rounds(sim.clean, sim.rounds),
                    n - 1,
                    rounds(sim.naive_clean, sim.rounds),
                );
            }
        }
        println!();
    }

    if want("seeds") {
        println!("## 50 members, no churn: rounds before the first repeat, by seed\n");
        println!("| seed | Random | cross-specialty | cross-stage |");
        println!("|---:|---:|---:|---:|");
        for seed in 1..=10u64 {
            let r = |mode| rounds(simulate(50, 0.0, 60, seed, mode, EXACT_MAX).clean, 60);
            println!(
                "| {seed} | {} | {} | {} |",
                r(Mode::Random),
                r(Mode::CrossSpecialty),
                r(Mode::CrossStage)
            );
        }
        println!();
    }

    if want("tiers") {
        println!("## Where the certified tier stops paying (one round, 10 rounds of history)\n");
        println!(
            "Median of 3 seeds. \"Skewed\": cross-specialty mode with 80% of members in one \
             specialty, so everyone's favourite partners are the same few (the hard case).\n"
        );
        println!(
            "| members | certified, random | certified, skewed | sampled, random | sampled, skewed |"
        );
        println!("|---:|---:|---:|---:|---:|");
        for n in [500, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000] {
            let mut cells = Vec::new();
            for exact_max in [usize::MAX, 0] {
                for skewed in [false, true] {
                    if exact_max == usize::MAX && n > 3_000 {
                        cells.push("—".to_string());
                        continue;
                    }
                    cells.push(show(one_round(n, skewed, exact_max)));
                }
            }
            println!("| {n} | {} |", cells.join(" | "));
        }
        println!();
    }

    if want("modes") {
        println!("## One round of 10,000 members (10 rounds of history), by mode and size\n");
        println!("| mode | size 2 | size 3 | size 4 |");
        println!("|---|---:|---:|---:|");
        for mode in [Mode::Random, Mode::CrossSpecialty, Mode::CrossStage] {
            let cells: Vec<String> = [2, 3, 4]
                .iter()
                .map(|&size| show(timed(10_000, false, mode, size, EXACT_MAX)))
                .collect();
            println!("| {} | {} |", mode.as_str(), cells.join(" | "));
        }
        let mentor = show(timed(10_000, false, Mode::Mentor, 2, EXACT_MAX));
        println!("| mentor (2,500 mentors × 3 seats, 7,500 mentees) | {mentor} | | |");
        let mentor = show(timed(1_000, false, Mode::Mentor, 2, EXACT_MAX));
        println!("| mentor, 1,000 members | {mentor} | | |");
        println!();
    }
}

/// A roster with a synthetic history: everyone has met 10 random others, 1 to 10 rounds ago.
fn roster(n: usize, skewed: bool, mode: Mode, seed: u64) -> (Vec<Person>, History) {
    let mut rng = Rng::new(seed);
    let people: Vec<Person> = (0..n)
        .map(|i| {
            let mut p = person(&mut rng);
            if skewed && rng.below(10) < 8 {
                p.specialty = Some(SPECIALTIES[0].to_string());
            }
            if mode == Mode::Mentor {
                p.mentor = if i % 4 == 0 {
                    MentorRole::Mentor { capacity: 3 }
                } else {
                    MentorRole::Mentee {
                        wants_specialty: Some(SPECIALTIES[rng.below(8)].to_string()),
                    }
                };
            }
            p
        })
        .collect();
    let mut history = History::new();
    for a in 0..n {
        for _ in 0..5 {
            let b = rng.below(n);
            history.record(a, b, 1 + rng.below(10) as u32, 1);
        }
    }
    (people, history)
}

fn timed(n: usize, skewed: bool, mode: Mode, size: usize, exact_max: usize) -> Duration {
    let mut times: Vec<Duration> = (0..3u64)
        .map(|seed| {
            let (people, history) = roster(n, skewed, mode, seed);
            let request = Request {
                people: &people,
                history: &history,
                size,
                mode,
                seed,
            };
            let start = Instant::now();
            let outcome = arrange_with_exact_max(&request, exact_max);
            let elapsed = start.elapsed();
            assert!(outcome.groups.len() > 1);
            elapsed
        })
        .collect();
    median(&mut times)
}

fn one_round(n: usize, skewed: bool, exact_max: usize) -> Duration {
    let mode = if skewed {
        Mode::CrossSpecialty
    } else {
        Mode::Random
    };
    timed(n, skewed, mode, 2, exact_max)
}
