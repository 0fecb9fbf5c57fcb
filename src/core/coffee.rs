//! `!coffee`: pairing programmes, members joining and pausing, rounds, introductions and the
//! did-you-meet check-in. The grouping itself is `pairing::arrange`; this module feeds it the
//! roster and history from the store and turns its groups into introductions.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::command::{CoffeeCommand, CoffeeSetup, Stage};
use super::error::{Refusal, StoreError};
use super::io::{Action, Choice, Message, UserRef};
use super::pairing::{self, History, Mode, Person};
use super::short_id::{IdKind, ShortId};
use super::store::{
    CoffeeGroup, CoffeeMember, Delivery, Job, MentorOffer, NewReminder, NewRound, Profile,
    Programme, Store,
};
use super::time_format;
use super::when::{self, Rule};
use super::{Bot, Ctx, Fired, Settings, Society, icebreakers};

pub const DEFAULT_RULE: &str = "every Monday 09:00";
pub const DEFAULT_CHECKIN: Duration = Duration::days(5);
/// Unanswered check-ins in a row after which a member is paused.
pub const MISSED_CHECKINS_BEFORE_PAUSE: usize = 3;
const LONGEST_PAUSE: Duration = Duration::days(366);
/// "Planned" offers a reminder this far ahead.
const PLANNED_REMINDER: Duration = Duration::days(2);
const HISTORY_SHOWN: usize = 20;

/// Paused until they come back: far enough never to be reached, small enough for any database.
fn indefinitely() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub async fn run(ctx: &Ctx<'_>, command: CoffeeCommand) -> Result<Vec<Action>, Refusal> {
    match command {
        CoffeeCommand::Setup(setup) => self::setup(ctx, setup).await,
        CoffeeCommand::Run { group } => run_now(ctx, group.as_deref()).await,
        CoffeeCommand::Preview { group } => preview(ctx, group.as_deref()).await,
        CoffeeCommand::Stats { group } => stats(ctx, group.as_deref()).await,
        CoffeeCommand::Join { group } => join(ctx, group.as_deref()).await,
        CoffeeCommand::Leave { group } => leave(ctx, group.as_deref()).await,
        CoffeeCommand::Pause { duration, group } => pause(ctx, &duration, group.as_deref()).await,
        CoffeeCommand::Skip { group } => skip(ctx, group.as_deref()).await,
        CoffeeCommand::Status => status(ctx).await,
        CoffeeCommand::History => history(ctx).await,
    }
}

fn committee_only(ctx: &Ctx<'_>, what: &str) -> Result<(), Refusal> {
    if ctx.is_committee() {
        Ok(())
    } else {
        Err(Refusal::said(format!(
            "Only the committee of {} can use `{}coffee {what}`.",
            ctx.society.name,
            ctx.prefix()
        )))
    }
}

fn group_key(group: Option<&str>) -> String {
    group.map(|g| g.trim().to_lowercase()).unwrap_or_default()
}

/// "the coffee pairings" or "the surgery group's coffee pairings".
fn programme_name(programme: &Programme) -> String {
    let kind = if programme.mode == Mode::Mentor.as_str() {
        "mentor pairings"
    } else {
        "coffee pairings"
    };
    if programme.group.is_empty() {
        format!("the {kind}")
    } else {
        format!("the {} group's {kind}", programme.group)
    }
}

/// " (add `group surgery`)" when the programme is a group's, for commands that must name it.
pub fn group_hint(programme: &Programme) -> String {
    if programme.group.is_empty() {
        String::new()
    } else {
        format!(" (add `group {}`)", programme.group)
    }
}

fn group_option(programme: &Programme) -> String {
    if programme.group.is_empty() {
        String::new()
    } else {
        format!(" group {}", programme.group)
    }
}

/// The programme a member means: the named group's, else the society-wide one, else the only one.
async fn find_programme(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Programme, Refusal> {
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let p = ctx.prefix();
    if programmes.is_empty() {
        return Err(Refusal::said(format!(
            "{} has no coffee pairings yet. The committee can start them with `{p}coffee setup`.",
            ctx.society.name
        )));
    }
    let key = group_key(group);
    if let Some(found) = programmes.iter().find(|pr| pr.group == key) {
        return Ok(found.clone());
    }
    if group.is_none() && programmes.len() == 1 {
        return Ok(programmes[0].clone());
    }
    let groups: Vec<String> = programmes
        .iter()
        .filter(|pr| !pr.group.is_empty())
        .map(|pr| format!("`group {}`", pr.group))
        .collect();
    Err(Refusal::said(match group {
        Some(name) => format!(
            "There are no pairings for a group called {}. Groups with pairings: {}.",
            name.chars().take(40).collect::<String>(),
            groups.join(", ")
        ),
        None => format!(
            "{} runs pairings per group; add which one, e.g. `{p}coffee join {}`. Groups: {}.",
            ctx.society.name,
            groups
                .first()
                .map(|g| g.trim_matches('`'))
                .unwrap_or("group <name>"),
            groups.join(", ")
        ),
    }))
}

fn parse_checkin(text: &str) -> Result<Duration, Refusal> {
    let span = when::parse_duration(text)?;
    if span < Duration::hours(1) || span > Duration::days(28) {
        return Err(Refusal::said(
            "The check-in must come between 1 hour and 28 days after a round, e.g. `checkin 5 days`.",
        ));
    }
    Ok(span)
}

async fn setup(ctx: &Ctx<'_>, setup: CoffeeSetup) -> Result<Vec<Action>, Refusal> {
    committee_only(ctx, "setup")?;
    let group = group_key(setup.group.as_deref());
    if group.chars().count() > 40 {
        return Err(Refusal::said("A group name can be at most 40 characters."));
    }
    let existing = ctx
        .store
        .programmes(&ctx.society.key)
        .await?
        .into_iter()
        .find(|p| p.group == group);
    let zone = ctx.society.timezone;
    let (rule, next_round) = match (&setup.every, &existing) {
        (None, Some(old)) => (old.rule.clone(), old.next_round),
        (every, _) => {
            let text = format!(
                "every {}",
                every.as_deref().unwrap_or(&DEFAULT_RULE["every ".len()..])
            );
            let schedule = when::parse(&text, ctx.now, zone)?;
            let Some(rule) = schedule.rule else {
                return Err(Refusal::said(format!(
                    "Pairings need a repeating time, e.g. `{}coffee setup every Monday 09:00`.",
                    ctx.prefix()
                )));
            };
            (rule.to_text(), schedule.first)
        }
    };
    let checkin = match &setup.checkin {
        Some(text) => parse_checkin(text)?,
        None => existing
            .as_ref()
            .map(|p| p.checkin)
            .unwrap_or(DEFAULT_CHECKIN),
    };
    let programme = Programme {
        id: existing.as_ref().map(|p| p.id).unwrap_or_default(),
        society: ctx.society.key.clone(),
        group,
        platform: ctx.origin.platform.clone(),
        room: ctx.origin.room.clone(),
        size: setup
            .size
            .or(existing.as_ref().map(|p| p.size))
            .unwrap_or(2),
        mode: setup
            .mode
            .or(existing.as_ref().map(|p| p.mode.clone()))
            .unwrap_or_else(|| Mode::Random.as_str().to_string()),
        checkin,
        rule,
        zone: zone.name().to_string(),
        next_round,
    };
    let programme = ctx.store.save_programme(&programme, ctx.now).await?;
    if programme.mode == Mode::Mentor.as_str() {
        // Whoever already offered or asked is in, as `!mentor` promises.
        let members = ctx.store.coffee_members(programme.id).await?;
        for role in ctx.store.mentor_roles(&ctx.society.key).await? {
            if !members.iter().any(|m| m.user.id == role.user.id) {
                ctx.store
                    .save_coffee_member(&CoffeeMember::joining(programme.id, role.user, ctx.now))
                    .await?;
            }
        }
    }
    let p = ctx.prefix();
    let described = Rule::from_text(&programme.rule)
        .map(|r| r.describe())
        .unwrap_or_else(|_| programme.rule.clone());
    let how = if programme.mode == Mode::Mentor.as_str() {
        format!(
            "mentors with mentees; mentors offer with `{p}mentor offer`, mentees ask with `{p}mentor seek`"
        )
    } else {
        format!(
            "groups of {}, {} mode; join with `{p}coffee join{}`",
            programme.size,
            programme.mode,
            group_option(&programme)
        )
    };
    let verb = if existing.is_some() {
        "changed"
    } else {
        "started"
    };
    Ok(vec![ctx.reply(format!(
        "☕ {} of {} {verb}: {described}, {how}. First round: {}. I check in {} after each round.",
        capitalise(&programme_name(&programme)),
        ctx.society.name,
        time_format::local(programme.next_round, zone, ctx.now),
        time_format::span(programme.checkin),
    ))])
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn join(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    let programme = find_programme(ctx, group).await?;
    let p = ctx.prefix();
    if programme.mode == Mode::Mentor.as_str() {
        let has_role = ctx
            .store
            .mentor_roles(&ctx.society.key)
            .await?
            .iter()
            .any(|r| r.user.id == ctx.sender.id);
        if !has_role {
            return Err(Refusal::said(format!(
                "{} pairs mentors with mentees: offer with `{p}mentor offer` or ask with `{p}mentor seek [specialty]`, and you are in.",
                capitalise(&programme_name(&programme))
            )));
        }
    }
    let existing = own_row(ctx, &programme).await?;
    let zone = ctx.member_zone().await?;
    let next = time_format::local(programme.next_round, zone, ctx.now);
    let text = match &existing {
        Some(m) if m.paused_until.is_none_or(|u| u <= ctx.now) && m.skip_until.is_none() => {
            return Ok(vec![ctx.private_reply(format!(
                "You are already in {}. Next round: {next}.",
                programme_name(&programme)
            ))]);
        }
        Some(_) => format!(
            "Welcome back to {}. Next round: {next}.",
            programme_name(&programme)
        ),
        None => format!(
            "You are in {} of {}. Next round: {next}; I'll introduce you privately. Your introduction shows your stage, specialty and hospital if you share them with `{p}profile`.",
            programme_name(&programme),
            ctx.society.name
        ),
    };
    ctx.store
        .save_coffee_member(&CoffeeMember::joining(
            programme.id,
            ctx.sender.clone(),
            ctx.now,
        ))
        .await?;
    Ok(vec![ctx.private_reply(text)])
}

/// The sender's membership row, if they have one.
async fn own_row(ctx: &Ctx<'_>, programme: &Programme) -> Result<Option<CoffeeMember>, Refusal> {
    Ok(ctx
        .store
        .coffee_members(programme.id)
        .await?
        .into_iter()
        .find(|m| m.user.id == ctx.sender.id))
}

/// The sender's membership of the programme, or a refusal saying how to join.
async fn membership(ctx: &Ctx<'_>, programme: &Programme) -> Result<CoffeeMember, Refusal> {
    own_row(ctx, programme).await?.ok_or_else(|| {
        Refusal::said(format!(
            "You are not in {}; join with `{}coffee join{}`.",
            programme_name(programme),
            ctx.prefix(),
            group_option(programme)
        ))
    })
}

async fn leave(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    let programme = find_programme(ctx, group).await?;
    membership(ctx, &programme).await?;
    ctx.store
        .remove_coffee_member(programme.id, &ctx.sender.id)
        .await?;
    Ok(vec![ctx.private_reply(format!(
        "You have left {}; you won't be paired again. Your past pairings are kept only to avoid repeats if you return; `{}forget me` erases them.",
        programme_name(&programme),
        ctx.prefix()
    ))])
}

async fn pause(ctx: &Ctx<'_>, duration: &str, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    let span = when::parse_duration(duration)?;
    if span > LONGEST_PAUSE {
        return Err(Refusal::said(format!(
            "The longest pause is a year. To stop altogether, use `{}coffee leave`.",
            ctx.prefix()
        )));
    }
    let programme = find_programme(ctx, group).await?;
    let mut member = membership(ctx, &programme).await?;
    let until = ctx.now + span;
    member.paused_until = Some(until);
    member.auto_paused = false;
    ctx.store.save_coffee_member(&member).await?;
    let zone = ctx.member_zone().await?;
    Ok(vec![ctx.private_reply(format!(
        "Paused: no pairings until {}. Come back sooner with `{}coffee join{}`.",
        time_format::local(until, zone, ctx.now),
        ctx.prefix(),
        group_option(&programme)
    ))])
}

async fn skip(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    let programme = find_programme(ctx, group).await?;
    let mut member = membership(ctx, &programme).await?;
    member.skip_until = Some(programme.next_round);
    ctx.store.save_coffee_member(&member).await?;
    let zone = ctx.member_zone().await?;
    Ok(vec![ctx.private_reply(format!(
        "You'll sit out the round on {}; you're back in the one after.",
        time_format::local(programme.next_round, zone, ctx.now)
    ))])
}

/// A member's state in words: "active", "paused until …", "skipping the round on …".
fn state_text(member: &CoffeeMember, zone: Tz, now: DateTime<Utc>) -> String {
    match member.paused_until {
        Some(_) if member.auto_paused => "paused after 3 unanswered check-ins".to_string(),
        Some(until) if until > now => {
            format!("paused until {}", time_format::local(until, zone, now))
        }
        _ => match member.skip_until {
            Some(skip) if skip >= now => {
                format!(
                    "skipping the round on {}",
                    time_format::local(skip, zone, now)
                )
            }
            _ => "active".to_string(),
        },
    }
}

async fn status(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let p = ctx.prefix();
    if programmes.is_empty() {
        return Ok(vec![ctx.private_reply(format!(
            "{} has no coffee pairings yet. The committee can start them with `{p}coffee setup`.",
            ctx.society.name
        ))]);
    }
    let zone = ctx.member_zone().await?;
    let mut lines = vec![format!("Your pairings in {}:", ctx.society.name)];
    for programme in &programmes {
        let member = own_row(ctx, programme).await?;
        let next = time_format::local(programme.next_round, zone, ctx.now);
        lines.push(match member {
            Some(m) => format!(
                "{}: {}; next round {next}",
                capitalise(&programme_name(programme)),
                state_text(&m, zone, ctx.now)
            ),
            None => format!(
                "{}: not joined (`{p}coffee join{}`); next round {next}",
                capitalise(&programme_name(programme)),
                group_option(programme)
            ),
        });
    }
    lines.push(format!(
        "Pause with `{p}coffee pause 2 weeks`, skip one round with `{p}coffee skip`, see past partners with `{p}coffee history`."
    ));
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

fn answer_text(answer: Option<&str>) -> &'static str {
    match answer {
        Some("met") => "met",
        Some("planned") => "planned",
        Some("no") => "did not meet",
        _ => "no answer",
    }
}

async fn history(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let zone = ctx.member_zone().await?;
    let mut lines = Vec::new();
    for programme in &programmes {
        for group in ctx.store.coffee_groups(programme.id).await? {
            let Some(me) = group.members.iter().find(|m| m.user.id == ctx.sender.id) else {
                continue;
            };
            let others: Vec<&str> = group
                .members
                .iter()
                .filter(|m| m.user.id != ctx.sender.id)
                .map(|m| m.user.name.as_str())
                .collect();
            lines.push((
                group.ran_at,
                format!(
                    "{} · round {} · with {} · {}",
                    time_format::local(group.ran_at, zone, ctx.now),
                    group.number,
                    others.join(" and "),
                    answer_text(me.answer.as_deref())
                ),
            ));
        }
    }
    if lines.is_empty() {
        return Ok(vec![ctx.private_reply(format!(
            "You have not been paired yet. Join with `{}coffee join`.",
            ctx.prefix()
        ))]);
    }
    lines.sort_by_key(|line| std::cmp::Reverse(line.0));
    let total = lines.len();
    let mut text = vec!["Your past partners, newest first:".to_string()];
    text.extend(lines.into_iter().take(HISTORY_SHOWN).map(|(_, l)| l));
    if total > HISTORY_SHOWN {
        text.push(format!("…and {} earlier.", total - HISTORY_SHOWN));
    }
    Ok(vec![ctx.private_reply(text.join("\n"))])
}

fn stage_rank(stage: Option<&str>) -> Option<u8> {
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
struct Plan {
    groups: Vec<Vec<UserRef>>,
    /// Eligible, but no partner this round (a roster of one, or a mentee without a mentor).
    alone: Vec<UserRef>,
    /// Paused now for unanswered check-ins.
    paused: Vec<UserRef>,
    repeats: usize,
    seed: u64,
}

/// Everything a round needs from the store, read once.
struct Roster {
    members: Vec<CoffeeMember>,
    past: Vec<CoffeeGroup>,
    profiles: HashMap<String, Profile>,
    mentors: HashMap<String, MentorOffer>,
}

async fn roster(store: &dyn Store, programme: &Programme) -> Result<Roster, StoreError> {
    let profiles = store
        .profiles(&programme.society)
        .await?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let mentors = if programme.mode == Mode::Mentor.as_str() {
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
fn missed_too_many(member: &CoffeeMember, past: &[CoffeeGroup], now: DateTime<Utc>) -> bool {
    let recent: Vec<&CoffeeGroup> = past
        .iter()
        .filter(|g| g.ran_at >= member.joined_at && g.checkin_at <= now)
        .filter(|g| g.members.iter().any(|m| m.user.id == member.user.id))
        .take(MISSED_CHECKINS_BEFORE_PAUSE)
        .collect();
    recent.len() == MISSED_CHECKINS_BEFORE_PAUSE
        && recent.iter().all(|g| {
            g.members.iter().all(|m| {
                if m.user.id == member.user.id {
                    m.answer.is_none()
                } else {
                    true
                }
            }) && g
                .members
                .iter()
                .any(|m| m.user.id != member.user.id && m.answer.is_some())
        })
}

fn plan(
    programme: &Programme,
    roster: &Roster,
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Plan {
    let mode = Mode::parse(&programme.mode).unwrap_or(Mode::Random);
    let mut eligible: Vec<&CoffeeMember> = Vec::new();
    let mut paused = Vec::new();
    for member in &roster.members {
        let is_paused = member.paused_until.is_some_and(|u| u > scheduled_for);
        let skipping = member.skip_until.is_some_and(|s| s >= scheduled_for);
        if is_paused || skipping {
            continue;
        }
        if mode == Mode::Mentor && !roster.mentors.contains_key(&member.user.id) {
            continue;
        }
        if missed_too_many(member, &roster.past, now) {
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
            zone: programme.zone.clone(),
            scheduled_for,
            ran_at: now,
            checkin_at: now + programme.checkin,
            groups: plan.groups.clone(),
        })
        .await?;
    let zone: Tz = programme.zone.parse().unwrap_or(society.timezone);
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
        let why = if programme.mode == Mode::Mentor.as_str() {
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
                "☕ Round {number} of {name}: {people} members in {} groups; introductions are out. Join with `{p}coffee join{}`.",
                groups.len(),
                group_option(programme)
            )),
        });
    }
    Ok((actions, plan.repeats))
}

fn meeting(group: i64) -> String {
    format!("coffee-group:{group}")
}

async fn run_now(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    committee_only(ctx, "run")?;
    let programme = find_programme(ctx, group).await?;
    let (mut actions, repeats) = run_round(
        ctx.store,
        ctx.settings,
        ctx.society,
        &programme,
        ctx.now,
        ctx.now,
    )
    .await?;
    let introduced = actions
        .iter()
        .filter(|a| matches!(a, Action::Introduce { .. }))
        .count();
    let repeat_note = if repeats > 0 {
        format!(" {repeats} pair(s) had met before: no grouping without a repeat was possible.")
    } else {
        String::new()
    };
    actions.push(ctx.private_reply(format!(
        "Ran a round of {} now: {introduced} introductions.{repeat_note} The schedule is unchanged.",
        programme_name(&programme)
    )));
    Ok(actions)
}

async fn preview(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    committee_only(ctx, "preview")?;
    let programme = find_programme(ctx, group).await?;
    let roster = roster(ctx.store, &programme).await?;
    let plan = plan(&programme, &roster, ctx.now, ctx.now);
    let mut lines = vec![format!(
        "If {} ran now (nothing is posted):",
        programme_name(&programme)
    )];
    if plan.groups.is_empty() {
        lines.push("no groups: fewer than two members can be paired.".to_string());
    }
    for group in &plan.groups {
        let names: Vec<&str> = group.iter().map(|u| u.name.as_str()).collect();
        lines.push(format!("• {}", names.join(" + ")));
    }
    if !plan.alone.is_empty() {
        let names: Vec<&str> = plan.alone.iter().map(|u| u.name.as_str()).collect();
        lines.push(format!("No partner: {}", names.join(", ")));
    }
    if !plan.paused.is_empty() {
        let names: Vec<&str> = plan.paused.iter().map(|u| u.name.as_str()).collect();
        lines.push(format!(
            "Would be paused for unanswered check-ins: {}",
            names.join(", ")
        ));
    }
    if plan.repeats > 0 {
        lines.push(format!(
            "{} pair(s) would meet again: no grouping without a repeat exists.",
            plan.repeats
        ));
    }
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

async fn stats(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    committee_only(ctx, "stats")?;
    let programme = find_programme(ctx, group).await?;
    let members = ctx.store.coffee_members(programme.id).await?;
    let past = ctx.store.coffee_groups(programme.id).await?;
    let active = members
        .iter()
        .filter(|m| m.paused_until.is_none_or(|u| u <= ctx.now))
        .count();
    let rounds: HashSet<i64> = past.iter().map(|g| g.round).collect();
    let asked: Vec<&CoffeeGroup> = past.iter().filter(|g| g.checkin_at <= ctx.now).collect();
    let answered = asked
        .iter()
        .filter(|g| g.members.iter().any(|m| m.answer.is_some()))
        .count();
    let met = asked
        .iter()
        .filter(|g| g.members.iter().any(|m| m.answer.as_deref() == Some("met")))
        .count();
    let planned = asked
        .iter()
        .filter(|g| {
            g.members
                .iter()
                .any(|m| m.answer.as_deref() == Some("planned"))
                && !g.members.iter().any(|m| m.answer.as_deref() == Some("met"))
        })
        .count();
    // Oldest round first, so a pair counts as a repeat from its second meeting on.
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut repeats = 0;
    for group in past.iter().rev() {
        for (n, a) in group.members.iter().enumerate() {
            for b in &group.members[n + 1..] {
                let pair = if a.user.id < b.user.id {
                    (a.user.id.clone(), b.user.id.clone())
                } else {
                    (b.user.id.clone(), a.user.id.clone())
                };
                if !seen.insert(pair) {
                    repeats += 1;
                }
            }
        }
    }
    let percent = |part: usize, whole: usize| {
        (part * 100)
            .checked_div(whole)
            .map_or_else(|| "n/a".to_string(), |p| format!("{p}%"))
    };
    let zone = ctx.member_zone().await?;
    let lines = [
        format!(
            "{} of {}:",
            capitalise(&programme_name(&programme)),
            ctx.society.name
        ),
        format!(
            "participants: {} ({active} active, {} paused)",
            members.len(),
            members.len() - active
        ),
        format!("rounds: {} ({} groups)", rounds.len(), past.len()),
        format!(
            "meeting rate: {} of groups asked met ({met} of {}), {planned} more planned; {} answered",
            percent(met, asked.len()),
            asked.len(),
            percent(answered, asked.len())
        ),
        format!("repeats so far: {repeats}"),
        format!(
            "next round: {}",
            time_format::local(programme.next_round, zone, ctx.now)
        ),
    ];
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

/// A due round: run it (unless it is too stale to be useful) and schedule the next.
pub async fn fire_round(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let Some(programme) = bot.store().programme(job.subject).await? else {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    };
    let society = bot.society(&job.society);
    let zone: Tz = job.zone.parse().unwrap_or(society.timezone);
    let actions = if now - job.due_at > bot.settings().catch_up {
        vec![Action::AdminLog {
            society: job.society.clone(),
            about: None,
            text: format!(
                "Missed the round of {} due {} (I was offline); the next one runs as scheduled.",
                programme_name(&programme),
                time_format::local(job.due_at, zone, now)
            ),
        }]
    } else {
        run_round(
            bot.store().as_ref(),
            bot.settings(),
            society,
            &programme,
            job.due_at,
            now,
        )
        .await?
        .0
    };
    let next_due = match job.rule.as_deref().map(Rule::from_text) {
        Some(Ok(rule)) => rule.next_after(job.due_at.max(now), zone),
        Some(Err(error)) => {
            tracing::error!(job = job.id, %error, "stored pairing rule no longer parses; stopping it");
            None
        }
        None => None,
    };
    Ok(Fired { actions, next_due })
}

/// A round's check-in: each group is asked, in its own room or thread, whether they met.
pub async fn fire_checkin(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let groups = bot.store().coffee_round_groups(job.subject).await?;
    let finished = |actions| {
        Ok(Fired {
            actions,
            next_due: None,
        })
    };
    if now - job.due_at > bot.settings().catch_up {
        return finished(Vec::new());
    }
    let Some(first) = groups.first() else {
        return finished(Vec::new());
    };
    let Some(programme) = bot.store().programme(first.programme).await? else {
        return finished(Vec::new());
    };
    let actions = groups
        .iter()
        .map(|group| {
            let members: Vec<UserRef> = group.members.iter().map(|m| m.user.clone()).collect();
            let others = if members.len() > 2 { "each other" } else { "your partner" };
            Action::Introduce {
                society: programme.society.clone(),
                members,
                message: Message::text(format!(
                    "How did round {} of {} go? Did you manage to meet {others}? Each of you can answer.",
                    group.number,
                    programme_name(&programme)
                ))
                .with_choices(vec![
                    Choice {
                        id: format!("coffee:{}:met", group.id),
                        label: "We met".to_string(),
                    },
                    Choice {
                        id: format!("coffee:{}:planned", group.id),
                        label: "It's planned".to_string(),
                    },
                    Choice {
                        id: format!("coffee:{}:no", group.id),
                        label: "Not this time".to_string(),
                    },
                ]),
                meeting: Some(meeting(group.id)),
            }
        })
        .collect();
    finished(actions)
}

/// A check-in answer (`coffee:<group>:met|planned|no`) or the follow-up offer after "planned"
/// (`coffee:<group>:remind`). Only the group's own members may answer.
pub async fn choice(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    let expired =
        || Refusal::said("That choice has expired or is not yours to make; nothing was changed.");
    let (group_id, answer) = rest.split_once(':').ok_or_else(expired)?;
    let group_id: i64 = group_id.parse().map_err(|_| expired())?;
    let group = ctx
        .store
        .coffee_group(group_id)
        .await?
        .ok_or_else(expired)?;
    if !group.members.iter().any(|m| m.user.id == ctx.sender.id) {
        return Err(expired());
    }
    let others: Vec<&str> = group
        .members
        .iter()
        .filter(|m| m.user.id != ctx.sender.id)
        .map(|m| m.user.name.as_str())
        .collect();
    let others = others.join(" and ");
    match answer {
        "met" | "planned" | "no" => {
            ctx.store
                .answer_checkin(group.id, &ctx.sender.id, answer, ctx.now)
                .await?;
            Ok(vec![match answer {
                "met" => ctx.private_reply(format!(
                    "Lovely: noted that you met {others}. Thanks for telling me."
                )),
                "planned" => ctx.reply_message(
                    Message::text(format!(
                        "Noted: you have planned to meet {others}. Shall I remind you in {}?",
                        time_format::span(PLANNED_REMINDER)
                    ))
                    .with_choices(vec![Choice {
                        id: format!("coffee:{}:remind", group.id),
                        label: format!("Remind me in {}", time_format::span(PLANNED_REMINDER)),
                    }]),
                    true,
                ),
                _ => ctx.private_reply("No problem: there's always the next round."),
            }])
        }
        "remind" => {
            let zone = ctx.member_zone().await?;
            let due = ctx.now + PLANNED_REMINDER;
            let reminder = ctx
                .store
                .create_reminder(&NewReminder {
                    platform: ctx.origin.platform.clone(),
                    society: ctx.society.key.clone(),
                    owner: ctx.sender.clone(),
                    delivery: Delivery::Me,
                    room: ctx.origin.room.clone(),
                    text: format!(
                        "meet {others} for the coffee you planned (round {})",
                        group.number
                    ),
                    created_at: ctx.now,
                    due_at: due,
                    zone: zone.name().to_string(),
                    rule: None,
                })
                .await?;
            Ok(vec![ctx.private_reply(format!(
                "I'll remind you on {} ({}).",
                time_format::local(due, zone, ctx.now),
                ShortId::new(IdKind::Reminder, reminder.id)
            ))])
        }
        _ => Err(expired()),
    }
}
