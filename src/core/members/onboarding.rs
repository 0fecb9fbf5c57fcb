//! The welcome: when a member joins, a private welcome with the society's text and code of
//! conduct, then a short, skippable profile dialogue (stage, specialty, timezone, hospital,
//! coffee, shout-outs). Answers put the member in the society's groups.

use super::fields;
use crate::core::coffee;
use crate::core::command::{CoffeeCommand, Stage, WelcomeCommand};
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::{Action, Choice, Message};
use crate::core::store::{Profile, ShoutoutPreference};
use crate::core::time_format;
use crate::core::when;

/// The dialogue's questions, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Stage,
    Specialty,
    Timezone,
    Hospital,
    Coffee,
    Shoutouts,
}

impl Step {
    const ALL: [Step; 6] = [
        Step::Stage,
        Step::Specialty,
        Step::Timezone,
        Step::Hospital,
        Step::Coffee,
        Step::Shoutouts,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Stage => "stage",
            Step::Specialty => "specialty",
            Step::Timezone => "timezone",
            Step::Hospital => "hospital",
            Step::Coffee => "coffee",
            Step::Shoutouts => "shoutouts",
        }
    }

    pub fn parse(text: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.as_str() == text)
    }

    fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    fn next(self) -> Option<Step> {
        Step::ALL.get(self.number()).copied()
    }
}

/// A member joined: welcome them once (a second join, after leaving, is not welcomed again).
pub async fn joined(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    if !ctx
        .store
        .start_onboarding(
            &ctx.society.key,
            &ctx.sender.id,
            &ctx.origin.platform,
            Step::Stage.as_str(),
            ctx.now,
        )
        .await?
    {
        return Ok(Vec::new());
    }
    Ok(opening(ctx))
}

/// The welcome and the first question, privately.
fn opening(ctx: &Ctx<'_>) -> Vec<Action> {
    vec![dm(ctx, welcome(ctx)), dm(ctx, question(ctx, Step::Stage))]
}

pub async fn run(ctx: &Ctx<'_>, command: WelcomeCommand) -> Result<Vec<Action>, Refusal> {
    match command {
        WelcomeCommand::Preview => {
            ctx.committee_only("welcome preview")?;
            let first = question(ctx, Step::Stage);
            let buttons: Vec<&str> = first.choices.iter().map(|c| c.label.as_str()).collect();
            Ok(vec![ctx.private_reply(format!(
                "This is what a newcomer receives privately when they join:\n\n{}\n\n{}\n(Choices: {}.) Five more questions follow: specialty, timezone, hospital, coffee pairings and shout-outs; each can be skipped.",
                welcome(ctx).text,
                first.text,
                buttons.join(" · ")
            ))])
        }
        WelcomeCommand::Start => {
            set_step(ctx, Some(Step::Stage)).await?;
            Ok(opening(ctx))
        }
        WelcomeCommand::Skip => {
            set_step(ctx, None).await?;
            Ok(vec![ctx.private_reply(format!(
                "No more questions. You can fill in your profile any time with `{}profile`.",
                ctx.prefix()
            ))])
        }
    }
}

fn dm(ctx: &Ctx<'_>, message: Message) -> Action {
    Action::Remind {
        user: ctx.sender.clone(),
        message,
    }
}

fn welcome(ctx: &Ctx<'_>) -> Message {
    let p = ctx.prefix();
    let welcome = &ctx.society.welcome;
    let mut lines = vec![format!(
        "Welcome to {}, {}! 👋",
        ctx.society.name, ctx.sender.name
    )];
    if let Some(text) = &welcome.text {
        lines.push(text.clone());
    }
    if let Some(conduct) = &welcome.code_of_conduct {
        lines.push(format!("Our code of conduct: {conduct}"));
    }
    lines.push(format!(
        "Six quick questions help me introduce you to colleagues and find your groups. Skip any of them, or all with `{p}welcome skip`; `{p}profile` shows what you shared and `{p}forget me` erases it."
    ));
    Message::text(lines.join("\n"))
}

fn skip(step: Step) -> Choice {
    Choice {
        id: format!("onboard:{}:skip", step.as_str()),
        label: "Skip".to_string(),
    }
}

fn choice(step: Step, value: &str, label: impl Into<String>) -> Choice {
    Choice {
        id: format!("onboard:{}:{value}", step.as_str()),
        label: label.into(),
    }
}

fn question(ctx: &Ctx<'_>, step: Step) -> Message {
    let p = ctx.prefix();
    let n = format!("{}/{}", step.number(), Step::ALL.len());
    match step {
        Step::Stage => {
            let mut choices: Vec<Choice> = Stage::ALL
                .iter()
                .map(|s| choice(step, s.as_str(), coffee::capitalise(s.as_str())))
                .collect();
            choices.push(skip(step));
            Message::text(format!("{n} · What stage of training are you at?")).with_choices(choices)
        }
        Step::Specialty => Message::text(format!(
            "{n} · What is your specialty, or the one you are aiming for? Reply here (e.g. emergency medicine) or with `{p}profile specialty <specialty>`."
        ))
        .with_choices(vec![skip(step)]),
        Step::Timezone => Message::text(format!(
            "{n} · Which timezone are you in? I show you times in it. Reply here with a zone like Europe/London, or keep the society's."
        ))
        .with_choices(vec![
            choice(
                step,
                "society",
                format!("Keep {}", ctx.society.timezone.name()),
            ),
            skip(step),
        ]),
        Step::Hospital => Message::text(format!(
            "{n} · Which hospital do you work at? Reply here or with `{p}profile hospital <name>`."
        ))
        .with_choices(vec![skip(step)]),
        Step::Coffee => Message::text(format!(
            "{n} · Would you like to join the coffee pairings? Each round I introduce you privately to a colleague."
        ))
        .with_choices(vec![
            choice(step, "yes", "Yes, pair me"),
            choice(step, "no", "Not now"),
        ]),
        Step::Shoutouts => Message::text(format!(
            "{n} · When a colleague wants to celebrate your news (a paper, a new post), what should I do?"
        ))
        .with_choices(vec![
            choice(step, "ask", "Ask me first"),
            choice(step, "auto", "Post it straight away"),
            choice(step, "never", "Never post about me"),
        ]),
    }
}

async fn set_step(ctx: &Ctx<'_>, step: Option<Step>) -> Result<(), Refusal> {
    ctx.store
        .set_onboarding_step(
            &ctx.society.key,
            &ctx.sender.id,
            &ctx.origin.platform,
            step.map(Step::as_str),
            ctx.now,
        )
        .await?;
    Ok(())
}

async fn current(ctx: &Ctx<'_>) -> Result<Option<Step>, Refusal> {
    Ok(ctx
        .store
        .onboarding_step(&ctx.society.key, &ctx.sender.id)
        .await?
        .flatten()
        .and_then(|s| Step::parse(&s)))
}

/// `onboard:<step>:<value>`: the answer to the question the member is on.
pub async fn answer(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    let expired = || Refusal::said("That question was already answered; nothing was changed.");
    let (step, value) = rest.split_once(':').ok_or_else(expired)?;
    let step = Step::parse(step).ok_or_else(expired)?;
    if current(ctx).await? != Some(step) {
        return Err(expired());
    }
    let mut actions = Vec::new();
    if value != "skip" {
        actions.extend(apply(ctx, step, value, false).await?);
    }
    actions.extend(advance(ctx, step).await?);
    Ok(actions)
}

/// A message that is not a command, in a direct room: the answer to a typed question, if the
/// member is on one. Otherwise Rounds stays quiet, as with any chat.
pub async fn chat(ctx: &Ctx<'_>, text: &str) -> Result<Vec<Action>, Refusal> {
    if !ctx.origin.is_direct {
        return Ok(Vec::new());
    }
    let Some(step) = current(ctx).await? else {
        return Ok(Vec::new());
    };
    let text = text.trim();
    // `skip` typed is the Skip choice, at every question: never a value to save.
    let mut actions = if text.eq_ignore_ascii_case("skip") {
        Vec::new()
    } else {
        apply(ctx, step, text, true).await?
    };
    actions.extend(advance(ctx, step).await?);
    Ok(actions)
}

/// After `!profile <field>`: if that answers the question the member is on, the dialogue
/// moves on (with the group it puts them in).
pub async fn after_profile(
    ctx: &Ctx<'_>,
    field: &str,
    profile: &Profile,
) -> Result<Vec<Action>, Refusal> {
    match current(ctx).await? {
        Some(step) if step.as_str() == field => {
            let mut actions = groups_for(ctx, step, profile);
            actions.extend(advance(ctx, step).await?);
            Ok(actions)
        }
        _ => Ok(Vec::new()),
    }
}

async fn advance(ctx: &Ctx<'_>, step: Step) -> Result<Vec<Action>, Refusal> {
    let next = step.next();
    set_step(ctx, next).await?;
    Ok(vec![dm(
        ctx,
        match next {
            Some(next) => question(ctx, next),
            None => Message::text(format!(
                "All done, thank you! `{p}help` shows what I can do; `{p}profile` shows what you shared.",
                p = ctx.prefix()
            )),
        },
    )])
}

/// Records one answer in the profile (or the coffee pairings), returning what to say. A
/// `typed` answer is read as the member wrote it; a choice's value is one of the offered.
async fn apply(
    ctx: &Ctx<'_>,
    step: Step,
    value: &str,
    typed: bool,
) -> Result<Vec<Action>, Refusal> {
    let offered = |options: &[&str]| {
        let options: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
        Refusal::said(format!(
            "Answer with {}, or `skip`; `{}welcome skip` stops the questions.",
            options.join(", "),
            ctx.prefix()
        ))
    };
    let mut profile = ctx
        .store
        .profile(&ctx.society.key, &ctx.sender.id)
        .await?
        .unwrap_or_else(|| Profile {
            society: ctx.society.key.clone(),
            user_id: ctx.sender.id.clone(),
            ..Profile::default()
        });
    profile.name = ctx.sender.name.clone();
    let said = match step {
        Step::Stage => {
            let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
            let reading = Stage::read(value).ok_or_else(|| offered(&stages))?;
            let stage = fields::stage(reading, value, |s| format!("`{}`", s.as_str()))?;
            profile.stage = Some(stage.as_str().to_string());
            // A typed title is read, not matched: say what it was read as.
            typed.then(|| format!("Your stage is now {}.", stage.as_str()))
        }
        Step::Specialty => {
            profile.specialty = Some(fields::clean_text(value, "specialty")?);
            None
        }
        Step::Hospital => {
            profile.hospital = Some(fields::clean_text(value, "hospital")?);
            None
        }
        Step::Timezone => {
            let zone = if value == "society" || (typed && value.eq_ignore_ascii_case("keep")) {
                ctx.society.timezone
            } else {
                when::parse_zone(value)?
            };
            profile.timezone = Some(zone);
            Some(format!(
                "Your timezone is {} (it is {} there).",
                zone.name(),
                time_format::local(ctx.now, zone, ctx.now)
            ))
        }
        Step::Coffee => {
            match value.to_lowercase().as_str() {
                "yes" | "y" | "yes please" | "pair me" => {}
                "no" | "n" | "not now" | "no thanks" => return Ok(Vec::new()),
                _ => return Err(offered(&["yes", "no"])),
            }
            return Ok(
                match coffee::run(ctx, CoffeeCommand::Join { group: None }).await {
                    Ok(actions) => actions
                        .into_iter()
                        .map(|a| match a {
                            Action::Reply { message, .. } => dm(ctx, message),
                            other => other,
                        })
                        .collect(),
                    Err(Refusal::Store(error)) => return Err(Refusal::Store(error)),
                    Err(_) => vec![dm(
                        ctx,
                        Message::text(format!(
                            "{} has no coffee pairings yet; join with `{}coffee join` once the committee starts them.",
                            ctx.society.sentence_name(),
                            ctx.prefix()
                        )),
                    )],
                },
            );
        }
        Step::Shoutouts => {
            let preference = ShoutoutPreference::parse(&value.to_lowercase())
                .ok_or_else(|| offered(&["ask", "auto", "never"]))?;
            profile.shoutouts = Some(preference);
            None
        }
    };
    ctx.store.save_profile(&profile, ctx.now).await?;
    let mut actions: Vec<Action> = said
        .into_iter()
        .map(|s| dm(ctx, Message::text(s)))
        .collect();
    actions.extend(groups_for(ctx, step, &profile));
    Ok(actions)
}

/// The groups a stage or specialty answer puts the member in, as configured by the society.
fn groups_for(ctx: &Ctx<'_>, step: Step, profile: &Profile) -> Vec<Action> {
    let answer = match step {
        Step::Stage => profile.stage.clone(),
        Step::Specialty => profile.specialty.clone(),
        _ => None,
    };
    let Some(answer) = answer.map(|a| a.trim().to_lowercase()) else {
        return Vec::new();
    };
    ctx.society
        .welcome
        .groups
        .iter()
        .filter(|(key, _)| *key == answer)
        .map(|(_, group)| Action::JoinGroup {
            society: ctx.society.key.clone(),
            user: ctx.sender.clone(),
            group: group.clone(),
        })
        .collect()
}
