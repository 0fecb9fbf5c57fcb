//! `!mentor`: members offer to mentor (with a capacity per round) or ask for a mentor. Mentor-mode
//! pairing programmes pair them; offering or asking joins every such programme in the society.

use super::programme::group_hint;
use crate::core::command::{MAX_PROFILE_TEXT, MentorCommand};
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::pairing::Mode;
use crate::core::store::{CoffeeMember, MentorOffer, MentorRole};

pub async fn run(ctx: &Ctx<'_>, command: MentorCommand) -> Result<Vec<Action>, Refusal> {
    let p = ctx.prefix();
    let current = ctx
        .store
        .mentor_role(&ctx.society.key, &ctx.sender.id)
        .await?;
    let offer = match command {
        MentorCommand::Show => {
            return Ok(vec![ctx.private_reply(match current.map(|r| r.offer) {
                Some(MentorOffer::Mentor { capacity }) => format!(
                    "You offer to mentor up to {capacity} mentee(s) a round. Change it with `{p}mentor offer capacity 2`, withdraw with `{p}mentor stop`."
                ),
                Some(MentorOffer::Mentee { wants_specialty }) => format!(
                    "You have asked for a mentor{}. Withdraw with `{p}mentor stop`.",
                    wants_specialty
                        .map(|s| format!(" in {s}"))
                        .unwrap_or_default()
                ),
                None => format!(
                    "You have not offered or asked for mentoring. Offer with `{p}mentor offer`, ask with `{p}mentor seek [specialty]`."
                ),
            })]);
        }
        MentorCommand::Stop => {
            if !ctx
                .store
                .remove_mentor_role(&ctx.society.key, &ctx.sender.id)
                .await?
            {
                return Err(Refusal::said(format!(
                    "You have not offered or asked for mentoring, so there is nothing to stop. See `{p}help mentor`."
                )));
            }
            for programme in mentor_programmes(ctx).await? {
                ctx.store
                    .remove_coffee_member(programme.id, &ctx.sender.id)
                    .await?;
            }
            return Ok(vec![ctx.private_reply(
                "Done: you are out of the mentor pairings. Past pairings are kept only to avoid repeats.",
            )]);
        }
        MentorCommand::Offer { capacity } => MentorOffer::Mentor { capacity },
        MentorCommand::Seek { specialty } => {
            let specialty = specialty.map(|s| s.trim().to_string());
            if let Some(s) = &specialty
                && (s.chars().count() > MAX_PROFILE_TEXT || s.chars().any(char::is_control))
            {
                return Err(Refusal::said(format!(
                    "A specialty must be one line of at most {MAX_PROFILE_TEXT} characters."
                )));
            }
            MentorOffer::Mentee {
                wants_specialty: specialty,
            }
        }
    };
    ctx.store
        .save_mentor_role(
            &MentorRole {
                society: ctx.society.key.clone(),
                user: ctx.sender.clone(),
                offer: offer.clone(),
            },
            ctx.now,
        )
        .await?;
    let programmes = mentor_programmes(ctx).await?;
    for programme in &programmes {
        if ctx
            .store
            .coffee_member(programme.id, &ctx.sender.id)
            .await?
            .is_none()
        {
            ctx.store
                .save_coffee_member(&CoffeeMember::joining(
                    programme.id,
                    ctx.sender.clone(),
                    ctx.now,
                ))
                .await?;
        }
    }
    let said = match offer {
        MentorOffer::Mentor { capacity } => format!(
            "Thank you: you offer to mentor up to {capacity} mentee(s) a round. Mentees are juniors to you; share your stage with `{p}profile stage consultant`."
        ),
        MentorOffer::Mentee { wants_specialty } => format!(
            "Noted: you would like a mentor{}.",
            wants_specialty
                .map(|s| format!(" in {s}"))
                .unwrap_or_default()
        ),
    };
    let when = if programmes.is_empty() {
        " The committee has not started mentor pairings yet; you'll be included when they do."
            .to_string()
    } else {
        format!(
            " You'll be paired in the next round. Pause with `{p}coffee pause 2 weeks`{}.",
            group_hint(&programmes[0])
        )
    };
    Ok(vec![ctx.private_reply(format!("{said}{when}"))])
}

async fn mentor_programmes(ctx: &Ctx<'_>) -> Result<Vec<crate::core::store::Programme>, Refusal> {
    Ok(ctx
        .store
        .programmes(&ctx.society.key)
        .await?
        .into_iter()
        .filter(|p| p.mode == Mode::Mentor)
        .collect())
}
