//! Reminders, read together with their job's schedule.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::jobs::{add_job, stop_job};
use super::pool::SqlStore;
use super::rows::{Stored, db, from_ts, ts};
use crate::core::io::UserRef;
use crate::core::store::{
    Delivery, JobKind, JobRule, NewJob, NewReminder, Reminder, ReminderStore, StoreResult,
};

/// A reminder with its job's schedule. A macro, not a const, so `concat!` can build `&'static str`
/// queries from it (sqlx takes no other query text without an assertion).
macro_rules! reminder_select {
    () => {
        "SELECT r.id, r.platform, r.society, r.owner_id, r.owner_name, r.delivery, r.room, r.text, r.created_at, j.id AS job_id, j.due_at, j.zone, j.rule, j.state \
         FROM reminders r JOIN jobs j ON j.kind = 'reminder' AND j.subject = r.id"
    };
}

const REMINDER_BY_ID: &str = concat!(reminder_select!(), " WHERE r.id = $1");
const ACTIVE_REMINDERS: &str = concat!(
    reminder_select!(),
    " WHERE r.society = $1 AND r.owner_id = $2 AND j.state = 'pending' ORDER BY j.due_at, r.id"
);

#[derive(sqlx::FromRow)]
struct ReminderRow {
    id: i64,
    platform: String,
    society: String,
    owner_id: String,
    owner_name: String,
    delivery: String,
    room: String,
    text: String,
    created_at: i64,
    job_id: i64,
    due_at: i64,
    zone: String,
    rule: Option<String>,
    state: String,
}

impl TryFrom<ReminderRow> for Reminder {
    type Error = crate::core::error::StoreError;

    fn try_from(r: ReminderRow) -> StoreResult<Self> {
        let delivery = Stored {
            table: "reminders",
            id: &r.id,
        }
        .read("delivery", &r.delivery, Delivery::parse)?;
        // The schedule is the job's.
        let job = Stored {
            table: "jobs",
            id: &r.job_id,
        };
        let zone = job.zone("zone", &r.zone)?;
        let rule = r
            .rule
            .as_deref()
            .map(|text| job.rule("rule", text))
            .transpose()?;
        Ok(Reminder {
            id: r.id,
            platform: r.platform,
            society: r.society,
            owner: UserRef {
                id: r.owner_id,
                name: r.owner_name,
            },
            delivery,
            room: r.room,
            text: r.text,
            created_at: from_ts(r.created_at),
            due_at: from_ts(r.due_at),
            zone,
            rule,
            active: r.state == "pending",
        })
    }
}

#[async_trait]
impl ReminderStore for SqlStore {
    async fn create_reminder(&self, r: &NewReminder) -> StoreResult<Reminder> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO reminders (platform, society, owner_id, owner_name, delivery, room, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&r.platform)
        .bind(&r.society)
        .bind(&r.owner.id)
        .bind(&r.owner.name)
        .bind(r.delivery.as_str())
        .bind(&r.room)
        .bind(&r.text)
        .bind(ts(r.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        add_job(
            &mut *tx,
            &NewJob {
                kind: JobKind::Reminder,
                subject: id,
                platform: r.platform.clone(),
                society: r.society.clone(),
                due_at: r.due_at,
                zone: r.zone,
                rule: r.rule.clone().map(JobRule::Every),
            },
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(Reminder {
            id,
            platform: r.platform.clone(),
            society: r.society.clone(),
            owner: r.owner.clone(),
            delivery: r.delivery,
            room: r.room.clone(),
            text: r.text.clone(),
            created_at: r.created_at,
            due_at: r.due_at,
            zone: r.zone,
            rule: r.rule.clone(),
            active: true,
        })
    }

    async fn reminder(&self, id: i64) -> StoreResult<Option<Reminder>> {
        let row: Option<ReminderRow> = sqlx::query_as(REMINDER_BY_ID)
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        row.map(Reminder::try_from).transpose()
    }

    async fn active_reminders(&self, society: &str, user_id: &str) -> StoreResult<Vec<Reminder>> {
        let rows: Vec<ReminderRow> = sqlx::query_as(ACTIVE_REMINDERS)
            .bind(society)
            .bind(user_id)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.into_iter().map(Reminder::try_from).collect()
    }

    async fn count_active_room_reminders(&self, platform: &str, room: &str) -> StoreResult<usize> {
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) FROM reminders r JOIN jobs j ON j.kind = 'reminder' AND j.subject = r.id \
             WHERE r.platform = $1 AND r.room = $2 AND r.delivery = 'here' AND j.state = 'pending'",
        )
        .bind(platform)
        .bind(room)
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    async fn cancel_reminder(&self, id: i64) -> StoreResult<bool> {
        stop_job(&mut *self.conn().await?, JobKind::Reminder, id).await
    }

    async fn reschedule_reminder(&self, id: i64, due_at: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'pending', due_at = $1, lease_owner = NULL, lease_until = NULL WHERE kind = 'reminder' AND subject = $2 AND state <> 'cancelled'",
        )
        .bind(ts(due_at))
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_reminder_subject(
        &self,
        reminder: i64,
        society: &str,
        member_id: &str,
        anonymised_text: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO reminder_subjects (reminder, society, member_id, anonymised_text) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (reminder, member_id) DO UPDATE SET anonymised_text = $4",
        )
        .bind(reminder)
        .bind(society)
        .bind(member_id)
        .bind(anonymised_text)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }
}

/// Run by `erase_member` (society `$1`, member `$2`) after the member's own reminders are gone:
/// others' reminders that name the member take their anonymised text, and the notes of whom
/// reminders name go for the member and for reminders that no longer exist.
pub(super) const ERASE_MEMBER: &[&str] = &[
    "UPDATE reminders SET text = (SELECT s.anonymised_text FROM reminder_subjects s \
     WHERE s.reminder = reminders.id AND s.society = $1 AND s.member_id = $2) \
     WHERE id IN (SELECT reminder FROM reminder_subjects WHERE society = $1 AND member_id = $2)",
    "DELETE FROM reminder_subjects WHERE society = $1 AND (member_id = $2 OR reminder NOT IN (SELECT id FROM reminders))",
];
