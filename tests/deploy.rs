//! The deployment kit, tested as far as a machine without a Docker daemon or a running systemd
//! can: the systemd unit verified by `systemd-analyze`, the settings each file passes to Rounds
//! accepted by `rounds check-config`, the image's health check run against a real server, and
//! the image and compose file holding what an operator relies on (an init, a volume, a health
//! check, the ports).

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rounds(args: &[&str], envs: &BTreeMap<String, String>) -> Output {
    let mut command = support::rounds_command();
    command.args(args).stdin(Stdio::null());
    command.envs(envs);
    command.output().expect("run rounds")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn postgres_url() -> String {
    std::env::var("ROUNDS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// `Key=value` settings of a unit file, in order (a key may repeat).
fn unit_settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn unit_value<'a>(settings: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    settings
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn the_systemd_unit_verifies_and_runs_rounds_as_a_hardened_dynamic_user() {
    let text = read("deploy/rounds.service");
    let settings = unit_settings(&text);
    assert_eq!(
        unit_value(&settings, "ExecStart"),
        ["/usr/local/bin/rounds run"]
    );
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("StateDirectory", "rounds"),
        ("Restart", "on-failure"),
        ("KillSignal", "SIGTERM"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("RestartPreventExitStatus", "2"),
    ] {
        assert_eq!(unit_value(&settings, key), [value], "{key}");
    }
    // The data directory is the state directory systemd makes and owns for the dynamic user.
    assert!(unit_value(&settings, "Environment").contains(&"ROUNDS_DATA_DIR=/var/lib/rounds"));

    // systemd's own checker, with ExecStart pointing at the binary under test.
    let Ok(probe) = Command::new("systemd-analyze").arg("--version").output() else {
        panic!(
            "systemd-analyze is not installed: install the `systemd` package so the unit can be \
             verified (it is on Debian by default)"
        );
    };
    assert!(probe.status.success());
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("rounds.service");
    std::fs::write(
        &unit,
        text.replace("/usr/local/bin/rounds", env!("CARGO_BIN_EXE_rounds")),
    )
    .unwrap();
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(
        verified.status.success() && !said.contains("rounds.service:"),
        "systemd-analyze verify: {said}"
    );
}

#[test]
fn the_settings_the_systemd_unit_passes_are_accepted_by_check_config() {
    let settings = unit_settings(&read("deploy/rounds.service"));
    let data = tempfile::tempdir().unwrap();
    let mut envs = BTreeMap::new();
    for assignment in unit_value(&settings, "Environment") {
        let (key, value) = assignment.split_once('=').expect("KEY=value");
        envs.insert(key.to_string(), value.to_string());
    }
    // What systemd would make: the state directory, and the port (which must be free here).
    envs.insert("ROUNDS_DATA_DIR".into(), data.path().display().to_string());
    envs.insert(
        "ROUNDS_HTTP_BIND".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    // The example environment file, filled in as an operator would for Discord.
    for (key, value) in env_file(&read("deploy/rounds.env.example")) {
        envs.entry(key).or_insert(value);
    }
    envs.insert("ROUNDS_DISCORD_TOKEN".into(), "a-token-for-the-test".into());
    envs.remove("POSTGRES_PASSWORD");
    let output = rounds(&["check-config"], &envs);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    assert!(!said.contains("warning:"), "{said}");
}

/// `KEY=value` lines of an environment file, comments and blanks skipped.
fn env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A compose value with `${VAR}`, `${VAR:-default}` and `${VAR:?message}` filled from `vars`.
fn interpolate(value: &str, vars: &BTreeMap<&str, &str>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        let inner = &rest[start + 2..end];
        let (name, fallback) = match inner.find(":-").or_else(|| inner.find(":?")) {
            Some(at) if inner[at..].starts_with(":-") => (&inner[..at], Some(&inner[at + 2..])),
            Some(at) => (&inner[..at], None),
            None => (inner, None),
        };
        match vars.get(name).filter(|v| !v.is_empty()) {
            Some(v) => out.push_str(v),
            None => out.push_str(fallback.unwrap_or("")),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_compose_file_runs_rounds_beside_a_healthy_postgres_with_volumes() {
    let compose: serde_norway::Value =
        serde_norway::from_str(&read("deploy/docker-compose.yml")).expect("compose parses");
    let services = &compose["services"];
    let postgres = &services["postgres"];
    let rounds_service = &services["rounds"];
    assert!(
        postgres["healthcheck"]["test"].is_sequence(),
        "postgres has a healthcheck"
    );
    assert_eq!(
        rounds_service["depends_on"]["postgres"]["condition"].as_str(),
        Some("service_healthy"),
        "Rounds waits for PostgreSQL to be healthy"
    );
    let volumes = compose["volumes"].as_mapping().expect("named volumes");
    for (service, mount) in [
        (postgres, "/var/lib/postgresql/data"),
        (rounds_service, "/data"),
    ] {
        let mounts: Vec<&str> = service["volumes"]
            .as_sequence()
            .expect("volumes")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let named = mounts
            .iter()
            .find_map(|m| m.strip_suffix(&format!(":{mount}")))
            .unwrap_or_else(|| panic!("a volume at {mount}: {mounts:?}"));
        assert!(
            volumes.contains_key(serde_norway::Value::String(named.to_string())),
            "{named} is declared"
        );
    }
    assert!(
        rounds_service["restart"].as_str() == Some("unless-stopped")
            && postgres["restart"].as_str() == Some("unless-stopped")
    );

    // The environment compose hands Rounds, with an operator's .env filled in for Discord,
    // passes check-config. Only the database host differs: `postgres` is compose's network name.
    let vars = BTreeMap::from([
        ("POSTGRES_PASSWORD", "secret"),
        ("ROUNDS_DISCORD_TOKEN", "a-token-for-the-test"),
    ]);
    let data = tempfile::tempdir().unwrap();
    let mut envs = BTreeMap::new();
    for (key, value) in rounds_service["environment"]
        .as_mapping()
        .expect("environment")
    {
        let key = key.as_str().unwrap().to_string();
        let value = interpolate(value.as_str().expect("a string value"), &vars);
        envs.insert(key, value);
    }
    assert_eq!(
        envs["ROUNDS_DATABASE_URL"],
        "postgres://rounds:secret@postgres:5432/rounds"
    );
    assert_eq!(envs["ROUNDS_HTTP_BIND"], "0.0.0.0:8080");
    envs.insert("ROUNDS_DATABASE_URL".into(), postgres_url());
    envs.insert(
        "ROUNDS_HTTP_BIND".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    envs.insert("ROUNDS_DATA_DIR".into(), data.path().display().to_string());
    let output = rounds(&["check-config"], &envs);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    assert!(!said.contains("warning:"), "{said}");
}

/// The Dockerfile's instructions, continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let text = read("Dockerfile");
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(part) = line.strip_suffix('\\') {
            current.push_str(part);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        if let Some((word, rest)) = current.trim().split_once(' ') {
            joined.push((word.to_string(), rest.trim().to_string()));
        }
        current.clear();
    }
    joined
}

#[test]
fn the_image_runs_under_an_init_exposes_its_port_and_caches_dependencies() {
    let steps = dockerfile();
    let find = |word: &str| -> Vec<&str> {
        steps
            .iter()
            .filter(|(w, _)| w == word)
            .map(|(_, rest)| rest.as_str())
            .collect()
    };
    let entrypoint: Vec<String> = serde_json::from_str(find("ENTRYPOINT")[0]).unwrap();
    assert_eq!(entrypoint, ["/usr/bin/tini", "--", "/usr/local/bin/rounds"]);
    assert!(
        find("RUN")
            .iter()
            .any(|r| r.contains("install") && r.contains(" tini"))
    );
    assert_eq!(find("EXPOSE"), ["8080"]);
    assert!(
        find("ENV")
            .iter()
            .any(|e| e.contains("ROUNDS_HTTP_BIND=0.0.0.0:8080"))
    );
    assert_eq!(find("USER"), ["rounds"]);
    assert_eq!(find("HEALTHCHECK").len(), 1);

    // The dependency layer: Cargo.toml and Cargo.lock alone, built, before any source is copied.
    let copies: Vec<&str> = find("COPY");
    let first_source = steps
        .iter()
        .position(|(w, rest)| w == "COPY" && rest.starts_with("src"))
        .expect("src is copied");
    let dependency_build = steps
        .iter()
        .position(|(w, rest)| w == "RUN" && rest.contains("cargo build"))
        .expect("a cargo build");
    assert!(
        dependency_build < first_source,
        "dependencies build before the sources arrive"
    );
    // Everything the build reads is copied: the sources, the embedded migrations and
    // icebreakers, and the benchmarks Cargo.toml names.
    for needed in ["src", "migrations", "config", "benches"] {
        assert!(
            copies.iter().any(|c| c.starts_with(&format!("{needed} "))),
            "{needed}/ is copied: {copies:?}"
        );
    }
    // Both builds have the same platforms, the image's build argument, so the dependency
    // layer is the one the second build reuses.
    let builds: Vec<&String> = steps
        .iter()
        .filter(|(w, rest)| w == "RUN" && rest.contains("cargo build"))
        .map(|(_, rest)| rest)
        .collect();
    assert_eq!(builds.len(), 2, "{builds:?}");
    for build in &builds {
        assert!(
            build.contains(r#"--no-default-features --features "$PLATFORMS""#),
            "{build}"
        );
    }
    assert!(
        find("ARG").contains(&"PLATFORMS=matrix,discord"),
        "both platforms by default: {:?}",
        find("ARG")
    );
    for bench in toml_benches() {
        assert!(
            steps
                .iter()
                .any(|(w, rest)| w == "RUN" && rest.contains(&bench)),
            "the placeholder layer makes benches/{bench}.rs"
        );
    }
}

fn toml_benches() -> Vec<String> {
    let manifest: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    manifest["bench"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect()
}

/// The HEALTHCHECK's command, pointed at `port`.
fn healthcheck(port: u16) -> Vec<String> {
    let steps = dockerfile();
    let check = &steps.iter().find(|(w, _)| w == "HEALTHCHECK").unwrap().1;
    let json = &check[check.find("CMD").expect("CMD") + 3..];
    let command: Vec<String> = serde_json::from_str(json.trim()).expect("exec form");
    command
        .into_iter()
        .map(|part| part.replace("/8080", &format!("/{port}")))
        .collect()
}

#[test]
fn the_image_health_check_passes_against_a_running_rounds_and_fails_without_one() {
    let port = free_port();
    let data = tempfile::tempdir().unwrap();
    let mut child = support::rounds_command()
        .args(["shell", "--db", ":memory:"])
        .env("ROUNDS_DATA_DIR", data.path())
        .env("ROUNDS_HTTP_BIND", format!("127.0.0.1:{port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let command = healthcheck(port);
    let run = || {
        Command::new(&command[0])
            .args(&command[1..])
            .status()
            .unwrap()
            .success()
    };
    // The server takes a moment to listen; the image gives it a start period too.
    let mut healthy = false;
    for _ in 0..100 {
        if run() {
            healthy = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.stdin.take().unwrap().write_all(b"/quit\n").unwrap();
    child.wait().unwrap();
    assert!(healthy, "the HEALTHCHECK command never passed: {command:?}");
    assert!(!run(), "the HEALTHCHECK passes with nothing listening");
}
