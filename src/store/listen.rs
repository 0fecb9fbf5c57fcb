//! LISTEN/NOTIFY: work queued by one process, heard at once by the others sharing its
//! PostgreSQL database.
//! After a command or a job queues work, the process says so on a channel (`NOTIFY`); every
//! other process listens there, on a connection of its own (`LISTEN`), and wakes its loops
//! instead of waiting for its next look. SQLite needs none of this: one process per file.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

/// The channel every Rounds process on one database speaks and listens on.
pub(super) const CHANNEL: &str = "rounds_work";

/// How long to wait before listening again after the connection could not be made.
const RETRY: Duration = Duration::from_secs(1);

/// Where a PostgreSQL store listens, and the name it signs its notices with.
pub(super) struct WorkChannel {
    url: String,
    /// This store's name on the channel (letters and digits only, as it is written into the
    /// statement): its own notices are not news to it.
    me: String,
}

impl WorkChannel {
    pub(super) fn new(url: &str) -> WorkChannel {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        WorkChannel {
            url: url.to_string(),
            me: format!("p{}n{nanos}", std::process::id()),
        }
    }

    /// The statement that tells the others.
    pub(super) fn statement(&self) -> String {
        format!("NOTIFY {CHANNEL}, '{}'", self.me)
    }

    /// A count bumped whenever another process says it queued work, and whenever listening
    /// had to start again (a notice may have been missed meanwhile). It listens, on a
    /// connection of its own, until every receiver is dropped.
    pub(super) fn listen(&self) -> watch::Receiver<u64> {
        let (heard, receiver) = watch::channel(0);
        tokio::spawn(listen(self.url.clone(), self.me.clone(), heard));
        receiver
    }
}

async fn listen(url: String, me: String, heard: watch::Sender<u64>) {
    let bump = || heard.send_modify(|n| *n = n.wrapping_add(1));
    loop {
        let mut listener = match connect(&url).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for other processes' work; their work is found by the next look instead");
                tokio::select! {
                    _ = heard.closed() => return,
                    _ = tokio::time::sleep(RETRY) => continue,
                }
            }
        };
        // Listening (again): what was said before is looked for.
        bump();
        loop {
            tokio::select! {
                _ = heard.closed() => return,
                received = listener.try_recv() => match received {
                    Ok(Some(notice)) if notice.payload() == me => {}
                    Ok(Some(_)) => bump(),
                    // The connection was lost; sqlx makes it again on the next call, and what
                    // was said meanwhile is looked for.
                    Ok(None) => bump(),
                    Err(error) => {
                        tracing::warn!(%error, "lost the connection that hears other processes' work; listening again");
                        break;
                    }
                },
            }
        }
    }
}

async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
