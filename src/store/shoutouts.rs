//! Shout-outs and the digest that lists the posted ones.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::jobs::add_job;
use super::pool::SqlStore;
use super::rows::{Stored, db, from_ts, ts};
use crate::core::command::MilestoneKind;
use crate::core::io::UserRef;
use crate::core::store::{Digest, NewJob, Shoutout, ShoutoutStatus, ShoutoutStore, StoreResult};

macro_rules! shoutout_select {
    () => {
        "SELECT id, society, platform, room, author_id, author_name, subject_id, subject_name, kind, text, publication, status, created_at, posted_at FROM shoutouts"
    };
}

macro_rules! digest_select {
    () => {
        "SELECT id, society, platform, room FROM shoutout_digests"
    };
}

#[derive(sqlx::FromRow)]
struct ShoutoutRow {
    id: i64,
    society: String,
    platform: String,
    room: String,
    author_id: String,
    author_name: String,
    subject_id: String,
    subject_name: String,
    kind: String,
    text: String,
    publication: Option<String>,
    status: String,
    created_at: i64,
    posted_at: Option<i64>,
}

impl TryFrom<ShoutoutRow> for Shoutout {
    type Error = crate::core::error::StoreError;

    fn try_from(r: ShoutoutRow) -> StoreResult<Self> {
        let row = Stored {
            table: "shoutouts",
            id: &r.id,
        };
        let kind = row.read("kind", &r.kind, |text| {
            MilestoneKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == text)
        })?;
        let status = row.read("status", &r.status, ShoutoutStatus::parse)?;
        Ok(Shoutout {
            id: r.id,
            society: r.society,
            platform: r.platform,
            room: r.room,
            author: UserRef {
                id: r.author_id,
                name: r.author_name,
            },
            subject: UserRef {
                id: r.subject_id,
                name: r.subject_name,
            },
            kind,
            text: r.text,
            publication: r.publication,
            status,
            created_at: from_ts(r.created_at),
            posted_at: r.posted_at.map(from_ts),
        })
    }
}

#[derive(sqlx::FromRow)]
struct DigestRow {
    id: i64,
    society: String,
    platform: String,
    room: String,
}

impl From<DigestRow> for Digest {
    fn from(r: DigestRow) -> Self {
        Digest {
            id: r.id,
            society: r.society,
            platform: r.platform,
            room: r.room,
        }
    }
}

/// Run by `erase_member` with the society as `$1` and the member as `$2`. A shout-out by the
/// member about a colleague goes too: it names the author.
pub(super) const ERASE_MEMBER: &[&str] =
    &["DELETE FROM shoutouts WHERE society = $1 AND (author_id = $2 OR subject_id = $2)"];

#[async_trait]
impl ShoutoutStore for SqlStore {
    async fn create_shoutout(&self, s: &Shoutout) -> StoreResult<Shoutout> {
        let row = sqlx::query(
            "INSERT INTO shoutouts (society, platform, room, author_id, author_name, subject_id, subject_name, kind, text, publication, status, created_at, posted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(&s.society)
        .bind(&s.platform)
        .bind(&s.room)
        .bind(&s.author.id)
        .bind(&s.author.name)
        .bind(&s.subject.id)
        .bind(&s.subject.name)
        .bind(s.kind.as_str())
        .bind(&s.text)
        .bind(&s.publication)
        .bind(s.status.as_str())
        .bind(ts(s.created_at))
        .bind(s.posted_at.map(ts))
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let id: i64 = row.try_get(0).map_err(db)?;
        Ok(Shoutout { id, ..s.clone() })
    }

    async fn shoutout(&self, id: i64) -> StoreResult<Option<Shoutout>> {
        let row: Option<ShoutoutRow> =
            sqlx::query_as(concat!(shoutout_select!(), " WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db)?;
        row.map(Shoutout::try_from).transpose()
    }

    async fn decide_shoutout(
        &self,
        id: i64,
        status: ShoutoutStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let posted_at = (status == ShoutoutStatus::Posted).then(|| ts(now));
        let done = sqlx::query(
            "UPDATE shoutouts SET status = $2, posted_at = $3 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(posted_at)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn posted_shoutouts(
        &self,
        society: &str,
        platform: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<Shoutout>> {
        let rows: Vec<ShoutoutRow> = sqlx::query_as(concat!(
            shoutout_select!(),
            " WHERE society = $1 AND platform = $2 AND status = 'posted' AND posted_at >= $3 AND posted_at < $4 ORDER BY posted_at, id"
        ))
        .bind(society)
        .bind(platform)
        .bind(ts(since))
        .bind(ts(until))
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter().map(Shoutout::try_from).collect()
    }

    async fn pending_shoutouts(&self, society: &str, subject: &str) -> StoreResult<Vec<Shoutout>> {
        let rows: Vec<ShoutoutRow> = sqlx::query_as(concat!(
            shoutout_select!(),
            " WHERE society = $1 AND subject_id = $2 AND status = 'pending' ORDER BY id"
        ))
        .bind(society)
        .bind(subject)
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter().map(Shoutout::try_from).collect()
    }

    async fn ensure_digest(&self, d: &Digest, job: &NewJob) -> StoreResult<Digest> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO shoutout_digests (society, platform, room) VALUES ($1, $2, $3) ON CONFLICT (society, platform) DO NOTHING",
        )
        .bind(&d.society)
        .bind(&d.platform)
        .bind(&d.room)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row: DigestRow = sqlx::query_as(concat!(
            digest_select!(),
            " WHERE society = $1 AND platform = $2"
        ))
        .bind(&d.society)
        .bind(&d.platform)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let job = NewJob {
            subject: row.id,
            ..job.clone()
        };
        add_job(&mut *tx, &job).await?;
        tx.commit().await.map_err(db)?;
        Ok(row.into())
    }

    async fn digest(&self, id: i64) -> StoreResult<Option<Digest>> {
        let row: Option<DigestRow> = sqlx::query_as(concat!(digest_select!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(row.map(Digest::from))
    }
}
