//! Logging in once and keeping the same device: the session (device id, token) and the crypto
//! store live in the data directory, so keys keep working and transaction ids keep
//! deduplicating across restarts. The device is cross-signed by the account, because current
//! Element (MSC4153) shares room keys only with devices their owner has signed.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::encryption::CryptoStoreError;
use matrix_sdk::ruma::api::client::uiaa;
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
    write_private(path, &serde_json::to_vec(session)?)?;
    Ok(())
}

/// The session file (an access token) and the recovery key are readable by this user only,
/// from the moment they exist; a rename puts a whole file in place.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temp = path.with_extension("tmp");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temp)?;
    // A temp file left by an earlier crash keeps its old mode through `open`.
    restrict(&temp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Where a first start keeps the recovery key it made, for the operator to copy.
pub fn recovery_key_path(dir: &Path) -> PathBuf {
    dir.join("recovery-key")
}

/// Makes this device one the account has cross-signed: on a new account by creating the
/// cross-signing keys (and secret storage, whose recovery key is saved beside the session);
/// on an account that has them by unlocking them with the recovery key. Nothing here stops
/// the bot: without cross-signing it still works for clients that do not require it.
pub async fn cross_sign(client: &Client, config: &MatrixConfig, dir: &Path) {
    if let Err(error) = try_cross_sign(client, config, dir).await {
        tracing::warn!(
            "cross-signing this Matrix device failed, so members on current Element cannot exchange encrypted messages with Rounds; it is tried again on the next start: {error:#}"
        );
    }
}

async fn try_cross_sign(client: &Client, config: &MatrixConfig, dir: &Path) -> anyhow::Result<()> {
    let encryption = client.encryption();
    // The SDK's own start-up task reads backup and recovery state; ours must not race it.
    encryption.wait_for_e2ee_initialization_tasks().await;
    let own = client
        .user_id()
        .ok_or_else(|| anyhow!("logged in but the client has no user id"))?
        .to_owned();
    let holds_keys = encryption
        .cross_signing_status()
        .await
        .is_some_and(|status| status.is_complete());
    if !holds_keys {
        let published = encryption
            .request_user_identity(&own)
            .await
            .context("cannot fetch the account's cross-signing keys")?;
        if published.is_some() {
            return recover(client, config, dir).await;
        }
        bootstrap(client, config).await?;
        tracing::info!(user = %own, "created cross-signing keys and signed this Matrix device");
    }
    // Checked on every start, so a first start cut short between the two steps still ends
    // with a recovery key.
    let secret_storage = encryption.secret_storage();
    if !secret_storage
        .is_enabled()
        .await
        .context("cannot read the account's secret storage")?
    {
        let store = secret_storage
            .create_secret_store()
            .await
            .context("cannot set up secret storage for the cross-signing keys")?;
        let path = recovery_key_path(dir);
        write_private(&path, store.secret_storage_key().as_bytes())
            .with_context(|| format!("cannot save the recovery key to {}", path.display()))?;
        tracing::info!(
            "saved the Matrix account's new recovery key in {}: keep a copy somewhere safe, and set ROUNDS_MATRIX_RECOVERY_KEY to it when Rounds starts without this data directory",
            path.display()
        );
    }
    Ok(())
}

/// Uploads new cross-signing keys, answering the homeserver's password challenge when it
/// asks for one (homeservers with MSC3967 do not, for an account's first keys).
async fn bootstrap(client: &Client, config: &MatrixConfig) -> anyhow::Result<()> {
    let encryption = client.encryption();
    let Err(error) = encryption.bootstrap_cross_signing(None).await else {
        return Ok(());
    };
    let Some(challenge) = error.as_uiaa_response() else {
        return Err(error).context("cannot upload new cross-signing keys");
    };
    let Some(password) = &config.password else {
        bail!(
            "the homeserver wants the account's password to create cross-signing keys: set ROUNDS_MATRIX_PASSWORD for one start"
        );
    };
    let mut auth = uiaa::Password::new(
        uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(config.user.clone())),
        password.clone(),
    );
    auth.session = challenge.session.clone();
    encryption
        .bootstrap_cross_signing(Some(uiaa::AuthData::Password(auth)))
        .await
        .context("the homeserver refused the new cross-signing keys")
}

/// The account was cross-signed before this device: its keys come out of secret storage with
/// the recovery key, and importing them signs this device.
async fn recover(client: &Client, config: &MatrixConfig, dir: &Path) -> anyhow::Result<()> {
    let saved = recovery_key_path(dir);
    let given = |key: String, source: String| {
        let key = key.trim().to_string();
        (!key.is_empty()).then_some((key, source))
    };
    let key = config
        .recovery_key
        .clone()
        .and_then(|key| given(key, "ROUNDS_MATRIX_RECOVERY_KEY".to_string()))
        .or_else(|| {
            let key = std::fs::read_to_string(&saved).ok()?;
            given(key, saved.display().to_string())
        });
    let Some((key, source)) = key else {
        tracing::warn!(
            "the Matrix account {} already has cross-signing keys, but no recovery key was given, so this device stays unsigned and members on current Element cannot exchange encrypted messages with Rounds: set ROUNDS_MATRIX_RECOVERY_KEY to the recovery key the first start saved in its data directory as matrix/recovery-key (or to the account's recovery key from another client)",
            config.user
        );
        return Ok(());
    };
    let encryption = client.encryption();
    let store = encryption
        .secret_storage()
        .open_secret_store(&key)
        .await
        .with_context(|| {
            format!("the recovery key in {source} does not open this account's secret storage")
        })?;
    store
        .import_secrets()
        .await
        .context("cannot import the cross-signing keys from secret storage")?;
    if !encryption
        .cross_signing_status()
        .await
        .is_some_and(|status| status.has_self_signing)
    {
        bail!("the account's secret storage holds no self-signing key to sign this device with");
    }
    tracing::info!(user = %config.user, "unlocked the account's cross-signing keys with the recovery key and signed this Matrix device");
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
