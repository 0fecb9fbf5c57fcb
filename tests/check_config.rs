//! `rounds check-config` checks what would stop Rounds from running (the database, the data
//! directory, the HTTP port, settings that name one another) and warns about what runs but
//! was probably not meant; `rounds migrate` says what it applied. Each case runs the binary.

mod support;

use std::path::Path;
use std::process::{Output, Stdio};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `rounds` in `dir` with only the given `ROUNDS_*` variables.
fn rounds_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut command = support::rounds_command();
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run rounds");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `check-config` on `toml` written to a file in a fresh directory that is also the data
/// directory (so nothing outside it is touched).
fn check_file(toml: &str, envs: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rounds.toml");
    std::fs::write(&path, toml).unwrap();
    let data = dir.path().to_string_lossy().into_owned();
    let mut all = vec![("ROUNDS_DATA_DIR", data.as_str())];
    all.extend_from_slice(envs);
    rounds_in(
        dir.path(),
        &["check-config", "--config", &path.to_string_lossy()],
        &all,
    )
}

fn assert_error(run: &Run, expected: &[&str]) {
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "missing {text:?} in:\n{}",
            run.stderr
        );
    }
}

fn assert_passes(run: &Run) {
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("configuration is valid"),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
}

#[test]
fn an_unknown_database_scheme_is_refused_in_the_file_and_the_environment() {
    let run = check_file("[database]\nurl = \"mysql://rounds@db/rounds\"\n", &[]);
    assert_error(
        &run,
        &[
            "`database.url`",
            "line 2",
            "`mysql:`",
            "postgres://",
            "sqlite:",
            ":memory:",
        ],
    );
    let run = check_file(
        "",
        &[("ROUNDS_DATABASE_URL", "postgress://rounds@127.0.0.1/rounds")],
    );
    assert_error(&run, &["ROUNDS_DATABASE_URL", "did you mean postgres://?"]);
}

#[test]
fn an_unknown_scheme_given_to_migrate_or_shell_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_string_lossy();
    for args in [
        &["migrate", "--db", "mysql://rounds@db/rounds"][..],
        &["shell", "--db", "mysql://rounds@db/rounds"][..],
    ] {
        let run = rounds_in(dir.path(), args, &[("ROUNDS_DATA_DIR", &data)]);
        assert_error(&run, &["--db", "`mysql:`", "postgres://"]);
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "{made:?}");
}

#[test]
fn an_unreachable_database_names_the_setting_and_the_fix() {
    // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    let run = check_file(
        "",
        &[(
            "ROUNDS_DATABASE_URL",
            "postgres://rounds:hunter2@127.0.0.1:1/rounds",
        )],
    );
    assert_error(
        &run,
        &[
            "database.url",
            "ROUNDS_DATABASE_URL",
            "cannot connect",
            "server is running",
        ],
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.db");
    std::fs::write(
        &file,
        "these are ward notes, not a database, and long enough to be read",
    )
    .unwrap();
    let run = rounds_in(
        dir.path(),
        &["check-config"],
        &[
            ("ROUNDS_DATA_DIR", &dir.path().to_string_lossy()),
            ("ROUNDS_DATABASE_URL", &file.to_string_lossy()),
        ],
    );
    assert_error(
        &run,
        &[
            "`database.url` (from ROUNDS_DATABASE_URL)",
            "not a database",
            "Rounds SQLite database",
        ],
    );
}

#[test]
fn migrate_names_what_it_applied_and_check_config_reports_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().into_owned();
    let envs = [("ROUNDS_DATA_DIR", data.as_str())];
    let db = dir.path().join("rounds.db");

    // Before: nothing exists, and checking creates nothing.
    let run = rounds_in(dir.path(), &["check-config"], &envs);
    assert_passes(&run);
    assert!(run.stdout.contains("not created yet"), "{}", run.stdout);
    assert!(!db.exists(), "check-config created the database");

    let run = rounds_in(dir.path(), &["migrate"], &envs);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("applied "), "{}", run.stdout);
    assert!(run.stdout.contains("0001 "), "{}", run.stdout);

    let run = rounds_in(dir.path(), &["migrate"], &envs);
    assert!(run.stdout.contains("already up to date"), "{}", run.stdout);

    let run = rounds_in(dir.path(), &["check-config"], &envs);
    assert_passes(&run);
    assert!(
        run.stdout.contains("none pending (up to date)"),
        "{}",
        run.stdout
    );

    // A migration the database lacks is reported pending, and not applied by checking.
    let rows = forget_last_migration(&db);
    let run = rounds_in(dir.path(), &["check-config"], &envs);
    assert_passes(&run);
    assert!(run.stdout.contains("1 pending"), "{}", run.stdout);
    assert_eq!(
        count_migrations(&db),
        rows - 1,
        "check-config applied a migration"
    );
}

fn forget_last_migration(db: &Path) -> i64 {
    sql_on(
        db,
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    ) + 1
}

fn count_migrations(db: &Path) -> i64 {
    sql_on(db, "")
}

/// Runs `statement` (if any) on the SQLite file, then counts its applied migrations.
fn sql_on(db: &Path, statement: &str) -> i64 {
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}", db.display());
    let statement = statement.to_string();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            if !statement.is_empty() {
                sqlx::query(sqlx::AssertSqlSafe(statement))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            let count: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get(0);
            conn.close().await.unwrap();
            count
        })
}

#[test]
fn a_missing_or_unwritable_data_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("missing").join("deeper");
    let run = rounds_in(
        dir.path(),
        &["check-config"],
        &[("ROUNDS_DATA_DIR", &deep.to_string_lossy())],
    );
    assert_error(
        &run,
        &[
            "`data_dir` (from ROUNDS_DATA_DIR)",
            "does not exist",
            "missing",
            "mkdir -p",
        ],
    );
    assert!(!dir.path().join("missing").exists(), "a parent was created");

    // Nobody, root included, can create a file in /proc.
    let run = rounds_in(
        dir.path(),
        &["check-config"],
        &[("ROUNDS_DATA_DIR", "/proc")],
    );
    assert_error(&run, &["`data_dir`", "cannot write in /proc", "writable"]);

    // One missing level is fine: Rounds creates the data directory itself.
    let fresh = dir.path().join("fresh");
    let run = rounds_in(
        dir.path(),
        &["check-config"],
        &[("ROUNDS_DATA_DIR", &fresh.to_string_lossy())],
    );
    assert_passes(&run);
    assert!(
        run.stdout.contains("created on first start"),
        "{}",
        run.stdout
    );
    assert!(!fresh.exists(), "check-config created the data directory");
}

#[test]
fn an_http_port_in_use_is_an_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let run = check_file(&format!("[http]\nbind = \"{address}\"\n"), &[]);
    assert_error(
        &run,
        &["`http.bind`", "line 2", "already in use", "free port"],
    );
    drop(taken);
    let run = check_file(&format!("[http]\nbind = \"{address}\"\n"), &[]);
    assert_passes(&run);
    assert!(run.stdout.contains("port free"), "{}", run.stdout);
}

#[test]
fn settings_that_name_other_settings_must_agree() {
    let society = |key: &str, rest: &str| {
        format!("[[societies]]\nkey = \"{key}\"\ngroups = [\"interns\"]\n{rest}")
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            society(
                "ams",
                "[societies.discord]\nguild = 10\ngroup_roles = { registrars = 11 }\n",
            ),
            vec![
                "societies.discord.group_roles",
                "line 6",
                "`registrars`",
                "add it to `groups`",
            ],
        ),
        (
            society(
                "ams",
                "[societies.matrix]\ngroup_rooms = { residents = \"!r:example.org\" }\n",
            ),
            vec![
                "societies.matrix.group_rooms",
                "line 5",
                "`residents`",
                "`interns`",
            ],
        ),
        (
            society("ams", "[societies.group_for]\nintern = \"residents\"\n"),
            vec!["societies.group_for", "line 5", "`residents`"],
        ),
        (
            format!(
                "{}{}",
                society("ams", "[societies.discord]\nguild = 10\n"),
                society("rmo", "[societies.discord]\nguild = 10\n")
            ),
            vec![
                "societies.discord.guild",
                "line 10",
                "society `ams`",
                "line 5",
                "one society only",
            ],
        ),
        (
            format!(
                "{}{}",
                society("ams", "[societies.matrix]\nrooms = [\"!a:example.org\"]\n"),
                society("rmo", "[societies.matrix]\nspace = \"!a:example.org\"\n")
            ),
            vec![
                "societies.matrix.space",
                "line 10",
                "society `ams`",
                "one society only",
            ],
        ),
        (
            format!(
                "{}{}",
                society(
                    "ams",
                    "[societies.discord]\nguild = 10\nadmin_channel = 20\n"
                ),
                society(
                    "rmo",
                    "[societies.discord]\nguild = 11\nannouncements = 20\n"
                )
            ),
            vec![
                "societies.discord.announcements",
                "line 12",
                "society `ams`",
            ],
        ),
        (
            format!(
                "{}{}",
                society(
                    "ams",
                    "[societies.matrix]\nadmin_room = \"!c:example.org\"\n"
                ),
                society(
                    "rmo",
                    "[societies.matrix]\nrooms = [\"!r:example.org\"]\ncelebrations = \"!c:example.org\"\n"
                )
            ),
            vec![
                "societies.matrix.celebrations",
                "line 11",
                "society `ams`'s room",
                "a room of its own",
            ],
        ),
        (
            society(
                "ams",
                "[societies.discord]\nguild = 10\ncommittee_role = 7\ngroup_roles = { interns = 7 }\n",
            ),
            vec![
                "societies.discord.group_roles",
                "committee_role",
                "every newcomer",
                "own role",
            ],
        ),
        (
            society(
                "ams",
                "[societies.matrix]\nadmin_room = \"!c:example.org\"\ngroup_rooms = { interns = \"!c:example.org\" }\n",
            ),
            vec!["societies.matrix.group_rooms", "admin room", "its own room"],
        ),
        (
            society(
                "ams",
                "[societies.matrix]\nrooms = [\"#general:example.org\"]\n",
            ),
            vec![
                "societies.matrix.rooms",
                "line 5",
                "not a room id",
                "aliases",
            ],
        ),
        (
            society("ams", "[societies.discord]\nguild = 0\n"),
            vec!["societies.discord.guild", "no Discord id", "Copy ID"],
        ),
        (
            society("default", ""),
            vec!["societies.key", "line 2", "reserved", "another key"],
        ),
    ];
    for (toml, expected) in cases {
        let run = check_file(&toml, &[]);
        assert_eq!(run.code, Some(1), "{toml}\n{}", run.stderr);
        for text in expected {
            assert!(
                run.stderr.contains(text),
                "missing {text:?} for\n{toml}\n{}",
                run.stderr
            );
        }
    }
    // The same ids in one society, and distinct ones across two, are fine.
    let fine = format!(
        "{}{}",
        society(
            "ams",
            "[societies.discord]\nguild = 10\nannouncements = 20\ngroup_roles = { interns = 30 }\n"
        ),
        society(
            "rmo",
            "[societies.matrix]\nrooms = [\"!r:example.org\"]\nannouncements = \"!r:example.org\"\ngroup_rooms = { interns = \"!r:example.org\" }\n"
        )
    );
    assert_passes(&check_file(&fine, &[]));
}

#[test]
fn warnings_do_not_fail_the_check() {
    let run = check_file("", &[]);
    assert_passes(&run);
    assert!(
        run.stderr.contains("warning: no platform is configured")
            && run.stderr.contains("ROUNDS_MATRIX_HOMESERVER")
            && run.stderr.contains("ROUNDS_DISCORD_TOKEN")
            && run.stderr.contains("rounds shell"),
        "{}",
        run.stderr
    );

    let run = check_file(
        "",
        &[
            ("ROUNDS_DATABSE_URL", "postgres://x@h/db"),
            ("ROUNDS_COLOUR", "blue"),
            ("ROUNDS_CONFIG_DIR_UNUSED_BUT_LONG", "x"),
        ],
    );
    assert_passes(&run);
    assert!(
        run.stderr.contains(
            "ROUNDS_DATABSE_URL is not a variable Rounds reads: did you mean ROUNDS_DATABASE_URL?"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("warning: ROUNDS_COLOUR is not a variable"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr
            .contains("ROUNDS_COLOUR is not a variable Rounds reads: did you mean"),
        "{}",
        run.stderr
    );
    // The --config variable is known, though no setting holds it.
    let run = check_file("", &[("ROUNDS_CONFIG", "/nonexistent-but-overridden.toml")]);
    assert!(
        !run.stderr.contains("ROUNDS_CONFIG is not"),
        "{}",
        run.stderr
    );

    let run = check_file(
        "[http]\npublic_url = \"https://rounds.example.org\"\n[[societies]]\nkey = \"ams\"\n\
         [societies.matrix]\nrooms = [\"!a:example.org\"]\nadmin_room = \"!c:example.org\"\n\
         announcements = \"!n:example.org\"\n",
        &[],
    );
    assert_passes(&run);
    for text in [
        "`http.public_url`",
        "`http.bind` is not",
        "`societies.matrix.announcements`",
        "not among the society's `rooms`",
        "Matrix is not configured",
    ] {
        assert!(
            run.stderr.contains(text),
            "missing {text:?}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn a_late_label_that_can_never_apply_is_a_warning() {
    let run = check_file("[scheduler]\ncatch_up = \"1h\"\nlate_after = \"2h\"\n", &[]);
    assert_passes(&run);
    assert!(
        run.stderr
            .contains("`scheduler.late_after` (2h) is not shorter than `scheduler.catch_up` (1h)")
            && run.stderr.contains("Make late_after the shorter"),
        "{}",
        run.stderr
    );
}

#[test]
fn stay_in_touch_takes_months_and_years() {
    for span in ["3 months", "1 year", "6 weeks", "1 year 6 months"] {
        let run = check_file(
            &format!("[[societies]]\nkey = \"ams\"\nstay_in_touch = \"{span}\"\n"),
            &[],
        );
        assert_passes(&run);
    }
    for span in ["4 years", "3 days", "soon"] {
        let run = check_file(
            &format!("[[societies]]\nkey = \"ams\"\nstay_in_touch = \"{span}\"\n"),
            &[],
        );
        assert_error(
            &run,
            &[
                "societies.stay_in_touch",
                "line 3",
                "between 1 week and 3 years",
                "30 days",
            ],
        );
    }
}

#[test]
fn the_example_config_passes_on_sqlite() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/rounds.example.toml");
    let dir = tempfile::tempdir().unwrap();
    let run = rounds_in(
        dir.path(),
        &["check-config", "--config", example],
        &[(
            "ROUNDS_DATA_DIR",
            &dir.path().join("data").to_string_lossy(),
        )],
    );
    assert_passes(&run);
    assert!(
        run.stdout.contains("migrations: not created yet"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn the_example_config_passes_on_postgres_and_reports_migrations() {
    let db = support::PgDatabase::create().await;
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/rounds.example.toml");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().into_owned();
    let url = db.url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let envs = [
            ("ROUNDS_DATA_DIR", data.as_str()),
            ("ROUNDS_DATABASE_URL", url.as_str()),
        ];
        let dir = Path::new(&data);
        let before = rounds_in(dir, &["check-config", "--config", example], &envs);
        let migrate = rounds_in(dir, &["migrate", "--config", example], &envs);
        let after = rounds_in(dir, &["check-config", "--config", example], &envs);
        (before, migrate, after)
    })
    .await
    .unwrap();
    db.drop().await;
    let (before, migrate, after) = outputs;
    assert_passes(&before);
    assert!(
        before.stdout.contains("0 applied") && before.stdout.contains("pending"),
        "{}",
        before.stdout
    );
    assert_eq!(migrate.code, Some(0), "{}", migrate.stderr);
    assert!(migrate.stdout.contains("0001 "), "{}", migrate.stdout);
    assert_passes(&after);
    assert!(
        after.stdout.contains("none pending (up to date)"),
        "{}",
        after.stdout
    );
    assert!(after.stdout.contains("postgres"), "{}", after.stdout);
}

#[test]
fn with_a_discord_token_the_invite_url_and_its_permissions_are_printed() {
    // A bot token starts with the bot's id in base64: here 1300000000000000002.
    let run = check_file(
        "",
        &[(
            "ROUNDS_DISCORD_TOKEN",
            "MTMwMDAwMDAwMDAwMDAwMDAwMg.GabcDe.not-a-real-secret",
        )],
    );
    assert_passes(&run);
    assert!(
        run.stdout.contains(
            "https://discord.com/oauth2/authorize?client_id=1300000000000000002\
             &scope=bot+applications.commands&permissions=17953231850560"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Attach Files"), "{}", run.stdout);
    assert!(run.stdout.contains("Create Events"), "{}", run.stdout);
    assert!(!run.stdout.contains("not-a-real-secret"), "{}", run.stdout);

    // A token of another shape: the URL with a placeholder and where the id comes from.
    let run = check_file("", &[("ROUNDS_DISCORD_TOKEN", "opaque")]);
    assert_passes(&run);
    assert!(
        run.stdout.contains(
            "client_id=<application id>&scope=bot+applications.commands&permissions=17953231850560"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Developer Portal"), "{}", run.stdout);

    let run = check_file("", &[]);
    assert!(!run.stdout.contains("oauth2"), "{}", run.stdout);
}
