//! The terminal adapter, `rounds shell`: one simulated society to try every command in.
//!
//! Output format (stable; scripts depend on it): every line the bot says is printed to stdout as
//! `[YYYY-MM-DD HH:MM] <#room or @member (dm)> rounds: <text>`, the time being the simulated
//! local time of the society. Notes from the shell itself go to stderr, prefixed `# `.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::{Adapter, DeliveryError, DirectReply};
use crate::core::io::{Action, Choice, Inbound, Message, Origin, UserRef};
use crate::core::store::Store;
use crate::core::when;
use crate::core::{Bot, Settings, Society, Welcome};
use crate::runtime::Runtime;

pub const PLATFORM: &str = "shell";
pub const SOCIETY_KEY: &str = "shell";
pub const ROOMS: [&str; 3] = ["#general", "#announcements", "#celebrations"];
const ANNOUNCEMENTS: &str = ROOMS[1];
const CELEBRATIONS: &str = ROOMS[2];
/// `/room dm`: the member's direct messages with Rounds, where the welcome questions are answered.
pub const DIRECT_ROOM: &str = "#dm";
pub const COMMITTEE_MEMBER: &str = "admin";
pub const FIRST_MEMBER: &str = "you";

/// The shell's society. Its zone is the one printed times are shown in.
pub fn society(timezone: Tz) -> Society {
    Society {
        key: SOCIETY_KEY.to_string(),
        name: "Demo Society".to_string(),
        timezone,
        committee: vec![COMMITTEE_MEMBER.to_string()],
        committee_roles: vec![],
        organisers: vec![],
        organiser_roles: vec![],
        welcome: Welcome {
            text: Some(
                "This is a demo society: try `help`, `event list` or `coffee join`.".to_string(),
            ),
            code_of_conduct: Some(
                "be kind, keep patient details out of every channel, and ask before sharing a colleague's news."
                    .to_string(),
            ),
            groups: [
                ("student", "students"),
                ("intern", "interns"),
                ("resident", "residents"),
                ("registrar", "registrars"),
                ("emergency medicine", "emergency"),
            ]
            .into_iter()
            .map(|(answer, group)| (answer.to_string(), group.to_string()))
            .collect(),
        },
        stay_in_touch: Some(chrono::Duration::days(90)),
    }
}

pub fn settings(timezone: Tz, prefix: &str) -> Settings {
    let society = society(timezone);
    let mut settings = Settings::new(society.clone());
    settings.prefix = prefix.to_string();
    settings.prefix_optional = true;
    settings.societies.insert(society.key.clone(), society);
    settings
}

enum Audience {
    Room(String),
    Member(String),
    /// An answer to a member: theirs, in the room it was shown in.
    Asker {
        member: String,
        room: String,
    },
    /// An introduction: any of its members may answer, from any room.
    Members(Vec<String>),
}

struct Offer {
    audience: Audience,
    choices: Vec<Choice>,
    /// Members who answered it, so their next number goes to a choice still waiting for them.
    answered: HashSet<String>,
}

struct Screen {
    now: DateTime<Utc>,
    zone: Tz,
    lines: Vec<String>,
    offers: Vec<Offer>,
    /// Idempotency keys already shown: like a real platform, the shell shows a key once.
    shown: HashSet<String>,
    /// Announcements by topic, so an edit prints only the lines it changed.
    announced: HashMap<String, String>,
}

/// The shell's side of delivery: formats actions as lines.
pub struct ShellOutput {
    screen: Mutex<Screen>,
    committee: Vec<String>,
}

impl ShellOutput {
    fn new(zone: Tz, committee: Vec<String>) -> Self {
        ShellOutput {
            screen: Mutex::new(Screen {
                now: Utc::now(),
                zone,
                lines: Vec::new(),
                offers: Vec::new(),
                shown: HashSet::new(),
                announced: HashMap::new(),
            }),
            committee,
        }
    }

    fn screen(&self) -> std::sync::MutexGuard<'_, Screen> {
        // A panic while printing must not wedge the shell; the screen is still usable.
        self.screen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_now(&self, now: DateTime<Utc>) {
        self.screen().now = now;
    }

    fn take_lines(&self) -> Vec<String> {
        std::mem::take(&mut self.screen().lines)
    }
}

fn write_message(screen: &mut Screen, target: &str, message: &Message, audience: Audience) {
    let stamp = screen
        .now
        .with_timezone(&screen.zone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    for line in message.text.lines() {
        screen
            .lines
            .push(format!("[{stamp}] {target} rounds: {line}"));
    }
    if let Some(file) = &message.attachment {
        screen.lines.push(format!(
            "[{stamp}] {target} rounds: 📎 {} ({}):",
            file.filename, file.mime
        ));
        for line in file.content.lines() {
            screen
                .lines
                .push(format!("[{stamp}] {target} rounds: {line}"));
        }
    }
    if !message.choices.is_empty() {
        let listed: Vec<String> = message
            .choices
            .iter()
            .enumerate()
            .map(|(n, c)| format!("{}) {}", n + 1, c.label))
            .collect();
        screen.lines.push(format!(
            "[{stamp}] {target} rounds: Reply with a number: {}",
            listed.join("  ")
        ));
        screen.offers.push(Offer {
            audience,
            choices: message.choices.clone(),
            answered: HashSet::new(),
        });
    }
}

/// The answer to the line just typed, printed at once in its room like any reply, for when the
/// store (and so the outbox) cannot take it.
struct InRoom<'a> {
    output: &'a ShellOutput,
    room: String,
}

#[async_trait]
impl DirectReply for InRoom<'_> {
    async fn say(&self, text: &str) -> Result<(), DeliveryError> {
        let mut screen = self.output.screen();
        let audience = Audience::Room(self.room.clone());
        write_message(&mut screen, &self.room, &Message::text(text), audience);
        Ok(())
    }
}

fn dm(name: &str) -> String {
    format!("@{name} (dm)")
}

#[async_trait]
impl Adapter for ShellOutput {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError> {
        let mut screen = self.screen();
        if !screen.shown.insert(key.to_string()) {
            return Ok(());
        }
        match action {
            Action::Post { room, message } => {
                write_message(&mut screen, room, message, Audience::Room(room.clone()));
            }
            // An answer's choices belong to the member who asked, not to the room it is in.
            Action::Reply {
                room,
                message,
                asker,
                ..
            } => {
                let audience = match asker {
                    Some(member) => Audience::Asker {
                        member: member.clone(),
                        room: room.clone(),
                    },
                    None => Audience::Room(room.clone()),
                };
                write_message(&mut screen, room, message, audience);
            }
            Action::Announce { message, topic, .. } => {
                let room = ANNOUNCEMENTS.to_string();
                write_message(&mut screen, &room, message, Audience::Room(room.clone()));
                if let Some(topic) = topic {
                    screen.announced.insert(topic.clone(), message.text.clone());
                }
            }
            Action::Edit { topic, message, .. } => {
                let Some(before) = screen.announced.get(topic).cloned() else {
                    return Ok(());
                };
                let old: HashSet<&str> = before.lines().collect();
                let changed: Vec<&str> = message
                    .text
                    .lines()
                    .filter(|line| !old.contains(line))
                    .collect();
                if !changed.is_empty() {
                    let room = ANNOUNCEMENTS.to_string();
                    let text = format!("(edited) {}", changed.join("\n(edited) "));
                    write_message(
                        &mut screen,
                        &room,
                        &Message::text(text),
                        Audience::Room(room.clone()),
                    );
                }
                screen.announced.insert(topic.clone(), message.text.clone());
            }
            Action::Celebrate { message, emoji, .. } => {
                let room = CELEBRATIONS.to_string();
                write_message(&mut screen, &room, message, Audience::Room(room.clone()));
                if let Some(emoji) = emoji {
                    let reaction = Message::text(format!("(reacts {emoji})"));
                    write_message(&mut screen, &room, &reaction, Audience::Room(room.clone()));
                }
            }
            Action::JoinGroup { user, group, .. } => {
                let message = Message::text(format!("(adds you to the group {group})"));
                write_message(
                    &mut screen,
                    &dm(&user.id),
                    &message,
                    Audience::Member(user.id.clone()),
                );
            }
            // The shell has no calendar of its own; `event ics` shows the file instead.
            Action::MirrorEvent { .. } => {}
            Action::Remind { user, message } => {
                write_message(
                    &mut screen,
                    &dm(&user.id),
                    message,
                    Audience::Member(user.id.clone()),
                );
            }
            Action::Introduce {
                members, message, ..
            } => {
                let mut names: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
                names.sort_unstable();
                let room = format!("#coffee:{}", names.join("+"));
                let audience = Audience::Members(names.iter().map(|n| n.to_string()).collect());
                write_message(&mut screen, &room, message, audience);
            }
            Action::React { room, emoji, .. } => {
                let message = Message::text(format!("(reacts {emoji})"));
                write_message(&mut screen, room, &message, Audience::Room(room.clone()));
            }
            Action::AdminLog { text, .. } => {
                let message = Message::text(format!("[admin log] {text}"));
                for member in &self.committee {
                    write_message(
                        &mut screen,
                        &dm(member),
                        &message,
                        Audience::Member(member.clone()),
                    );
                }
            }
        }
        Ok(())
    }
}

enum Clock {
    Wall,
    Simulated(DateTime<Utc>),
}

/// What one input line produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Bot lines for stdout.
    pub said: Vec<String>,
    /// Shell notes for stderr.
    pub notes: Vec<String>,
    pub quit: bool,
}

impl Step {
    fn note(text: impl Into<String>) -> Step {
        Step {
            notes: vec![text.into()],
            ..Step::default()
        }
    }
}

pub struct Shell {
    runtime: Runtime,
    output: Arc<ShellOutput>,
    clock: Clock,
    member: String,
    room: String,
    session: String,
    counter: u64,
}

impl Shell {
    pub fn new(store: Arc<dyn Store>, zone: Tz, prefix: &str) -> Shell {
        Shell::with_bot(Arc::new(Bot::new(store, settings(zone, prefix))))
    }

    /// A shell around a bot made from `settings` (with a fetcher, say, or feed links).
    pub fn with_bot(bot: Arc<Bot>) -> Shell {
        let zone = bot.settings().default_society.timezone;
        let committee = bot.settings().default_society.committee.clone();
        let session = format!("{:x}", Utc::now().timestamp_nanos_opt().unwrap_or_default());
        Shell {
            runtime: Runtime::serving(bot, &[PLATFORM]),
            output: Arc::new(ShellOutput::new(zone, committee)),
            clock: Clock::Wall,
            member: FIRST_MEMBER.to_string(),
            room: ROOMS[0].to_string(),
            session,
            counter: 0,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.clock {
            Clock::Wall => Utc::now().trunc_subsecs(0),
            Clock::Simulated(at) => at,
        }
    }

    pub fn member(&self) -> &str {
        &self.member
    }

    pub fn room(&self) -> &str {
        &self.room
    }

    fn origin(&mut self) -> Origin {
        self.counter += 1;
        Origin {
            platform: PLATFORM.to_string(),
            society: SOCIETY_KEY.to_string(),
            room: self.room.clone(),
            message_id: Some(format!("{}-{}", self.session, self.counter)),
            is_direct: self.room == DIRECT_ROOM,
            sent_at: None,
            roles: Vec::new(),
        }
    }

    fn sender(&self) -> UserRef {
        UserRef {
            id: self.member.clone(),
            name: self.member.clone(),
        }
    }

    /// Runs due jobs and prints what is queued, at the current clock.
    async fn settle(&self) -> anyhow::Result<Vec<String>> {
        let now = self.now();
        self.output.set_now(now);
        self.runtime.tick(now).await?;
        self.runtime.deliver(self.output.as_ref(), now).await?;
        Ok(self.output.take_lines())
    }

    /// On the wall clock, fires what has come due since the last line.
    pub async fn idle(&self) -> anyhow::Result<Vec<String>> {
        match self.clock {
            Clock::Wall => self.settle().await,
            Clock::Simulated(_) => Ok(Vec::new()),
        }
    }

    pub async fn line(&mut self, line: &str) -> anyhow::Result<Step> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(Step::default());
        }
        if let Some(meta) = line.strip_prefix('/') {
            return self.meta(meta).await;
        }
        let picked = self.pick(line);
        let inbound = match &picked {
            Some((_, choice)) => Inbound::Choice {
                origin: self.origin(),
                sender: self.sender(),
                choice: choice.clone(),
            },
            None => Inbound::Message {
                origin: self.origin(),
                sender: self.sender(),
                text: line.to_string(),
            },
        };
        let now = self.now();
        let received = self.receive(&inbound, now).await;
        if let (Ok(_), Some((offer, choice))) = (&received, &picked) {
            // Answered once (or refused for good): the member's next number is for another
            // choice. An RSVP stays theirs to change.
            if !Choice::offer_of(choice).changeable
                && let Some(offer) = self.output.screen().offers.get_mut(*offer)
            {
                offer.answered.insert(self.member.clone());
            }
        }
        let Ok(answered) = received else {
            // The store failed: the apology is printed, and nothing else can run until it is back.
            return Ok(Step {
                said: self.output.take_lines(),
                ..Step::default()
            });
        };
        let mut step = Step {
            said: self.settle().await?,
            ..Step::default()
        };
        if answered == 0 && step.said.is_empty() {
            step.notes.push(
                "(not a command, so Rounds stays quiet; type `help` to see the commands)"
                    .to_string(),
            );
        }
        Ok(step)
    }

    /// Receives a line's event; the runtime has already logged a failure and told the member.
    async fn receive(
        &self,
        inbound: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<usize, crate::core::error::StoreError> {
        self.output.set_now(now);
        let direct = InRoom {
            output: &self.output,
            room: self.room.clone(),
        };
        self.runtime.receive_or_tell(inbound, now, &direct).await
    }

    /// A bare number answers the newest choice offered to this member (or to everyone in this
    /// room) that they have not answered yet: which offer it is, and the choice's id.
    fn pick(&self, line: &str) -> Option<(usize, String)> {
        let n: usize = line.parse().ok()?;
        let screen = self.output.screen();
        let mine = |o: &Offer| match &o.audience {
            Audience::Room(room) => *room == self.room,
            Audience::Member(member) => *member == self.member,
            Audience::Asker { member, room } => *member == self.member && *room == self.room,
            Audience::Members(members) => members.contains(&self.member),
        };
        // An open offer first; when all are answered, the newest, so a second answer is told
        // it was already taken (as a second tap on a button is) instead of being read as chat.
        let (index, offer) = screen
            .offers
            .iter()
            .enumerate()
            .rev()
            .find(|(_, o)| mine(o) && !o.answered.contains(&self.member))
            .or_else(|| {
                screen
                    .offers
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(_, o)| mine(o))
            })?;
        let choice = offer.choices.get(n.checked_sub(1)?)?;
        Some((index, choice.id.clone()))
    }

    async fn meta(&mut self, meta: &str) -> anyhow::Result<Step> {
        let (verb, arg) = match meta.split_once(char::is_whitespace) {
            Some((verb, arg)) => (verb, arg.trim()),
            None => (meta, ""),
        };
        match verb {
            "quit" | "exit" => Ok(Step {
                quit: true,
                ..Step::default()
            }),
            "as" => {
                let name = arg.trim_start_matches('@').to_lowercase();
                if !valid_name(&name) {
                    return Ok(Step::note(
                        "/as needs a name of letters, digits, '-' or '_' (at most 32), e.g. /as registrar1",
                    ));
                }
                self.member = name;
                Ok(Step::note(format!("now speaking as @{} in {}", self.member, self.room)))
            }
            "join" => {
                let name = arg.trim_start_matches('@').to_lowercase();
                if !valid_name(&name) {
                    return Ok(Step::note(
                        "/join needs a name of letters, digits, '-' or '_' (at most 32), e.g. /join intern1",
                    ));
                }
                self.member = name;
                let inbound = Inbound::Join {
                    origin: self.origin(),
                    sender: self.sender(),
                };
                let now = self.now();
                if self.receive(&inbound, now).await.is_err() {
                    return Ok(Step::note(
                        "the store could not take that join; nothing was saved (see the log)",
                    ));
                }
                let mut step = Step {
                    said: self.settle().await?,
                    ..Step::default()
                };
                step.notes.push(format!(
                    "@{} joined the society; now speaking as @{} in {}",
                    self.member, self.member, self.room
                ));
                Ok(step)
            }
            "room" => {
                let name = arg.trim_start_matches('#').to_lowercase();
                if !valid_name(&name) {
                    return Ok(Step::note(format!(
                        "/room needs a room name, e.g. /room general (rooms: {})",
                        ROOMS.join(", ")
                    )));
                }
                self.room = format!("#{name}");
                Ok(Step::note(format!("now in {} as @{}", self.room, self.member)))
            }
            "clock" => match DateTime::parse_from_rfc3339(arg) {
                Ok(at) => {
                    self.clock = Clock::Simulated(at.with_timezone(&Utc).trunc_subsecs(0));
                    Ok(Step {
                        said: self.settle().await?,
                        ..Step::default()
                    })
                }
                Err(_) => Ok(Step::note(
                    "/clock needs an RFC 3339 time, e.g. /clock 2026-03-30T07:00:00+11:00",
                )),
            },
            "advance" => match when::parse_duration(arg) {
                Ok(span) => Ok(Step {
                    said: self.advance(span).await?,
                    ..Step::default()
                }),
                Err(_) => Ok(Step::note(
                    "/advance needs a duration, e.g. /advance 3m, /advance 2h or /advance 8d",
                )),
            },
            "help" => Ok(Step {
                notes: vec![
                    "Lines are messages from the current member in the current room; the ! prefix is optional.".to_string(),
                    "/as <name>        speak as another member (created on first use)".to_string(),
                    "/join <name>      a new member joins the society (and is welcomed)".to_string(),
                    format!("/room <name>      move to a room ({}, or dm: your direct messages with Rounds)", ROOMS.join(", ")),
                    "/clock <time>     set the simulated clock (RFC 3339)".to_string(),
                    "/advance <span>   run the scheduler through a span, e.g. 3m, 2h, 8d".to_string(),
                    "/quit             leave".to_string(),
                ],
                ..Step::default()
            }),
            other => Ok(Step::note(format!(
                "unknown shell command /{other}; try /help"
            ))),
        }
    }

    /// Moves the simulated clock forward, stopping at each due job so everything fires at its
    /// own time and in order.
    async fn advance(&mut self, span: chrono::Duration) -> anyhow::Result<Vec<String>> {
        let start = self.now();
        let end = start + span;
        self.clock = Clock::Simulated(start);
        let mut said = self.settle().await?;
        loop {
            let Some(next) = self.runtime.bot().store().next_due_at().await? else {
                break;
            };
            let current = self.now();
            // A due job that could not be claimed (held by another process) must not spin us.
            if next > end || next <= current {
                break;
            }
            self.clock = Clock::Simulated(next);
            said.extend(self.settle().await?);
        }
        self.clock = Clock::Simulated(end);
        said.extend(self.settle().await?);
        Ok(said)
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads lines until EOF or `/quit`, writing bot lines to `out` and notes to `notes`.
/// On the wall clock, due reminders are also fired between lines.
pub async fn run<R, W, E>(
    mut shell: Shell,
    input: R,
    mut out: W,
    mut notes: E,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
    E: AsyncWrite + Unpin,
{
    let mut lines = input.lines();
    // The first tick waits a second and typed lines win a tie: an immediate tick could fire
    // stored jobs on the wall clock before a piped `/clock` line set the simulated one.
    let second = std::time::Duration::from_secs(1);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + second, second);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                let step = shell.line(&line).await?;
                for said in &step.said {
                    out.write_all(format!("{said}\n").as_bytes()).await?;
                }
                for note in &step.notes {
                    notes.write_all(format!("# {note}\n").as_bytes()).await?;
                }
                out.flush().await?;
                notes.flush().await?;
                if step.quit {
                    break;
                }
            }
            _ = ticker.tick() => {
                for said in shell.idle().await? {
                    out.write_all(format!("{said}\n").as_bytes()).await?;
                }
                out.flush().await?;
            }
        }
    }
    Ok(())
}
