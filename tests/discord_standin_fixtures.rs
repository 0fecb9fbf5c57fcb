//! Every fixture the Discord stand-in sends must come out of serenity's gateway parsing as the
//! concrete event (serenity turns an event with a missing field into `Event::Unknown` and drops
//! it without a word), and every REST answer must parse as the model serenity expects.

// Only the stand-in, not the whole of tests/support (which needs databases).
mod support {
    #[path = "discord_standin.rs"]
    pub mod discord_standin;
}

use serde_json::{Value, json};
use serenity::model::application::{
    Command, ComponentInteractionDataKind, CurrentApplicationInfo, Interaction,
};
use serenity::model::channel::{Channel, ChannelType, Message};
use serenity::model::event::{Event, GatewayEvent};
use serenity::model::gateway::BotGateway;
use serenity::model::user::CurrentUser;

use support::discord_standin::*;

fn world() -> World {
    World {
        application_id: 1_300_000_000_000_000_001,
        bot: FixtureUser::new(1_300_000_000_000_000_002, "Rounds"),
        guilds: vec![FixtureGuild {
            id: 1_300_000_000_000_000_100,
            name: "Medical Society".into(),
            channels: vec![
                (1_300_000_000_000_000_101, "general".into()),
                (1_300_000_000_000_000_102, "journal-club".into()),
            ],
            roles: vec![(1_300_000_000_000_000_110, "Organiser".into())],
            members: vec![
                FixtureUser::new(1_300_000_000_000_000_200, "alice"),
                FixtureUser::new(1_300_000_000_000_000_201, "bob"),
            ],
        }],
    }
}

/// Parse `d` as the gateway would and return the concrete event; on failure say why, using the
/// error serde gives for the event's own type (the gateway hides it behind `Event::Unknown`).
fn parse(event: &str, d: Value) -> Event {
    let frame = dispatch_frame(event, 1, d.clone());
    let parsed: GatewayEvent = serde_json::from_value(frame).expect("gateway frame parses");
    let GatewayEvent::Dispatch(1, ev) = parsed else {
        panic!("{event}: not a dispatch")
    };
    if let Event::Unknown(_) = ev {
        let tagged = json!({"t": event, "d": d});
        let why = serde_json::from_value::<Event>(tagged.clone()).err();
        // The untagged fallback swallows the error; ask the concrete types directly.
        let detail = match event {
            "READY" => serde_json::from_value::<serenity::model::event::ReadyEvent>(d).err(),
            "GUILD_CREATE" => {
                serde_json::from_value::<serenity::model::event::GuildCreateEvent>(d).err()
            }
            "MESSAGE_CREATE" => {
                serde_json::from_value::<serenity::model::event::MessageCreateEvent>(d).err()
            }
            "INTERACTION_CREATE" => {
                serde_json::from_value::<serenity::model::event::InteractionCreateEvent>(d).err()
            }
            "GUILD_MEMBER_ADD" => {
                serde_json::from_value::<serenity::model::event::GuildMemberAddEvent>(d).err()
            }
            "THREAD_CREATE" => {
                serde_json::from_value::<serenity::model::event::ThreadCreateEvent>(d).err()
            }
            "RESUMED" => serde_json::from_value::<serenity::model::event::ResumedEvent>(d).err(),
            _ => None,
        };
        panic!("{event} came out as Event::Unknown: {detail:?} {why:?}");
    }
    ev
}

#[test]
fn hello_parses() {
    let parsed: GatewayEvent = serde_json::from_value(hello_frame(HEARTBEAT_INTERVAL_MS)).unwrap();
    assert!(matches!(parsed, GatewayEvent::Hello(HEARTBEAT_INTERVAL_MS)));
}

#[test]
fn ready_is_a_ready_event() {
    let w = world();
    let Event::Ready(r) = parse(
        "READY",
        ready_payload(&w, "abc", "ws://127.0.0.1:1", [0, 1]),
    ) else {
        panic!("not READY")
    };
    assert_eq!(r.ready.application.id.get(), w.application_id);
    assert_eq!(r.ready.user.id.get(), w.bot.id);
    assert!(r.ready.user.bot);
    assert_eq!(r.ready.session_id, "abc");
    assert_eq!(r.ready.resume_gateway_url, "ws://127.0.0.1:1");
    assert_eq!(r.ready.guilds.len(), 1);
    assert!(r.ready.guilds[0].unavailable);
}

#[test]
fn guild_create_is_a_full_guild() {
    let w = world();
    let g = &w.guilds[0];
    let Event::GuildCreate(e) = parse("GUILD_CREATE", guild_create_payload(&w, g)) else {
        panic!("not GUILD_CREATE")
    };
    let guild = e.guild;
    assert_eq!(guild.id.get(), g.id);
    assert_eq!(guild.name, g.name);
    assert_eq!(guild.channels.len(), 2);
    assert_eq!(guild.roles.len(), 2, "@everyone + Organiser");
    assert_eq!(guild.members.len(), 3, "bot + two members");
    let everyone = &guild.roles[&serenity::model::id::RoleId::new(g.id)];
    assert!(everyone.permissions.send_messages());
    assert!(everyone.permissions.create_private_threads());
    let general = &guild.channels[&serenity::model::id::ChannelId::new(g.channels[0].0)];
    assert_eq!(general.kind, ChannelType::Text);
    assert_eq!(general.guild_id.get(), g.id);
    // The bot may talk in every fixture channel (serenity checks this from its cache).
    let bot = &guild.members[&serenity::model::id::UserId::new(w.bot.id)];
    assert!(guild.user_permissions_in(general, bot).send_messages());
}

#[test]
fn message_create_is_a_guild_message() {
    let w = world();
    let g = &w.guilds[0];
    let alice = &g.members[0];
    let msg = message_json(
        1_300_000_000_000_000_300,
        g.channels[0].0,
        alice,
        "hello",
        None,
    );
    let Event::MessageCreate(e) =
        parse("MESSAGE_CREATE", message_create_payload(g.id, &msg, alice))
    else {
        panic!("not MESSAGE_CREATE")
    };
    assert_eq!(e.message.content, "hello");
    assert_eq!(e.message.guild_id.map(|x| x.get()), Some(g.id));
    assert_eq!(e.message.author.id.get(), alice.id);
    assert!(e.message.member.is_some());
}

#[test]
fn slash_command_is_a_command_interaction() {
    let w = world();
    let g = &w.guilds[0];
    let d = command_interaction_payload(
        w.application_id,
        1_300_000_000_000_000_400,
        "tok",
        g.id,
        g.channels[0].0,
        None,
        &g.members[0],
        1_300_000_000_000_000_401,
        "rsvp",
        json!([{"name": "event", "type": 3, "value": "journal club"}]),
    );
    let Event::InteractionCreate(e) = parse("INTERACTION_CREATE", d) else {
        panic!("not INTERACTION_CREATE")
    };
    let Interaction::Command(c) = e.interaction else {
        panic!("not a command interaction")
    };
    assert_eq!(c.data.name, "rsvp");
    assert_eq!(c.token, "tok");
    assert_eq!(c.guild_id.map(|x| x.get()), Some(g.id));
    assert_eq!(
        c.member.as_ref().map(|m| m.user.id.get()),
        Some(g.members[0].id)
    );
    assert_eq!(
        c.user.id.get(),
        g.members[0].id,
        "serenity fills user from member"
    );
    assert_eq!(c.data.options[0].name, "event");
    assert_eq!(c.data.options[0].value.as_str(), Some("journal club"));
}

#[test]
fn button_click_is_a_component_interaction() {
    let w = world();
    let g = &w.guilds[0];
    let mut msg = message_json(
        1_300_000_000_000_000_500,
        g.channels[0].0,
        &w.bot,
        "Going?",
        None,
    );
    msg["author"]["bot"] = json!(true);
    msg["components"] = json!([{"type": 1, "id": 1, "components": [
        {"type": 2, "id": 2, "style": 1, "label": "Yes", "custom_id": "rsvp:yes"}
    ]}]);
    let d = component_interaction_payload(
        w.application_id,
        1_300_000_000_000_000_501,
        "tok2",
        g.id,
        g.channels[0].0,
        None,
        &g.members[1],
        &msg,
        "rsvp:yes",
    );
    let Event::InteractionCreate(e) = parse("INTERACTION_CREATE", d) else {
        panic!("not INTERACTION_CREATE")
    };
    let Interaction::Component(c) = e.interaction else {
        panic!("not a component interaction")
    };
    assert_eq!(c.data.custom_id, "rsvp:yes");
    assert!(matches!(c.data.kind, ComponentInteractionDataKind::Button));
    assert_eq!(c.message.id.get(), 1_300_000_000_000_000_500);
    assert_eq!(c.message.components.len(), 1);
    assert_eq!(c.user.id.get(), g.members[1].id);
}

#[test]
fn member_add_is_a_member_addition() {
    let w = world();
    let carol = FixtureUser::new(1_300_000_000_000_000_202, "carol");
    let Event::GuildMemberAdd(e) = parse(
        "GUILD_MEMBER_ADD",
        member_add_payload(w.guilds[0].id, &carol),
    ) else {
        panic!("not GUILD_MEMBER_ADD")
    };
    assert_eq!(e.member.user.id.get(), carol.id);
    assert_eq!(e.member.guild_id.get(), w.guilds[0].id);
}

#[test]
fn thread_create_is_a_private_thread() {
    let w = world();
    let g = &w.guilds[0];
    let t = thread_channel_json(
        g.id,
        g.channels[0].0,
        1_300_000_000_000_000_600,
        "case",
        12,
        w.bot.id,
        4320,
        false,
    );
    let Event::ThreadCreate(e) = parse("THREAD_CREATE", thread_create_payload(&t, w.bot.id)) else {
        panic!("not THREAD_CREATE")
    };
    assert_eq!(e.thread.kind, ChannelType::PrivateThread);
    assert_eq!(e.thread.parent_id.map(|x| x.get()), Some(g.channels[0].0));
    // The REST answer to POST /channels/{id}/threads is the same object.
    let Channel::Guild(c) = serde_json::from_value::<Channel>(t).unwrap() else {
        panic!("not a guild channel")
    };
    assert_eq!(c.kind, ChannelType::PrivateThread);
}

#[test]
fn resumed_is_resumed() {
    assert!(matches!(
        parse("RESUMED", resumed_payload()),
        Event::Resumed(_)
    ));
}

#[test]
fn rest_answers_parse_as_serenity_models() {
    let w = world();
    let g = &w.guilds[0];
    let _: CurrentUser = serde_json::from_value(current_user_json(&w.bot)).unwrap();
    let app: CurrentApplicationInfo = serde_json::from_value(application_json(&w)).unwrap();
    assert_eq!(app.id.get(), w.application_id);
    let gw: BotGateway = serde_json::from_value(json!({
        "url": "ws://127.0.0.1:1", "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
    }))
    .unwrap();
    assert_eq!(gw.shards, 1);
    let m: Message = serde_json::from_value(message_json(
        1_300_000_000_000_000_700,
        g.channels[0].0,
        &w.bot,
        "hi",
        Some(&json!("n1")),
    ))
    .unwrap();
    assert_eq!(m.content, "hi");
    let Channel::Private(dm) = serde_json::from_value::<Channel>(dm_channel_json(
        1_300_000_000_000_000_701,
        &g.members[0],
    ))
    .unwrap() else {
        panic!("not a DM")
    };
    assert_eq!(dm.recipient.id.get(), g.members[0].id);
    let Channel::Guild(text) =
        serde_json::from_value::<Channel>(text_channel_json(g.id, g.channels[0].0, "general", 0))
            .unwrap()
    else {
        panic!("not a guild channel")
    };
    assert_eq!(text.kind, ChannelType::Text);
    let cmd: Command = serde_json::from_value(command_json(
        w.application_id,
        Some(g.id),
        1_300_000_000_000_000_702,
        1_300_000_000_000_000_703,
        &json!({"name": "rsvp", "description": "Answer an invitation", "type": 1,
                "options": [{"type": 3, "name": "event", "description": "which", "required": true}]}),
    ))
    .unwrap();
    assert_eq!(cmd.name, "rsvp");
    assert_eq!(cmd.options.len(), 1);
}

#[test]
fn timestamps_are_rfc3339() {
    assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000000+00:00");
    assert_eq!(iso_ms(DISCORD_EPOCH_MS), "2015-01-01T00:00:00.000000+00:00");
    assert_eq!(
        iso_ms(1_709_251_200_123),
        "2024-03-01T00:00:00.123000+00:00"
    );
}

#[test]
fn a_user_option_comes_resolved() {
    let w = world();
    let g = &w.guilds[0];
    let mut d = command_interaction_payload(
        w.application_id,
        1_300_000_000_000_000_410,
        "tok",
        g.id,
        g.channels[0].0,
        None,
        &g.members[0],
        1_300_000_000_000_000_411,
        "followup",
        json!([{"name": "member", "type": 6, "value": g.members[1].id.to_string()}]),
    );
    d["data"]["resolved"] = resolved_users_json(g.id, &[(g.members[1].clone(), true)]);
    let Event::InteractionCreate(e) = parse("INTERACTION_CREATE", d) else {
        panic!("not INTERACTION_CREATE")
    };
    let Interaction::Command(c) = e.interaction else {
        panic!("not a command interaction")
    };
    let options = c.data.options();
    let serenity::model::application::ResolvedValue::User(user, member) = &options[0].value else {
        panic!("the user option is not resolved: {:?}", options[0].value)
    };
    assert_eq!(user.id.get(), g.members[1].id);
    assert!(member.is_some());
}

#[test]
fn a_button_in_a_direct_message_is_a_component_interaction_without_a_guild() {
    let w = world();
    let carol = FixtureUser::new(1_300_000_000_000_000_203, "carol");
    let dm = 1_300_000_000_000_000_600;
    let mut msg = message_json(1_300_000_000_000_000_601, dm, &w.bot, "Stage?", None);
    msg["author"]["bot"] = json!(true);
    msg["components"] = json!([{"type": 1, "id": 1, "components": [
        {"type": 2, "id": 2, "style": 1, "label": "Intern", "custom_id": "rounds:onboard:stage:intern"}
    ]}]);
    let d = dm_component_interaction_payload(
        w.application_id,
        1_300_000_000_000_000_602,
        "tok3",
        dm,
        Some(&dm_channel_json(dm, &carol)),
        &carol,
        &msg,
        "rounds:onboard:stage:intern",
    );
    let Event::InteractionCreate(e) = parse("INTERACTION_CREATE", d) else {
        panic!("not INTERACTION_CREATE")
    };
    let Interaction::Component(c) = e.interaction else {
        panic!("not a component interaction")
    };
    assert_eq!(c.guild_id, None);
    assert!(c.member.is_none());
    assert_eq!(c.user.id.get(), carol.id);
    assert_eq!(c.channel_id.get(), dm);
    assert_eq!(c.data.custom_id, "rounds:onboard:stage:intern");
}

#[test]
fn a_direct_message_is_a_message_without_a_guild() {
    let carol = FixtureUser::new(1_300_000_000_000_000_203, "carol");
    let msg = message_json(
        1_300_000_000_000_000_610,
        1_300_000_000_000_000_600,
        &carol,
        "emergency medicine",
        None,
    );
    let Event::MessageCreate(e) = parse("MESSAGE_CREATE", msg) else {
        panic!("not MESSAGE_CREATE")
    };
    assert_eq!(e.message.guild_id, None);
    assert_eq!(e.message.content, "emergency medicine");
    assert_eq!(e.message.author.id.get(), carol.id);
}

#[test]
fn guild_create_gives_the_bot_its_own_role_with_the_permissions_set() {
    let w = world();
    let g = &w.guilds[0];
    let permissions = GuildPermissions {
        everyone: EVERYONE_PERMISSIONS & !PERMISSION_ATTACH_FILES,
        bot_role: PERMISSION_CREATE_EVENTS,
    };
    let payload = guild_create_payload_with(&w, g, permissions);
    let Event::GuildCreate(e) = parse("GUILD_CREATE", payload) else {
        panic!("not GUILD_CREATE")
    };
    let guild = e.guild;
    let role = serenity::model::id::RoleId::new(bot_role_id(&w));
    assert_eq!(
        guild.roles.len(),
        3,
        "@everyone + Organiser + the bot's role"
    );
    assert!(guild.roles[&role].managed);
    assert_eq!(
        guild.roles[&role].permissions.bits(),
        PERMISSION_CREATE_EVENTS
    );
    let bot = &guild.members[&serenity::model::id::UserId::new(w.bot.id)];
    assert_eq!(bot.roles, vec![role]);
    let general = &guild.channels[&serenity::model::id::ChannelId::new(g.channels[0].0)];
    let granted = guild.user_permissions_in(general, bot);
    assert!(!granted.attach_files());
    assert!(granted.create_events());
}
