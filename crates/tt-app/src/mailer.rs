//! Outgoing e-mail as a port. Without SMTP configured, messages are written to the log.

use async_trait_free::BoxFuture;

/// A plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub trait Mailer: Send + Sync {
    fn send(&self, email: OutgoingEmail) -> BoxFuture<'_, anyhow::Result<()>>;

    /// Whether messages actually leave the system. When they do not, reminders stay in the
    /// outbox the admin reads instead of being marked as e-mailed.
    fn delivers(&self) -> bool {
        true
    }
}

/// Writes each message to the log at `info` level (the default when no SMTP server is set).
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send(&self, email: OutgoingEmail) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            tracing::info!(to = %email.to, subject = %email.subject, body = %email.body, "e-mail (not sent: no SMTP server configured)");
            Ok(())
        })
    }

    fn delivers(&self) -> bool {
        false
    }
}

mod async_trait_free {
    //! A boxed future type, so the trait stays object-safe without a macro.
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

pub use async_trait_free::BoxFuture as MailFuture;
