//! Events mirrored into the guild's Events tab (Discord Scheduled Events).

use chrono::Utc;
use serenity::all::{
    CreateScheduledEvent, EditScheduledEvent, GuildId, ScheduledEventId, ScheduledEventType,
    Timestamp,
};

use super::super::links::PLATFORM;
use super::super::recurrence;
use super::super::sending::delivery_error;
use super::{DiscordAdapter, made_since, store_error};
use crate::core::io::{MirrorEntry, MirrorSeries};
use crate::platform::DeliveryError;

/// A mirrored event's texts, cut to Discord's limits.
struct ScheduledFields {
    name: String,
    description: String,
    place: String,
}

impl ScheduledFields {
    fn of(entry: &MirrorEntry) -> Self {
        ScheduledFields {
            name: entry.title.chars().take(100).collect(),
            description: entry.description.chars().take(1000).collect(),
            // Discord allows at most 100 characters for an external event's location.
            place: entry
                .place
                .as_deref()
                .unwrap_or("See the announcement")
                .chars()
                .take(100)
                .collect(),
        }
    }
}

fn rfc3339(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn timestamp(at: chrono::DateTime<Utc>) -> Result<Timestamp, DeliveryError> {
    Timestamp::from_unix_timestamp(at.timestamp())
        .map_err(|_| DeliveryError::Permanent(format!("{at} is outside Discord's range")))
}

impl DiscordAdapter {
    /// Mirrors an event into the guild's Events tab (an external Scheduled Event), when the
    /// society turned that on; remembers the Discord id under the topic to edit or delete it.
    /// A series whose rule Discord can express is one recurring event under the series' topic,
    /// and its dates add nothing but exceptions; any other series is one event per date.
    pub(super) async fn mirror(
        &self,
        society: &str,
        topic: &str,
        entry: Option<&MirrorEntry>,
    ) -> Result<(), DeliveryError> {
        let Some(guild) = self.links.scheduled_events_guild(society) else {
            return Ok(());
        };
        let Some((entry, series)) = entry.and_then(|e| Some((e, e.series.as_ref()?))) else {
            return self.mirror_one(guild, topic, entry).await;
        };
        let whole = series.topic == topic;
        match recurrence::recurrence_rule(series, entry.starts_at) {
            Some(rule) if whole => self.mirror_series(guild, entry, series, rule).await,
            Some(_) => self.reschedule_date(guild, entry, series).await,
            // Each date is an entry of its own; the series' entry is for a recurring one.
            None if whole => Ok(()),
            None => self.mirror_one(guild, topic, Some(entry)).await,
        }
    }

    async fn recall_id(&self, memory: &str) -> Result<Option<u64>, DeliveryError> {
        Ok(self
            .store
            .recall(PLATFORM, memory)
            .await
            .map_err(store_error)?
            .and_then(|id| id.parse::<u64>().ok())
            .filter(|id| *id != 0))
    }

    async fn mirror_one(
        &self,
        guild: GuildId,
        topic: &str,
        entry: Option<&MirrorEntry>,
    ) -> Result<(), DeliveryError> {
        let memory = format!("scheduled:{topic}");
        let existing = self.recall_id(&memory).await?.map(ScheduledEventId::new);
        let Some(entry) = entry else {
            if let Some(id) = existing {
                guild
                    .delete_scheduled_event(self.rest().await, id)
                    .await
                    .map_err(delivery_error)?;
            }
            return Ok(());
        };
        let ScheduledFields {
            name,
            description,
            place,
        } = ScheduledFields::of(entry);
        let start = timestamp(entry.starts_at)?;
        let end = timestamp(entry.ends_at)?;
        match existing {
            Some(id) => {
                guild
                    .edit_scheduled_event(
                        self.rest().await,
                        id,
                        EditScheduledEvent::new()
                            .name(name)
                            .description(description)
                            .start_time(start)
                            .end_time(end)
                            .location(place),
                    )
                    .await
                    .map_err(delivery_error)?;
            }
            None => {
                let made = match self.making(&memory).await? {
                    Some(began) => {
                        self.event_made_since(guild, &name, &place, entry.starts_at, began)
                            .await?
                    }
                    None => None,
                };
                let id = match made {
                    Some(id) => id,
                    None => {
                        let created = guild
                            .create_scheduled_event(
                                self.rest().await,
                                CreateScheduledEvent::new(
                                    ScheduledEventType::External,
                                    name,
                                    start,
                                )
                                .description(description)
                                .end_time(end)
                                .location(place),
                            )
                            .await
                            .map_err(delivery_error)?;
                        crate::crash::point("discord:scheduled-created");
                        created.id
                    }
                };
                self.store
                    .remember(PLATFORM, &memory, &id.to_string(), Utc::now())
                    .await
                    .map_err(store_error)?;
            }
        }
        Ok(())
    }

    /// The series as one recurring event: created from its next date with the rule, or edited
    /// (name, description, place: Discord drops a recurring event's exceptions when its rule
    /// or start changes); then each date it leaves out becomes a cancelled occurrence, once.
    async fn mirror_series(
        &self,
        guild: GuildId,
        entry: &MirrorEntry,
        series: &MirrorSeries,
        rule: serde_json::Value,
    ) -> Result<(), DeliveryError> {
        let memory = format!("scheduled:{}", series.topic);
        let fields = ScheduledFields::of(entry);
        let id = match self.recall_id(&memory).await? {
            Some(id) => {
                guild
                    .edit_scheduled_event(
                        self.rest().await,
                        ScheduledEventId::new(id),
                        EditScheduledEvent::new()
                            .name(fields.name)
                            .description(fields.description)
                            .location(fields.place),
                    )
                    .await
                    .map_err(delivery_error)?;
                // Adapter memory is pruned after 30 days and a series outlives that: each
                // date's announcement renews it.
                self.store
                    .remember(PLATFORM, &memory, &id.to_string(), Utc::now())
                    .await
                    .map_err(store_error)?;
                if let Some(start) = self.series_start(series).await? {
                    self.store
                        .remember(
                            PLATFORM,
                            &format!("{memory}:start"),
                            &rfc3339(start),
                            Utc::now(),
                        )
                        .await
                        .map_err(store_error)?;
                }
                id
            }
            None => {
                let began = self.making(&memory).await?;
                let made = match began {
                    Some(began) => {
                        self.event_made_since(
                            guild,
                            &fields.name,
                            &fields.place,
                            entry.starts_at,
                            began,
                        )
                        .await?
                    }
                    None => None,
                };
                // serenity 0.12's builder has no recurrence rule, so the body is sent as JSON.
                let body = serde_json::json!({
                    "name": fields.name,
                    "description": fields.description,
                    "privacy_level": 2,
                    "entity_type": 3,
                    "entity_metadata": { "location": fields.place },
                    "scheduled_start_time": rfc3339(entry.starts_at),
                    "scheduled_end_time": rfc3339(entry.ends_at),
                    "recurrence_rule": rule,
                });
                let id = match made {
                    Some(id) => id.get(),
                    None => {
                        let created = self
                            .http
                            .create_scheduled_event(guild, &body, None)
                            .await
                            .map_err(delivery_error)?;
                        crate::crash::point("discord:scheduled-created");
                        created.id.get()
                    }
                };
                let now = Utc::now();
                self.store
                    .remember(
                        PLATFORM,
                        &format!("{memory}:start"),
                        &rfc3339(entry.starts_at),
                        now,
                    )
                    .await
                    .map_err(store_error)?;
                self.store
                    .remember(PLATFORM, &memory, &id.to_string(), now)
                    .await
                    .map_err(store_error)?;
                id
            }
        };
        let Some(start) = self.series_start(series).await? else {
            return Ok(());
        };
        // A date before the recurring event began is none of its occurrences.
        for skipped in series.skipped.iter().filter(|at| **at >= start) {
            let original = recurrence::occurrence_near(start, *skipped);
            let done = format!("{memory}:exception:{}", original.timestamp());
            let sent = self
                .store
                .recall(PLATFORM, &done)
                .await
                .map_err(store_error)?;
            if sent.as_deref() != Some("cancelled") {
                let body = serde_json::json!({
                    "original_scheduled_start_time": rfc3339(original),
                    "is_canceled": true,
                });
                self.post_exception(guild, id, &body).await?;
            }
            // Remembered again each time, so it outlives the 30-day pruning while ahead.
            self.store
                .remember(PLATFORM, &done, "cancelled", Utc::now())
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// A date of a recurring series whose time is not the rule's (daylight saving moved it in
    /// UTC, or it was moved by an edit) reschedules that occurrence.
    async fn reschedule_date(
        &self,
        guild: GuildId,
        entry: &MirrorEntry,
        series: &MirrorSeries,
    ) -> Result<(), DeliveryError> {
        let memory = format!("scheduled:{}", series.topic);
        let (Some(id), Some(start)) = (
            self.recall_id(&memory).await?,
            self.series_start(series).await?,
        ) else {
            // Not mirrored yet: the series' own entry starts from its next date.
            return Ok(());
        };
        let original = recurrence::occurrence_near(start, entry.starts_at);
        // A date far before the recurring event began is none of its occurrences.
        if original == entry.starts_at || original < start {
            return Ok(());
        }
        let done = format!("{memory}:exception:{}", original.timestamp());
        let moved = format!(
            "{}-{}",
            entry.starts_at.timestamp(),
            entry.ends_at.timestamp()
        );
        if self
            .store
            .recall(PLATFORM, &done)
            .await
            .map_err(store_error)?
            .as_deref()
            == Some(moved.as_str())
        {
            return Ok(());
        }
        let body = serde_json::json!({
            "original_scheduled_start_time": rfc3339(original),
            "scheduled_start_time": rfc3339(entry.starts_at),
            "scheduled_end_time": rfc3339(entry.ends_at),
            "is_canceled": false,
        });
        self.post_exception(guild, id, &body).await?;
        self.store
            .remember(PLATFORM, &done, &moved, Utc::now())
            .await
            .map_err(store_error)
    }

    /// When the series' recurring event began (its rule's `start`), as remembered at creation.
    async fn series_start(
        &self,
        series: &MirrorSeries,
    ) -> Result<Option<chrono::DateTime<Utc>>, DeliveryError> {
        Ok(self
            .store
            .recall(PLATFORM, &format!("scheduled:{}:start", series.topic))
            .await
            .map_err(store_error)?
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// `POST .../scheduled-events/{id}/exceptions`, which serenity 0.12 has no route for: sent
    /// with the same base and token as serenity's own requests. An exception names its
    /// occurrence by the original start time, so a retry names the same occurrence.
    async fn post_exception(
        &self,
        guild: GuildId,
        event: u64,
        body: &serde_json::Value,
    ) -> Result<(), DeliveryError> {
        let base = self
            .http
            .proxy
            .as_deref()
            .unwrap_or("https://discord.com")
            .trim_end_matches('/');
        let url = format!("{base}/api/v10/guilds/{guild}/scheduled-events/{event}/exceptions");
        self.pace.admit().await;
        let response = self
            .web
            .post(url)
            .header(reqwest::header::AUTHORIZATION, self.http.token())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| DeliveryError::Transient(e.to_string()))?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let why = format!("scheduled event exception: HTTP {status}: {text}");
        Err(match status {
            429 => DeliveryError::RateLimited {
                retry_after: chrono::Duration::seconds(2),
            },
            400 | 403 | 404 => DeliveryError::Permanent(why),
            _ => DeliveryError::Transient(why),
        })
    }

    /// The Scheduled Event an earlier try begun at `began` made, if Discord has it: events
    /// carry no idempotency key, so it is known by its creator (the bot), its exact name, start
    /// and place, and its being made since. The oldest such event is the first try's.
    async fn event_made_since(
        &self,
        guild: GuildId,
        name: &str,
        place: &str,
        starts_at: chrono::DateTime<Utc>,
        began: chrono::DateTime<Utc>,
    ) -> Result<Option<ScheduledEventId>, DeliveryError> {
        let me = self.me().await?;
        let events = guild
            .scheduled_events(self.rest().await, false)
            .await
            .map_err(delivery_error)?;
        let found = events
            .into_iter()
            .filter(|event| {
                event.creator_id == Some(me)
                    && event.name == name
                    && event.start_time.unix_timestamp() == starts_at.timestamp()
                    && event.metadata.as_ref().and_then(|m| m.location.as_deref()) == Some(place)
                    && made_since(event.id.created_at(), began)
            })
            .map(|event| event.id)
            .min();
        if let Some(event) = found {
            tracing::info!(%event, "found the scheduled event an interrupted try made; reusing it");
        }
        Ok(found)
    }
}
