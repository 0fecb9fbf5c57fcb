//! Answers on Discord without the outbox, for when the store cannot take an event: a reply in
//! the channel of a message, or the answer to an interaction through its token.

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{
    ChannelId, CreateInteractionResponseFollowup, CreateMessage, EditInteractionResponse, Http,
    MessageId, Nonce,
};

use serenity::builder::Builder;

use super::pacing::Pace;
use super::sending::{delivery_error, nonce};
use crate::platform::{DeliveryError, DirectReply};

/// Where the member who sent one event is waiting for an answer.
pub enum Waiting {
    /// A message in a channel: answered with a reply to it. Its id makes the nonce, so a second
    /// attempt within Discord's nonce window shows one answer.
    Message {
        channel: ChannelId,
        message: MessageId,
    },
    /// A slash command or form, deferred: its response is edited.
    Command { token: String },
    /// A button, deferred: answered with a private follow-up.
    Component { token: String },
    /// Nobody (a member joining): nothing is sent.
    Nobody,
}

pub struct DiscordDirect {
    pub http: Arc<Http>,
    /// A reply in a channel counts against Discord's global limit; an interaction's answer
    /// does not.
    pub pace: Arc<Pace>,
    pub waiting: Waiting,
}

#[async_trait]
impl DirectReply for DiscordDirect {
    async fn say(&self, text: &str) -> Result<(), DeliveryError> {
        let http = self.http.as_ref();
        match &self.waiting {
            Waiting::Message { channel, message } => {
                self.pace.admit().await;
                channel
                    .send_message(
                        http,
                        CreateMessage::new()
                            .content(text)
                            .reference_message((*channel, *message))
                            .nonce(Nonce::String(nonce(&format!("direct:{message}"))))
                            .enforce_nonce(true),
                    )
                    .await
                    .map(|_| ())
            }
            Waiting::Command { token } => EditInteractionResponse::new()
                .content(text)
                .execute(http, token)
                .await
                .map(|_| ()),
            Waiting::Component { token } => CreateInteractionResponseFollowup::new()
                .content(text)
                .ephemeral(true)
                .execute(http, (None, token))
                .await
                .map(|_| ()),
            Waiting::Nobody => Ok(()),
        }
        .map_err(delivery_error)
    }
}
