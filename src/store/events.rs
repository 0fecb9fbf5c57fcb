//! Events and RSVPs, with the waitlist kept in order inside one transaction per answer.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::jobs::{reschedule_job, stop_job};
use super::pool::SqlStore;
use super::rows::{Key, Stored, db, from_ts, ts};
use crate::core::command::RsvpAnswer;
use crate::core::io::UserRef;
use crate::core::store::{
    Event, EventStore, JobKind, JobRule, NewJob, Rsvp, RsvpOutcome, RsvpState, StoreResult,
};

macro_rules! event_select {
    () => {
        "SELECT id, society, platform, room, title, starts_at, duration_secs, zone, place, capacity, kind, cpd_minutes, grp, cancelled, series, sequence, COALESCE(modified_at, created_at) AS modified_at, import, source_uid FROM events"
    };
}
pub(super) use event_select;

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    society: String,
    platform: String,
    room: String,
    title: String,
    starts_at: i64,
    duration_secs: i64,
    zone: String,
    place: Option<String>,
    capacity: Option<i64>,
    kind: String,
    cpd_minutes: Option<i64>,
    grp: String,
    cancelled: i64,
    series: Option<i64>,
    sequence: i64,
    modified_at: i64,
    import: Option<i64>,
    source_uid: Option<String>,
}

impl TryFrom<EventRow> for Event {
    type Error = crate::core::error::StoreError;

    fn try_from(r: EventRow) -> StoreResult<Self> {
        let zone = Stored {
            table: "events",
            id: &r.id,
        }
        .zone("zone", &r.zone)?;
        Ok(Event {
            id: r.id,
            society: r.society,
            platform: r.platform,
            room: r.room,
            title: r.title,
            starts_at: from_ts(r.starts_at),
            duration: Duration::seconds(r.duration_secs),
            zone,
            place: r.place,
            capacity: r.capacity,
            kind: r.kind,
            cpd_minutes: r.cpd_minutes,
            group: r.grp,
            cancelled: r.cancelled != 0,
            series: r.series,
            sequence: r.sequence,
            modified_at: from_ts(r.modified_at),
            import: r.import,
            source_uid: r.source_uid,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RsvpRow {
    user_id: String,
    name: String,
    answer: String,
    answered_at: i64,
}

/// A stored answer; `event` and `user_id` name the row for errors.
fn rsvp_state(event: i64, user_id: &str, answer: &str) -> StoreResult<RsvpState> {
    Stored {
        table: "rsvps",
        id: &Key(&[&event, &user_id]),
    }
    .read("answer", answer, RsvpState::parse)
}

impl SqlStore {
    /// The events of `society` that `sql` (binding the society as $1 and the member as $2)
    /// selects for one member.
    async fn member_events(
        &self,
        sql: &'static str,
        society: &str,
        user_id: &str,
    ) -> StoreResult<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(sql)
            .bind(society)
            .bind(user_id)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.into_iter().map(Event::try_from).collect()
    }
}

#[async_trait]
impl EventStore for SqlStore {
    async fn create_event(
        &self,
        e: &Event,
        first_reminder: Option<DateTime<Utc>>,
        offsets: &[Duration],
        now: DateTime<Utc>,
    ) -> StoreResult<Event> {
        let mut tx = self.begin().await?;
        let event = insert_event(&mut tx, e, first_reminder, offsets, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(event)
    }

    async fn event(&self, id: i64) -> StoreResult<Option<Event>> {
        let row: Option<EventRow> = sqlx::query_as(concat!(event_select!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        row.map(Event::try_from).transpose()
    }

    async fn upcoming_events(&self, society: &str, now: DateTime<Utc>) -> StoreResult<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(concat!(
            event_select!(),
            " WHERE society = $1 AND cancelled = 0 AND starts_at + duration_secs > $2 ORDER BY starts_at, id"
        ))
        .bind(society)
        .bind(ts(now))
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter().map(Event::try_from).collect()
    }

    async fn cancel_event(&self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE events SET cancelled = 1, sequence = sequence + 1, modified_at = $2 WHERE id = $1 AND cancelled = 0",
        )
        .bind(id)
        .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        stop_job(&mut *tx, JobKind::EventReminders, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(done == 1)
    }

    async fn update_event(
        &self,
        e: &Event,
        first_reminder: Option<DateTime<Utc>>,
        offsets: &[Duration],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<UserRef>> {
        let mut tx = self.begin().await?;
        // Locked like an answer, so a place opened by a larger capacity goes to one member.
        sqlx::query(self.claim_sql(
            "SELECT id FROM events WHERE id = $1",
            "SELECT id FROM events WHERE id = $1 FOR UPDATE",
        ))
        .bind(e.id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE events SET title = $1, starts_at = $2, duration_secs = $3, place = $4, capacity = $5, kind = $6, \
             cpd_minutes = $7, sequence = sequence + 1, modified_at = $9 WHERE id = $8",
        )
        .bind(&e.title)
        .bind(ts(e.starts_at))
        .bind(e.duration.num_seconds())
        .bind(&e.place)
        .bind(e.capacity)
        .bind(&e.kind)
        .bind(e.cpd_minutes)
        .bind(e.id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        schedule_reminders(&mut tx, e.id, e, first_reminder, offsets).await?;
        let promoted = promote(&mut tx, e.id, e.capacity).await?;
        tx.commit().await.map_err(db)?;
        Ok(promoted)
    }

    async fn rsvp(
        &self,
        event: i64,
        user: &UserRef,
        answer: RsvpAnswer,
        now: DateTime<Utc>,
    ) -> StoreResult<RsvpOutcome> {
        let mut tx = self.begin().await?;
        // On PostgreSQL the event row is locked, so answers to one event queue up behind each
        // other; SQLite has one writer at a time anyway.
        let capacity: Option<i64> = sqlx::query(self.claim_sql(
            "SELECT capacity FROM events WHERE id = $1",
            "SELECT capacity FROM events WHERE id = $1 FOR UPDATE",
        ))
        .bind(event)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        let previous: Option<String> =
            sqlx::query("SELECT answer FROM rsvps WHERE event = $1 AND user_id = $2")
                .bind(event)
                .bind(&user.id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(db)?;
        let previous = previous
            .map(|text| rsvp_state(event, &user.id, &text))
            .transpose()?;
        let new = match (answer, previous) {
            // Saying "going" again keeps one's place (and place in the queue).
            (RsvpAnswer::Going, Some(kept @ (RsvpState::Going | RsvpState::Waitlist))) => kept,
            (RsvpAnswer::Going, _) => {
                let taken = going(&mut tx, event).await?;
                if capacity.is_none_or(|c| taken < c) {
                    RsvpState::Going
                } else {
                    RsvpState::Waitlist
                }
            }
            (other, _) => RsvpState::from(other),
        };
        if previous != Some(new) {
            sqlx::query(
                "INSERT INTO rsvps (event, user_id, name, answer, answered_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (event, user_id) DO UPDATE SET name = $3, answer = $4, answered_at = $5",
            )
            .bind(event)
            .bind(&user.id)
            .bind(&user.name)
            .bind(new.as_str())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let promoted = promote(&mut tx, event, capacity).await?;
        let waitlist_place = if new == RsvpState::Waitlist {
            let ahead: i64 = sqlx::query(
                "SELECT COUNT(*) FROM rsvps r, rsvps me WHERE r.event = $1 AND me.event = $1 AND me.user_id = $2 \
                 AND r.answer = 'waitlist' AND (r.answered_at < me.answered_at OR (r.answered_at = me.answered_at AND r.user_id < me.user_id))",
            )
            .bind(event)
            .bind(&user.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
            Some(ahead + 1)
        } else {
            None
        };
        tx.commit().await.map_err(db)?;
        Ok(RsvpOutcome {
            answer: new,
            waitlist_place,
            promoted,
        })
    }

    async fn rsvps(&self, event: i64) -> StoreResult<Vec<Rsvp>> {
        let rows: Vec<RsvpRow> = sqlx::query_as(
            "SELECT user_id, name, answer, answered_at FROM rsvps WHERE event = $1 ORDER BY answered_at, user_id",
        )
        .bind(event)
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|r| {
                Ok(Rsvp {
                    answer: rsvp_state(event, &r.user_id, &r.answer)?,
                    user: UserRef {
                        id: r.user_id,
                        name: r.name,
                    },
                    answered_at: from_ts(r.answered_at),
                })
            })
            .collect()
    }

    async fn answered_events(&self, society: &str, user_id: &str) -> StoreResult<Vec<Event>> {
        self.member_events(
            concat!(
                event_select!(),
                " WHERE society = $1 AND id IN (SELECT event FROM rsvps WHERE user_id = $2 AND answer <> 'no') ORDER BY starts_at, id"
            ),
            society,
            user_id,
        )
        .await
    }

    async fn set_checkin_code(&self, event: i64, code: &str) -> StoreResult<()> {
        sqlx::query("UPDATE events SET checkin_code = $1 WHERE id = $2")
            .bind(code)
            .bind(event)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn checkin_code(&self, event: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query("SELECT checkin_code FROM events WHERE id = $1")
            .bind(event)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?
            .map(|row| row.try_get::<Option<String>, _>(0))
            .transpose()
            .map_err(db)?
            .flatten())
    }

    async fn checkin_failures(&self, event: i64, user_id: &str) -> StoreResult<u32> {
        let failures: Option<i64> =
            sqlx::query("SELECT failures FROM checkin_attempts WHERE event = $1 AND user_id = $2")
                .bind(event)
                .bind(user_id)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db)?
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(db)?;
        Ok(failures.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    async fn clear_checkin_failures(&self, event: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM checkin_attempts WHERE event = $1")
            .bind(event)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn record_checkin_failure(&self, event: i64, user_id: &str) -> StoreResult<u32> {
        // One statement, so two wrong codes at once both count.
        let failures: i64 = sqlx::query(
            "INSERT INTO checkin_attempts (event, user_id, failures) VALUES ($1, $2, 1) \
             ON CONFLICT (event, user_id) DO UPDATE SET failures = checkin_attempts.failures + 1 \
             RETURNING failures",
        )
        .bind(event)
        .bind(user_id)
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    async fn record_attendance(
        &self,
        event: i64,
        user: &UserRef,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO attendance (event, user_id, name, checked_in_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event, user_id) DO NOTHING",
        )
        .bind(event)
        .bind(&user.id)
        .bind(&user.name)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn attendance(&self, event: i64) -> StoreResult<Vec<(UserRef, DateTime<Utc>)>> {
        let rows = sqlx::query(
            "SELECT user_id, name, checked_in_at FROM attendance WHERE event = $1 ORDER BY checked_in_at, user_id",
        )
        .bind(event)
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|row| {
                Ok((
                    UserRef {
                        id: row.try_get(0).map_err(db)?,
                        name: row.try_get(1).map_err(db)?,
                    },
                    from_ts(row.try_get(2).map_err(db)?),
                ))
            })
            .collect()
    }

    async fn attended(&self, society: &str, user_id: &str) -> StoreResult<Vec<Event>> {
        self.member_events(
            concat!(
                event_select!(),
                " WHERE society = $1 AND id IN (SELECT event FROM attendance WHERE user_id = $2) ORDER BY starts_at, id"
            ),
            society,
            user_id,
        )
        .await
    }
}

/// Inserts an event and its reminder job inside the caller's transaction.
pub(super) async fn insert_event(
    tx: &mut sqlx::AnyConnection,
    e: &Event,
    first_reminder: Option<DateTime<Utc>>,
    offsets: &[Duration],
    now: DateTime<Utc>,
) -> StoreResult<Event> {
    let id: i64 = sqlx::query(
        "INSERT INTO events (society, platform, room, title, starts_at, duration_secs, zone, place, capacity, kind, cpd_minutes, grp, created_at, series, import, source_uid, modified_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $13) RETURNING id",
    )
    .bind(&e.society)
    .bind(&e.platform)
    .bind(&e.room)
    .bind(&e.title)
    .bind(ts(e.starts_at))
    .bind(e.duration.num_seconds())
    .bind(e.zone.name())
    .bind(&e.place)
    .bind(e.capacity)
    .bind(&e.kind)
    .bind(e.cpd_minutes)
    .bind(&e.group)
    .bind(ts(now))
    .bind(e.series)
    .bind(e.import)
    .bind(&e.source_uid)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?
    .try_get(0)
    .map_err(db)?;
    schedule_reminders(tx, id, e, first_reminder, offsets).await?;
    Ok(Event {
        id,
        sequence: 0,
        modified_at: now,
        ..e.clone()
    })
}

/// Points the event's reminder job (one row per event) at `first_reminder`: a pending or
/// finished job moves there; None stops reminders.
async fn schedule_reminders(
    tx: &mut sqlx::AnyConnection,
    id: i64,
    e: &Event,
    first_reminder: Option<DateTime<Utc>>,
    offsets: &[Duration],
) -> StoreResult<()> {
    match first_reminder {
        Some(due) => {
            reschedule_job(
                &mut *tx,
                &NewJob {
                    kind: JobKind::EventReminders,
                    subject: id,
                    platform: e.platform.clone(),
                    society: e.society.clone(),
                    due_at: due,
                    zone: e.zone,
                    rule: Some(JobRule::Before(offsets.to_vec())),
                },
            )
            .await?;
        }
        None => {
            stop_job(&mut *tx, JobKind::EventReminders, id).await?;
        }
    }
    Ok(())
}

/// Moves the first on the waitlist into free places, in answer order.
async fn promote(
    tx: &mut sqlx::AnyConnection,
    event: i64,
    capacity: Option<i64>,
) -> StoreResult<Vec<UserRef>> {
    let mut promoted = Vec::new();
    let Some(capacity) = capacity else {
        return Ok(promoted);
    };
    let free = capacity - going(tx, event).await?;
    if free <= 0 {
        return Ok(promoted);
    }
    let rows: Vec<RsvpRow> = sqlx::query_as(
        "SELECT user_id, name, answer, answered_at FROM rsvps WHERE event = $1 AND answer = 'waitlist' \
         ORDER BY answered_at, user_id LIMIT $2",
    )
    .bind(event)
    .bind(free)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    for row in rows {
        sqlx::query("UPDATE rsvps SET answer = 'going' WHERE event = $1 AND user_id = $2")
            .bind(event)
            .bind(&row.user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        promoted.push(UserRef {
            id: row.user_id,
            name: row.name,
        });
    }
    Ok(promoted)
}

async fn going(tx: &mut sqlx::AnyConnection, event: i64) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) FROM rsvps WHERE event = $1 AND answer = 'going'")
        .bind(event)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get::<i64, _>(0)
        .map_err(db)
}

/// What erasing one member removes from events: `$1` is the society, `$2` the member.
pub(super) const ERASE_MEMBER: &[&str] = &[
    "DELETE FROM rsvps WHERE user_id = $2 AND event IN (SELECT id FROM events WHERE society = $1)",
    "DELETE FROM attendance WHERE user_id = $2 AND event IN (SELECT id FROM events WHERE society = $1)",
    "DELETE FROM checkin_attempts WHERE user_id = $2 AND event IN (SELECT id FROM events WHERE society = $1)",
];
