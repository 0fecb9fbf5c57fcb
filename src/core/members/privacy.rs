//! `!forget me`: a member erases everything Rounds holds about them, after confirming.

use chrono::Duration;

use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::events;
use crate::core::io::{Action, Choice, Message};
use crate::core::plural;

const QUESTION: &str = "forget";
const CONFIRM_WITHIN_MINUTES: i64 = 5;

pub async fn forget(ctx: &Ctx<'_>, confirm: bool) -> Result<Vec<Action>, Refusal> {
    if confirm {
        return erase(ctx).await;
    }
    ctx.store
        .ask_confirmation(
            &ctx.society.key,
            &ctx.sender.id,
            QUESTION,
            ctx.now + Duration::minutes(CONFIRM_WITHIN_MINUTES),
        )
        .await?;
    let p = ctx.prefix();
    let message = Message::text(format!(
        "This erases your profile, your reminders and everything else Rounds holds about you in {}. It cannot be undone. Confirm within {CONFIRM_WITHIN_MINUTES} minutes with `{p}forget me confirm`, or choose below.",
        ctx.society.name
    ))
    .with_choices(vec![
        Choice {
            id: "forget:yes".to_string(),
            label: "Yes, erase everything".to_string(),
        },
        Choice {
            id: "forget:no".to_string(),
            label: "No, keep my data".to_string(),
        },
    ]);
    Ok(vec![ctx.reply_message(message, true)])
}

pub async fn forget_choice(ctx: &Ctx<'_>, answer: &str) -> Result<Vec<Action>, Refusal> {
    match answer {
        "yes" => erase(ctx).await,
        _ => {
            ctx.store
                .take_confirmation(&ctx.society.key, &ctx.sender.id, QUESTION, ctx.now)
                .await?;
            Ok(vec![ctx.private_reply("Nothing was erased.")])
        }
    }
}

async fn erase(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let p = ctx.prefix();
    if !ctx
        .store
        .take_confirmation(&ctx.society.key, &ctx.sender.id, QUESTION, ctx.now)
        .await?
    {
        return Err(Refusal::said(format!(
            "There is nothing to confirm: type `{p}forget me` first, then confirm within {CONFIRM_WITHIN_MINUTES} minutes."
        )));
    }
    // Places the member held go to the waitlist first, exactly as if they had answered `no`.
    let mut actions = events::rsvp::give_up_all(ctx).await?;
    let erased = ctx
        .store
        .erase_member(&ctx.society.key, &ctx.sender.id)
        .await?;
    tracing::info!(society = %ctx.society.key, "a member erased their data");
    actions.push(ctx.private_reply(format!(
        "Done. I erased {}{} and {}. Rounds holds nothing more about you here.",
        if erased.profile { "your profile, " } else { "" },
        plural::count(erased.reminders as usize, "reminder", "reminders"),
        plural::count(erased.other_rows as usize, "other record", "other records"),
    )));
    Ok(actions)
}
