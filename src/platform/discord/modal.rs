//! `/event create` without its details opens a form (a Discord modal) instead of failing; the
//! submitted form becomes the same `event create …` text a typed command or the slash command's
//! `details` option gives, so the core's one parser handles it.

use serenity::all::{
    ActionRow, ActionRowComponent, CreateActionRow, CreateInputText, CreateModal, InputTextStyle,
};

/// The modal's custom id; the submission comes back with it.
pub const EVENT_CREATE: &str = "rounds:event-create";

/// Slash sub-commands whose text option may be left out, because a form then asks for it:
/// (command, sub-command).
pub const OPEN_A_FORM: &[(&str, &str)] = &[("event", "create")];

fn input(style: InputTextStyle, label: &str, id: &str, example: &str, max: u16) -> CreateActionRow {
    CreateActionRow::InputText(
        CreateInputText::new(style, label, id)
            .placeholder(example)
            .max_length(max),
    )
}

/// The form for a new event: title, when, where, and any further `|`-separated fields.
pub fn event_create() -> CreateModal {
    CreateModal::new(EVENT_CREATE, "New event").components(vec![
        input(
            InputTextStyle::Short,
            "Title",
            "title",
            "Grand rounds: sepsis update",
            200,
        ),
        input(
            InputTextStyle::Short,
            "When",
            "when",
            "next Tuesday 12:30",
            100,
        ),
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Short, "Where (optional)", "where")
                .placeholder("Lecture theatre 3")
                .max_length(300)
                .required(false),
        ),
        CreateActionRow::InputText(
            CreateInputText::new(
                InputTextStyle::Paragraph,
                "More (optional; one per line or | between)",
                "more",
            )
            .placeholder("for 1h | capacity 40 | kind cpd | cpd 1")
            .max_length(500)
            .required(false),
        ),
    ])
}

/// The text inputs of a submitted modal: (custom id, value).
pub fn values(rows: &[ActionRow]) -> Vec<(String, String)> {
    rows.iter()
        .flat_map(|row| &row.components)
        .filter_map(|component| match component {
            ActionRowComponent::InputText(input) => Some((
                input.custom_id.clone(),
                input.value.clone().unwrap_or_default(),
            )),
            _ => None,
        })
        .collect()
}

/// The command text (without the prefix) a submitted form stands for, or None if the form is
/// not one of Rounds'.
pub fn to_text(custom_id: &str, values: &[(String, String)]) -> Option<String> {
    if custom_id != EVENT_CREATE {
        return None;
    }
    let value = |id: &str| {
        values
            .iter()
            .find(|(name, _)| name == id)
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let mut fields = vec![value("title"), value("when")];
    let place = value("where");
    let place = place
        .strip_prefix("at ")
        .or_else(|| place.strip_prefix("At "))
        .unwrap_or(&place)
        .trim();
    if !place.is_empty() {
        fields.push(format!("at {place}"));
    }
    let more = values
        .iter()
        .find(|(name, _)| name == "more")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    fields.extend(
        more.split(['\n', '|'])
            .map(|f| f.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|f| !f.is_empty()),
    );
    Some(format!("event create {}", fields.join(" | ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_filled_form_is_the_create_command() {
        let text = to_text(
            EVENT_CREATE,
            &submitted(&[
                ("title", " Grand rounds "),
                ("when", "in 3 days"),
                ("where", "at Theatre 2"),
                ("more", "capacity 40\nkind cpd | cpd 1.5\n"),
            ]),
        );
        assert_eq!(
            text.as_deref(),
            Some(
                "event create Grand rounds | in 3 days | at Theatre 2 | capacity 40 | kind cpd | cpd 1.5"
            )
        );
        let bare = to_text(
            EVENT_CREATE,
            &submitted(&[("title", "Social"), ("when", "Friday 18:00"), ("where", "")]),
        );
        assert_eq!(bare.as_deref(), Some("event create Social | Friday 18:00"));
        assert_eq!(to_text("someone-else", &submitted(&[])), None);
    }

    #[test]
    fn the_form_fits_discords_limits() {
        let json = serde_json::to_value(event_create()).unwrap();
        assert!(json["title"].as_str().unwrap().chars().count() <= 45);
        let rows = json["components"].as_array().unwrap();
        assert!((1..=5).contains(&rows.len()));
        for row in rows {
            let input = &row["components"][0];
            assert_eq!(input["type"], 4);
            assert!(input["label"].as_str().unwrap().chars().count() <= 45);
            assert!(input["placeholder"].as_str().unwrap().chars().count() <= 100);
        }
    }
}
