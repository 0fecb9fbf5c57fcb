//! Discord slash commands, generated from the core's `COMMANDS` table, and an invocation turned
//! back into the same text a member would type, so the core's one parser handles both.
//!
//! A form's literal words become a sub-command (`/reminders cancel id:R7`); a form without
//! literals, beside others that have them, becomes `show`; `<x>` and `[x]` become required and
//! optional string options, with choices when the usage lists them (`<yes|no>`); a keyword
//! option `[group <name>]` becomes an optional `group` option, typed back as `group <value>`.
//! A `<member>` becomes a user option (Discord's member picker), typed back as the mention
//! `<@id>`; a form without literals that names a member becomes `about`
//! (`/shoutout about member:@ana`).

use serenity::all::{
    CommandOptionType, CreateCommand, CreateCommandOption, ResolvedOption, ResolvedValue,
    Unresolved,
};

use super::modal;
use crate::core::command::{COMMANDS, CommandSpec, SWITCHES};

/// The sub-command standing for a form that has no literal words.
const BARE: &str = "show";
/// The sub-command standing for a form that has no literal words but names a member.
const ABOUT: &str = "about";
/// The parameter that names a member: a user option.
const MEMBER: &str = "member";

#[derive(Debug, PartialEq, Eq)]
struct Param {
    name: String,
    required: bool,
    choices: Vec<String>,
    /// Typed before the value (`group` in `[group <name>]`).
    keyword: bool,
    /// A word typed on its own (`[new]`): a true/false option, typed back as the word.
    switch: bool,
}

/// Splits a usage into words, keeping a bracketed keyword option (`[group <name>]`) whole.
fn usage_words(usage: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut open: Option<String> = None;
    for word in usage.split_whitespace() {
        match open.as_mut() {
            Some(current) => {
                current.push(' ');
                current.push_str(word);
                if word.ends_with(']') {
                    words.extend(open.take());
                }
            }
            None if word.starts_with('[') && !word.ends_with(']') => open = Some(word.to_string()),
            None => words.push(word.to_string()),
        }
    }
    words.extend(open);
    words
}

#[derive(Debug, PartialEq, Eq)]
struct Form {
    literals: Vec<String>,
    params: Vec<Param>,
    summary: String,
}

fn forms(spec: &CommandSpec) -> Vec<Form> {
    spec.forms
        .iter()
        .map(|form| {
            let mut literals = Vec::new();
            let mut params = Vec::new();
            for word in usage_words(form.usage).iter().skip(1) {
                if let Some((keyword, value)) = word
                    .strip_prefix('[')
                    .and_then(|w| w.strip_suffix(']'))
                    .and_then(|w| w.split_once(' '))
                {
                    let value = value.trim_start_matches('<').trim_end_matches('>');
                    params.push(Param {
                        name: keyword.to_string(),
                        required: false,
                        choices: if value.contains('|') {
                            value.split('|').map(str::to_string).collect()
                        } else {
                            Vec::new()
                        },
                        keyword: true,
                        switch: false,
                    });
                    continue;
                }
                let word = word.as_str();
                let (inner, required) = if let Some(inner) =
                    word.strip_prefix('<').and_then(|w| w.strip_suffix('>'))
                {
                    (Some(inner), true)
                } else if let Some(inner) = word.strip_prefix('[').and_then(|w| w.strip_suffix(']'))
                {
                    (Some(inner), false)
                } else {
                    (None, false)
                };
                match inner {
                    None => literals.push(word.to_string()),
                    Some(inner) if inner.contains('|') => params.push(Param {
                        name: "value".to_string(),
                        required,
                        choices: inner.split('|').map(str::to_string).collect(),
                        keyword: false,
                        switch: false,
                    }),
                    Some(inner) => params.push(Param {
                        name: inner.to_string(),
                        required,
                        choices: Vec::new(),
                        keyword: false,
                        switch: !required && SWITCHES.contains(&inner),
                    }),
                }
            }
            Form {
                literals,
                params,
                summary: form.described(),
            }
        })
        .collect()
}

fn option(param: &Param, description: &str) -> CreateCommandOption {
    let kind = if param.switch {
        CommandOptionType::Boolean
    } else if param.name == MEMBER && param.choices.is_empty() {
        CommandOptionType::User
    } else {
        CommandOptionType::String
    };
    let mut option =
        CreateCommandOption::new(kind, &param.name, description).required(param.required);
    for choice in param.choices.iter().take(25) {
        option = option.add_string_choice(choice, choice);
    }
    option
}

fn describe(text: &str) -> String {
    text.chars().take(100).collect()
}

fn subcommand_name(form: &Form) -> String {
    if form.literals.is_empty() && form.params.iter().any(|p| p.name == MEMBER) {
        ABOUT.to_string()
    } else if form.literals.is_empty() {
        BARE.to_string()
    } else {
        form.literals.join("-")
    }
}

/// Every command, ready for one bulk overwrite per guild.
pub fn definitions() -> Vec<CreateCommand> {
    COMMANDS
        .iter()
        .map(|spec| {
            let forms = forms(spec);
            let mut command = CreateCommand::new(spec.name).description(describe(spec.summary));
            if forms.iter().all(|f| f.literals.is_empty()) {
                // One command with the union of its forms' options; any not in every form is optional.
                let mut params: Vec<Param> = Vec::new();
                for form in &forms {
                    for param in &form.params {
                        if !params.iter().any(|p| p.name == param.name) {
                            let everywhere = forms.iter().all(|f| {
                                f.params.iter().any(|p| p.name == param.name && p.required)
                            });
                            params.push(Param {
                                name: param.name.clone(),
                                required: everywhere,
                                choices: param.choices.clone(),
                                keyword: param.keyword,
                                switch: param.switch,
                            });
                        }
                    }
                }
                for param in &params {
                    command = command
                        .add_option(option(param, &describe(&format!("the {}", param.name))));
                }
            } else {
                for form in &forms {
                    let name = subcommand_name(form);
                    // Left out, the option is asked for in a form (a modal) instead.
                    let form_asks = modal::OPEN_A_FORM.contains(&(spec.name, name.as_str()));
                    let mut sub = CreateCommandOption::new(
                        CommandOptionType::SubCommand,
                        &name,
                        describe(&form.summary),
                    );
                    for param in &form.params {
                        let param = Param {
                            name: param.name.clone(),
                            required: param.required && !form_asks,
                            choices: param.choices.clone(),
                            keyword: param.keyword,
                            switch: param.switch,
                        };
                        sub = sub.add_sub_option(option(
                            &param,
                            &describe(&format!("the {}", param.name)),
                        ));
                    }
                    command = command.add_option(sub);
                }
            }
            command
        })
        .collect()
}

/// An invocation's options as plain text: the sub-command used (if any) and name → value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    pub subcommand: Option<String>,
    pub options: Vec<(String, String)>,
}

fn value_text(value: &ResolvedValue<'_>) -> Option<String> {
    match value {
        ResolvedValue::String(s) => Some(s.to_string()),
        ResolvedValue::Integer(n) => Some(n.to_string()),
        ResolvedValue::Number(n) => Some(n.to_string()),
        ResolvedValue::Boolean(b) => Some(if *b { "yes" } else { "no" }.to_string()),
        // Typed back as a mention, which the core reads as the member's id.
        ResolvedValue::User(user, _) => Some(format!("<@{}>", user.id)),
        ResolvedValue::Unresolved(Unresolved::User(id)) => Some(format!("<@{id}>")),
        _ => None,
    }
}

impl Invocation {
    pub fn from_resolved(options: &[ResolvedOption<'_>]) -> Invocation {
        let plain = |options: &[ResolvedOption<'_>]| -> Vec<(String, String)> {
            options
                .iter()
                .filter_map(|o| value_text(&o.value).map(|v| (o.name.to_string(), v)))
                .collect()
        };
        match options.first() {
            Some(ResolvedOption {
                name,
                value: ResolvedValue::SubCommand(inner),
                ..
            }) => Invocation {
                subcommand: Some(name.to_string()),
                options: plain(inner),
            },
            _ => Invocation {
                subcommand: None,
                options: plain(options),
            },
        }
    }
}

/// Whether this invocation leaves out what a form (a modal) asks for instead.
pub fn opens_form(name: &str, invocation: &Invocation) -> bool {
    invocation.subcommand.as_deref().is_some_and(|sub| {
        modal::OPEN_A_FORM.contains(&(name, sub))
            && invocation.options.iter().all(|(_, v)| v.trim().is_empty())
    })
}

/// The text a member would have typed for this invocation, without the prefix.
pub fn to_text(name: &str, invocation: &Invocation) -> String {
    let Some(spec) = COMMANDS.iter().find(|c| c.name == name) else {
        return name.to_string();
    };
    let forms = forms(spec);
    let form = match &invocation.subcommand {
        Some(sub) => forms.iter().find(|f| subcommand_name(f) == *sub),
        None => forms.iter().max_by_key(|f| f.params.len()),
    };
    let Some(form) = form else {
        return name.to_string();
    };
    let mut words = vec![name.to_string()];
    words.extend(form.literals.iter().cloned());
    for param in &form.params {
        if let Some((_, value)) = invocation.options.iter().find(|(n, _)| *n == param.name) {
            if param.switch {
                if value == "yes" {
                    words.push(param.name.clone());
                }
                continue;
            }
            if param.keyword {
                words.push(param.name.clone());
            }
            // `event edit`'s changes are `|`-separated fields after the id; a member filling in
            // the option writes `at Room 5`, which the parser reads as `| at Room 5`.
            if param.name == "changes" && !value.trim_start().starts_with('|') {
                words.push("|".to_string());
            }
            words.push(value.clone());
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::command::{self, Parsed};

    #[test]
    fn every_form_becomes_a_subcommand_or_option_and_back() {
        let json = serde_json::to_value(definitions()).unwrap();
        let names: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>());
        let remind = &json[1];
        assert_eq!(remind["options"][0]["name"], "me");
        assert_eq!(remind["options"][0]["type"], 1);
        assert_eq!(remind["options"][0]["options"][0]["name"], "when");
        assert_eq!(remind["options"][0]["options"][0]["required"], true);
        let profile = &json[3];
        let stage = profile["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "stage")
            .unwrap();
        assert_eq!(stage["options"][0]["choices"].as_array().unwrap().len(), 6);
        let help = &json[0];
        assert_eq!(help["options"][0]["name"], "topic");
        assert_eq!(help["options"][0]["required"], false);
        for command in json.as_array().unwrap() {
            assert!(command["description"].as_str().unwrap().len() <= 100);
        }
        let command = |name: &str| {
            json.as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
                .unwrap()
                .clone()
        };
        // A member is picked with Discord's user option (type 6); kinds are string choices.
        let shoutout = command("shoutout");
        let about = &shoutout["options"][0];
        assert_eq!(about["name"], "about");
        assert_eq!(about["options"][0]["name"], "member");
        assert_eq!(about["options"][0]["type"], 6);
        assert_eq!(about["options"][1]["type"], 3);
        assert_eq!(about["options"][1]["choices"].as_array().unwrap().len(), 7);
        let followup = command("followup");
        assert_eq!(followup["options"][0]["name"], "member");
        assert_eq!(followup["options"][0]["type"], 6);
        assert_eq!(followup["options"][2]["required"], false);
        let milestone = command("milestone");
        assert_eq!(
            milestone["options"][0]["choices"][0]["value"],
            "publication"
        );
        assert_eq!(milestone["options"][0]["required"], true);
        let profile = command("profile");
        let shoutouts = profile["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "shoutouts")
            .unwrap();
        assert_eq!(
            shoutouts["options"][0]["choices"].as_array().unwrap().len(),
            3
        );
        let welcome = command("welcome");
        let subs: Vec<&str> = welcome["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(subs, vec!["show", "skip", "preview"]);
    }

    #[test]
    fn a_member_is_typed_back_as_a_mention_the_core_reads() {
        let about = Invocation {
            subcommand: Some("about".into()),
            options: vec![
                ("member".into(), "<@1300000000000000202>".into()),
                ("value".into(), "award".into()),
                ("text".into(), "Best registrar teaching award".into()),
            ],
        };
        let text = to_text("shoutout", &about);
        assert_eq!(
            text,
            "shoutout <@1300000000000000202> award Best registrar teaching award"
        );
        assert!(matches!(
            command::parse(&format!("!{text}"), "!", false),
            Parsed::Command(_)
        ));
        assert_eq!(
            crate::core::mention::id_of("<@1300000000000000202>").as_deref(),
            Some("1300000000000000202")
        );
        let followup = Invocation {
            subcommand: None,
            options: vec![
                ("member".into(), "<@42>".into()),
                ("when".into(), "in 1 week".into()),
                ("note".into(), "ask about the audit".into()),
            ],
        };
        let text = to_text("followup", &followup);
        assert_eq!(text, "followup <@42> in 1 week ask about the audit");
        assert!(matches!(
            command::parse(&format!("!{text}"), "!", false),
            Parsed::Command(_)
        ));
        let milestone = Invocation {
            subcommand: None,
            options: vec![
                ("value".into(), "exam".into()),
                ("text".into(), "Passed part 1".into()),
            ],
        };
        assert_eq!(
            to_text("milestone", &milestone),
            "milestone exam Passed part 1"
        );
        assert_eq!(
            to_text(
                "shoutout",
                &Invocation {
                    subcommand: Some("approve".into()),
                    options: vec![("id".into(), "S3".into())],
                }
            ),
            "shoutout approve S3"
        );
        assert_eq!(
            to_text(
                "welcome",
                &Invocation {
                    subcommand: Some("show".into()),
                    options: vec![],
                }
            ),
            "welcome"
        );
    }

    #[test]
    fn invocations_rebuild_text_the_parser_accepts() {
        let sub = |name: &str, options: &[(&str, &str)]| Invocation {
            subcommand: Some(name.to_string()),
            options: options
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        };
        let text = to_text(
            "remind",
            &sub(
                "me",
                &[("what", "to call the registrar"), ("when", "in 2 minutes")],
            ),
        );
        assert_eq!(text, "remind me in 2 minutes to call the registrar");
        assert!(matches!(
            command::parse(&format!("!{text}"), "!", false),
            Parsed::Command(_)
        ));
        assert_eq!(to_text("reminders", &sub("show", &[])), "reminders");
        assert_eq!(
            to_text("reminders", &sub("cancel", &[("id", "R7")])),
            "reminders cancel R7"
        );
        assert_eq!(
            to_text("profile", &sub("stage", &[("value", "registrar")])),
            "profile stage registrar"
        );
        assert_eq!(
            to_text("forget", &sub("me-confirm", &[])),
            "forget me confirm"
        );
        assert_eq!(to_text("help", &Invocation::default()), "help");
        let setup = to_text(
            "coffee",
            &sub(
                "setup",
                &[
                    ("every", "Monday 09:00"),
                    ("size", "3"),
                    ("group", "surgery"),
                ],
            ),
        );
        assert_eq!(
            setup,
            "coffee setup group surgery every Monday 09:00 size 3"
        );
        assert!(matches!(
            command::parse(&format!("!{setup}"), "!", false),
            Parsed::Command(_)
        ));
        // A switch is a true/false option, typed back as its word only when true.
        let json = serde_json::to_value(definitions()).unwrap();
        let coffee = json
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "coffee")
            .unwrap();
        let setup_options = coffee["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "setup")
            .unwrap()["options"]
            .clone();
        let new = setup_options
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "new")
            .expect("a `new` option");
        assert_eq!(new["type"], 5, "a boolean: {new}");
        let started = to_text(
            "coffee",
            &sub(
                "setup",
                &[
                    ("new", "yes"),
                    ("group", "surgery"),
                    ("every", "Monday 09:00"),
                ],
            ),
        );
        assert_eq!(started, "coffee setup new group surgery every Monday 09:00");
        assert!(matches!(
            command::parse(&format!("!{started}"), "!", false),
            Parsed::Command(_)
        ));
        assert_eq!(
            to_text(
                "coffee",
                &sub("setup", &[("new", "no"), ("group", "surgery")])
            ),
            "coffee setup group surgery"
        );
        assert_eq!(
            to_text("coffee", &sub("pause", &[("duration", "2 weeks")])),
            "coffee pause 2 weeks"
        );
        assert_eq!(
            to_text("mentor", &sub("offer", &[("capacity", "2")])),
            "mentor offer capacity 2"
        );
        let help = Invocation {
            subcommand: None,
            options: vec![("topic".into(), "remind".into())],
        };
        assert_eq!(to_text("help", &help), "help remind");
        let more = Invocation {
            subcommand: None,
            options: vec![("topic".into(), "events more".into())],
        };
        assert_eq!(
            command::parse(&format!("!{}", to_text("help", &more)), "!", false),
            Parsed::Command(command::Command::Help {
                topic: Some("events more".into())
            })
        );
        for changes in ["at Room 5 | capacity 40", "| at Room 5 | capacity 40"] {
            let edit = to_text("event", &sub("edit", &[("id", "E1"), ("changes", changes)]));
            assert!(edit.starts_with("event edit E1 | at Room 5"), "{edit}");
            assert!(matches!(
                command::parse(&format!("!{edit}"), "!", false),
                Parsed::Command(_)
            ));
        }
    }
}
