//! The schema's migrations: applying them, and reading which are applied without applying any
//! (for `rounds check-config`). sqlx records each applied one in `_sqlx_migrations`.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use sqlx::any::install_default_drivers;
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, Connection, Row};

use super::pool::SqlStore;
use super::url::{Backend, DatabaseUrl};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long `migration_state` waits for the database to answer.
const CONNECT_TIMEOUT: StdDuration = StdDuration::from_secs(10);

fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// One migration of this build, as `0003 coffee rounds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationName {
    pub version: i64,
    pub description: String,
}

impl std::fmt::Display for MigrationName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04} {}", self.version, self.description)
    }
}

/// Where a database stands against this build's migrations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationState {
    /// Whether the database exists yet (a SQLite file not yet created does not).
    pub exists: bool,
    pub applied: Vec<MigrationName>,
    pub pending: Vec<MigrationName>,
    /// Applied, but the file in this build differs from what was applied: sqlx refuses to
    /// start on such a database.
    pub changed: Vec<MigrationName>,
    /// Started and never finished (a crash mid-migration): needs a person to look.
    pub failed: Vec<i64>,
    /// Applied versions this build does not know: the database is newer than this binary.
    pub unknown: Vec<i64>,
}

impl MigrationState {
    /// Whether `rounds run` would start on this database.
    pub fn is_usable(&self) -> bool {
        self.changed.is_empty() && self.failed.is_empty() && self.unknown.is_empty()
    }
}

/// What `_sqlx_migrations` holds: version → (checksum, finished).
type AppliedRows = BTreeMap<i64, (Vec<u8>, bool)>;

async fn applied_rows(conn: &mut AnyConnection, backend: Backend) -> anyhow::Result<AppliedRows> {
    let exists_sql = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()"
        }
    };
    let tables: i64 = sqlx::query(exists_sql)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if tables == 0 {
        return Ok(AppliedRows::new());
    }
    let mut rows = AppliedRows::new();
    // `success` is BOOLEAN on PostgreSQL and an integer on SQLite; both read it in a WHERE.
    for (finished, sql) in [
        (
            true,
            "SELECT version, checksum FROM _sqlx_migrations WHERE success",
        ),
        (
            false,
            "SELECT version, checksum FROM _sqlx_migrations WHERE NOT success",
        ),
    ] {
        for row in sqlx::query(sql).fetch_all(&mut *conn).await? {
            rows.insert(row.try_get(0)?, (row.try_get(1)?, finished));
        }
    }
    Ok(rows)
}

fn state_of(backend: Backend, rows: &AppliedRows) -> MigrationState {
    let mut state = MigrationState {
        exists: true,
        ..MigrationState::default()
    };
    let migrations: Vec<_> = migrator(backend)
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    for migration in &migrations {
        let name = MigrationName {
            version: migration.version,
            description: migration.description.to_string(),
        };
        match rows.get(&migration.version) {
            None => state.pending.push(name),
            Some((_, false)) => state.failed.push(migration.version),
            Some((checksum, true)) if checksum[..] != migration.checksum[..] => {
                state.changed.push(name)
            }
            Some(_) => state.applied.push(name),
        }
    }
    state.unknown = rows
        .keys()
        .filter(|v| !migrations.iter().any(|m| m.version == **v))
        .copied()
        .collect();
    state
}

impl SqlStore {
    /// `open`, also saying which migrations it applied (none when the schema was up to date).
    pub async fn open_reporting(
        url: &DatabaseUrl,
    ) -> anyhow::Result<(SqlStore, Vec<MigrationName>)> {
        let store = SqlStore::connect(url).await?;
        let applied = store.migrate().await?;
        Ok((store, applied))
    }

    /// Applies the pending migrations and names them: those pending when it began (another
    /// process migrating the same PostgreSQL database at once may have applied some of them;
    /// sqlx's lock keeps each one applied once).
    pub async fn migrate(&self) -> anyhow::Result<Vec<MigrationName>> {
        let mut conn = self.pool.acquire().await?;
        let before = state_of(
            self.backend(),
            &applied_rows(&mut conn, self.backend()).await?,
        );
        drop(conn);
        migrator(self.backend())
            .run(&self.pool)
            .await
            .map_err(|e| anyhow::anyhow!("migrating the database failed: {e}"))?;
        Ok(before.pending)
    }

    /// Which migrations `url` has, without applying any or creating anything: a SQLite file is
    /// opened read-only, and one that does not exist yet has every migration pending.
    pub async fn migration_state(url: &DatabaseUrl) -> anyhow::Result<MigrationState> {
        let all_pending = || {
            let mut state = state_of(url.backend(), &AppliedRows::new());
            state.exists = false;
            state
        };
        let connect_to = match (url.backend(), url.file()) {
            (Backend::Sqlite, None) => return Ok(all_pending()),
            (Backend::Sqlite, Some(file)) if !file.exists() => return Ok(all_pending()),
            (Backend::Sqlite, Some(file)) => format!("sqlite://{}?mode=ro", file.display()),
            (Backend::Postgres, _) => url.as_str().to_string(),
        };
        install_default_drivers();
        let cannot = |why: String| anyhow::anyhow!("cannot connect to {}: {why}", url.redacted());
        // One connection, not a pool: a pool reports only "timed out", hiding "refused".
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect(&connect_to))
            .await
            .map_err(|_| cannot(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| cannot(e.to_string()))?;
        let rows = applied_rows(&mut conn, url.backend()).await;
        let _ = conn.close().await;
        Ok(state_of(url.backend(), &rows?))
    }
}
