//! Coffee pairing: programmes, their members, mentor offers, and recorded rounds with
//! their check-in answers.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::result::StoreResult;
use crate::core::io::UserRef;
use crate::core::pairing::Mode;
use crate::core::when::Rule;

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
    pub mode: Mode,
    pub checkin: chrono::Duration,
    /// The schedule, computed in `zone`.
    pub rule: Rule,
    pub zone: Tz,
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
    /// Whether the round at `scheduled_for` includes them: not paused past it, not skipping it.
    pub fn takes_part_in(&self, scheduled_for: DateTime<Utc>) -> bool {
        self.paused_until.is_none_or(|until| until <= scheduled_for)
            && self.skip_until.is_none_or(|skip| skip < scheduled_for)
    }

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
    pub zone: Tz,
    pub scheduled_for: DateTime<Utc>,
    pub ran_at: DateTime<Utc>,
    pub checkin_at: DateTime<Utc>,
    pub groups: Vec<Vec<UserRef>>,
}

/// A group member's answer to the did-you-meet check-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckinAnswer {
    Met,
    Planned,
    No,
}

impl CheckinAnswer {
    pub const ALL: [CheckinAnswer; 3] = [
        CheckinAnswer::Met,
        CheckinAnswer::Planned,
        CheckinAnswer::No,
    ];

    /// As stored, and as the check-in's choices name it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckinAnswer::Met => "met",
            CheckinAnswer::Planned => "planned",
            CheckinAnswer::No => "no",
        }
    }

    /// The inverse of [`CheckinAnswer::as_str`], exactly.
    pub fn parse(text: &str) -> Option<CheckinAnswer> {
        CheckinAnswer::ALL
            .into_iter()
            .find(|answer| answer.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    pub user: UserRef,
    /// None while unanswered.
    pub answer: Option<CheckinAnswer>,
}

/// One group of one round, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoffeeGroup {
    pub id: i64,
    pub programme: i64,
    pub round: i64,
    /// 1 for the programme's first round.
    pub number: i64,
    /// The round's time: its schedule's occurrence, or the minute a committee member ran it.
    pub scheduled_for: DateTime<Utc>,
    pub ran_at: DateTime<Utc>,
    pub checkin_at: DateTime<Utc>,
    pub members: Vec<GroupMember>,
}

/// How Rounds names someone who erased their data, in what others still hold.
pub const FORMER_MEMBER: &str = "a former member";

impl CoffeeGroup {
    /// The other members' names as one of them reads them: "ana and ben".
    /// When every other member erased their data, they are "a former member", not a blank.
    pub fn others_of(&self, user_id: &str) -> String {
        let others: Vec<&str> = self
            .members
            .iter()
            .filter(|m| m.user.id != user_id)
            .map(|m| m.user.name.as_str())
            .collect();
        if others.is_empty() {
            return FORMER_MEMBER.to_string();
        }
        others.join(" and ")
    }
}

/// Pairing programmes and the rounds they ran.
#[async_trait]
pub trait CoffeeStore: Send + Sync {
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
        answer: CheckinAnswer,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
