//! The Matrix adapter: Rounds in Matrix rooms and spaces, encrypted ones included.
//!
//! One hand-written `sync_once` loop feeds events to the handlers in `inbound` (after a restart,
//! `catch_up` first reads each room's recent events through the same handlers); the process's
//! one `Runtime::drive` loop fires due jobs and drains the outbox through `outbound`. The library's own
//! `sync()` pauses about a second between quick syncs, which a bot answering commands feels.

pub mod catch_up;
pub mod inbound;
pub mod late_keys;
pub mod outbound;
pub mod render;
pub mod rooms;
pub mod session;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use matrix_sdk::Client;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::api::client::filter::{FilterDefinition, RoomEventFilter};
use matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter;
use matrix_sdk::ruma::presence::PresenceState;
use matrix_sdk::store::StateStoreDataKey;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::{MatrixConfig, MatrixLink};
use crate::runtime::Runtime;
pub use outbound::MatrixAdapter;
pub use rooms::PLATFORM;

/// How long one sync waits for new events before returning empty.
const SYNC_WAIT: Duration = Duration::from_secs(30);
/// How long a stop lets a sync in progress finish before dropping it.
const SYNC_STOP_GRACE: Duration = Duration::from_secs(1);
/// The name the sync filter's id is saved under in the Matrix store. A changed definition needs
/// a new name, or the id of the old one is reused.
const SYNC_FILTER: &str = "rounds-work-only-1";

/// What a sync brings: room messages, state and to-device keys, and only the account data
/// that says which rooms are direct. Presence, typing, read receipts and the rest are left on
/// the server, so a busy server does not wake Rounds for them.
fn work_only() -> FilterDefinition {
    let mut filter = FilterDefinition::default();
    filter.presence = matrix_sdk::ruma::api::client::filter::Filter::ignore_all();
    filter.account_data.types = Some(vec!["m.direct".to_string()]);
    filter.room.ephemeral = RoomEventFilter::ignore_all();
    filter.room.account_data = RoomEventFilter::ignore_all();
    filter
}

/// Sync settings with the work-only filter, uploaded once (the server keeps it under an id,
/// which keeps every sync's URL short); sent whole if the upload fails. Presence offline:
/// a bot is not someone to see online, and an online sync would keep presence traffic going.
async fn sync_settings(client: &Client) -> SyncSettings {
    let filter = match client.get_or_upload_filter(SYNC_FILTER, work_only()).await {
        Ok(id) => Filter::FilterId(id),
        Err(error) => {
            tracing::warn!(%error, "cannot upload the sync filter; sending it with each sync");
            Filter::FilterDefinition(work_only())
        }
    };
    SyncSettings::default()
        .filter(filter)
        .set_presence(PresenceState::Offline)
}

pub struct MatrixBot {
    pub client: Client,
    pub adapter: Arc<MatrixAdapter>,
    handlers: inbound::Handlers,
    /// The store holds a sync token from an earlier run: what that run's handlers may not
    /// have finished is read again before syncing on.
    catch_up: bool,
    _lock: session::StoreLock,
}

/// Whether an earlier run synced (and so saved a token) with this store.
async fn has_synced(client: &Client) -> bool {
    match client
        .state_store()
        .get_kv_data(StateStoreDataKey::SyncToken)
        .await
    {
        Ok(token) => token.is_some(),
        Err(error) => {
            tracing::warn!(%error, "cannot read the saved sync token; starting as if new");
            false
        }
    }
}

impl MatrixBot {
    /// Logs in (or restores the saved session), cross-signs the device and prepares the
    /// handlers; nothing is answered yet (a first start's one sync only skips history).
    pub async fn connect(
        config: &MatrixConfig,
        links: Vec<MatrixLink>,
        data_dir: &Path,
        runtime: Arc<Runtime>,
        clock: Clock,
    ) -> anyhow::Result<MatrixBot> {
        let connected = session::connect(config, data_dir).await?;
        let client = connected.client;
        // A first start cut short before its first sync has a session but no token.
        let synced_before = !connected.first_start && has_synced(&client).await;
        if !synced_before {
            // History from before Rounds arrived is not for it to answer: one sync before any
            // handler is registered moves the stored token past it. The same sync uploads the
            // new device's keys, which cross-signing then signs.
            client
                .sync_once(sync_settings(&client).await.timeout(Duration::ZERO))
                .await?;
        }
        session::cross_sign(&client, config, &session::store_dir(data_dir)).await;
        let own_user = client
            .user_id()
            .ok_or_else(|| anyhow::anyhow!("logged in but the client has no user id"))?
            .to_owned();
        let rooms = Arc::new(rooms::Rooms::new(links, &own_user));
        let adapter = Arc::new(MatrixAdapter::new(
            client.clone(),
            runtime.bot().store().clone(),
            rooms.clone(),
        ));
        tracing::info!(user = %own_user, first_start = connected.first_start, "connected to Matrix");
        runtime.readiness().expect(PLATFORM);
        let late = late_keys::LateKeys::new(
            runtime.bot().store().clone(),
            clock.clone(),
            runtime.bot().settings().catch_up,
        );
        Ok(MatrixBot {
            client,
            adapter,
            handlers: inbound::Handlers {
                runtime,
                rooms,
                clock,
                own_user,
                late,
                aside: inbound::Aside::default(),
            },
            catch_up: synced_before,
            _lock: connected.lock,
        })
    }

    /// Syncs until `shutdown` turns true; answers go out through `Runtime::drive`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
        let settings = sync_settings(&self.client).await;
        self.handlers.late.load().await;
        inbound::register(&self.client, self.handlers.clone());
        // Listening starts before the first sync, so no key it brings goes unseen.
        let late_keys = inbound::watch_late_keys(&self.client, self.handlers.clone()).await;
        if late_keys.is_none() {
            tracing::warn!("no encryption machine; messages sent before their keys stay unread");
        }
        if self.catch_up {
            catch_up::catch_up(&self.client, &self.handlers, &shutdown).await;
        }
        inbound::answer_pending_invites(&self.client, &self.handlers.rooms).await;
        self.handlers.rooms.refresh_spaces(&self.client).await;

        let mut backoff = Duration::from_secs(1);
        let mut syncs: u64 = 0;
        loop {
            let stopped = *shutdown.borrow();
            if stopped {
                break;
            }
            let sync = self.client.sync_once(settings.clone().timeout(SYNC_WAIT));
            tokio::pin!(sync);
            let synced = tokio::select! {
                result = &mut sync => Some(result),
                _ = shutdown.wait_for(|stop| *stop) => None,
            };
            let Some(result) = synced else {
                // A sync that has events in hand is handing them to the handlers: let it
                // queue their answers. One still waiting on the server is dropped; its
                // token was not saved, so the next start reads the same events.
                let _ = tokio::time::timeout(SYNC_STOP_GRACE, sync).await;
                break;
            };
            match result {
                Ok(_) => {
                    self.handlers.runtime.readiness().connected(PLATFORM);
                    backoff = Duration::from_secs(1);
                    syncs += 1;
                    // Spaces change rarely; re-read their children now and then.
                    if syncs.is_multiple_of(20) {
                        self.handlers.rooms.refresh_spaces(&self.client).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, ?backoff, "Matrix sync failed; retrying");
                    self.handlers
                        .runtime
                        .readiness()
                        .disconnected(PLATFORM, "sync failing");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.wait_for(|stop| *stop) => break,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
        if let Some(task) = late_keys {
            task.abort();
        }
        self.handlers.aside.abandon();
        self.handlers
            .runtime
            .readiness()
            .disconnected(PLATFORM, "stopped");
        tracing::info!("stopped syncing with Matrix");
        Ok(())
    }
}
