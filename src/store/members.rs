//! Profiles, confirmations, the welcome dialogue, erasure and the committee log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::pool::SqlStore;
use super::rows::{Key, Stored, db, from_ts, ts};
use crate::core::store::{Erasure, MemberStore, Profile, ShoutoutPreference, StoreResult};

/// The columns a `Profile` is read from.
macro_rules! profile_select {
    () => {
        "SELECT society, user_id, name, timezone, stage, specialty, hospital, img, shoutouts FROM profiles"
    };
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
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

impl TryFrom<ProfileRow> for Profile {
    type Error = crate::core::error::StoreError;

    fn try_from(r: ProfileRow) -> StoreResult<Self> {
        let id = Key(&[&r.society, &r.user_id]);
        let row = Stored {
            table: "profiles",
            id: &id,
        };
        let timezone = r
            .timezone
            .as_deref()
            .map(|zone| row.zone("timezone", zone))
            .transpose()?;
        let shoutouts = r
            .shoutouts
            .as_deref()
            .map(|text| row.read("shoutouts", text, ShoutoutPreference::parse))
            .transpose()?;
        Ok(Profile {
            society: r.society,
            user_id: r.user_id,
            name: r.name,
            timezone,
            stage: r.stage,
            specialty: r.specialty,
            hospital: r.hospital,
            img: r.img.map(|v| v != 0),
            shoutouts,
        })
    }
}

#[async_trait]
impl MemberStore for SqlStore {
    async fn profile(&self, society: &str, user_id: &str) -> StoreResult<Option<Profile>> {
        let row: Option<ProfileRow> = sqlx::query_as(concat!(
            profile_select!(),
            " WHERE society = $1 AND user_id = $2"
        ))
        .bind(society)
        .bind(user_id)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        row.map(Profile::try_from).transpose()
    }

    async fn save_profile(&self, p: &Profile, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO profiles (society, user_id, name, timezone, stage, specialty, hospital, img, updated_at, shoutouts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (society, user_id) DO UPDATE SET name = $3, timezone = $4, stage = $5, specialty = $6, hospital = $7, img = $8, updated_at = $9, shoutouts = $10",
        )
        .bind(&p.society)
        .bind(&p.user_id)
        .bind(&p.name)
        .bind(p.timezone.map(|zone| zone.name()))
        .bind(&p.stage)
        .bind(&p.specialty)
        .bind(&p.hospital)
        .bind(p.img.map(i64::from))
        .bind(ts(now))
        .bind(p.shoutouts.map(ShoutoutPreference::as_str))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn profiles(&self, society: &str) -> StoreResult<Vec<Profile>> {
        let rows: Vec<ProfileRow> =
            sqlx::query_as(concat!(profile_select!(), " WHERE society = $1"))
                .bind(society)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(db)?;
        rows.into_iter().map(Profile::try_from).collect()
    }

    async fn ask_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO confirmations (society, user_id, what, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (society, user_id, what) DO UPDATE SET expires_at = $4",
        )
        .bind(society)
        .bind(user_id)
        .bind(what)
        .bind(ts(expires_at))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn take_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let row = sqlx::query(
            "DELETE FROM confirmations WHERE society = $1 AND user_id = $2 AND what = $3 RETURNING expires_at",
        )
        .bind(society)
        .bind(user_id)
        .bind(what)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        match row {
            Some(row) => {
                let expires: i64 = row.try_get(0).map_err(db)?;
                Ok(expires >= ts(now))
            }
            None => Ok(false),
        }
    }

    async fn erase_member(&self, society: &str, user_id: &str) -> StoreResult<Erasure> {
        let mut tx = self.begin().await?;
        let mut other = 0;
        other += sqlx::query(
            "DELETE FROM jobs WHERE kind = 'reminder' AND subject IN (SELECT id FROM reminders WHERE society = $1 AND owner_id = $2)",
        )
        .bind(society)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let reminders = sqlx::query("DELETE FROM reminders WHERE society = $1 AND owner_id = $2")
            .bind(society)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        let profile = sqlx::query("DELETE FROM profiles WHERE society = $1 AND user_id = $2")
            .bind(society)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
            > 0;
        let own = [
            "DELETE FROM outbox WHERE society = $1 AND member = $2",
            "DELETE FROM confirmations WHERE society = $1 AND user_id = $2",
            "DELETE FROM admin_log WHERE society = $1 AND member = $2",
            "DELETE FROM onboarding WHERE society = $1 AND user_id = $2",
        ];
        for sql in own
            .iter()
            .chain(super::reminders::ERASE_MEMBER)
            .chain(super::coffee::ERASE_MEMBER)
            .chain(super::events::ERASE_MEMBER)
            .chain(super::shoutouts::ERASE_MEMBER)
        {
            other += sqlx::query(*sql)
                .bind(society)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        }
        other += super::memory::erase_member_memory(&mut tx, user_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(Erasure {
            profile,
            reminders,
            other_rows: other,
        })
    }

    async fn start_onboarding(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO onboarding (society, user_id, platform, step, started_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (society, user_id) DO NOTHING",
        )
        .bind(society)
        .bind(user_id)
        .bind(platform)
        .bind(step)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn onboarding_step(
        &self,
        society: &str,
        user_id: &str,
    ) -> StoreResult<Option<Option<String>>> {
        let row = sqlx::query("SELECT step FROM onboarding WHERE society = $1 AND user_id = $2")
            .bind(society)
            .bind(user_id)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(row.try_get::<Option<String>, _>(0).map_err(db)?)),
        }
    }

    async fn set_onboarding_step(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO onboarding (society, user_id, platform, step, started_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (society, user_id) DO UPDATE SET step = $4",
        )
        .bind(society)
        .bind(user_id)
        .bind(platform)
        .bind(step)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn admin_log(
        &self,
        society: &str,
        member: Option<&str>,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        insert_admin_log(&mut *self.conn().await?, society, member, text, now).await
    }

    async fn admin_log_entries(
        &self,
        society: &str,
        limit: i64,
    ) -> StoreResult<Vec<(DateTime<Utc>, String)>> {
        let rows = sqlx::query(
            "SELECT at, text FROM admin_log WHERE society = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(society)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|row| {
                Ok((
                    from_ts(row.try_get(0).map_err(db)?),
                    row.try_get(1).map_err(db)?,
                ))
            })
            .collect()
    }
}

/// A committee-log entry, written on `conn`: a job's entries go in with the job's own
/// transaction, so a firing that is not recorded (a crash, a lost lease) logs nothing.
pub(super) async fn insert_admin_log(
    conn: &mut sqlx::AnyConnection,
    society: &str,
    member: Option<&str>,
    text: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO admin_log (society, member, text, at) VALUES ($1, $2, $3, $4)")
        .bind(society)
        .bind(member)
        .bind(text)
        .bind(ts(now))
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}
