//! Logging in once and keeping the same device: the session (device id, token) and the crypto
//! store live in the data directory, so keys keep working and transaction ids keep
//! deduplicating across restarts.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::encryption::CryptoStoreError;
use matrix_sdk::{Client, SessionMeta, SessionTokens};

use crate::config::MatrixConfig;

/// Holds the data directory for this process alone until dropped.
pub struct StoreLock {
    _file: File,
}

pub struct Connected {
    pub client: Client,
    /// True when this process logged in afresh: history before now is skipped.
    pub first_start: bool,
    pub lock: StoreLock,
}

pub fn store_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("matrix")
}

/// A second process on the same store would corrupt its crypto state: refuse to start.
fn lock(dir: &Path) -> anyhow::Result<StoreLock> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the Matrix store at {}", dir.display()))?;
    let path = dir.join("rounds.lock");
    let file = OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(StoreLock { _file: file }),
        Err(TryLockError::WouldBlock) => bail!(
            "another Rounds process is already using the Matrix store in {}; stop it first (two processes on one store break encryption)",
            dir.display()
        ),
        Err(TryLockError::Error(error)) => Err(error.into()),
    }
}

async fn build_client(config: &MatrixConfig, dir: &Path) -> anyhow::Result<Client> {
    Client::builder()
        .homeserver_url(&config.homeserver)
        .sqlite_store(dir.join("store"), None)
        // The outbox owns retries (with the same transaction id); the SDK must not retry
        // for minutes inside one send.
        .request_config(
            RequestConfig::new()
                .timeout(std::time::Duration::from_secs(60))
                .disable_retry(),
        )
        .build()
        .await
        .context("cannot set up the Matrix client")
}

/// Restores the saved session, or logs in and saves it.
pub async fn connect(config: &MatrixConfig, data_dir: &Path) -> anyhow::Result<Connected> {
    let dir = store_dir(data_dir);
    let lock = lock(&dir)?;
    let session_path = dir.join("session.json");
    let client = build_client(config, &dir).await?;

    if let Ok(saved) = std::fs::read(&session_path) {
        let session: MatrixSession =
            serde_json::from_slice(&saved).context("the saved Matrix session is unreadable")?;
        restore(&client, session).await?;
        return Ok(Connected {
            client,
            first_start: false,
            lock,
        });
    }

    if let Some(token) = &config.access_token {
        let (user_id, device_id) = whoami(&config.homeserver, token).await?;
        let session = MatrixSession {
            meta: SessionMeta {
                user_id: user_id
                    .parse()
                    .context("the homeserver returned a bad user id")?,
                device_id: device_id.into(),
            },
            tokens: SessionTokens {
                access_token: token.clone(),
                refresh_token: None,
            },
        };
        restore(&client, session.clone()).await?;
        save(&session_path, &session)?;
    } else if let Some(password) = &config.password {
        client
            .matrix_auth()
            .login_username(&config.user, password)
            .initial_device_display_name("Rounds")
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "logging in to {} as {} failed: {e}",
                    config.homeserver,
                    config.user
                )
            })?;
        let session = client
            .matrix_auth()
            .session()
            .ok_or_else(|| anyhow!("the homeserver accepted the login but returned no session"))?;
        save(&session_path, &session)?;
    } else {
        bail!("set ROUNDS_MATRIX_PASSWORD or ROUNDS_MATRIX_ACCESS_TOKEN");
    }
    Ok(Connected {
        client,
        first_start: true,
        lock,
    })
}

async fn restore(client: &Client, session: MatrixSession) -> anyhow::Result<()> {
    match client.restore_session(session).await {
        Err(matrix_sdk::Error::CryptoStoreError(error))
            if matches!(*error, CryptoStoreError::MismatchedAccount { .. }) =>
        {
            bail!(
                "the Matrix store belongs to another device ({error}); move the data directory's matrix/ folder away to start afresh"
            )
        }
        other => other.context("restoring the Matrix session failed"),
    }
}

fn save(path: &Path, session: &MatrixSession) -> anyhow::Result<()> {
    let json = serde_json::to_vec(session)?;
    let temp = path.with_extension("json.tmp");
    std::fs::write(&temp, json)?;
    restrict(&temp)?;
    std::fs::rename(&temp, path)?;
    Ok(())
}

/// The session file holds an access token: readable by this user only.
#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// With only a token, the device id must come from the homeserver.
async fn whoami(homeserver: &str, token: &str) -> anyhow::Result<(String, String)> {
    #[derive(serde::Deserialize)]
    struct WhoAmI {
        user_id: String,
        device_id: Option<String>,
    }
    let url = format!(
        "{}/_matrix/client/v3/account/whoami",
        homeserver.trim_end_matches('/')
    );
    let response = matrix_sdk::reqwest::Client::new()
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("cannot reach {homeserver}"))?;
    if !response.status().is_success() {
        bail!(
            "the homeserver refused the access token (HTTP {})",
            response.status()
        );
    }
    let body = response.bytes().await?;
    let who: WhoAmI = serde_json::from_slice(&body)?;
    let device = who.device_id.ok_or_else(|| {
        anyhow!("this access token has no device; log in with a password instead")
    })?;
    Ok((who.user_id, device))
}
