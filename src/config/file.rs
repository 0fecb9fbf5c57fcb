//! The config file as written, with the place of each value, before it is validated.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) data_dir: Option<Spanned<String>>,
    pub(super) timezone: Option<Spanned<String>>,
    pub(super) command_prefix: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) database: DatabaseSection,
    #[serde(default)]
    pub(super) scheduler: SchedulerSection,
    #[serde(default)]
    pub(super) coffee: CoffeeSection,
    #[serde(default)]
    pub(super) events: EventsSection,
    #[serde(default)]
    pub(super) http: HttpSection,
    #[serde(default)]
    pub(super) shoutouts: ShoutoutsSection,
    #[serde(default)]
    pub(super) societies: Vec<SocietySection>,
    pub(super) matrix: Option<MatrixSection>,
    pub(super) discord: Option<DiscordSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DatabaseSection {
    pub(super) url: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SchedulerSection {
    pub(super) catch_up: Option<Spanned<String>>,
    pub(super) late_after: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CoffeeSection {
    /// A TOML file with `prompts = [...]`; the built-in list otherwise.
    pub(super) icebreakers: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EventsSection {
    /// How long before an event reminders go out, e.g. "24h,1h".
    pub(super) reminders: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HttpSection {
    /// Where the calendar feeds and /healthz are served, e.g. "127.0.0.1:8080". Off unless set.
    pub(super) bind: Option<Spanned<String>>,
    /// The address members reach it by (behind a proxy), for the feed links Rounds hands out.
    pub(super) public_url: Option<Spanned<String>>,
    /// Hosts `!event import` may read although they are private addresses (an intranet).
    pub(super) allowed_import_hosts: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ShoutoutsSection {
    /// When the digest of the period's shout-outs is posted, e.g. "every Friday 16:00"; "off".
    pub(super) digest: Option<Spanned<String>>,
    /// The Crossref REST API base for DOI lookups.
    pub(super) doi_api_base: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SocietySection {
    pub(super) key: Spanned<String>,
    pub(super) name: Option<String>,
    pub(super) timezone: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) committee: Vec<String>,
    /// Platform user ids who may create and manage events without being on the committee.
    #[serde(default)]
    pub(super) organisers: Vec<String>,
    /// The society's member groups (interns, imgs...); the welcome dialogue puts newcomers in them.
    #[serde(default)]
    pub(super) groups: Vec<String>,
    /// What a newcomer is told first, privately.
    pub(super) welcome: Option<String>,
    pub(super) code_of_conduct: Option<String>,
    /// Months after a coffee meeting to suggest reconnecting, e.g. "3 months"; off unless set.
    pub(super) stay_in_touch: Option<Spanned<String>>,
    /// A welcome answer (career stage or specialty) and the group it puts the member in.
    #[serde(default)]
    pub(super) group_for: BTreeMap<String, Spanned<String>>,
    pub(super) matrix: Option<SocietyMatrixSection>,
    pub(super) discord: Option<SocietyDiscordSection>,
}

/// Where a society lives on Discord: a guild and its channels.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SocietyDiscordSection {
    pub(super) guild: Spanned<u64>,
    pub(super) announcements: Option<Spanned<u64>>,
    pub(super) celebrations: Option<Spanned<u64>>,
    /// Private threads for introductions are made here.
    pub(super) pairing: Option<Spanned<u64>>,
    /// Where committee-log entries go.
    pub(super) admin_channel: Option<Spanned<u64>>,
    /// Members with this role are the committee, whatever Discord's command permissions say.
    pub(super) committee_role: Option<Spanned<u64>>,
    /// Members with this role may create and manage events.
    pub(super) organiser_role: Option<Spanned<u64>>,
    /// Whether text Rounds posts may ping @everyone, @here or roles. Off unless set.
    #[serde(default)]
    pub(super) allow_mass_mentions: bool,
    /// Mirror each event into the guild's Events tab (Discord Scheduled Events).
    #[serde(default)]
    pub(super) scheduled_events: bool,
    /// The role each of the society's groups grants.
    #[serde(default)]
    pub(super) group_roles: BTreeMap<String, Spanned<u64>>,
}

/// Where a society lives on Matrix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SocietyMatrixSection {
    /// A space whose child rooms are the society's rooms.
    pub(super) space: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) rooms: Vec<Spanned<String>>,
    /// Where committee-log entries are posted.
    pub(super) admin_room: Option<Spanned<String>>,
    /// Where events are announced; otherwise the room they were created in.
    pub(super) announcements: Option<Spanned<String>>,
    /// Where shout-outs and their digest are posted; otherwise the room they were asked in.
    pub(super) celebrations: Option<Spanned<String>>,
    /// The room each of the society's groups invites its members to.
    #[serde(default)]
    pub(super) group_rooms: BTreeMap<String, Spanned<String>>,
    /// Other homeservers whose users may invite Rounds.
    #[serde(default)]
    pub(super) allowed_servers: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MatrixSection {
    pub(super) homeserver: Option<String>,
    pub(super) user: Option<String>,
    /// Present only so that a secret written in the file is refused with a clear message.
    pub(super) password: Option<Spanned<String>>,
    pub(super) access_token: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiscordSection {
    pub(super) api_base: Option<String>,
    pub(super) shards: Option<Spanned<String>>,
    pub(super) token: Option<Spanned<String>>,
}

/// Where a value came from, for error messages.
pub(super) enum Source<'a> {
    File {
        path: &'a Path,
        text: &'a str,
        span: std::ops::Range<usize>,
    },
    Env(&'static str),
}

impl Source<'_> {
    pub(super) fn describe(&self, key: &str) -> String {
        match self {
            Source::File { path, text, span } => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("`{key}` ({}, line {line})", path.display())
            }
            Source::Env(var) => format!("`{key}` (from {var})"),
        }
    }
}
