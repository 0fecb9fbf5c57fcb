//! `!mentor`: members offer to mentor (with a capacity per round) or ask for a mentor. Mentor-mode
//! pairing programmes pair them; offering or asking joins every such programme in the society.

use super::programme::group_hint;
use super::round::stage_rank;
use crate::core::command::{MAX_PROFILE_TEXT, MentorCommand, Stage};
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::pairing::Mode;
use crate::core::plural;
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
                    "You offer to mentor up to {} a round. Change it with `{p}mentor offer capacity 2`, withdraw with `{p}mentor stop`.",
                    mentees(capacity)
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
        MentorOffer::Mentor { capacity } => {
            let stage = ctx
                .store
                .profile(&ctx.society.key, &ctx.sender.id)
                .await?
                .and_then(|profile| profile.stage);
            format!(
                "Thank you: you offer to mentor up to {} a round. {}",
                mentees(capacity),
                whom_you_mentor(stage.as_deref(), p)
            )
        }
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

fn mentees(capacity: i64) -> String {
    plural::count(usize::try_from(capacity).unwrap_or(0), "mentee", "mentees")
}

/// Who a mentor is paired with, by the pairing's rule: mentees at an earlier stage, and those
/// whose stage is unknown. Any stage can mentor someone earlier; none is told to claim another.
fn whom_you_mentor(stage: Option<&str>, p: &str) -> String {
    let earlier: Vec<String> = Stage::ALL
        .into_iter()
        .filter(|s| stage_rank(Some(s.as_str())) < stage_rank(stage))
        .filter(|s| stage_rank(Some(s.as_str())).is_some())
        .map(|s| format!("{}s", s.as_str()))
        .collect();
    let Some(stage) = stage.filter(|_| stage_rank(stage).is_some()) else {
        return format!(
            "Share your stage with `{p}profile stage <stage>` so I can pair you with mentees at an earlier stage than yours; until then, any mentee may be paired with you."
        );
    };
    let a = if stage.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    match earlier.split_last() {
        Some((last, [])) => format!(
            "As {a} {stage}, you'll be paired with mentees at an earlier stage ({last}) and with those who haven't shared theirs."
        ),
        Some((last, rest)) => format!(
            "As {a} {stage}, you'll be paired with mentees at an earlier stage ({} and {last}) and with those who haven't shared theirs.",
            rest.join(", ")
        ),
        None => format!(
            "As {a} {stage}, you'll be paired with mentees who haven't shared their stage: mentors meet mentees at an earlier stage than their own, and {stage} is the first."
        ),
    }
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

#[cfg(test)]
mod tests {
    use super::whom_you_mentor;

    #[test]
    fn every_stage_is_told_whom_it_mentors() {
        assert_eq!(
            whom_you_mentor(Some("intern"), "!"),
            "As an intern, you'll be paired with mentees at an earlier stage (students) and with those who haven't shared theirs."
        );
        assert_eq!(
            whom_you_mentor(Some("registrar"), "!"),
            "As a registrar, you'll be paired with mentees at an earlier stage (students, interns and residents) and with those who haven't shared theirs."
        );
        assert!(whom_you_mentor(Some("student"), "!").starts_with(
            "As a student, you'll be paired with mentees who haven't shared their stage"
        ));
        for unknown in [None, Some("other")] {
            assert!(
                whom_you_mentor(unknown, "!")
                    .starts_with("Share your stage with `!profile stage <stage>`")
            );
        }
    }
}
