//! Sends the application's e-mail through an SMTP server, implementing `tt_app::Mailer`.
//!
//! Without an SMTP URL the binary uses `tt_app::LogMailer` instead, which writes messages to the
//! log. This crate knows nothing of what the messages are about.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tt_app::mailer::MailFuture;
use tt_app::{Mailer, OutgoingEmail};

/// Mail settings. The URL may hold a password, so `Debug` does not print it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://host:25` (plain), `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465`; empty to write e-mail to the log instead.
    pub smtp_url: String,
    /// The sender, such as `Trusted Trader <no-reply@example.gov>`.
    pub from: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self { smtp_url: String::new(), from: "Trusted Trader <no-reply@localhost>".to_owned() }
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &if self.smtp_url.is_empty() { "" } else { "[redacted]" })
            .field("from", &self.from)
            .finish()
    }
}

/// Sends each message as plain text through one SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// # Errors
    /// When the URL or the sender address cannot be parsed.
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|error| anyhow::anyhow!("mail.smtp_url is not a usable SMTP URL: {error}"))?
            .build();
        let from = settings.from.parse().map_err(|error| anyhow::anyhow!("mail.from is not an address: {error}"))?;
        Ok(Self { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, email: OutgoingEmail) -> MailFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            let to: Mailbox = email.to.parse().map_err(|error| anyhow::anyhow!("recipient {}: {error}", email.to))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(email.subject)
                .header(ContentType::TEXT_PLAIN)
                .body(email.body)?;
            self.transport.send(message).await.map_err(|error| anyhow::anyhow!("sending e-mail failed: {error}"))?;
            Ok(())
        })
    }
}
