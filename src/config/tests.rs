//! The config file and environment overlay: what is accepted, and how errors name the key.

use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rounds.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn defaults_need_no_file() {
    let config = Config::load(None, &env(&[])).unwrap();
    assert_eq!(config.data_dir, PathBuf::from("data"));
    assert_eq!(config.database.as_str(), "sqlite://data/rounds.db?mode=rwc");
    assert_eq!(config.timezone, Tz::UTC);
    assert!(config.matrix.is_none() && config.discord.is_none());
}

#[test]
fn environment_overrides_the_file() {
    let (_dir, path) = file("timezone = \"Europe/London\"\n[database]\nurl = \"a.db\"\n");
    let config = Config::load(
        Some(&path),
        &env(&[
            ("ROUNDS_TIMEZONE", "Australia/Sydney"),
            ("ROUNDS_DATABASE_URL", "postgres://x@h/db"),
        ]),
    )
    .unwrap();
    assert_eq!(config.timezone.name(), "Australia/Sydney");
    assert_eq!(config.database.backend(), crate::store::Backend::Postgres);
}

#[test]
fn errors_name_the_key_and_line() {
    let (_dir, path) =
        file("data_dir = \"d\"\n\n[[societies]]\nkey = \"ams\"\ntimezone = \"Mars/Olympus\"\n");
    let error = Config::load(Some(&path), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("societies.timezone") && error.contains("line 5"),
        "{error}"
    );

    let (_dir, path) = file("[scheduler]\ncatchup = \"7d\"\n");
    let error = Config::load(Some(&path), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("catchup") && error.contains("line 2"),
        "{error}"
    );
}

#[test]
fn secrets_in_the_file_are_refused() {
    let (_dir, path) =
        file("[matrix]\nhomeserver = \"http://h\"\nuser = \"@r:h\"\npassword = \"hunter2\"\n");
    let error = Config::load(Some(&path), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("ROUNDS_MATRIX_PASSWORD") && !error.contains("hunter2"),
        "{error}"
    );
}

#[test]
fn icebreakers_come_from_the_named_file() {
    let (_dir, path) = file("[coffee]\nicebreakers = \"nowhere.toml\"\n");
    let error = Config::load(Some(&path), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(error.contains("coffee.icebreakers"), "{error}");
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("icebreakers.toml");
    std::fs::write(&list, "prompts = [\"Favourite ward snack?\"]").unwrap();
    let config = Config::load(
        None,
        &env(&[("ROUNDS_COFFEE_ICEBREAKERS", list.to_str().unwrap())]),
    )
    .unwrap();
    assert_eq!(
        config.icebreakers,
        vec!["Favourite ward snack?".to_string()]
    );
    assert!(Config::load(None, &env(&[])).unwrap().icebreakers.len() > 5);
}

#[test]
fn shard_ranges() {
    assert_eq!(
        ShardRange::parse("0-3/8"),
        Some(ShardRange {
            first: 0,
            last: 3,
            total: 8
        })
    );
    assert_eq!(
        ShardRange::parse("5/8"),
        Some(ShardRange {
            first: 5,
            last: 5,
            total: 8
        })
    );
    for bad in ["", "3", "4-2/8", "0-8/8", "a/b"] {
        assert_eq!(ShardRange::parse(bad), None, "{bad}");
    }
}

#[test]
fn matrix_from_environment_alone() {
    let config = Config::load(
        None,
        &env(&[
            ("ROUNDS_MATRIX_HOMESERVER", "http://127.0.0.1:8008"),
            ("ROUNDS_MATRIX_USER", "@rounds:localhost"),
            ("ROUNDS_MATRIX_PASSWORD", "pw"),
        ]),
    )
    .unwrap();
    let matrix = config.matrix.unwrap();
    assert_eq!(matrix.user, "@rounds:localhost");
    assert!(
        !format!("{matrix:?}").contains("pw\""),
        "secrets are redacted in Debug"
    );
}

#[test]
fn the_matrix_recovery_key_comes_from_the_environment_and_is_redacted() {
    let config = Config::load(
        None,
        &env(&[
            ("ROUNDS_MATRIX_HOMESERVER", "http://127.0.0.1:8008"),
            ("ROUNDS_MATRIX_USER", "@rounds:localhost"),
            ("ROUNDS_MATRIX_PASSWORD", "pw"),
            ("ROUNDS_MATRIX_RECOVERY_KEY", "EsTc 1234 abcd"),
        ]),
    )
    .unwrap();
    let matrix = config.matrix.unwrap();
    assert_eq!(matrix.recovery_key.as_deref(), Some("EsTc 1234 abcd"));
    assert!(!format!("{matrix:?}").contains("EsTc"));
    assert!(
        super::ENV_KEYS
            .iter()
            .any(|(var, _)| *var == "ROUNDS_MATRIX_RECOVERY_KEY"),
        "a known variable, not reported as a typo"
    );
}

/// A config naming a platform the build was made without (cargo features `matrix` and
/// `discord`) is refused in one line naming the platform, its settings and the feature; every
/// build's answer is checked here by handing `left_out` the platforms a build has.
#[test]
fn a_platform_left_out_of_the_build_is_named() {
    let both = Config::load(
        None,
        &env(&[
            ("ROUNDS_MATRIX_HOMESERVER", "https://matrix.example"),
            ("ROUNDS_MATRIX_USER", "@rounds:example"),
            ("ROUNDS_MATRIX_PASSWORD", "secret"),
            ("ROUNDS_DISCORD_TOKEN", "token"),
        ]),
    )
    .unwrap();
    assert_eq!(check::left_out(&both, &["matrix", "discord"]), None);
    assert_eq!(check::left_out(&both, crate::platform::BUILT), None);

    let matrix = check::left_out(&both, &["discord"]).expect("Matrix is left out");
    assert_eq!(
        matrix,
        "Matrix is configured (ROUNDS_MATRIX_HOMESERVER or [matrix]), but this build of Rounds \
         leaves it out (it has Discord only): run a build with the cargo feature `matrix` (the \
         default build has both platforms), or remove the Matrix settings"
    );
    let discord = check::left_out(&both, &["matrix"]).expect("Discord is left out");
    assert!(
        discord.starts_with("Discord is configured (ROUNDS_DISCORD_TOKEN)"),
        "{discord}"
    );
    assert!(discord.contains("(it has Matrix only)") && discord.contains("feature `discord`"));
    let neither = check::left_out(&both, &[]).expect("both are left out");
    assert!(
        neither.starts_with("Matrix and Discord are configured")
            && neither.contains("leaves them out (it has the terminal shell only)")
            && neither.contains("features `matrix` and `discord`"),
        "{neither}"
    );
    assert!(!neither.contains('\n'), "one line: {neither}");

    // What is not configured is not asked of the build.
    let discord_only = Config::load(None, &env(&[("ROUNDS_DISCORD_TOKEN", "token")])).unwrap();
    assert_eq!(check::left_out(&discord_only, &["discord"]), None);
    assert_eq!(
        check::left_out(&Config::load(None, &env(&[])).unwrap(), &[]),
        None
    );
}
