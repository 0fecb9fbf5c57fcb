//! The Rounds core: every rule lives here, and nothing here knows a platform or a database.
//!
//! `Bot::handle` turns an inbound event into actions; `Bot::fire` turns a due job into actions.
//! Both take `now`, so the same code runs on the wall clock and on the shell's simulated one.

pub mod attendance;
pub mod calendar;
pub mod coffee;
pub mod command;
pub mod committee;
pub mod doi;
pub mod error;
pub mod event_edit;
pub mod event_import;
pub mod event_series;
pub mod events;
pub mod followups;
pub mod icebreakers;
pub mod ics;
pub mod identifiers;
pub mod io;
pub mod mention;
pub mod mentor;
pub mod onboarding;
pub mod pairing;
pub mod privacy;
pub mod profile;
pub mod reminders;
pub mod short_id;
pub mod shoutouts;
pub mod store;
pub mod time_format;
pub mod when;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use command::{Command, Parsed};
use error::Refusal;
use io::{Action, Inbound, Message, Origin, UserRef};
use store::{Job, JobKind, Store};

/// A society as the core needs it. Platform details (guild ids, space ids) stay in the adapters.
#[derive(Clone, Debug)]
pub struct Society {
    pub key: String,
    pub name: String,
    pub timezone: Tz,
    /// Platform user ids of the committee.
    pub committee: Vec<String>,
    /// Platform role ids whose holders are the committee (a Discord role).
    pub committee_roles: Vec<String>,
    /// Members who may manage events without being on the committee.
    pub organisers: Vec<String>,
    /// Platform role ids whose holders may manage events.
    pub organiser_roles: Vec<String>,
    /// What a newcomer is told, and which groups their answers put them in.
    pub welcome: Welcome,
    /// How long after a coffee meeting members are nudged to reconnect; None: never.
    pub stay_in_touch: Option<Duration>,
}

/// A society's welcome for newcomers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Welcome {
    pub text: Option<String>,
    pub code_of_conduct: Option<String>,
    /// A stage or specialty answer (lower case) and the group it puts the member in.
    pub groups: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub prefix: String,
    /// The shell accepts `help` as well as `!help`.
    pub prefix_optional: bool,
    /// A job that fires later than this after its due time is labelled late.
    pub late_after: Duration,
    /// A job later than this is not sent; its owner and the committee are told instead.
    pub catch_up: Duration,
    pub societies: HashMap<String, Society>,
    /// Used for rooms that belong to no configured society.
    pub default_society: Society,
    /// One is picked for each coffee introduction.
    pub icebreakers: Vec<String>,
    /// How long before an event reminders go to those going.
    pub event_reminders: Vec<Duration>,
    /// Where the HTTP server is reached (`https://rounds.example.org`), for calendar feed
    /// links; None when no server runs.
    pub feed_base: Option<String>,
    /// When the shout-out digest is posted (`when::Rule` text, e.g. `every Friday 16:00`), in
    /// each society's zone; None: no digest.
    pub shoutout_digest: Option<String>,
}

impl Settings {
    pub fn new(default_society: Society) -> Self {
        Settings {
            prefix: "!".to_string(),
            prefix_optional: false,
            late_after: Duration::minutes(2),
            catch_up: Duration::days(7),
            societies: HashMap::new(),
            default_society,
            icebreakers: icebreakers::defaults(),
            event_reminders: events::DEFAULT_REMINDERS.to_vec(),
            feed_base: None,
            shoutout_digest: Some(shoutouts::DEFAULT_DIGEST.to_string()),
        }
    }
}

/// What firing a job produced, and when it should fire next (None: it is finished).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fired {
    pub actions: Vec<Action>,
    pub next_due: Option<DateTime<Utc>>,
}

pub struct Bot {
    store: Arc<dyn Store>,
    settings: Settings,
    fetcher: Option<Arc<dyn event_import::Fetcher>>,
    doi: Option<Arc<dyn shoutouts::DoiLookup>>,
}

/// Everything a command handler needs to know about the event it answers.
pub struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub settings: &'a Settings,
    pub society: &'a Society,
    pub origin: &'a Origin,
    pub sender: &'a UserRef,
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    pub fn reply(&self, text: impl Into<String>) -> Action {
        self.reply_message(Message::text(text), false)
    }

    pub fn private_reply(&self, text: impl Into<String>) -> Action {
        self.reply_message(Message::text(text), true)
    }

    pub fn reply_message(&self, message: Message, private: bool) -> Action {
        Action::Reply {
            room: self.origin.room.clone(),
            to: self.origin.message_id.clone(),
            private,
            message,
        }
    }

    pub fn prefix(&self) -> &str {
        &self.settings.prefix
    }

    /// The committee is checked here, in the core, whatever a platform's own permissions say:
    /// server admins can change those.
    pub fn is_committee(&self) -> bool {
        self.society.committee.contains(&self.sender.id)
            || self
                .origin
                .roles
                .iter()
                .any(|role| self.society.committee_roles.contains(role))
    }

    /// The committee, and anyone the society named as an organiser (by id or platform role).
    pub fn is_organiser(&self) -> bool {
        self.is_committee()
            || self.society.organisers.contains(&self.sender.id)
            || self
                .origin
                .roles
                .iter()
                .any(|role| self.society.organiser_roles.contains(role))
    }

    /// Refuses unless the sender is on the committee; `command` is named in the refusal
    /// (`committee`, `coffee setup`).
    pub fn committee_only(&self, command: &str) -> Result<(), Refusal> {
        if self.is_committee() {
            Ok(())
        } else {
            Err(Refusal::said(format!(
                "Only the committee of {} can use `{}{command}`.",
                self.society.name,
                self.prefix()
            )))
        }
    }

    /// The member's own zone if they set one, else the society's.
    pub async fn member_zone(&self) -> Result<Tz, Refusal> {
        Ok(zone_of(self.store, self.society, &self.sender.id).await?)
    }
}

/// A member's own zone if they set one, else their society's.
pub async fn zone_of(
    store: &dyn Store,
    society: &Society,
    user_id: &str,
) -> Result<Tz, error::StoreError> {
    Ok(store
        .profile(&society.key, user_id)
        .await?
        .and_then(|p| p.timezone)
        .and_then(|z| z.parse::<Tz>().ok())
        .unwrap_or(society.timezone))
}

impl Bot {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        Bot {
            store,
            settings,
            fetcher: None,
            doi: None,
        }
    }

    /// Lets `!event import` read calendar feeds through `fetcher`.
    pub fn with_fetcher(mut self, fetcher: Arc<dyn event_import::Fetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// Lets publication shout-outs show a DOI's title, journal and year.
    pub fn with_doi_lookup(mut self, lookup: Arc<dyn shoutouts::DoiLookup>) -> Self {
        self.doi = Some(lookup);
        self
    }

    pub fn fetcher(&self) -> Option<&Arc<dyn event_import::Fetcher>> {
        self.fetcher.as_ref()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn society(&self, key: &str) -> &Society {
        self.settings
            .societies
            .get(key)
            .unwrap_or(&self.settings.default_society)
    }

    /// Answers one inbound event. Never fails: a refusal becomes a reply, and a store failure
    /// becomes an apology (and an error in the log).
    pub async fn handle(&self, inbound: &Inbound, now: DateTime<Utc>) -> Vec<Action> {
        let origin = inbound.origin();
        let ctx = Ctx {
            store: self.store.as_ref(),
            settings: &self.settings,
            society: self.society(&origin.society),
            origin,
            sender: inbound.sender(),
            now,
        };
        let late = origin.sent_at.map(|sent| now - sent).unwrap_or_default();
        let result = match inbound {
            // A join seen long after it happened is no time for a welcome, nor for an apology
            // in a shared room.
            Inbound::Join { .. } if late > self.settings.catch_up => return Vec::new(),
            _ if late > self.settings.catch_up => Err(Refusal::said(format!(
                "I was offline when you sent this ({} ago) and have not acted on it. Please send it again if you still need it.",
                time_format::span(late)
            ))),
            Inbound::Message { text, .. } => {
                match command::parse(text, &self.settings.prefix, self.settings.prefix_optional) {
                    Parsed::NotCommand => onboarding::chat(&ctx, text).await,
                    Parsed::Invalid(error) => Err(Refusal::from(error)),
                    Parsed::Command(command) => self.run(&ctx, command).await,
                }
            }
            Inbound::Choice { choice, .. } => self.choose(&ctx, choice).await,
            // No choice offered today can be taken back: erasure is confirmed or declined once.
            Inbound::Withdraw { .. } => Ok(Vec::new()),
            Inbound::Join { .. } => onboarding::joined(&ctx).await,
        };
        match result {
            Ok(mut actions) => {
                if late > self.settings.late_after {
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
                actions
            }
            Err(refusal) => {
                if let Refusal::Store(error) = &refusal {
                    tracing::error!(%error, "store failed while handling a command");
                }
                match refusal {
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
                }
            }
        }
    }

    async fn run(&self, ctx: &Ctx<'_>, command: Command) -> Result<Vec<Action>, Refusal> {
        match command {
            Command::Help { topic } => {
                Ok(vec![ctx.private_reply(command::help_text(
                    ctx.prefix(),
                    topic.as_deref(),
                )?)])
            }
            Command::Remind { target, rest } => reminders::remind(ctx, target, &rest).await,
            Command::Reminders(sub) => reminders::manage(ctx, sub).await,
            Command::Profile(sub) => profile::run(ctx, sub).await,
            Command::Forget { confirm } => privacy::forget(ctx, confirm).await,
            Command::CommitteeLog => committee::log(ctx).await,
            Command::Coffee(sub) => coffee::run(ctx, sub).await,
            Command::Mentor(sub) => mentor::run(ctx, sub).await,
            Command::Event(sub) => events::run(ctx, sub).await,
            Command::Rsvp { id, answer } => events::rsvp(ctx, id, answer).await,
            Command::Cpd { export } => attendance::cpd(ctx, export).await,
            Command::Shoutout(sub) => shoutouts::run(ctx, sub, self.doi.as_deref()).await,
            Command::Milestone { kind, text } => {
                shoutouts::milestone(ctx, kind, &text, self.doi.as_deref()).await
            }
            Command::Followup { member, rest } => followups::followup(ctx, &member, &rest).await,
            Command::Welcome(sub) => onboarding::run(ctx, sub).await,
        }
    }

    async fn choose(&self, ctx: &Ctx<'_>, choice: &str) -> Result<Vec<Action>, Refusal> {
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
        match job.kind {
            JobKind::Reminder => reminders::fire(self, job, now).await,
            JobKind::CoffeeRound => coffee::fire_round(self, job, now).await,
            JobKind::CoffeeCheckin => coffee::fire_checkin(self, job, now).await,
            JobKind::EventReminders => events::fire_reminder(self, job, now).await,
            JobKind::EventSeries => event_series::fire(self, job, now).await,
            JobKind::EventImport => event_import::fire(self, job, now).await,
            JobKind::ShoutoutDigest => shoutouts::fire_digest(self, job, now).await,
            JobKind::StayInTouch => followups::fire_stay_in_touch(self, job, now).await,
        }
    }
}
