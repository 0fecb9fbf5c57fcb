//! What the core hands every feature: the society and settings it runs under, the `Bot` that
//! holds the store and lookups (for jobs), and the `Ctx` of one inbound event (for commands).
//! Features import from here and never from `bot.rs`, which dispatches to them.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::coffee::icebreakers;
use super::doi::DoiLookup;
use super::error::{self, Refusal};
use super::events::fetch::Fetcher;
use super::io::{Action, Message, Origin, UserRef};
use super::store::Store;

/// Reminders go out this long before an event's start, to everyone going, unless configured.
pub const DEFAULT_EVENT_REMINDERS: [Duration; 2] = [Duration::hours(24), Duration::hours(1)];
/// Fridays at 16:00 in each society's zone, unless configured (`when::Rule` text; the anchor
/// only fixes which week "every week" counts from).
pub const DEFAULT_SHOUTOUT_DIGEST: &str = "weekly every=1 days=fri at=16:00 anchor=2026-01-02";

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

impl Society {
    /// The name as the first words of a sentence: an unnamed society is "this community"
    /// mid-sentence but "This community" at the start.
    pub fn sentence_name(&self) -> String {
        let mut chars = self.name.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }
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
            event_reminders: DEFAULT_EVENT_REMINDERS.to_vec(),
            feed_base: None,
            shoutout_digest: Some(DEFAULT_SHOUTOUT_DIGEST.to_string()),
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
    fetcher: Option<Arc<dyn Fetcher>>,
    doi: Option<Arc<dyn DoiLookup>>,
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
            asker: Some(self.sender.id.clone()),
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
    pub fn with_fetcher(mut self, fetcher: Arc<dyn Fetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// Lets publication shout-outs show a DOI's title, journal and year.
    pub fn with_doi_lookup(mut self, lookup: Arc<dyn DoiLookup>) -> Self {
        self.doi = Some(lookup);
        self
    }

    pub fn fetcher(&self) -> Option<&Arc<dyn Fetcher>> {
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

    /// The DOI lookup for publication shout-outs, if one was given.
    pub fn doi_lookup(&self) -> Option<&dyn DoiLookup> {
        self.doi.as_deref()
    }
}
