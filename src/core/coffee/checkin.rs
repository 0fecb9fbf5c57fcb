//! The did-you-meet check-in after a round, and the answers members give to it.

use super::round::meeting;

use chrono::{DateTime, Utc};

use super::programme::{PLANNED_REMINDER, programme_name};
use crate::core::catch_up;
use crate::core::context::{Bot, Ctx, Fired};
use crate::core::error::{Refusal, StoreError};
use crate::core::io::{Action, Choice, Message, UserRef};
use crate::core::reminders::followups;
use crate::core::store::{CheckinAnswer, Job};
use crate::core::time_format;

/// A round's check-in: each group is asked, in its own room or thread, whether they met. Late
/// after downtime it says so; past the catch-up window nobody is asked and the committee log
/// says so instead.
pub async fn fire_checkin(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let groups = bot.store().coffee_round_groups(job.subject).await?;
    let finished = |actions| {
        Ok(Fired {
            actions,
            next_due: None,
        })
    };
    let Some(first) = groups.first() else {
        return finished(Vec::new());
    };
    let Some(programme) = bot.store().programme(first.programme).await? else {
        return finished(Vec::new());
    };
    let settings = bot.settings();
    let window = catch_up::Window::of(settings);
    let zone = job.zone;
    let due = catch_up::of_rule(job.due_at, None, zone, now, window);
    if let Some(missed) = due.missed_note(zone, now) {
        return finished(vec![Action::AdminLog {
            society: programme.society.clone(),
            about: None,
            text: format!(
                "Missed the check-in of round {} of {}, {missed} (I was offline, past the catch-up window); its {} were not asked whether they met.",
                first.number,
                programme_name(&programme),
                if groups.len() == 1 { "group" } else { "groups" },
            ),
        }]);
    }
    let late = due
        .late_note(zone, now)
        .map(|note| format!(" ({note})"))
        .unwrap_or_default();
    let actions = groups
        .iter()
        .map(|group| {
            let members: Vec<UserRef> = group.members.iter().map(|m| m.user.clone()).collect();
            let others = if members.len() > 2 { "each other" } else { "your partner" };
            Action::Introduce {
                society: programme.society.clone(),
                members,
                message: Message::text(format!(
                    "How did round {} of {} go? Did you manage to meet {others}? Each of you can answer.{late}",
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
    let others = group.others_of(&ctx.sender.id);
    if answer == "remind" {
        let due = ctx.now + PLANNED_REMINDER;
        let text = format!(
            "meet {others} for the coffee you planned (round {})",
            group.number
        );
        let (id, zone) = crate::core::reminders::private(ctx, due, text).await?;
        return Ok(vec![ctx.private_reply(format!(
            "I'll remind you on {} ({id}).",
            time_format::local(due, zone, ctx.now),
        ))]);
    }
    let answer = CheckinAnswer::parse(answer).ok_or_else(expired)?;
    ctx.store
        .answer_checkin(group.id, &ctx.sender.id, answer, ctx.now)
        .await?;
    if answer == CheckinAnswer::Met {
        followups::schedule_stay_in_touch(ctx, &group).await?;
    }
    Ok(vec![match answer {
        CheckinAnswer::Met => ctx.reply_message(
            Message::text(format!(
                "Lovely: noted that you met {others}. Thanks for telling me."
            ))
            .with_choices(vec![followups::offer(&format!("coffee:{}", group.id))]),
            true,
        ),
        CheckinAnswer::Planned => ctx.reply_message(
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
        CheckinAnswer::No => ctx.private_reply("No problem: there's always the next round."),
    }])
}
