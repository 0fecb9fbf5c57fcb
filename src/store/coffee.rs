//! Pairing programmes, their members, rounds and check-in answers.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::jobs::{add_job, reschedule_job};
use super::pool::SqlStore;
use super::rows::{Key, Stored, db, from_ts, ts};
use crate::core::io::UserRef;
use crate::core::pairing::Mode;
use crate::core::store::{
    CheckinAnswer, CoffeeGroup, CoffeeMember, CoffeeStore, GroupMember, JobKind, JobRule,
    MentorOffer, MentorRole, NewJob, NewRound, Programme, StoreResult,
};

macro_rules! programme_select {
    () => {
        "SELECT p.id, p.society, p.grp, p.platform, p.room, p.size, p.mode, p.checkin_secs, j.id AS job_id, j.rule, j.zone, j.due_at \
         FROM coffee_programmes p JOIN jobs j ON j.kind = 'coffee_round' AND j.subject = p.id"
    };
}

macro_rules! group_select {
    () => {
        "SELECT g.id, g.programme, g.round, r.number, r.scheduled_for, r.ran_at, r.checkin_at, m.user_id, m.name, m.answer \
         FROM coffee_groups g JOIN coffee_rounds r ON r.id = g.round JOIN coffee_group_members m ON m.grp = g.id"
    };
}

macro_rules! member_select {
    () => {
        "SELECT programme, user_id, name, joined_at, paused_until, auto_paused, skip_until FROM coffee_members"
    };
}

macro_rules! mentor_select {
    () => {
        "SELECT society, user_id, name, role, capacity, wants_specialty FROM mentor_roles"
    };
}

#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    id: i64,
    society: String,
    grp: String,
    platform: String,
    room: String,
    size: i64,
    mode: String,
    checkin_secs: i64,
    job_id: i64,
    rule: Option<String>,
    zone: String,
    due_at: i64,
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = crate::core::error::StoreError;

    fn try_from(r: ProgrammeRow) -> StoreResult<Self> {
        let mode = Stored {
            table: "coffee_programmes",
            id: &r.id,
        }
        .read("mode", &r.mode, |text| {
            Mode::ALL.into_iter().find(|mode| mode.as_str() == text)
        })?;
        // The schedule is the round job's.
        let job = Stored {
            table: "jobs",
            id: &r.job_id,
        };
        Ok(Programme {
            id: r.id,
            society: r.society,
            group: r.grp,
            platform: r.platform,
            room: r.room,
            size: r.size,
            mode,
            checkin: Duration::seconds(r.checkin_secs),
            rule: job.rule("rule", r.rule.as_deref().unwrap_or_default())?,
            zone: job.zone("zone", &r.zone)?,
            next_round: from_ts(r.due_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    programme: i64,
    user_id: String,
    name: String,
    joined_at: i64,
    paused_until: Option<i64>,
    auto_paused: i64,
    skip_until: Option<i64>,
}

impl From<MemberRow> for CoffeeMember {
    fn from(r: MemberRow) -> Self {
        CoffeeMember {
            programme: r.programme,
            user: UserRef {
                id: r.user_id,
                name: r.name,
            },
            joined_at: from_ts(r.joined_at),
            paused_until: r.paused_until.map(from_ts),
            auto_paused: r.auto_paused != 0,
            skip_until: r.skip_until.map(from_ts),
        }
    }
}

#[derive(sqlx::FromRow)]
struct MentorRow {
    society: String,
    user_id: String,
    name: String,
    role: String,
    capacity: i64,
    wants_specialty: Option<String>,
}

impl TryFrom<MentorRow> for MentorRole {
    type Error = crate::core::error::StoreError;

    fn try_from(r: MentorRow) -> StoreResult<Self> {
        let is_mentor = Stored {
            table: "mentor_roles",
            id: &Key(&[&r.society, &r.user_id]),
        }
        .read("role", &r.role, |role| match role {
            "mentor" => Some(true),
            "mentee" => Some(false),
            _ => None,
        })?;
        Ok(MentorRole {
            society: r.society,
            user: UserRef {
                id: r.user_id,
                name: r.name,
            },
            offer: if is_mentor {
                MentorOffer::Mentor {
                    capacity: r.capacity,
                }
            } else {
                MentorOffer::Mentee {
                    wants_specialty: r.wants_specialty,
                }
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: i64,
    programme: i64,
    round: i64,
    number: i64,
    scheduled_for: i64,
    ran_at: i64,
    checkin_at: i64,
    user_id: String,
    name: String,
    answer: Option<String>,
}

/// Rows arrive one per group member, already ordered by group; fold them into groups.
fn fold_groups(rows: Vec<GroupRow>) -> StoreResult<Vec<CoffeeGroup>> {
    let mut groups: Vec<CoffeeGroup> = Vec::new();
    for row in rows {
        let answer = match &row.answer {
            Some(answer) => Some(
                Stored {
                    table: "coffee_group_members",
                    id: &Key(&[&row.id, &row.user_id]),
                }
                .read("answer", answer, CheckinAnswer::parse)?,
            ),
            None => None,
        };
        let member = GroupMember {
            user: UserRef {
                id: row.user_id,
                name: row.name,
            },
            answer,
        };
        match groups.last_mut() {
            Some(group) if group.id == row.id => group.members.push(member),
            _ => groups.push(CoffeeGroup {
                id: row.id,
                programme: row.programme,
                round: row.round,
                number: row.number,
                scheduled_for: from_ts(row.scheduled_for),
                ran_at: from_ts(row.ran_at),
                checkin_at: from_ts(row.checkin_at),
                members: vec![member],
            }),
        }
    }
    Ok(groups)
}

#[async_trait]
impl CoffeeStore for SqlStore {
    async fn save_programme(&self, p: &Programme, now: DateTime<Utc>) -> StoreResult<Programme> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO coffee_programmes (society, grp, platform, room, size, mode, checkin_secs, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (society, grp) DO UPDATE SET platform = $3, room = $4, size = $5, mode = $6, checkin_secs = $7 \
             RETURNING id",
        )
        .bind(&p.society)
        .bind(&p.group)
        .bind(&p.platform)
        .bind(&p.room)
        .bind(p.size)
        .bind(p.mode.as_str())
        .bind(p.checkin.num_seconds())
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        reschedule_job(
            &mut *tx,
            &NewJob {
                kind: JobKind::CoffeeRound,
                subject: id,
                platform: p.platform.clone(),
                society: p.society.clone(),
                due_at: p.next_round,
                zone: p.zone,
                rule: Some(JobRule::Every(p.rule.clone())),
            },
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(Programme { id, ..p.clone() })
    }

    async fn programme(&self, id: i64) -> StoreResult<Option<Programme>> {
        let row: Option<ProgrammeRow> =
            sqlx::query_as(concat!(programme_select!(), " WHERE p.id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db)?;
        row.map(Programme::try_from).transpose()
    }

    async fn programmes(&self, society: &str) -> StoreResult<Vec<Programme>> {
        let rows: Vec<ProgrammeRow> = sqlx::query_as(concat!(
            programme_select!(),
            " WHERE p.society = $1 ORDER BY p.grp"
        ))
        .bind(society)
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter().map(Programme::try_from).collect()
    }

    async fn save_coffee_member(&self, m: &CoffeeMember) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO coffee_members (programme, user_id, name, joined_at, paused_until, auto_paused, skip_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (programme, user_id) DO UPDATE SET name = $3, joined_at = $4, paused_until = $5, auto_paused = $6, skip_until = $7",
        )
        .bind(m.programme)
        .bind(&m.user.id)
        .bind(&m.user.name)
        .bind(ts(m.joined_at))
        .bind(m.paused_until.map(ts))
        .bind(i64::from(m.auto_paused))
        .bind(m.skip_until.map(ts))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn remove_coffee_member(&self, programme: i64, user_id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM coffee_members WHERE programme = $1 AND user_id = $2")
            .bind(programme)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn coffee_members(&self, programme: i64) -> StoreResult<Vec<CoffeeMember>> {
        let rows: Vec<MemberRow> = sqlx::query_as(concat!(
            member_select!(),
            " WHERE programme = $1 ORDER BY user_id"
        ))
        .bind(programme)
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(CoffeeMember::from).collect())
    }

    async fn coffee_member(
        &self,
        programme: i64,
        user_id: &str,
    ) -> StoreResult<Option<CoffeeMember>> {
        let row: Option<MemberRow> = sqlx::query_as(concat!(
            member_select!(),
            " WHERE programme = $1 AND user_id = $2"
        ))
        .bind(programme)
        .bind(user_id)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(row.map(CoffeeMember::from))
    }

    async fn save_mentor_role(&self, r: &MentorRole, now: DateTime<Utc>) -> StoreResult<()> {
        let (role, capacity, wants) = match &r.offer {
            MentorOffer::Mentor { capacity } => ("mentor", *capacity, None),
            MentorOffer::Mentee { wants_specialty } => ("mentee", 0, wants_specialty.clone()),
        };
        sqlx::query(
            "INSERT INTO mentor_roles (society, user_id, role, capacity, wants_specialty, updated_at, name) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (society, user_id) DO UPDATE SET role = $3, capacity = $4, wants_specialty = $5, updated_at = $6, name = $7",
        )
        .bind(&r.society)
        .bind(&r.user.id)
        .bind(role)
        .bind(capacity)
        .bind(wants)
        .bind(ts(now))
        .bind(&r.user.name)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn remove_mentor_role(&self, society: &str, user_id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM mentor_roles WHERE society = $1 AND user_id = $2")
            .bind(society)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn mentor_roles(&self, society: &str) -> StoreResult<Vec<MentorRole>> {
        let rows: Vec<MentorRow> = sqlx::query_as(concat!(
            mentor_select!(),
            " WHERE society = $1 ORDER BY user_id"
        ))
        .bind(society)
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.into_iter().map(MentorRole::try_from).collect()
    }

    async fn mentor_role(&self, society: &str, user_id: &str) -> StoreResult<Option<MentorRole>> {
        let row: Option<MentorRow> = sqlx::query_as(concat!(
            mentor_select!(),
            " WHERE society = $1 AND user_id = $2"
        ))
        .bind(society)
        .bind(user_id)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        row.map(MentorRole::try_from).transpose()
    }

    async fn record_round(&self, round: &NewRound) -> StoreResult<Vec<CoffeeGroup>> {
        let mut tx = self.begin().await?;
        let number: i64 = sqlx::query(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM coffee_rounds WHERE programme = $1",
        )
        .bind(round.programme)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        let inserted = sqlx::query(
            "INSERT INTO coffee_rounds (programme, number, scheduled_for, ran_at, checkin_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (programme, scheduled_for) DO NOTHING RETURNING id",
        )
        .bind(round.programme)
        .bind(number)
        .bind(ts(round.scheduled_for))
        .bind(ts(round.ran_at))
        .bind(ts(round.checkin_at))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(inserted) = inserted else {
            tx.rollback().await.map_err(db)?;
            let id: i64 = sqlx::query(
                "SELECT id FROM coffee_rounds WHERE programme = $1 AND scheduled_for = $2",
            )
            .bind(round.programme)
            .bind(ts(round.scheduled_for))
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
            return self.coffee_round_groups(id).await;
        };
        let round_id: i64 = inserted.try_get(0).map_err(db)?;
        let mut groups = Vec::with_capacity(round.groups.len());
        for members in &round.groups {
            let group_id: i64 = sqlx::query(
                "INSERT INTO coffee_groups (round, programme) VALUES ($1, $2) RETURNING id",
            )
            .bind(round_id)
            .bind(round.programme)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
            for member in members {
                sqlx::query(
                    "INSERT INTO coffee_group_members (grp, user_id, name) VALUES ($1, $2, $3)",
                )
                .bind(group_id)
                .bind(&member.id)
                .bind(&member.name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            groups.push(CoffeeGroup {
                id: group_id,
                programme: round.programme,
                round: round_id,
                number,
                scheduled_for: round.scheduled_for,
                ran_at: round.ran_at,
                checkin_at: round.checkin_at,
                members: members
                    .iter()
                    .map(|user| GroupMember {
                        user: user.clone(),
                        answer: None,
                    })
                    .collect(),
            });
        }
        if !round.groups.is_empty() {
            add_job(
                &mut *tx,
                &NewJob {
                    kind: JobKind::CoffeeCheckin,
                    subject: round_id,
                    platform: round.platform.clone(),
                    society: round.society.clone(),
                    due_at: round.checkin_at,
                    zone: round.zone,
                    rule: None,
                },
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(groups)
    }

    async fn coffee_groups(&self, programme: i64) -> StoreResult<Vec<CoffeeGroup>> {
        self.groups_where(
            concat!(
                group_select!(),
                " WHERE g.programme = $1 ORDER BY r.number DESC, g.id, m.user_id"
            ),
            programme,
        )
        .await
    }

    async fn coffee_round_groups(&self, round: i64) -> StoreResult<Vec<CoffeeGroup>> {
        self.groups_where(
            concat!(
                group_select!(),
                " WHERE g.round = $1 ORDER BY g.id, m.user_id"
            ),
            round,
        )
        .await
    }

    async fn coffee_group(&self, id: i64) -> StoreResult<Option<CoffeeGroup>> {
        Ok(self
            .groups_where(
                concat!(group_select!(), " WHERE g.id = $1 ORDER BY m.user_id"),
                id,
            )
            .await?
            .into_iter()
            .next())
    }

    async fn answer_checkin(
        &self,
        group: i64,
        user_id: &str,
        answer: CheckinAnswer,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE coffee_group_members SET answer = $1, answered_at = $2 WHERE grp = $3 AND user_id = $4",
        )
        .bind(answer.as_str())
        .bind(ts(now))
        .bind(group)
        .bind(user_id)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }
}

impl SqlStore {
    /// Groups chosen by one id: `query` is a `group_select!` with a `$1` filter and an order
    /// that keeps each group's rows together.
    async fn groups_where(&self, query: &'static str, id: i64) -> StoreResult<Vec<CoffeeGroup>> {
        let rows: Vec<GroupRow> = sqlx::query_as(query)
            .bind(id)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        fold_groups(rows)
    }
}

/// What erasing one member removes from pairings: `$1` is the society, `$2` the member.
pub(super) const ERASE_MEMBER: &[&str] = &[
    "DELETE FROM coffee_members WHERE user_id = $2 AND programme IN (SELECT id FROM coffee_programmes WHERE society = $1)",
    "DELETE FROM mentor_roles WHERE society = $1 AND user_id = $2",
    "DELETE FROM coffee_group_members WHERE user_id = $2 AND grp IN \
     (SELECT g.id FROM coffee_groups g JOIN coffee_programmes p ON p.id = g.programme WHERE p.society = $1)",
];
