//! Rows as the database returns them, and their conversion into core records.

use chrono::{DateTime, Utc};

use crate::core::io::UserRef;
use crate::core::store::{Delivery, Job, JobKind, Profile, Reminder};

pub fn ts(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

pub fn from_ts(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[derive(sqlx::FromRow)]
pub struct ProfileRow {
    society: String,
    user_id: String,
    name: String,
    timezone: Option<String>,
    stage: Option<String>,
    specialty: Option<String>,
    hospital: Option<String>,
    img: Option<i64>,
    shoutouts: Option<String>,
}

impl From<ProfileRow> for Profile {
    fn from(r: ProfileRow) -> Self {
        Profile {
            society: r.society,
            user_id: r.user_id,
            name: r.name,
            timezone: r.timezone,
            stage: r.stage,
            specialty: r.specialty,
            hospital: r.hospital,
            img: r.img.map(|v| v != 0),
            shoutouts: r.shoutouts,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ReminderRow {
    id: i64,
    platform: String,
    society: String,
    owner_id: String,
    owner_name: String,
    delivery: String,
    room: String,
    text: String,
    created_at: i64,
    due_at: i64,
    zone: String,
    rule: Option<String>,
    state: String,
}

impl From<ReminderRow> for Reminder {
    fn from(r: ReminderRow) -> Self {
        Reminder {
            id: r.id,
            platform: r.platform,
            society: r.society,
            owner: UserRef {
                id: r.owner_id,
                name: r.owner_name,
            },
            delivery: Delivery::parse(&r.delivery),
            room: r.room,
            text: r.text,
            created_at: from_ts(r.created_at),
            due_at: from_ts(r.due_at),
            zone: r.zone,
            rule: r.rule,
            active: r.state == "pending",
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct JobRow {
    id: i64,
    kind: String,
    subject: i64,
    platform: String,
    society: String,
    due_at: i64,
    zone: String,
    rule: Option<String>,
}

impl JobRow {
    /// None for a kind this build does not know (a newer version wrote it); it stays leased
    /// until the lease runs out and is left for a process that knows it.
    pub fn into_job(self) -> Option<Job> {
        let Some(kind) = JobKind::parse(&self.kind) else {
            tracing::warn!(id = self.id, kind = %self.kind, "unknown job kind");
            return None;
        };
        Some(Job {
            id: self.id,
            kind,
            subject: self.subject,
            platform: self.platform,
            society: self.society,
            due_at: from_ts(self.due_at),
            zone: self.zone,
            rule: self.rule,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub key: String,
    pub platform: String,
    pub society: String,
    pub action: String,
    pub attempts: i64,
}
