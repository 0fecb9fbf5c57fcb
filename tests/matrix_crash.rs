//! Exactly once on Matrix through crashes. matrix-sdk saves a sync's token before its handlers
//! run, so an event whose handling a crash cut off never comes from sync again; a restart reads
//! each room's recent timeline again and answers what was cut off, once. The real `rounds run`
//! binary runs against a real Synapse and is aborted at exact steps by `ROUNDS_CRASH_AT`.
//!
//! `scripts/test` starts Synapse (scripts/synapse/harness.py) and runs these; plain
//! `cargo test` skips them because there is no homeserver to talk to.

mod support;

use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::Duration;

use matrix_sdk::Room;
use matrix_sdk::ruma::OwnedEventId;
use support::deployment::Running;
use support::matrix_member::{Member, Seen, Synapse};

/// Generous: a start logs in, restores its crypto store and reads every room back.
/// A check on one message the member saw.
type Predicate = Box<dyn Fn(&Seen) -> bool>;

const EXIT_WAIT: Duration = Duration::from_secs(60);
/// How long a second answer is given to show up before it is taken that none comes.
const QUIET: Duration = Duration::from_secs(5);

/// A deployment of the real binary on Matrix: its data directory (session, crypto store),
/// its SQLite database and its account.
struct MatrixDeployment {
    dir: tempfile::TempDir,
    homeserver: String,
    user: String,
    password: String,
}

impl MatrixDeployment {
    fn new(synapse: &Synapse) -> MatrixDeployment {
        let (user, password) = synapse.register("rounds");
        MatrixDeployment {
            dir: tempfile::tempdir().expect("temp dir"),
            homeserver: synapse.url.clone(),
            user,
            password,
        }
    }

    fn start(&self) -> Running {
        self.start_with(&[])
    }

    /// `rounds run`, with more environment: a crash point (`ROUNDS_CRASH_AT`), say.
    fn start_with(&self, env: &[(&str, &str)]) -> Running {
        let mut command = Command::new(Path::new(env!("CARGO_BIN_EXE_rounds")));
        command
            .arg("run")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        support::clear_rounds_env(&mut command);
        command
            .env("RUST_LOG", "info")
            .env("ROUNDS_DATA_DIR", self.dir.path())
            .env(
                "ROUNDS_DATABASE_URL",
                format!("sqlite://{}", self.dir.path().join("rounds.db").display()),
            )
            .env("ROUNDS_MATRIX_HOMESERVER", &self.homeserver)
            .env("ROUNDS_MATRIX_USER", &self.user)
            .env("ROUNDS_MATRIX_PASSWORD", &self.password)
            .envs(env.iter().copied());
        Running::spawn(command)
    }
}

/// Waits for a process that is to abort at its crash point, and checks that it did.
async fn crashed_at(running: &mut Running, point: &str) -> ExitStatus {
    running.crashed_at(point, EXIT_WAIT).await
}

/// A graceful stop, as an operator's `systemctl stop` gives.
async fn stop(running: &mut Running) {
    running.signal("TERM");
    let status = running.exit_within(EXIT_WAIT).await;
    assert!(
        status.success(),
        "a stop exits cleanly:\n{}",
        running.log().join("\n")
    );
}

/// The counts of the one line a start's catch-up logs: rooms read, events replayed, answered.
fn caught_up(running: &Running) -> (usize, usize, usize) {
    let lines = running.lines_with("caught up with the Matrix rooms");
    assert_eq!(
        lines.len(),
        1,
        "one catch-up line per start; the log:\n{}",
        running.log().join("\n")
    );
    let count = |name: &str| -> usize {
        let at = lines[0]
            .find(&format!("{name}="))
            .unwrap_or_else(|| panic!("no {name} in {}", lines[0]));
        lines[0][at + name.len() + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    (count("rooms"), count("replayed"), count("answered"))
}

fn answers<'a>(seen: &'a [Seen], to: &OwnedEventId) -> Vec<&'a Seen> {
    seen.iter()
        .filter(|s| s.reply_to.as_ref() == Some(to))
        .collect()
}

/// A member in rooms (one per flag: encrypted or not) with the bot, which has answered a
/// command in each and stopped, so its session, its sync token and the rooms are all in
/// place before any crash.
struct Scene {
    _synapse: Synapse,
    deployment: MatrixDeployment,
    alice: Member,
    rooms: Vec<Room>,
}

impl Scene {
    async fn start(encrypted: &[bool]) -> Scene {
        let synapse = Synapse::from_env();
        let deployment = MatrixDeployment::new(&synapse);
        let (alice_user, alice_pass) = synapse.register("alice");
        let mut alice = Member::login(&synapse, &alice_user, &alice_pass).await;
        let mut first = deployment.start();
        let mut rooms = Vec::new();
        for encrypted in encrypted {
            let room = alice.room_with(&deployment.user, *encrypted).await;
            alice.ask(&room, "!help", &deployment.user).await;
            rooms.push(room);
        }
        stop(&mut first).await;
        Scene {
            _synapse: synapse,
            deployment,
            alice,
            rooms,
        }
    }

    /// Starts the bot to abort at `point`, once it has read its rooms back (a command it
    /// reads there is answered without passing sync's handler).
    async fn start_crashing(&self, point: &str) -> Running {
        let running = self.deployment.start_with(&[("ROUNDS_CRASH_AT", point)]);
        running
            .wait_for_log("caught up with the Matrix rooms")
            .await;
        running
    }

    fn bot(&self) -> &str {
        &self.deployment.user
    }

    /// Waits for the answer to `command`, then a quiet spell; every answer to it seen.
    async fn answers_to(&mut self, command: &OwnedEventId) -> Vec<Seen> {
        let bot = self.deployment.user.clone();
        let first = self
            .alice
            .expect(&bot, |s| s.reply_to.as_ref() == Some(command))
            .await;
        let mut all = vec![first];
        all.extend(self.alice.collect(&bot, QUIET).await);
        answers(&all, command).into_iter().cloned().collect()
    }
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_command_whose_sync_was_cut_off_by_a_crash_is_answered_once_after_a_restart() {
    let mut scene = Scene::start(&[true]).await;
    let mut crashing = scene.start_crashing("matrix:received").await;
    let command = scene.alice.say(&scene.rooms[0], "!reminders").await;
    crashed_at(&mut crashing, "matrix:received").await;

    let mut restarted = scene.deployment.start();
    let answered = scene.answers_to(&command).await;
    assert_eq!(answered.len(), 1, "answered once: {answered:?}");
    assert!(
        answered[0].encrypted,
        "the answer is encrypted as its room is"
    );
    let (rooms, replayed, answered) = caught_up(&restarted);
    assert_eq!((rooms, answered), (1, 1), "replayed {replayed}");
    stop(&mut restarted).await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_command_cut_off_between_its_seen_mark_and_its_answer_is_answered_once_after_a_restart() {
    let mut scene = Scene::start(&[false]).await;
    let mut crashing = scene.start_crashing("inbound:seen").await;
    let command = scene.alice.say(&scene.rooms[0], "!reminders").await;
    crashed_at(&mut crashing, "inbound:seen").await;

    let mut restarted = scene.deployment.start();
    let answered = scene.answers_to(&command).await;
    assert_eq!(answered.len(), 1, "answered once: {answered:?}");
    assert_eq!(caught_up(&restarted).2, 1, "the catch-up answered it");
    stop(&mut restarted).await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn commands_sent_around_a_crash_are_each_answered_once_and_never_again() {
    // Two rooms, one encrypted, so the catch-up reads more than one timeline.
    let mut scene = Scene::start(&[false, true]).await;
    let bot = scene.bot().to_string();
    let (plain, secret) = (scene.rooms[0].clone(), scene.rooms[1].clone());
    let mut crashing = scene.start_crashing("matrix:received").await;
    let mut commands = vec![scene.alice.say(&plain, "!reminders").await];
    crashed_at(&mut crashing, "matrix:received").await;
    // Sent while Rounds is down.
    commands.push(scene.alice.say(&plain, "!help").await);
    commands.push(scene.alice.say(&secret, "!reminders").await);
    commands.push(scene.alice.say(&plain, "!reminders").await);

    let mut restarted = scene.deployment.start();
    let preds: Vec<Predicate> = commands
        .iter()
        .map(|command| {
            let command = command.clone();
            Box::new(move |s: &Seen| s.reply_to.as_ref() == Some(&command)) as Box<_>
        })
        .collect();
    let refs: Vec<&dyn Fn(&Seen) -> bool> = preds.iter().map(|p| p.as_ref()).collect();
    let mut seen = scene.alice.expect_all(&bot, &refs).await;
    seen.extend(scene.alice.collect(&bot, QUIET).await);
    for command in &commands {
        assert_eq!(
            answers(&seen, command).len(),
            1,
            "each command is answered once; seen {seen:?}"
        );
    }
    let (rooms, _, _) = caught_up(&restarted);
    assert_eq!(rooms, 2, "both rooms are read back");
    stop(&mut restarted).await;

    // A plain restart reads the same events again and answers none of them.
    let mut again = scene.deployment.start();
    again.wait_for_log("caught up with the Matrix rooms").await;
    let (rooms, replayed, answered) = caught_up(&again);
    assert_eq!((rooms, answered), (2, 0), "replayed {replayed}");
    assert!(replayed >= commands.len(), "replayed {replayed}");
    let late = scene.alice.collect(&bot, QUIET).await;
    assert!(
        late.iter().all(|s| s.reply_to.is_none()),
        "no old command is answered again: {late:?}"
    );
    stop(&mut again).await;
}
