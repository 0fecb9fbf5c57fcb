//! Series of events, the calendar feed and imported calendars, with the events each made.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::events::{EventRow, event_select, insert_event};
use super::jobs::{add_job, stop_job};
use super::pool::SqlStore;
use super::rows::{Stored, db, from_ts, ts};
use crate::core::store::{CalendarStore, Event, EventImport, JobKind, NewJob, Series, StoreResult};

macro_rules! series_select {
    () => {
        "SELECT id, society, platform, room, rule, zone, first_at, title, duration_secs, place, capacity, kind, cpd_minutes, grp, cancelled, sequence, COALESCE(modified_at, created_at) AS modified_at, ended_at FROM event_series"
    };
}

#[derive(sqlx::FromRow)]
struct SeriesRow {
    id: i64,
    society: String,
    platform: String,
    room: String,
    rule: String,
    zone: String,
    first_at: i64,
    title: String,
    duration_secs: i64,
    place: Option<String>,
    capacity: Option<i64>,
    kind: String,
    cpd_minutes: Option<i64>,
    grp: String,
    cancelled: i64,
    sequence: i64,
    modified_at: i64,
    ended_at: Option<i64>,
}

impl TryFrom<SeriesRow> for Series {
    type Error = crate::core::error::StoreError;

    fn try_from(r: SeriesRow) -> StoreResult<Self> {
        let row = Stored {
            table: "event_series",
            id: &r.id,
        };
        let zone = row.zone("zone", &r.zone)?;
        let rule = row.rule("rule", &r.rule)?;
        Ok(Series {
            id: r.id,
            rule,
            first_at: from_ts(r.first_at),
            cancelled: r.cancelled != 0,
            sequence: r.sequence,
            modified_at: from_ts(r.modified_at),
            ended_at: r.ended_at.map(from_ts),
            template: Event {
                id: 0,
                society: r.society,
                platform: r.platform,
                room: r.room,
                title: r.title,
                starts_at: from_ts(r.first_at),
                duration: Duration::seconds(r.duration_secs),
                zone,
                place: r.place,
                capacity: r.capacity,
                kind: r.kind,
                cpd_minutes: r.cpd_minutes,
                group: r.grp,
                cancelled: r.cancelled != 0,
                series: Some(r.id),
                sequence: r.sequence,
                modified_at: from_ts(r.modified_at),
                import: None,
                source_uid: None,
            },
        })
    }
}

macro_rules! import_select {
    () => {
        "SELECT id, society, platform, room, url, synced_at, last_error FROM event_imports"
    };
}

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: i64,
    society: String,
    platform: String,
    room: String,
    url: String,
    synced_at: Option<i64>,
    last_error: Option<String>,
}

impl From<ImportRow> for EventImport {
    fn from(r: ImportRow) -> Self {
        EventImport {
            id: r.id,
            society: r.society,
            platform: r.platform,
            room: r.room,
            url: r.url,
            synced_at: r.synced_at.map(from_ts),
            last_error: r.last_error,
        }
    }
}

#[async_trait]
impl CalendarStore for SqlStore {
    async fn create_series(
        &self,
        series: &Series,
        first: &Event,
        first_reminder: Option<DateTime<Utc>>,
        offsets: &[Duration],
        now: DateTime<Utc>,
    ) -> StoreResult<(Series, Event)> {
        let t = &series.template;
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO event_series (society, platform, room, rule, zone, first_at, title, duration_secs, place, capacity, kind, cpd_minutes, grp, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
        )
        .bind(&t.society)
        .bind(&t.platform)
        .bind(&t.room)
        .bind(series.rule.to_text())
        .bind(t.zone.name())
        .bind(ts(series.first_at))
        .bind(&t.title)
        .bind(t.duration.num_seconds())
        .bind(&t.place)
        .bind(t.capacity)
        .bind(&t.kind)
        .bind(t.cpd_minutes)
        .bind(&t.group)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        // The next date is made when this one begins.
        add_job(
            &mut *tx,
            &NewJob {
                kind: JobKind::EventSeries,
                subject: id,
                platform: t.platform.clone(),
                society: t.society.clone(),
                due_at: first.starts_at,
                zone: t.zone,
                // The series row holds the rule; firing reads it from there.
                rule: None,
            },
        )
        .await?;
        let first = Event {
            series: Some(id),
            ..first.clone()
        };
        let event = insert_event(&mut tx, &first, first_reminder, offsets, now).await?;
        tx.commit().await.map_err(db)?;
        let mut series = series.clone();
        series.id = id;
        series.sequence = 0;
        series.modified_at = now;
        series.ended_at = None;
        series.template.series = Some(id);
        Ok((series, event))
    }

    async fn series(&self, id: i64) -> StoreResult<Option<Series>> {
        let row: Option<SeriesRow> = sqlx::query_as(concat!(series_select!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        row.map(Series::try_from).transpose()
    }

    async fn society_series(&self, society: &str) -> StoreResult<Vec<Series>> {
        let rows: Vec<SeriesRow> =
            sqlx::query_as(concat!(series_select!(), " WHERE society = $1 ORDER BY id"))
                .bind(society)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(db)?;
        rows.into_iter().map(Series::try_from).collect()
    }

    async fn update_series(&self, series: &Series, now: DateTime<Utc>) -> StoreResult<()> {
        let t = &series.template;
        sqlx::query(
            "UPDATE event_series SET title = $1, duration_secs = $2, place = $3, capacity = $4, kind = $5, cpd_minutes = $6, \
             sequence = sequence + 1, modified_at = $8 WHERE id = $7",
        )
        .bind(&t.title)
        .bind(t.duration.num_seconds())
        .bind(&t.place)
        .bind(t.capacity)
        .bind(&t.kind)
        .bind(t.cpd_minutes)
        .bind(series.id)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn cancel_series(&self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE event_series SET cancelled = 1, ended_at = $2, sequence = sequence + 1, modified_at = $2 \
             WHERE id = $1 AND cancelled = 0",
        )
        .bind(id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        stop_job(&mut *tx, JobKind::EventSeries, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(done == 1)
    }

    async fn skip_date(
        &self,
        series: i64,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO event_skips (series, starts_at) VALUES ($1, $2) ON CONFLICT (series, starts_at) DO NOTHING",
        )
        .bind(series)
        .bind(ts(starts_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected()
            == 1;
        if done {
            // A new EXDATE changes the series' calendar entry.
            sqlx::query(
                "UPDATE event_series SET sequence = sequence + 1, modified_at = $2 WHERE id = $1",
            )
            .bind(series)
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(done)
    }

    async fn skipped_dates(&self, series: i64) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows =
            sqlx::query("SELECT starts_at FROM event_skips WHERE series = $1 ORDER BY starts_at")
                .bind(series)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(db)?;
        rows.into_iter()
            .map(|row| row.try_get::<i64, _>(0).map(from_ts).map_err(db))
            .collect()
    }

    async fn occurrence(
        &self,
        series: i64,
        starts_at: DateTime<Utc>,
    ) -> StoreResult<Option<Event>> {
        let row: Option<EventRow> = sqlx::query_as(concat!(
            event_select!(),
            " WHERE series = $1 AND starts_at = $2"
        ))
        .bind(series)
        .bind(ts(starts_at))
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        row.map(Event::try_from).transpose()
    }

    async fn feed_events(&self, society: &str, since: DateTime<Utc>) -> StoreResult<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(concat!(
            event_select!(),
            " WHERE society = $1 AND series IS NULL AND starts_at + duration_secs > $2 ORDER BY starts_at, id"
        ))
        .bind(society)
        .bind(ts(since))
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter().map(Event::try_from).collect()
    }

    async fn feed_token(
        &self,
        society: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO calendar_feeds (society, token, created_at) VALUES ($1, $2, $3) ON CONFLICT (society) DO NOTHING",
        )
        .bind(society)
        .bind(candidate)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(self
            .stored_feed_token(society)
            .await?
            .unwrap_or_else(|| candidate.to_string()))
    }

    async fn reset_feed_token(
        &self,
        society: &str,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO calendar_feeds (society, token, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (society) DO UPDATE SET token = $2, created_at = $3",
        )
        .bind(society)
        .bind(token)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn stored_feed_token(&self, society: &str) -> StoreResult<Option<String>> {
        sqlx::query("SELECT token FROM calendar_feeds WHERE society = $1")
            .bind(society)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?
            .map(|row| row.try_get::<String, _>(0))
            .transpose()
            .map_err(db)
    }

    async fn save_import(
        &self,
        import: &EventImport,
        now: DateTime<Utc>,
    ) -> StoreResult<(EventImport, bool)> {
        let mut tx = self.begin().await?;
        let inserted: Option<i64> = sqlx::query(
            "INSERT INTO event_imports (society, platform, room, url, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (society, url) DO NOTHING RETURNING id",
        )
        .bind(&import.society)
        .bind(&import.platform)
        .bind(&import.room)
        .bind(&import.url)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(db)?;
        let Some(id) = inserted else {
            tx.rollback().await.map_err(db)?;
            let row: ImportRow = sqlx::query_as(concat!(
                import_select!(),
                " WHERE society = $1 AND url = $2"
            ))
            .bind(&import.society)
            .bind(&import.url)
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(db)?;
            return Ok((row.into(), false));
        };
        add_job(
            &mut *tx,
            &NewJob {
                kind: JobKind::EventImport,
                subject: id,
                platform: import.platform.clone(),
                society: import.society.clone(),
                due_at: now,
                zone: chrono_tz::UTC,
                rule: None,
            },
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok((
            EventImport {
                id,
                ..import.clone()
            },
            true,
        ))
    }

    async fn import(&self, id: i64) -> StoreResult<Option<EventImport>> {
        let row: Option<ImportRow> = sqlx::query_as(concat!(import_select!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(row.map(EventImport::from))
    }

    async fn imports(&self, society: &str) -> StoreResult<Vec<EventImport>> {
        let rows: Vec<ImportRow> =
            sqlx::query_as(concat!(import_select!(), " WHERE society = $1 ORDER BY id"))
                .bind(society)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(db)?;
        Ok(rows.into_iter().map(EventImport::from).collect())
    }

    async fn remove_import(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM event_imports WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        stop_job(&mut *tx, JobKind::EventImport, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn mark_import(
        &self,
        id: i64,
        synced_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE event_imports SET synced_at = $1, last_error = $2 WHERE id = $3")
            .bind(ts(synced_at))
            .bind(error)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn event_by_source(&self, import: i64, uid: &str) -> StoreResult<Option<Event>> {
        let row: Option<EventRow> = sqlx::query_as(concat!(
            event_select!(),
            " WHERE import = $1 AND source_uid = $2"
        ))
        .bind(import)
        .bind(uid)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        row.map(Event::try_from).transpose()
    }

    async fn imported_events(&self, import: i64, after: DateTime<Utc>) -> StoreResult<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(concat!(
            event_select!(),
            " WHERE import = $1 AND cancelled = 0 AND starts_at > $2 ORDER BY starts_at, id"
        ))
        .bind(import)
        .bind(ts(after))
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter().map(Event::try_from).collect()
    }
}
