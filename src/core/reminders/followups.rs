//! Keeping connections alive: `!followup`, the one-tap follow-up offered after a coffee
//! meeting or an event, and the optional "stay in touch" nudge months after a meeting.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::create::tell_owner;
use super::create::{self, MAX_REMINDER_CHARS};
use super::remind::{Read, read_when};
use crate::core::catch_up;
use crate::core::context::{Bot, Ctx, Fired};
use crate::core::error::{Refusal, StoreError};
use crate::core::io::{Action, Choice, Message};
use crate::core::mention;
use crate::core::short_id::ShortId;
use crate::core::store::{CheckinAnswer, CoffeeGroup, FORMER_MEMBER, Job, JobKind, NewJob};
use crate::core::time_format;

/// How long after a meeting or an event the one-tap follow-up reminds ("in a week").
pub const FOLLOW_UP_AFTER: Duration = Duration::days(7);

/// `!followup @member <when> [note]`: a private reminder about a person.
pub async fn followup(ctx: &Ctx<'_>, member: &str, rest: &str) -> Result<Vec<Action>, Refusal> {
    let p = ctx.prefix();
    let member_typed = member;
    let member = mention::resolve(
        ctx,
        member_typed,
        &format!("{p}followup @ana in 1 week ask about the research project"),
    )
    .await?;
    let zone = ctx.member_zone().await?;
    let command = format!("{p}followup {member_typed} ");
    // A follow-up's colleague and note are private like a `!remind me`'s words.
    let (schedule, note) = match read_when(ctx, rest, zone, &command, true)? {
        Read::Found(schedule, note) => (schedule, note),
        Read::Asked(question) => return Ok(question),
    };
    if schedule.rule.is_some() {
        return Err(Refusal::said(format!(
            "A follow-up happens once; for a repeating reminder use `{}remind me every …`.",
            ctx.prefix()
        )));
    }
    let note = note.trim();
    let about = |name: &str| {
        if note.is_empty() {
            format!("follow up with {name}")
        } else {
            format!("follow up with {name}: {note}")
        }
    };
    let text = about(&member.name);
    if text.chars().count() > MAX_REMINDER_CHARS {
        return Err(Refusal::said(format!(
            "That note is too long; I keep at most {MAX_REMINDER_CHARS} characters."
        )));
    }
    // The note is the owner's own words and stays; the name Rounds resolved is the member's.
    let subjects = [(member.id.clone(), about(FORMER_MEMBER))];
    let (id, zone) = store(ctx, schedule.first, text.clone(), &subjects).await?;
    let when_text = time_format::local(schedule.first, zone, ctx.now);
    Ok(tell_owner(
        ctx,
        format!(
            "Got it ({id}): I'll remind you on {when_text}. I've sent you the details privately."
        ),
        confirmation(ctx, id, &when_text, &text),
    ))
}

/// A reminder `text` for its owner, naming the members in `subjects`: each with the text the
/// reminder keeps if that member erases their data.
async fn remind(
    ctx: &Ctx<'_>,
    due: DateTime<Utc>,
    text: String,
    subjects: &[(String, String)],
) -> Result<Vec<Action>, Refusal> {
    let (id, zone) = store(ctx, due, text.clone(), subjects).await?;
    let when_text = time_format::local(due, zone, ctx.now);
    Ok(vec![
        ctx.private_reply(confirmation(ctx, id, &when_text, &text)),
    ])
}

/// Stores the follow-up and who it names; returns its id and the owner's zone.
async fn store(
    ctx: &Ctx<'_>,
    due: DateTime<Utc>,
    text: String,
    subjects: &[(String, String)],
) -> Result<(ShortId, Tz), Refusal> {
    let (id, zone) = create::private(ctx, due, text).await?;
    for (member_id, anonymised) in subjects {
        ctx.store
            .add_reminder_subject(id.number, &ctx.society.key, member_id, anonymised)
            .await?;
    }
    Ok((id, zone))
}

fn confirmation(ctx: &Ctx<'_>, id: ShortId, when_text: &str, text: &str) -> String {
    format!(
        "Got it ({id}): I'll remind you on {when_text} to {text}. Cancel with `{}reminders cancel {id}`.",
        ctx.prefix()
    )
}

/// The one follow-up choice, offered with a thank-you after a meeting or an event.
pub fn offer(subject: &str) -> Choice {
    Choice {
        id: format!("followup:{subject}"),
        label: "Remind me to follow up in a week".to_string(),
    }
}

/// `followup:coffee:<group>` or `followup:event:<id>`.
pub async fn choice(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    let expired =
        || Refusal::said("That choice has expired or is not yours to make; nothing was changed.");
    let (what, id) = rest.split_once(':').ok_or_else(expired)?;
    let id: i64 = id.parse().map_err(|_| expired())?;
    let mut subjects = Vec::new();
    let text = match what {
        "coffee" => {
            let group = ctx.store.coffee_group(id).await?.ok_or_else(expired)?;
            if !group.members.iter().any(|m| m.user.id == ctx.sender.id) {
                return Err(expired());
            }
            // Without names, so it stays right whichever of the others erases their data.
            let anonymised = format!(
                "follow up with your coffee group from round {}",
                group.number
            );
            subjects.extend(
                group
                    .members
                    .iter()
                    .filter(|m| m.user.id != ctx.sender.id)
                    .map(|m| (m.user.id.clone(), anonymised.clone())),
            );
            format!(
                "follow up with {} from your coffee (round {})",
                group.others_of(&ctx.sender.id),
                group.number
            )
        }
        "event" => {
            let event = ctx.store.event(id).await?.ok_or_else(expired)?;
            let present = ctx.store.attendance(event.id).await?;
            if event.society != ctx.society.key
                || !present.iter().any(|(u, _)| u.id == ctx.sender.id)
            {
                return Err(expired());
            }
            format!("follow up with the people you met at {}", event.title)
        }
        _ => return Err(expired()),
    };
    remind(ctx, ctx.now + FOLLOW_UP_AFTER, text, &subjects).await
}

/// After a member says they met: the society's stay-in-touch nudge for the group, if it has one.
pub async fn schedule_stay_in_touch(ctx: &Ctx<'_>, group: &CoffeeGroup) -> Result<(), Refusal> {
    let Some(after) = ctx.society.stay_in_touch else {
        return Ok(());
    };
    ctx.store
        .add_job(&NewJob {
            kind: JobKind::StayInTouch,
            subject: group.id,
            platform: ctx.origin.platform.clone(),
            society: ctx.society.key.clone(),
            due_at: group.ran_at + after,
            zone: ctx.society.timezone,
            rule: None,
        })
        .await?;
    Ok(())
}

/// The nudge itself: each member of the group who said they met is reminded of the others.
/// Late after downtime it says so; past the catch-up window the committee log is told instead.
pub async fn fire_stay_in_touch(
    bot: &Bot,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<Fired, StoreError> {
    let finished = |actions| {
        Ok(Fired {
            actions,
            next_due: None,
        })
    };
    let Some(group) = bot.store().coffee_group(job.subject).await? else {
        return finished(Vec::new());
    };
    let settings = bot.settings();
    let window = catch_up::Window::of(settings);
    let due = catch_up::of_rule(job.due_at, None, job.zone, now, window);
    let met = || {
        group
            .members
            .iter()
            .filter(|m| m.answer == Some(CheckinAnswer::Met))
    };
    if let Some(missed) = due.missed_note(job.zone, now) {
        let count = met().count();
        if count == 0 {
            return finished(Vec::new());
        }
        // Counted, not named: the committee log outlives a member's erasure.
        return finished(vec![Action::AdminLog {
            society: job.society.clone(),
            about: None,
            text: format!(
                "Missed the stay-in-touch nudge to {count} member{} of a round {} coffee group, {missed} (I was offline, past the catch-up window); it was not sent.",
                if count == 1 { "" } else { "s" },
                group.number
            ),
        }]);
    }
    let late = due
        .late_note(job.zone, now)
        .map(|note| format!(" ({note})"))
        .unwrap_or_default();
    let prefix = &settings.prefix;
    let span = time_format::span(job.due_at - group.ran_at);
    let actions = met()
        .map(|m| Action::Remind {
            user: m.user.clone(),
            message: Message::text(format!(
                "It's been {span} since you met {} over coffee. A short hello keeps the connection going; `{prefix}followup` can remind you later.{late}",
                group.others_of(&m.user.id)
            )),
        })
        .collect();
    finished(actions)
}
