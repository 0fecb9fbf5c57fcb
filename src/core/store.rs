//! What the core needs from persistence. `crate::store::SqlStore` implements it on SQLite and
//! PostgreSQL; the core never sees a database type.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use super::io::{Action, UserRef};

pub type StoreResult<T> = Result<T, StoreError>;

/// What a member chose to share. Every field is optional: nothing is assumed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub society: String,
    pub user_id: String,
    pub name: String,
    pub timezone: Option<String>,
    pub stage: Option<String>,
    pub specialty: Option<String>,
    pub hospital: Option<String>,
    pub img: Option<bool>,
    /// How colleagues' shout-outs about them are handled: `ask` (None), `auto` or `never`.
    pub shoutouts: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Privately to the member who asked.
    Me,
    /// Posted in the room where it was asked.
    Here,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Me => "me",
            Delivery::Here => "here",
        }
    }

    pub fn parse(text: &str) -> Delivery {
        if text == "here" {
            Delivery::Here
        } else {
            Delivery::Me
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReminder {
    pub platform: String,
    pub society: String,
    pub owner: UserRef,
    pub delivery: Delivery,
    pub room: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub zone: String,
    pub rule: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub id: i64,
    pub platform: String,
    pub society: String,
    pub owner: UserRef,
    pub delivery: Delivery,
    pub room: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// The next time it fires (or last fired, once done).
    pub due_at: DateTime<Utc>,
    pub zone: String,
    pub rule: Option<String>,
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Reminder,
    /// A pairing programme's next round; the subject is the programme.
    CoffeeRound,
    /// The did-you-meet question after a round; the subject is the round.
    CoffeeCheckin,
    /// Reminders before an event, one offset after another; the subject is the event.
    EventReminders,
    /// The next date of a series, made when the current one begins; the subject is the series.
    EventSeries,
    /// A daily re-sync of an imported calendar; the subject is the import.
    EventImport,
    /// The periodic list of posted shout-outs; the subject is the society's digest.
    ShoutoutDigest,
    /// A suggestion to reconnect, months after a coffee meeting; the subject is the group.
    StayInTouch,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Reminder => "reminder",
            JobKind::CoffeeRound => "coffee_round",
            JobKind::CoffeeCheckin => "coffee_checkin",
            JobKind::EventReminders => "event_reminders",
            JobKind::EventSeries => "event_series",
            JobKind::EventImport => "event_import",
            JobKind::ShoutoutDigest => "shoutout_digest",
            JobKind::StayInTouch => "stay_in_touch",
        }
    }

    pub fn parse(text: &str) -> Option<JobKind> {
        match text {
            "reminder" => Some(JobKind::Reminder),
            "coffee_round" => Some(JobKind::CoffeeRound),
            "coffee_checkin" => Some(JobKind::CoffeeCheckin),
            "event_reminders" => Some(JobKind::EventReminders),
            "event_series" => Some(JobKind::EventSeries),
            "event_import" => Some(JobKind::EventImport),
            "shoutout_digest" => Some(JobKind::ShoutoutDigest),
            "stay_in_touch" => Some(JobKind::StayInTouch),
            _ => None,
        }
    }
}

/// A pairing programme: who is paired how often, and where it was set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Programme {
    pub id: i64,
    pub society: String,
    /// Empty for the society-wide programme.
    pub group: String,
    pub platform: String,
    /// Where it was set up; round summaries are posted there.
    pub room: String,
    pub size: i64,
    pub mode: String,
    pub checkin: chrono::Duration,
    /// The schedule, as `when::Rule::to_text`, computed in `zone`.
    pub rule: String,
    pub zone: String,
    /// The next scheduled round.
    pub next_round: DateTime<Utc>,
}

/// A programme's membership row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoffeeMember {
    pub programme: i64,
    pub user: UserRef,
    /// When they last joined or came back; unanswered check-ins before it no longer count.
    pub joined_at: DateTime<Utc>,
    pub paused_until: Option<DateTime<Utc>>,
    /// Paused by Rounds after unanswered check-ins, until they come back.
    pub auto_paused: bool,
    /// Left out of rounds scheduled up to this time (`!coffee skip`).
    pub skip_until: Option<DateTime<Utc>>,
}

impl CoffeeMember {
    /// A member joining (or coming back) now: active, nothing skipped.
    pub fn joining(programme: i64, user: UserRef, now: DateTime<Utc>) -> CoffeeMember {
        CoffeeMember {
            programme,
            user,
            joined_at: now,
            paused_until: None,
            auto_paused: false,
            skip_until: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MentorOffer {
    Mentor { capacity: i64 },
    Mentee { wants_specialty: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MentorRole {
    pub society: String,
    pub user: UserRef,
    pub offer: MentorOffer,
}

/// A round about to be recorded: its groups, and when to ask whether they met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRound {
    pub programme: i64,
    pub platform: String,
    pub society: String,
    pub zone: String,
    pub scheduled_for: DateTime<Utc>,
    pub ran_at: DateTime<Utc>,
    pub checkin_at: DateTime<Utc>,
    pub groups: Vec<Vec<UserRef>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    pub user: UserRef,
    /// `met`, `planned` or `no`; None while unanswered.
    pub answer: Option<String>,
}

/// One group of one round, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoffeeGroup {
    pub id: i64,
    pub programme: i64,
    pub round: i64,
    /// 1 for the programme's first round.
    pub number: i64,
    pub ran_at: DateTime<Utc>,
    pub checkin_at: DateTime<Utc>,
    pub members: Vec<GroupMember>,
}

impl CoffeeGroup {
    /// The other members' names as one of them reads them: "ana and ben".
    pub fn others_of(&self, user_id: &str) -> String {
        self.members
            .iter()
            .filter(|m| m.user.id != user_id)
            .map(|m| m.user.name.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// An event as stored. Times are UTC; `zone` is the organiser's, for showing the series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Where it was created; answers about it go there.
    pub room: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub duration: chrono::Duration,
    pub zone: String,
    pub place: Option<String>,
    /// None: no limit.
    pub capacity: Option<i64>,
    pub kind: String,
    pub cpd_minutes: Option<i64>,
    /// Empty for the whole society.
    pub group: String,
    pub cancelled: bool,
    /// The series this is one date of.
    pub series: Option<i64>,
    /// How many times it was edited (the iCalendar SEQUENCE).
    pub sequence: i64,
    /// The import it came from, and its UID in that feed.
    pub import: Option<i64>,
    pub source_uid: Option<String>,
}

/// A repeating event: `template` holds what each date copies (its id and start are unused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub id: i64,
    /// As `when::Rule::to_text`, computed in `template.zone`.
    pub rule: String,
    pub first_at: DateTime<Utc>,
    pub template: Event,
    pub cancelled: bool,
}

/// A calendar imported from a URL and re-synced daily.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventImport {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Where it was asked for; the first sync's summary goes there.
    pub room: String,
    pub url: String,
    pub synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// A member's news. `status`: `pending` (waiting for the member it is about), `posted` or
/// `declined`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shoutout {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Where it was asked for; the celebrations room falls back to it.
    pub room: String,
    pub author: UserRef,
    pub subject: UserRef,
    pub kind: String,
    pub text: String,
    /// The looked-up publication line (`“Title”, Journal (2024)`), for a DOI.
    pub publication: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub posted_at: Option<DateTime<Utc>>,
}

/// Where a society's shout-out digest goes on one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Used where the platform has no celebrations room configured.
    pub room: String,
}

/// A job to add, for features whose job belongs to no other row's transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub kind: JobKind,
    pub subject: i64,
    pub platform: String,
    pub society: String,
    pub due_at: DateTime<Utc>,
    pub zone: String,
    pub rule: Option<String>,
}

/// A member's answer to an event: `going`, `waitlist`, `maybe` or `no`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rsvp {
    pub user: UserRef,
    pub answer: String,
    pub answered_at: DateTime<Utc>,
}

/// What an RSVP changed: the member's own place, and who moved up from the waitlist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsvpOutcome {
    /// `going`, `waitlist`, `maybe` or `no`.
    pub answer: String,
    /// 1-based place on the waitlist, when waitlisted.
    pub waitlist_place: Option<i64>,
    pub promoted: Vec<UserRef>,
}

/// A scheduled piece of work: the queue is this table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    /// The row the job is about (a reminder's id, later an event's).
    pub subject: i64,
    pub platform: String,
    pub society: String,
    pub due_at: DateTime<Utc>,
    /// The IANA zone the due time was computed in; recurrences are recomputed in it.
    pub zone: String,
    pub rule: Option<String>,
}

/// An action to send, with the key that makes sending it twice harmless.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub key: String,
    pub platform: String,
    pub society: String,
    /// The member the action concerns, so erasure can remove what is still queued for them.
    pub member: Option<String>,
    pub action: Action,
}

/// A job that has fired: what to queue, and when it is due next (None: finished).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiredJob {
    pub job: Job,
    pub outbox: Vec<OutboxItem>,
    pub next_due: Option<DateTime<Utc>>,
}

/// An outbox row claimed for sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSend {
    pub id: i64,
    pub key: String,
    pub platform: String,
    pub society: String,
    pub action: Action,
    pub attempts: i64,
}

/// What `!forget me` removed, so the member can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    pub profile: bool,
    pub reminders: u64,
    pub other_rows: u64,
}

/// Row counts, for "nothing was stored" checks and `!profile`'s summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub profiles: i64,
    pub reminders: i64,
    pub jobs: i64,
    pub outbox: i64,
    pub confirmations: i64,
    pub admin_log: i64,
    /// Pairing programmes, their members, mentor offers and rounds together.
    pub pairing: i64,
    /// Events and RSVPs together.
    pub events: i64,
    /// Shout-outs, digests and welcome dialogues together.
    pub community: i64,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// Records an inbound event key; false if it was seen before (a redelivery to ignore).
    async fn first_sight(&self, key: &str, now: DateTime<Utc>) -> StoreResult<bool>;

    async fn profile(&self, society: &str, user_id: &str) -> StoreResult<Option<Profile>>;
    async fn save_profile(&self, profile: &Profile, now: DateTime<Utc>) -> StoreResult<()>;

    /// Stores the reminder and its job together.
    async fn create_reminder(&self, reminder: &NewReminder) -> StoreResult<Reminder>;
    async fn reminder(&self, id: i64) -> StoreResult<Option<Reminder>>;
    /// The member's reminders that will still fire, soonest first.
    async fn active_reminders(&self, society: &str, user_id: &str) -> StoreResult<Vec<Reminder>>;
    async fn cancel_reminder(&self, id: i64) -> StoreResult<bool>;
    /// Sets the next firing time and makes the reminder active again.
    async fn reschedule_reminder(&self, id: i64, due_at: DateTime<Utc>) -> StoreResult<bool>;

    /// Remembers that a member was asked to confirm something until `expires_at`.
    async fn ask_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// True (and forgets the question) if it was asked and has not expired.
    async fn take_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Removes every row about the member in this society.
    async fn erase_member(&self, society: &str, user_id: &str) -> StoreResult<Erasure>;

    /// Atomically leases up to `limit` due jobs to `owner` until `lease_until`. A job leased by
    /// another live owner is never returned, so two schedulers never fire the same job.
    async fn claim_due_jobs(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Job>>;
    /// In one transaction, for each fired job: queue its actions and move it on to its next
    /// due time (or finish it). A job whose lease `owner` no longer holds is skipped with
    /// nothing written for it; the result says, per job, whether it was finished.
    async fn finish_jobs(
        &self,
        fired: &[FiredJob],
        owner: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<bool>>;

    /// `finish_jobs` for one job.
    async fn finish_job(
        &self,
        job: &Job,
        owner: &str,
        outbox: &[OutboxItem],
        next_due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let fired = FiredJob {
            job: job.clone(),
            outbox: outbox.to_vec(),
            next_due,
        };
        Ok(self
            .finish_jobs(std::slice::from_ref(&fired), owner, now)
            .await?
            .first()
            .copied()
            .unwrap_or(false))
    }
    /// The earliest pending job's due time.
    async fn next_due_at(&self) -> StoreResult<Option<DateTime<Utc>>>;

    /// Queues actions; an item whose key is already queued is ignored.
    async fn enqueue(&self, items: &[OutboxItem], now: DateTime<Utc>) -> StoreResult<()>;
    /// Leases outbox rows for one platform that are ready to be sent.
    async fn claim_outbox(
        &self,
        platform: &str,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<PendingSend>>;
    async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()>;
    async fn mark_retry(
        &self,
        id: i64,
        attempts: i64,
        next_try_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()>;
    async fn mark_failed(&self, id: i64, attempts: i64, error: &str) -> StoreResult<()>;

    async fn admin_log(
        &self,
        society: &str,
        member: Option<&str>,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The society's newest committee-log entries, newest first.
    async fn admin_log_entries(
        &self,
        society: &str,
        limit: i64,
    ) -> StoreResult<Vec<(DateTime<Utc>, String)>>;

    async fn counts(&self) -> StoreResult<Counts>;

    /// Stores the event and its reminder job (first due at `first_reminder`, if any).
    async fn create_event(
        &self,
        event: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Event>;
    async fn event(&self, id: i64) -> StoreResult<Option<Event>>;
    /// The society's events not cancelled that end after `now`, soonest first.
    async fn upcoming_events(&self, society: &str, now: DateTime<Utc>) -> StoreResult<Vec<Event>>;
    /// Marks it cancelled and stops its reminders; false if it already was.
    async fn cancel_event(&self, id: i64) -> StoreResult<bool>;
    /// Records an answer in one transaction: `going` beyond the capacity joins the waitlist;
    /// a place given up goes to the first on the waitlist. Concurrent answers never promote
    /// one member twice or fill a place twice.
    async fn rsvp(
        &self,
        event: i64,
        user: &UserRef,
        answer: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<RsvpOutcome>;
    /// Every answer, in answer order.
    async fn rsvps(&self, event: i64) -> StoreResult<Vec<Rsvp>>;
    async fn set_checkin_code(&self, event: i64, code: &str) -> StoreResult<()>;
    async fn checkin_code(&self, event: i64) -> StoreResult<Option<String>>;
    /// Records that the member attended; false if they had already checked in.
    async fn record_attendance(
        &self,
        event: i64,
        user: &UserRef,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Who checked in, in order.
    async fn attendance(&self, event: i64) -> StoreResult<Vec<(UserRef, DateTime<Utc>)>>;
    /// The events the member checked in to in this society, oldest first.
    async fn attended(&self, society: &str, user_id: &str) -> StoreResult<Vec<Event>>;

    /// Changes an event's details (its SEQUENCE goes up), moves its reminders to
    /// `first_reminder`, and fills any places a larger capacity opened from the waitlist, in
    /// order. Returns who was promoted.
    async fn update_event(
        &self,
        event: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &str,
    ) -> StoreResult<Vec<UserRef>>;
    /// Stores a series, its job (due when `first` begins) and its first date, in one transaction.
    async fn create_series(
        &self,
        series: &Series,
        first: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Series, Event)>;
    async fn series(&self, id: i64) -> StoreResult<Option<Series>>;
    /// Every series of the society, cancelled ones too (a feed shows them as cancelled).
    async fn society_series(&self, society: &str) -> StoreResult<Vec<Series>>;
    async fn update_series(&self, series: &Series) -> StoreResult<()>;
    /// Ends a series: no more dates are made. False if it already was.
    async fn cancel_series(&self, id: i64) -> StoreResult<bool>;
    /// Marks one date of a series as not happening; false if it already was.
    async fn skip_date(&self, series: i64, starts_at: DateTime<Utc>) -> StoreResult<bool>;
    async fn skipped_dates(&self, series: i64) -> StoreResult<Vec<DateTime<Utc>>>;
    /// The date of a series starting at `starts_at`, if it was made.
    async fn occurrence(&self, series: i64, starts_at: DateTime<Utc>)
    -> StoreResult<Option<Event>>;
    /// Events for a calendar feed: one-off ones (not dates of a series) ending after `since`.
    async fn feed_events(&self, society: &str, since: DateTime<Utc>) -> StoreResult<Vec<Event>>;
    /// The society's feed token, stored as `candidate` if it had none.
    async fn feed_token(
        &self,
        society: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<String>;
    /// Replaces the token: the old feed URL stops working.
    async fn reset_feed_token(
        &self,
        society: &str,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The society's token if it has one (the HTTP server checks requests against it).
    async fn stored_feed_token(&self, society: &str) -> StoreResult<Option<String>>;
    /// Stores an import and its job (due now); if the society already imports that URL,
    /// returns the existing one and `false`.
    async fn save_import(
        &self,
        import: &EventImport,
        now: DateTime<Utc>,
    ) -> StoreResult<(EventImport, bool)>;
    async fn import(&self, id: i64) -> StoreResult<Option<EventImport>>;
    async fn imports(&self, society: &str) -> StoreResult<Vec<EventImport>>;
    /// Stops an import (its job ends); its events stay.
    async fn remove_import(&self, id: i64) -> StoreResult<()>;
    async fn mark_import(
        &self,
        id: i64,
        synced_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> StoreResult<()>;
    /// The event an import made for a feed UID.
    async fn event_by_source(&self, society: &str, uid: &str) -> StoreResult<Option<Event>>;
    /// The import's events not cancelled that start after `after`.
    async fn imported_events(&self, import: i64, after: DateTime<Utc>) -> StoreResult<Vec<Event>>;

    /// Adds a job unless one of that kind and subject exists; true if it was added.
    async fn add_job(&self, job: &NewJob) -> StoreResult<bool>;

    /// Stores a shout-out (its `id` is ignored) and returns it with its id.
    async fn create_shoutout(&self, shoutout: &Shoutout) -> StoreResult<Shoutout>;
    async fn shoutout(&self, id: i64) -> StoreResult<Option<Shoutout>>;
    /// Moves a pending shout-out to `posted` (stamped `now`) or `declined`; false if it was
    /// no longer pending, so a double click posts once.
    async fn decide_shoutout(&self, id: i64, status: &str, now: DateTime<Utc>)
    -> StoreResult<bool>;
    /// Shout-outs posted in the society on the platform in `[since, until)`, oldest first.
    async fn posted_shoutouts(
        &self,
        society: &str,
        platform: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<Shoutout>>;
    /// Shout-outs about the member still waiting for their answer, oldest first.
    async fn pending_shoutouts(&self, society: &str, subject: &str) -> StoreResult<Vec<Shoutout>>;
    /// The society's digest on the platform, created with its job (`job`, whose subject is
    /// filled in) if it had none.
    async fn ensure_digest(&self, digest: &Digest, job: &NewJob) -> StoreResult<Digest>;
    async fn digest(&self, id: i64) -> StoreResult<Option<Digest>>;

    /// Records that the member was welcomed, on question `step`; false (and nothing changes)
    /// if they were welcomed before.
    async fn start_onboarding(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The welcome question the member is on: None if never welcomed, Some(None) once finished.
    async fn onboarding_step(
        &self,
        society: &str,
        user_id: &str,
    ) -> StoreResult<Option<Option<String>>>;
    /// Moves the member to another question (None: finished), welcoming them if needed.
    async fn set_onboarding_step(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Every profile in the society (a pairing round reads them all at once).
    async fn profiles(&self, society: &str) -> StoreResult<Vec<Profile>>;

    /// Creates or changes the society's (or group's) programme and schedules its next round.
    async fn save_programme(
        &self,
        programme: &Programme,
        now: DateTime<Utc>,
    ) -> StoreResult<Programme>;
    async fn programme(&self, id: i64) -> StoreResult<Option<Programme>>;
    async fn programmes(&self, society: &str) -> StoreResult<Vec<Programme>>;

    /// Inserts or replaces a membership row.
    async fn save_coffee_member(&self, member: &CoffeeMember) -> StoreResult<()>;
    async fn remove_coffee_member(&self, programme: i64, user_id: &str) -> StoreResult<bool>;
    async fn coffee_members(&self, programme: i64) -> StoreResult<Vec<CoffeeMember>>;
    async fn coffee_member(
        &self,
        programme: i64,
        user_id: &str,
    ) -> StoreResult<Option<CoffeeMember>>;

    async fn save_mentor_role(&self, role: &MentorRole, now: DateTime<Utc>) -> StoreResult<()>;
    async fn remove_mentor_role(&self, society: &str, user_id: &str) -> StoreResult<bool>;
    async fn mentor_roles(&self, society: &str) -> StoreResult<Vec<MentorRole>>;
    async fn mentor_role(&self, society: &str, user_id: &str) -> StoreResult<Option<MentorRole>>;

    /// Records a round, its groups and its check-in job in one transaction. If the programme
    /// already has a round for `scheduled_for` (the job fired twice), nothing is written and
    /// that round's groups are returned instead.
    async fn record_round(&self, round: &NewRound) -> StoreResult<Vec<CoffeeGroup>>;
    /// Every group of a programme, newest round first.
    async fn coffee_groups(&self, programme: i64) -> StoreResult<Vec<CoffeeGroup>>;
    async fn coffee_round_groups(&self, round: i64) -> StoreResult<Vec<CoffeeGroup>>;
    async fn coffee_group(&self, id: i64) -> StoreResult<Option<CoffeeGroup>>;
    /// Records a group member's check-in answer; false if they are not in that group.
    async fn answer_checkin(
        &self,
        group: i64,
        user_id: &str,
        answer: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Adapter memory: what a platform needs to translate later events back (which reaction
    /// on which message means which choice, which room an introduction created). Pruned
    /// with everything else after 30 days.
    async fn remember(
        &self,
        platform: &str,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn recall(&self, platform: &str, key: &str) -> StoreResult<Option<String>>;

    /// Deletes what no feature needs any more: finished reminders and their jobs, delivered
    /// or abandoned outbox rows and seen-event keys older than `before`, expired questions.
    /// Returns how many rows went.
    async fn prune(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64>;
}
