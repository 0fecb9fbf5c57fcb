//! One round: who is eligible, the grouping, the record, and the introductions it sends;
//! firing the scheduled round job.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::icebreakers;
use super::programme::{
    MISSED_CHECKINS_BEFORE_PAUSE, capitalise, group_option, indefinitely, join_commands,
    programme_name,
};
use crate::core::catch_up;
use crate::core::command::Stage;
use crate::core::context::{Bot, Fired, Settings, Society};
use crate::core::error::StoreError;
use crate::core::io::{Action, Message, UserRef};
use crate::core::pairing::{self, History, Mode, Person};
use crate::core::plural;
use crate::core::store::GroupMember;
use crate::core::store::{
    CoffeeGroup, CoffeeMember, Job, MentorOffer, NewRound, Profile, Programme, Store,
};
use crate::core::time_format;

/// Where a stage sits in training, earliest first; a mentor is paired only with mentees at an
/// earlier stage when both stages are known. None for `other` or no stage.
pub(super) fn stage_rank(stage: Option<&str>) -> Option<u8> {
    match Stage::parse(stage?)? {
        Stage::Student => Some(0),
        Stage::Intern => Some(1),
        Stage::Resident => Some(2),
        Stage::Registrar => Some(3),
        Stage::Consultant => Some(4),
        Stage::Other => None,
    }
}

/// The same round always gets the same seed, so a job fired twice groups people the same way.
fn round_seed(programme: i64, scheduled_for: DateTime<Utc>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in programme
        .to_le_bytes()
        .into_iter()
        .chain(scheduled_for.timestamp().to_le_bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Who a round would group, and who it leaves out and why.
pub(super) struct Plan {
    pub(super) groups: Vec<Vec<UserRef>>,
    /// Eligible, but no partner this round (a roster of one, or a mentee without a mentor).
    pub(super) alone: Vec<UserRef>,
    /// Paused now for unanswered check-ins.
    pub(super) paused: Vec<UserRef>,
    pub(super) repeats: usize,
    pub(super) seed: u64,
}

/// Everything a round needs from the store, read once.
pub(super) struct Roster {
    members: Vec<CoffeeMember>,
    past: Vec<CoffeeGroup>,
    profiles: HashMap<String, Profile>,
    mentors: HashMap<String, MentorOffer>,
}

pub(super) async fn roster(store: &dyn Store, programme: &Programme) -> Result<Roster, StoreError> {
    let profiles = store
        .profiles(&programme.society)
        .await?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let mentors = if programme.mode == Mode::Mentor {
        store
            .mentor_roles(&programme.society)
            .await?
            .into_iter()
            .map(|r| (r.user.id, r.offer))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(Roster {
        members: store.coffee_members(programme.id).await?,
        past: store.coffee_groups(programme.id).await?,
        profiles,
        mentors,
    })
}

/// True if the member left their last three check-ins unanswered while someone else in each of
/// those groups answered. A check-in nobody answered does not count: it may not have been seen,
/// and a society whose check-ins go unseen must not have everyone paused.
fn missed_too_many(member: &CoffeeMember, groups: &[&CoffeeGroup], now: DateTime<Utc>) -> bool {
    let recent: Vec<&CoffeeGroup> = groups
        .iter()
        .copied()
        .filter(|g| g.ran_at >= member.joined_at && g.checkin_at <= now)
        .take(MISSED_CHECKINS_BEFORE_PAUSE)
        .collect();
    recent.len() == MISSED_CHECKINS_BEFORE_PAUSE
        && recent.iter().all(|g| {
            let (mine, others): (Vec<&GroupMember>, Vec<&GroupMember>) =
                g.members.iter().partition(|m| m.user.id == member.user.id);
            mine.iter().all(|m| m.answer.is_none()) && others.iter().any(|m| m.answer.is_some())
        })
}

/// Each member's past groups, newest first, so the check-in streaks are read once per round
/// rather than once per member.
fn groups_by_member(past: &[CoffeeGroup]) -> HashMap<&str, Vec<&CoffeeGroup>> {
    let mut by_member: HashMap<&str, Vec<&CoffeeGroup>> = HashMap::new();
    for group in past {
        for member in &group.members {
            by_member
                .entry(member.user.id.as_str())
                .or_default()
                .push(group);
        }
    }
    by_member
}

pub(super) fn plan(
    programme: &Programme,
    roster: &Roster,
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Plan {
    let mode = programme.mode;
    let mut eligible: Vec<&CoffeeMember> = Vec::new();
    let mut paused = Vec::new();
    let past_groups = groups_by_member(&roster.past);
    for member in &roster.members {
        if !member.takes_part_in(scheduled_for) {
            continue;
        }
        if mode == Mode::Mentor && !roster.mentors.contains_key(&member.user.id) {
            continue;
        }
        let theirs = past_groups
            .get(member.user.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        if missed_too_many(member, theirs, now) {
            paused.push(member.user.clone());
            continue;
        }
        eligible.push(member);
    }
    let index: HashMap<&str, usize> = eligible
        .iter()
        .enumerate()
        .map(|(i, m)| (m.user.id.as_str(), i))
        .collect();
    let people: Vec<Person> = eligible
        .iter()
        .map(|m| {
            let profile = roster.profiles.get(&m.user.id);
            Person {
                specialty: profile
                    .and_then(|p| p.specialty.as_deref())
                    .map(|s| s.trim().to_lowercase()),
                stage_rank: stage_rank(profile.and_then(|p| p.stage.as_deref())),
                mentor: match roster.mentors.get(&m.user.id) {
                    Some(MentorOffer::Mentor { capacity }) => pairing::MentorRole::Mentor {
                        capacity: u32::try_from(*capacity).unwrap_or(1),
                    },
                    Some(MentorOffer::Mentee { wants_specialty }) => pairing::MentorRole::Mentee {
                        wants_specialty: wants_specialty.as_ref().map(|s| s.trim().to_lowercase()),
                    },
                    None => pairing::MentorRole::Neither,
                },
            }
        })
        .collect();
    let this_round = roster.past.first().map(|g| g.number).unwrap_or(0) + 1;
    let mut history = History::new();
    let mut met: HashMap<(usize, usize), (u32, u32)> = HashMap::new();
    for group in &roster.past {
        let ago = u32::try_from(this_round - group.number).unwrap_or(u32::MAX);
        let here: Vec<usize> = group
            .members
            .iter()
            .filter_map(|m| index.get(m.user.id.as_str()).copied())
            .collect();
        for (n, &a) in here.iter().enumerate() {
            for &b in &here[n + 1..] {
                let key = (a.min(b), a.max(b));
                let entry = met.entry(key).or_insert((ago, 0));
                entry.0 = entry.0.min(ago);
                entry.1 += 1;
            }
        }
    }
    for ((a, b), (ago, times)) in met {
        history.record(a, b, ago, times);
    }
    let seed = round_seed(programme.id, scheduled_for);
    let outcome = pairing::arrange(&pairing::Request {
        people: &people,
        history: &history,
        size: usize::try_from(programme.size).unwrap_or(2),
        mode,
        seed,
    });
    let user = |i: usize| eligible[i].user.clone();
    Plan {
        groups: outcome
            .groups
            .iter()
            .map(|g| g.iter().map(|&i| user(i)).collect())
            .collect(),
        alone: outcome.unmatched.iter().map(|&i| user(i)).collect(),
        paused,
        repeats: outcome.repeats,
        seed,
    }
}

/// "Alice (registrar · emergency medicine · RPA)": what each member chose to share.
fn introduce_member(
    user: &UserRef,
    profile: Option<&Profile>,
    role: Option<&MentorOffer>,
) -> String {
    let mut shared: Vec<String> = Vec::new();
    match role {
        Some(MentorOffer::Mentor { .. }) => shared.push("mentor".to_string()),
        Some(MentorOffer::Mentee { wants_specialty }) => shared.push(match wants_specialty {
            Some(s) => format!("mentee, interested in {s}"),
            None => "mentee".to_string(),
        }),
        None => {}
    }
    if let Some(p) = profile {
        shared.extend(
            [&p.stage, &p.specialty, &p.hospital]
                .into_iter()
                .flatten()
                .cloned(),
        );
    }
    if shared.is_empty() {
        format!("• {}", user.name)
    } else {
        format!("• {} ({})", user.name, shared.join(" · "))
    }
}

/// Runs one round of a programme: plans it (unless it was already recorded for this time),
/// records it with its check-in job, and returns the introductions and notices.
pub async fn run_round(
    store: &dyn Store,
    settings: &Settings,
    society: &Society,
    programme: &Programme,
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Vec<Action>, usize), StoreError> {
    let roster = roster(store, programme).await?;
    let plan = plan(programme, &roster, scheduled_for, now);
    for user in &plan.paused {
        if let Some(member) = roster.members.iter().find(|m| m.user.id == user.id) {
            store
                .save_coffee_member(&CoffeeMember {
                    paused_until: Some(indefinitely()),
                    auto_paused: true,
                    ..member.clone()
                })
                .await?;
        }
    }
    let groups = store
        .record_round(&NewRound {
            programme: programme.id,
            platform: programme.platform.clone(),
            society: programme.society.clone(),
            zone: programme.zone,
            scheduled_for,
            ran_at: now,
            checkin_at: now + programme.checkin,
            groups: plan.groups.clone(),
        })
        .await?;
    let zone = programme.zone;
    let name = programme_name(programme);
    let p = &settings.prefix;
    let mut actions = Vec::new();
    let number = groups.first().map(|g| g.number);
    for (n, group) in groups.iter().enumerate() {
        let members: Vec<UserRef> = group.members.iter().map(|m| m.user.clone()).collect();
        let mut lines = vec![format!(
            "☕ {} of {}, round {}: meet each other!",
            capitalise(&name),
            society.name,
            group.number
        )];
        for member in &members {
            lines.push(introduce_member(
                member,
                roster.profiles.get(&member.id),
                roster.mentors.get(&member.id),
            ));
        }
        lines.push(format!(
            "Icebreaker: {}",
            icebreakers::pick(&settings.icebreakers, plan.seed, n)
        ));
        lines.push(format!(
            "Find 20 minutes in the next few days, in person or on a call. I'll ask how it went on {}.",
            time_format::local(group.checkin_at, zone, now)
        ));
        actions.push(Action::Introduce {
            society: programme.society.clone(),
            members: members.clone(),
            message: Message::text(lines.join("\n")).with_mentions(members),
            meeting: Some(meeting(group.id)),
        });
    }
    for user in &plan.alone {
        let why = if programme.mode == Mode::Mentor {
            "no mentor had room for you this round"
        } else {
            "you were the only one in it"
        };
        actions.push(Action::Remind {
            user: user.clone(),
            message: Message::text(format!(
                "No partner for you in this round of {name} of {}: {why}. You're in the next one automatically.",
                society.name
            )),
        });
    }
    for user in &plan.paused {
        actions.push(Action::Remind {
            user: user.clone(),
            message: Message::text(format!(
                "You haven't answered the last {MISSED_CHECKINS_BEFORE_PAUSE} check-ins, so I've paused {name} of {} for you. Come back any time with `{p}coffee join{}`.",
                society.name,
                group_option(programme)
            )),
        });
    }
    if let Some(number) = number {
        let people: usize = groups.iter().map(|g| g.members.len()).sum();
        actions.push(Action::Post {
            room: programme.room.clone(),
            message: Message::text(format!(
                "☕ Round {number} of {name}: {} in {}; introductions are out. Join with {}.",
                plural::count(people, "member", "members"),
                plural::count(groups.len(), "group", "groups"),
                join_commands(programme, p)
            )),
        });
    }
    Ok((actions, plan.repeats))
}

pub(super) fn meeting(group: i64) -> String {
    format!("coffee-group:{group}")
}

/// A due round: the rounds due since the job last fired follow the catch-up rule. Those
/// inside the window run as one round, announced as late; older ones are told to the committee.
pub async fn fire_round(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let Some(programme) = bot.store().programme(job.subject).await? else {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    };
    let society = bot.society(&job.society);
    let zone = job.zone;
    let settings = bot.settings();
    let window = catch_up::Window::of(settings);
    let due = catch_up::of_rule(job.due_at, job.repeat(), zone, now, window);
    let mut actions = Vec::new();
    if let Some(missed) = due.missed_note(zone, now) {
        let then = match (due.latest_to_send(), due.next_due) {
            (Some(_), _) => "a late round runs now instead".to_string(),
            (None, Some(next)) => {
                format!("the next one runs {}", time_format::local(next, zone, now))
            }
            (None, None) => "no more are scheduled".to_string(),
        };
        actions.push(Action::AdminLog {
            society: job.society.clone(),
            about: None,
            text: format!(
                "Missed the round of {}, {missed} (I was offline, past the catch-up window); {then}.",
                programme_name(&programme),
            ),
        });
    }
    if let Some(latest) = due.latest_to_send() {
        let (mut ran, _) = run_round(
            bot.store().as_ref(),
            settings,
            society,
            &programme,
            latest,
            now,
        )
        .await?;
        // The room hears that the round is late, or stands for several.
        if let Some(note) = due.late_note(zone, now) {
            for action in &mut ran {
                if let Action::Post { room, message } = action
                    && *room == programme.room
                {
                    message.text = format!("{} ({note})", message.text);
                }
            }
        }
        actions.extend(ran);
    }
    Ok(Fired {
        actions,
        next_due: due.next_due,
    })
}
