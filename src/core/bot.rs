//! The one dispatcher: `Bot::handle` turns an inbound event into actions and `Bot::fire` a due
//! job. Every feature is reached from here; none imports this file.

use chrono::{DateTime, Utc};

use super::coffee;
use super::command::{self, Command, MilestoneKind, Parsed, ShoutoutCommand};
use super::context::{Bot, Ctx, Fired};
use super::delivery;
use super::doi::{DoiLookup, LookedUp};
use super::error::{self, Refusal};
use super::events;
use super::io::{Action, Choice, Inbound, Message};
use super::members::{committee, onboarding, privacy, profile};
use super::reminders::{self, followups};
use super::shared_text;
use super::shoutouts;
use super::store::{Job, JobKind, Store};
use super::time_format;

/// What one inbound event produced, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub actions: Vec<Action>,
    pub outcome: Outcome,
    /// What the event was, for logs and metrics: the command's name (`remind`, `event`...), or
    /// `text`, `invalid`, `choice`, `withdraw` or `join`. Never anything the member wrote.
    pub kind: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Acted on (which may change the store).
    Done,
    /// Refused with a reason: bad input, not allowed, or too late. Nothing was changed.
    Refused,
    /// The store failed; the member got an apology.
    Failed,
}

impl Outcome {
    /// The outcome as a log and metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

impl Bot {
    /// Answers one inbound event. Never fails: a refusal becomes a reply, and a store failure
    /// becomes an apology (and an error in the log).
    pub async fn handle(&self, inbound: &Inbound, now: DateTime<Utc>) -> Vec<Action> {
        self.answer(inbound, now).await.actions
    }

    /// Whether the sender of `inbound` is waiting for an answer: a command, a choice, or anything
    /// said to Rounds in a direct room. Chat in a shared room, a join and a withdrawn choice
    /// are not, so a store outage does not make Rounds apologise to every passing message.
    pub fn awaits_answer(&self, inbound: &Inbound) -> bool {
        awaits_answer(inbound, self.parse(inbound).as_ref())
    }

    /// A message's command, read once for all that `answer` decides from it.
    fn parse(&self, inbound: &Inbound) -> Option<Parsed> {
        match inbound {
            Inbound::Message { text, .. } => Some(command::parse(
                text,
                &self.settings().prefix,
                self.settings().prefix_optional,
            )),
            _ => None,
        }
    }

    /// `handle`, saying also how it ended: a refused event changed nothing, which the hostile
    /// input tests hold the core to.
    pub async fn answer(&self, inbound: &Inbound, now: DateTime<Utc>) -> Answer {
        let ahead = self.look_up_ahead(inbound).await;
        self.answer_in(self.store().as_ref(), inbound, ahead.as_ref(), now)
            .await
    }

    /// What answering `inbound` will need from other servers, fetched now, before a unit of
    /// work opens: a publication shout-out's DOI.
    pub async fn look_up_ahead(&self, inbound: &Inbound) -> Option<LookedUp> {
        let text = self.text_to_look_up(inbound)?;
        LookedUp::ahead(&text, self.doi_lookup()?).await
    }

    /// Whether answering `inbound` waits on another server (`look_up_ahead` has something to
    /// fetch): an adapter whose platform waits for each event's handling before it delivers
    /// the next (Matrix's sync) handles such an event aside, so no one else waits with it.
    pub fn looks_up(&self, inbound: &Inbound) -> bool {
        self.text_to_look_up(inbound).is_some()
    }

    fn text_to_look_up(&self, inbound: &Inbound) -> Option<String> {
        self.doi_lookup()?;
        match self.parse(inbound)? {
            Parsed::Command(Command::Shoutout(ShoutoutCommand::About { kind, text, .. }))
            | Parsed::Command(Command::Milestone { kind, text }) => {
                (kind == MilestoneKind::Publication).then_some(text)
            }
            _ => None,
        }
    }

    /// `answer`, reading and writing through `store` (a unit of work, so that the answer's
    /// writes commit with its queued actions), with what [`Bot::look_up_ahead`] fetched.
    pub async fn answer_in(
        &self,
        store: &dyn Store,
        inbound: &Inbound,
        ahead: Option<&LookedUp>,
        now: DateTime<Utc>,
    ) -> Answer {
        let looked_up = ahead.map(|ahead| ahead as &dyn DoiLookup);
        time_format::stamping(
            self.answer_unstamped(store, inbound, looked_up, now),
            |answer| {
                answer
                    .actions
                    .iter_mut()
                    .filter_map(Action::message_mut)
                    .collect()
            },
        )
        .await
    }

    async fn answer_unstamped(
        &self,
        store: &dyn Store,
        inbound: &Inbound,
        looked_up: Option<&dyn DoiLookup>,
        now: DateTime<Utc>,
    ) -> Answer {
        let origin = inbound.origin();
        let ctx = Ctx {
            store,
            settings: self.settings(),
            society: self.society(&origin.society),
            origin,
            sender: inbound.sender(),
            now,
        };
        let late = origin.sent_at.map(|sent| now - sent).unwrap_or_default();
        let parsed = self.parse(inbound);
        if awaits_answer(inbound, parsed.as_ref())
            && let Err(error) = delivery::heard_from(ctx.store, origin, ctx.sender, now).await
        {
            tracing::warn!(%error, "cannot note where a member spoke to Rounds");
        }
        let kind = match (inbound, &parsed) {
            (_, Some(Parsed::Command(command))) => command.name(),
            (Inbound::Message { text, .. }, Some(Parsed::Invalid(_))) => {
                command::attempted(text, &self.settings().prefix).unwrap_or("invalid")
            }
            (Inbound::Message { .. }, _) => "text",
            (Inbound::Choice { .. }, _) => "choice",
            (Inbound::Withdraw { .. }, _) => "withdraw",
            (Inbound::Join { .. }, _) => "join",
        };
        let result = match (inbound, parsed) {
            // A join seen long after it happened is no time for a welcome, nor for an apology
            // in a shared room.
            (Inbound::Join { .. }, _) if late > self.settings().catch_up => {
                return Answer {
                    actions: Vec::new(),
                    outcome: Outcome::Refused,
                    kind,
                };
            }
            _ if late > self.settings().catch_up => Err(Refusal::said(format!(
                "I was offline when you sent this ({} ago) and have not acted on it. Please send it again if you still need it.",
                time_format::span(late)
            ))),
            (Inbound::Message { text, .. }, parsed) => match parsed {
                Some(Parsed::Invalid(error)) => Err(Refusal::from(error)),
                Some(Parsed::Command(command)) => self.run(&ctx, command, looked_up).await,
                Some(Parsed::NotCommand) | None => onboarding::chat(&ctx, text).await,
            },
            (Inbound::Choice { choice, .. }, _) => self.choose(&ctx, choice).await,
            // No choice offered today can be taken back: erasure is confirmed or declined once.
            (Inbound::Withdraw { .. }, _) => Ok(Vec::new()),
            (Inbound::Join { .. }, _) => onboarding::joined(&ctx).await,
        };
        let result = match result {
            Ok(actions) => reopen_offers(&ctx, &actions).await.map(|()| actions),
            refused => refused,
        };
        match result {
            Ok(mut actions) => {
                if late > self.settings().late_after {
                    let zone = self.society(&origin.society).timezone;
                    let label = format!(
                        "(Late answer: you sent this {}; I was offline.)",
                        origin
                            .sent_at
                            .map(|sent| time_format::local(sent, zone, now))
                            .unwrap_or_default()
                    );
                    for action in &mut actions {
                        if let Action::Reply { message, .. } = action {
                            message.text = format!("{label}\n{}", message.text);
                        }
                    }
                }
                Answer {
                    actions,
                    outcome: Outcome::Done,
                    kind,
                }
            }
            Err(refusal) => {
                let outcome = if let Refusal::Store(error) = &refusal {
                    tracing::error!(%error, "store failed while handling a command");
                    Outcome::Failed
                } else {
                    Outcome::Refused
                };
                let actions = match refusal {
                    Refusal::Withheld(reason) if !origin.is_direct => vec![
                        ctx.private_reply(
                            "I did not post that, and nothing was changed. I've sent you the reason in a direct message.",
                        ),
                        Action::Remind {
                            user: ctx.sender.clone(),
                            message: Message::text(reason),
                        },
                    ],
                    refusal => vec![ctx.private_reply(refusal.to_string())],
                };
                Answer {
                    actions,
                    outcome,
                    kind,
                }
            }
        }
    }

    async fn run(
        &self,
        ctx: &Ctx<'_>,
        command: Command,
        looked_up: Option<&dyn DoiLookup>,
    ) -> Result<Vec<Action>, Refusal> {
        // Before any feature sees the command, so none can store or post its text unchecked.
        for (text, what) in command.shared_texts() {
            shared_text::check(text, what)?;
        }
        match command {
            Command::Help { topic } => {
                Ok(vec![ctx.private_reply(command::help_text(
                    ctx.prefix(),
                    topic.as_deref(),
                ))])
            }
            Command::Remind { target, rest } => reminders::remind(ctx, target, &rest).await,
            Command::Reminders(sub) => reminders::manage(ctx, sub).await,
            Command::Profile(sub) => profile::run(ctx, sub).await,
            Command::Forget { confirm } => privacy::forget(ctx, confirm).await,
            Command::CommitteeLog => committee::log(ctx).await,
            Command::Coffee(sub) => coffee::run(ctx, sub).await,
            Command::Mentor(sub) => coffee::mentor::run(ctx, sub).await,
            Command::Event(sub) => events::run(ctx, sub).await,
            Command::Rsvp { id, answer } => events::rsvp::rsvp(ctx, id, answer).await,
            Command::Cpd { export } => events::attendance::cpd(ctx, export).await,
            Command::Shoutout(sub) => shoutouts::run(ctx, sub, looked_up).await,
            Command::Milestone { kind, text } => {
                shoutouts::milestone(ctx, kind, &text, looked_up).await
            }
            Command::Followup { member, rest } => followups::followup(ctx, &member, &rest).await,
            Command::Welcome(sub) => onboarding::run(ctx, sub).await,
        }
    }

    /// A choice is answered once per member, whichever feature offered it: the answer is
    /// recorded before the feature runs and taken back if the feature refuses or fails, so a
    /// second tap (or a reaction beside a button) never acts twice.
    async fn choose(&self, ctx: &Ctx<'_>, choice: &str) -> Result<Vec<Action>, Refusal> {
        let offer = Choice::offer_of(choice);
        if offer.changeable {
            return self.dispatch_choice(ctx, choice).await;
        }
        let (society, member) = (&ctx.society.key, &ctx.sender.id);
        if ctx
            .store
            .record_answer(society, member, &offer.key, choice, ctx.now)
            .await?
            .is_some()
        {
            return Err(Refusal::said(
                "You already answered that; nothing was changed.",
            ));
        }
        let answered = self.dispatch_choice(ctx, choice).await;
        if answered.is_err() {
            ctx.store.reopen_offer(society, member, &offer.key).await?;
        }
        answered
    }

    async fn dispatch_choice(&self, ctx: &Ctx<'_>, choice: &str) -> Result<Vec<Action>, Refusal> {
        match choice.split_once(':') {
            Some(("forget", answer)) => privacy::forget_choice(ctx, answer).await,
            Some(("coffee", rest)) => coffee::choice(ctx, rest).await,
            Some(("event", rest)) => events::choice(ctx, rest).await,
            Some(("shoutout", rest)) => shoutouts::choice(ctx, rest).await,
            Some(("followup", rest)) => followups::choice(ctx, rest).await,
            Some(("onboard", rest)) => onboarding::answer(ctx, rest).await,
            _ => Err(Refusal::said(
                "That choice has expired or is not yours to make; nothing was changed.",
            )),
        }
    }

    /// Turns a due job into actions. Pure except for reading the job's subject from the store.
    pub async fn fire(&self, job: &Job, now: DateTime<Utc>) -> Result<Fired, error::StoreError> {
        time_format::stamping(self.fire_unstamped(job, now), |fired| match fired {
            Ok(fired) => fired
                .actions
                .iter_mut()
                .filter_map(Action::message_mut)
                .collect(),
            Err(_) => Vec::new(),
        })
        .await
    }

    async fn fire_unstamped(
        &self,
        job: &Job,
        now: DateTime<Utc>,
    ) -> Result<Fired, error::StoreError> {
        match job.kind {
            JobKind::Reminder => reminders::fire(self, job, now).await,
            JobKind::CoffeeRound => coffee::fire_round(self, job, now).await,
            JobKind::CoffeeCheckin => coffee::fire_checkin(self, job, now).await,
            JobKind::EventReminders => events::reminders::fire_reminder(self, job, now).await,
            JobKind::EventSeries => events::series::fire(self, job, now).await,
            JobKind::EventImport => events::import::fire(self, job, now).await,
            JobKind::ShoutoutDigest => shoutouts::fire_digest(self, job, now).await,
            JobKind::StayInTouch => followups::fire_stay_in_touch(self, job, now).await,
        }
    }
}

/// Asking a member a question again (`forget me` a second time, the welcome restarted) opens
/// it to them again: an offer is answered once each time it is made.
async fn reopen_offers(ctx: &Ctx<'_>, actions: &[Action]) -> Result<(), Refusal> {
    for action in actions {
        let (member, message) = match action {
            Action::Reply { message, asker, .. } => {
                (asker.as_ref().unwrap_or(&ctx.sender.id), message)
            }
            Action::Remind { user, message } => (&user.id, message),
            _ => continue,
        };
        for choice in &message.choices {
            let offer = Choice::offer_of(&choice.id);
            if !offer.changeable {
                ctx.store
                    .reopen_offer(&ctx.society.key, member, &offer.key)
                    .await?;
            }
        }
    }
    Ok(())
}

/// `Bot::awaits_answer`, for an event whose message (if it is one) is already parsed.
fn awaits_answer(inbound: &Inbound, parsed: Option<&Parsed>) -> bool {
    match inbound {
        Inbound::Message { origin, .. } => {
            origin.is_direct || !matches!(parsed, Some(Parsed::NotCommand))
        }
        Inbound::Choice { .. } => true,
        Inbound::Withdraw { .. } | Inbound::Join { .. } => false,
    }
}
