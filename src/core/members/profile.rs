//! `!profile`: what a member shares about themselves, shown back in full on request.

use super::fields::clean_text;
use super::onboarding;
use crate::core::command::ProfileCommand;
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::store::{Profile, ShoutoutPreference};
use crate::core::time_format;
use crate::core::when;

pub async fn run(ctx: &Ctx<'_>, command: ProfileCommand) -> Result<Vec<Action>, Refusal> {
    let existing = ctx.store.profile(&ctx.society.key, &ctx.sender.id).await?;
    if command == ProfileCommand::Show {
        return show(ctx, existing).await;
    }
    let mut profile = existing.unwrap_or_else(|| Profile {
        society: ctx.society.key.clone(),
        user_id: ctx.sender.id.clone(),
        ..Profile::default()
    });
    profile.name = ctx.sender.name.clone();
    // The welcome dialogue moves on when its question is answered with this command.
    let command_field = match &command {
        ProfileCommand::Timezone(_) => Some("timezone"),
        ProfileCommand::Stage(..) => Some("stage"),
        ProfileCommand::Specialty(_) => Some("specialty"),
        ProfileCommand::Hospital(_) => Some("hospital"),
        ProfileCommand::Shoutouts(_) => Some("shoutouts"),
        _ => None,
    };
    let said = match command {
        ProfileCommand::Show => unreachable!("handled above"),
        ProfileCommand::Timezone(text) => {
            let zone = when::parse_zone(&text)?;
            profile.timezone = Some(zone);
            format!(
                "Your timezone is now {} (it is {} there).",
                zone.name(),
                time_format::local(ctx.now, zone, ctx.now)
            )
        }
        ProfileCommand::Stage(reading, typed) => {
            let p = ctx.prefix();
            let stage = super::fields::stage(reading, &typed, |s| {
                format!("`{p}profile stage {}`", s.as_str())
            })?;
            profile.stage = Some(stage.as_str().to_string());
            format!("Your stage is now {}.", stage.as_str())
        }
        ProfileCommand::Specialty(text) => {
            profile.specialty = Some(clean_text(&text, "specialty")?);
            format!("Your specialty is now {}.", text.trim())
        }
        ProfileCommand::Hospital(text) => {
            profile.hospital = Some(clean_text(&text, "hospital")?);
            format!("Your hospital is now {}.", text.trim())
        }
        ProfileCommand::Shoutouts(choice) => {
            let said = match choice.as_str() {
                "auto" => "Colleagues' shout-outs about you will be posted straight away.",
                "never" => "Colleagues can no longer post shout-outs about you.",
                _ => "I'll ask you before posting a colleague's shout-out about you.",
            };
            profile.shoutouts = ShoutoutPreference::parse(&choice);
            said.to_string()
        }
        ProfileCommand::Img(img) => {
            profile.img = Some(img);
            if img {
                "Noted: you are an international medical graduate.".to_string()
            } else {
                "Noted: you are not an international medical graduate.".to_string()
            }
        }
    };
    ctx.store.save_profile(&profile, ctx.now).await?;
    let field = match &command_field {
        Some(field) => onboarding::after_profile(ctx, field, &profile).await?,
        None => Vec::new(),
    };
    let mut actions = vec![ctx.private_reply(said)];
    actions.extend(field);
    Ok(actions)
}

async fn show(ctx: &Ctx<'_>, profile: Option<Profile>) -> Result<Vec<Action>, Refusal> {
    let p = ctx.prefix();
    let reminders = ctx
        .store
        .active_reminders(&ctx.society.key, &ctx.sender.id)
        .await?
        .len();
    let profile = profile.unwrap_or_default();
    let unset = "not set".to_string();
    let zone = match profile.timezone {
        Some(zone) => zone.name().to_string(),
        None => format!("not set (the society's: {})", ctx.society.timezone.name()),
    };
    let lines = [
        format!("What Rounds holds about you in {}:", ctx.society.name),
        format!(
            "name: {}",
            if profile.name.is_empty() {
                "not stored".to_string()
            } else {
                profile.name.clone()
            }
        ),
        format!("timezone: {zone}"),
        format!("stage: {}", profile.stage.unwrap_or_else(|| unset.clone())),
        format!(
            "specialty: {}",
            profile.specialty.unwrap_or_else(|| unset.clone())
        ),
        format!(
            "hospital: {}",
            profile.hospital.unwrap_or_else(|| unset.clone())
        ),
        format!(
            "international medical graduate: {}",
            match profile.img {
                Some(true) => "yes".to_string(),
                Some(false) => "no".to_string(),
                None => unset.clone(),
            }
        ),
        format!(
            "colleagues' shout-outs about you: {}",
            match profile.shoutouts {
                Some(ShoutoutPreference::Auto) => "posted straight away",
                Some(ShoutoutPreference::Never) => "never posted",
                Some(ShoutoutPreference::Ask) | None => "posted once you approve (the default)",
            }
        ),
        format!("active reminders: {reminders} (see them with `{p}reminders`)"),
        format!(
            "Change a field with `{p}profile <field> <value>`; erase everything with `{p}forget me`."
        ),
    ];
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}
