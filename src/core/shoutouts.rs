//! Shout-outs: `!shoutout` (about a colleague, posted once they approve), `!milestone` (one's
//! own news), the celebrations room, and the periodic digest.

use chrono::{DateTime, Utc};

use super::catch_up;
use super::command::{MilestoneKind, ShoutoutCommand};
use super::context::{Bot, Ctx, Fired};
use super::doi::{self, DoiLookup};
use super::error::{Refusal, StoreError};
use super::io::{Action, Choice, Message, UserRef};
use super::mention;
use super::short_id::{IdKind, ShortId};
use super::store::{
    Digest, Job, JobKind, JobRule, NewJob, Shoutout, ShoutoutPreference, ShoutoutStatus,
};
use super::time_format;
use super::when::Rule;

/// The longest shout-out text kept; longer is refused rather than cut.
pub const MAX_SHOUTOUT_CHARS: usize = 500;
pub const EMOJI: &str = "🎉";

pub async fn run(
    ctx: &Ctx<'_>,
    command: ShoutoutCommand,
    lookup: Option<&dyn DoiLookup>,
) -> Result<Vec<Action>, Refusal> {
    match command {
        ShoutoutCommand::About { member, kind, text } => {
            // About oneself, it is a milestone: `share` compares ids.
            let example = format!(
                "{}shoutout @ana award Best teaching registrar",
                ctx.prefix()
            );
            let subject = mention::resolve(ctx, &member, &example).await?;
            share(ctx, subject, kind, &text, lookup).await
        }
        ShoutoutCommand::Approve(id) => decide(ctx, id, true).await,
        ShoutoutCommand::Decline(id) => decide(ctx, id, false).await,
        ShoutoutCommand::Pending => pending(ctx).await,
    }
}

pub async fn milestone(
    ctx: &Ctx<'_>,
    kind: MilestoneKind,
    text: &str,
    lookup: Option<&dyn DoiLookup>,
) -> Result<Vec<Action>, Refusal> {
    share(ctx, ctx.sender.clone(), kind, text, lookup).await
}

/// `shoutout:approve:<id>` or `shoutout:decline:<id>`, from the question sent to the subject.
pub async fn choice(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    let expired =
        || Refusal::said("That choice has expired or is not yours to make; nothing was changed.");
    let (verb, id) = rest.split_once(':').ok_or_else(expired)?;
    let id = ShortId::new(IdKind::Shoutout, id.parse().map_err(|_| expired())?);
    match verb {
        "approve" => decide(ctx, id, true).await,
        "decline" => decide(ctx, id, false).await,
        _ => Err(expired()),
    }
}

/// Words that make news a failure to report; such news is never announced.
const FAILURE_WORDS: [&str; 8] = [
    "failed",
    "fail ",
    "didn't pass",
    "did not pass",
    "unsuccessful",
    "resit",
    "re-sit",
    "not successful",
];

fn reads_as_failure(text: &str) -> bool {
    let lower = format!("{} ", text.to_lowercase());
    FAILURE_WORDS.iter().any(|w| lower.contains(w))
}

/// Checks what would be posted publicly: length and bad news. Patient identifiers and
/// direction characters were checked for every command in `Bot::run` (`Command::shared_texts`).
fn check_text(
    ctx: &Ctx<'_>,
    subject: &UserRef,
    kind: MilestoneKind,
    text: &str,
) -> Result<String, Refusal> {
    let text = text.trim();
    let length = text.chars().count();
    if length > MAX_SHOUTOUT_CHARS {
        return Err(Refusal::said(format!(
            "That shout-out is {length} characters long; I keep at most {MAX_SHOUTOUT_CHARS}. Shorten it and try again."
        )));
    }
    let own = subject.id == ctx.sender.id;
    if kind == MilestoneKind::Exam && !own {
        return Err(Refusal::said(format!(
            "Exam results are {}'s own news to share, so I only post them from {} (`{}milestone exam …`). Nothing was posted.",
            subject.name,
            subject.name,
            ctx.prefix()
        )));
    }
    if reads_as_failure(text) {
        return Err(Refusal::said(if own {
            "I only post good news in the celebrations room, so I have not posted this. Take care of yourself; next time will come."
        } else {
            "I only post good news in the celebrations room, and never a colleague's setback; nothing was posted."
        }));
    }
    Ok(text.to_string())
}

/// A DOI in a publication shout-out, looked up. A failed lookup is not a failure of the
/// shout-out: it is posted with the link, and the author is told quietly.
async fn publication(
    kind: MilestoneKind,
    text: &str,
    lookup: Option<&dyn DoiLookup>,
) -> (Option<String>, Option<String>) {
    if kind != MilestoneKind::Publication {
        return (None, None);
    }
    let Some(found) = doi::find(text) else {
        return (None, None);
    };
    let link = found.url();
    match lookup {
        Some(lookup) => match lookup.lookup(&found).await {
            Ok(publication) => (Some(format!("{} {link}", publication.describe())), None),
            Err(error) => {
                tracing::warn!(doi = found.as_str(), %error, "DOI lookup failed");
                (
                    None,
                    Some(format!(
                        "(I could not look up the details of {found} just now: {error}. The shout-out has its link, so nothing is lost.)"
                    )),
                )
            }
        },
        None => (None, None),
    }
}

async fn share(
    ctx: &Ctx<'_>,
    subject: UserRef,
    kind: MilestoneKind,
    text: &str,
    lookup: Option<&dyn DoiLookup>,
) -> Result<Vec<Action>, Refusal> {
    let text = check_text(ctx, &subject, kind, text)?;
    let own = subject.id == ctx.sender.id;
    let preference = if own {
        None
    } else {
        ctx.store
            .profile(&ctx.society.key, &subject.id)
            .await?
            .and_then(|p| p.shoutouts)
    };
    if preference == Some(ShoutoutPreference::Never) {
        return Err(Refusal::said(format!(
            "{} has asked not to be the subject of shout-outs, so nothing was posted. You could congratulate them directly.",
            subject.name
        )));
    }
    let (publication, lookup_note) = publication(kind, &text, lookup).await;
    let post_now = own || preference == Some(ShoutoutPreference::Auto);
    let shoutout = ctx
        .store
        .create_shoutout(&Shoutout {
            id: 0,
            society: ctx.society.key.clone(),
            platform: ctx.origin.platform.clone(),
            room: ctx.origin.room.clone(),
            author: ctx.sender.clone(),
            subject: subject.clone(),
            kind,
            text,
            publication,
            status: if post_now {
                ShoutoutStatus::Posted
            } else {
                ShoutoutStatus::Pending
            },
            created_at: ctx.now,
            posted_at: post_now.then_some(ctx.now),
        })
        .await?;
    let id = ShortId::new(IdKind::Shoutout, shoutout.id);
    let note = lookup_note.map(|n| format!("\n{n}")).unwrap_or_default();
    if post_now {
        let mut actions = posted(ctx, &shoutout).await?;
        actions.push(ctx.private_reply(format!(
            "Posted {id} in the celebrations room. Congratulations{}!{note}",
            if own {
                String::new()
            } else {
                format!(" to {}", subject.name)
            }
        )));
        return Ok(actions);
    }
    let p = ctx.prefix();
    let question = Message::text(format!(
        "{} would like to celebrate your news in {}'s celebrations room ({id}):\n{}\nShall I post it? You can also answer with `{p}shoutout approve {id}` or `{p}shoutout decline {id}`. To skip this question next time: `{p}profile shoutouts auto`.",
        ctx.sender.name,
        ctx.society.name,
        summary(&shoutout),
    ))
    .with_choices(vec![
        Choice {
            id: format!("shoutout:approve:{}", shoutout.id),
            label: "Post it".to_string(),
        },
        Choice {
            id: format!("shoutout:decline:{}", shoutout.id),
            label: "Don't post".to_string(),
        },
    ]);
    Ok(vec![
        Action::Remind {
            user: subject.clone(),
            message: question,
        },
        ctx.private_reply(format!(
            "Thanks! I've asked {} first ({id}); it goes to the celebrations room once they say yes.{note}",
            subject.name
        )),
    ])
}

/// The shout-out's lines as its subject reads them when asked.
fn summary(s: &Shoutout) -> String {
    let mut text = format!("{}: {}", label(s.kind), s.text);
    if let Some(publication) = &s.publication {
        text.push_str(&format!("\n📄 {publication}"));
    }
    text
}

fn label(kind: MilestoneKind) -> &'static str {
    match kind {
        MilestoneKind::Publication => "Publication",
        MilestoneKind::Exam => "Exam",
        MilestoneKind::NewPost => "New post",
        MilestoneKind::Award => "Award",
        MilestoneKind::Grant => "Grant",
        MilestoneKind::Talk => "Talk",
        MilestoneKind::Other => "News",
    }
}

/// The post for the celebrations room.
pub fn celebration(s: &Shoutout) -> Message {
    let mut text = format!("{EMOJI} {} · {}\n{}", label(s.kind), s.subject.name, s.text);
    if let Some(publication) = &s.publication {
        text.push_str(&format!("\n📄 {publication}"));
    }
    if s.author.id != s.subject.id {
        text.push_str(&format!(
            "\n(shared by {}, with {}'s blessing)",
            s.author.name, s.subject.name
        ));
    }
    Message::text(text).with_mentions(vec![s.subject.clone()])
}

/// What posting a shout-out does: the celebration, and the digest that will list it.
async fn posted(ctx: &Ctx<'_>, s: &Shoutout) -> Result<Vec<Action>, Refusal> {
    if let Some(rule) = ctx
        .settings
        .shoutout_digest
        .as_deref()
        .and_then(|r| Rule::from_text(r).ok())
        && let Some(due) = rule.next_after(ctx.now, ctx.society.timezone)
    {
        ctx.store
            .ensure_digest(
                &Digest {
                    id: 0,
                    society: s.society.clone(),
                    platform: s.platform.clone(),
                    room: s.room.clone(),
                },
                &NewJob {
                    kind: JobKind::ShoutoutDigest,
                    subject: 0,
                    platform: s.platform.clone(),
                    society: s.society.clone(),
                    due_at: due,
                    zone: ctx.society.timezone,
                    rule: Some(JobRule::Every(rule)),
                },
            )
            .await?;
    }
    Ok(vec![Action::Celebrate {
        society: s.society.clone(),
        fallback_room: s.room.clone(),
        message: celebration(s),
        emoji: Some(EMOJI.to_string()),
    }])
}

/// The subject's answer. Only they may give it, once; a second click changes nothing.
async fn decide(ctx: &Ctx<'_>, id: ShortId, approve: bool) -> Result<Vec<Action>, Refusal> {
    let p = ctx.prefix();
    let shoutout = match ctx.store.shoutout(id.number).await? {
        Some(s) if s.subject.id == ctx.sender.id && s.society == ctx.society.key => s,
        _ => {
            return Err(Refusal::said(format!(
                "There is no shout-out {id} about you. See those waiting for you with `{p}shoutout pending`."
            )));
        }
    };
    if shoutout.status != ShoutoutStatus::Pending {
        return Err(Refusal::said(format!(
            "You already answered {id}: it was {}.",
            if shoutout.status == ShoutoutStatus::Posted {
                "posted"
            } else {
                "not posted"
            }
        )));
    }
    let status = if approve {
        ShoutoutStatus::Posted
    } else {
        ShoutoutStatus::Declined
    };
    if !ctx
        .store
        .decide_shoutout(shoutout.id, status, ctx.now)
        .await?
    {
        return Err(Refusal::said(format!("You already answered {id}.")));
    }
    let author = shoutout.author.clone();
    if approve {
        let shoutout = Shoutout {
            status,
            posted_at: Some(ctx.now),
            ..shoutout
        };
        let mut actions = posted(ctx, &shoutout).await?;
        actions.push(ctx.private_reply(format!(
            "Posted {id} in the celebrations room. Congratulations!"
        )));
        actions.push(Action::Remind {
            user: author,
            message: Message::text(format!(
                "{} said yes: your shout-out {id} is in the celebrations room.",
                shoutout.subject.name
            )),
        });
        Ok(actions)
    } else {
        Ok(vec![
            ctx.private_reply(format!(
                "{id} will not be posted, and {} has been told.",
                author.name
            )),
            Action::Remind {
                user: author,
                message: Message::text(format!(
                    "{} would rather keep {id} private, so it was not posted. Thank you for thinking of them.",
                    shoutout.subject.name
                )),
            },
        ])
    }
}

async fn pending(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let waiting = ctx
        .store
        .pending_shoutouts(&ctx.society.key, &ctx.sender.id)
        .await?;
    let p = ctx.prefix();
    if waiting.is_empty() {
        return Ok(vec![ctx.private_reply(
            "No shout-outs about you are waiting for your answer.",
        )]);
    }
    let mut lines = vec!["Shout-outs about you waiting for your answer:".to_string()];
    for s in &waiting {
        let id = ShortId::new(IdKind::Shoutout, s.id);
        lines.push(format!("{id} · from {} · {}", s.author.name, summary(s)));
    }
    lines.push(format!(
        "Answer with `{p}shoutout approve <id>` or `{p}shoutout decline <id>`."
    ));
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

/// The digest: the period's posted shout-outs in the celebrations room. A period with none
/// posts nothing. The period runs back from this firing as far as the next one is ahead, so a
/// firing repeated after a crash lists the same shout-outs (and its outbox key dedups it).
/// After downtime the digests due meanwhile follow the catch-up rule: those inside the window
/// are posted as one, labelled late, covering all their periods; older ones that had
/// shout-outs to list are told to the committee.
pub async fn fire_digest(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let zone = job.zone;
    let rule = job.repeat();
    let settings = bot.settings();
    let window = catch_up::Window::of(settings);
    let due = catch_up::of_rule(job.due_at, rule, zone, now, window);
    let next_due = due.next_due;
    let Some(digest) = bot.store().digest(job.subject).await? else {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    };
    let period = rule
        .and_then(|rule| rule.next_after(job.due_at, zone))
        .map(|next| next - job.due_at)
        .unwrap_or(chrono::Duration::days(7));
    let mut actions = Vec::new();
    if let (Some(first), Some(last), Some(missed)) = (
        due.missed.first(),
        due.missed.last(),
        due.missed_note(zone, now),
    ) {
        let unlisted = bot
            .store()
            .posted_shoutouts(&digest.society, &digest.platform, *first - period, *last)
            .await?
            .len();
        if unlisted > 0 {
            actions.push(Action::AdminLog {
                society: digest.society.clone(),
                about: None,
                text: format!(
                    "Missed the shout-out digest, {missed} (I was offline, past the catch-up window); {unlisted} shout-out{} not listed.",
                    if unlisted == 1 { " was" } else { "s were" }
                ),
            });
        }
    }
    let (Some(first), Some(latest)) = (due.to_send().first().copied(), due.latest_to_send()) else {
        return Ok(Fired { actions, next_due });
    };
    let since = first - period;
    let shoutouts = bot
        .store()
        .posted_shoutouts(&digest.society, &digest.platform, since, latest)
        .await?;
    if shoutouts.is_empty() {
        return Ok(Fired { actions, next_due });
    }
    let society = bot.society(&digest.society);
    let late = due
        .late_note(zone, now)
        .map(|note| format!(" ({note})"))
        .unwrap_or_default();
    let mut lines = vec![format!(
        "🗓 Milestones in {} over the past {}{late}:",
        society.name,
        time_format::span(latest - since)
    )];
    for s in &shoutouts {
        lines.push(format!(
            "• {} · {}: {}",
            s.subject.name,
            label(s.kind),
            s.text
        ));
    }
    lines.push("Congratulations, everyone!".to_string());
    actions.push(Action::Celebrate {
        society: digest.society.clone(),
        fallback_room: digest.room.clone(),
        message: Message::text(lines.join("\n")),
        emoji: None,
    });
    Ok(Fired { actions, next_due })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_digest_rule_is_valid() {
        assert!(Rule::from_text(crate::core::context::DEFAULT_SHOUTOUT_DIGEST).is_ok());
    }

    #[test]
    fn failures_are_recognised() {
        assert!(reads_as_failure("Failed the written exam"));
        assert!(reads_as_failure("didn't pass part 1"));
        assert!(!reads_as_failure("Passed the FRACP written exam!"));
    }
}
