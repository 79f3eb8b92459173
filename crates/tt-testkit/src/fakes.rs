//! Fakes for what a test must control: the clock, and outgoing mail (recorded, not sent).

use std::sync::Mutex;

use time::{Duration, OffsetDateTime};
use tt_app::mailer::MailFuture;
use tt_app::{Clock, Mailer, OutgoingEmail};

/// A clock that stands still until a test moves it.
pub struct MovableClock {
    now: Mutex<OffsetDateTime>,
}

impl MovableClock {
    #[must_use]
    pub fn starting_now() -> Self {
        Self { now: Mutex::new(OffsetDateTime::now_utc()) }
    }

    /// # Panics
    /// When the lock is poisoned (a test already failed).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().expect("clock lock");
        *now += by;
    }
}

impl Clock for MovableClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().expect("clock lock")
    }
}

/// Keeps every message "sent".
#[derive(Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
}

impl RecordingMailer {
    /// # Panics
    /// When the lock is poisoned.
    #[must_use]
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().expect("mail lock").clone()
    }
}

impl Mailer for RecordingMailer {
    fn send(&self, email: OutgoingEmail) -> MailFuture<'_, anyhow::Result<()>> {
        self.sent.lock().expect("mail lock").push(email);
        Box::pin(async { Ok(()) })
    }
}
