//! Status-verification connections between members (what replaced SVI numbers): one member asks
//! another to connect, the other accepts or declines (or accepts automatically), either ends it.
//! A connection is its events, in order; its state and what each side shares are replayed.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AccountId, ValidationError};

/// What happened to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStep {
    Requested,
    Accepted,
    Declined,
    Ended,
}

impl ConnectionStep {
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Ended => "ended",
        }
    }

    /// # Errors
    /// On the field `step` for a name that is not a step.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim() {
            "requested" => Ok(Self::Requested),
            "accepted" => Ok(Self::Accepted),
            "declined" => Ok(Self::Declined),
            "ended" => Ok(Self::Ended),
            other => {
                Err(ValidationError::new("step", format!("{other:?} is not requested, accepted, declined or ended")))
            }
        }
    }
}

/// What one side lets the other see while connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sharing {
    /// The CTPAT tier (otherwise only whether it is certified).
    pub tier: bool,
    /// The primary contact: the company officer's name and e-mail.
    pub contact: bool,
}

/// One event of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionEvent {
    pub step: ConnectionStep,
    /// The account whose user (or automatic acceptance) took the step.
    pub by_account: AccountId,
    /// What `by_account` shares from this step on (requesting and accepting set it).
    pub sharing: Sharing,
    pub at: OffsetDateTime,
}

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Asked, not yet answered.
    Requested,
    Connected,
    Declined,
    Ended,
}

/// A connection replayed from its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub requester: AccountId,
    pub partner: AccountId,
    pub events: Vec<ConnectionEvent>,
}

impl Connection {
    #[must_use]
    pub fn state(&self) -> ConnectionState {
        match self.events.last().map(|event| event.step) {
            None | Some(ConnectionStep::Requested) => ConnectionState::Requested,
            Some(ConnectionStep::Accepted) => ConnectionState::Connected,
            Some(ConnectionStep::Declined) => ConnectionState::Declined,
            Some(ConnectionStep::Ended) => ConnectionState::Ended,
        }
    }

    /// The other side of the connection, seen from `account` (`None` if not a side).
    #[must_use]
    pub fn other(&self, account: AccountId) -> Option<AccountId> {
        if account == self.requester {
            Some(self.partner)
        } else if account == self.partner {
            Some(self.requester)
        } else {
            None
        }
    }

    /// What `account` shares with the other side: as set when it requested or accepted.
    #[must_use]
    pub fn sharing_of(&self, account: AccountId) -> Sharing {
        self.events
            .iter()
            .rev()
            .find(|event| {
                event.by_account == account
                    && matches!(event.step, ConnectionStep::Requested | ConnectionStep::Accepted)
            })
            .map(|event| event.sharing)
            .unwrap_or_default()
    }

    /// When the connection was accepted, if it is connected.
    #[must_use]
    pub fn connected_since(&self) -> Option<OffsetDateTime> {
        (self.state() == ConnectionState::Connected).then(|| self.events.last().map(|event| event.at)).flatten()
    }

    /// Checks that `by` may take `step` now: only the partner answers a request, either side
    /// ends a connection (or withdraws its request), and nothing follows an end or a decline.
    ///
    /// # Errors
    /// On the field `step`, saying why not.
    pub fn allows(&self, step: ConnectionStep, by: AccountId) -> Result<(), ValidationError> {
        let refuse = |message: &str| Err(ValidationError::new("step", message));
        if self.other(by).is_none() {
            return refuse("only the two companies of a connection take its steps");
        }
        match (self.state(), step) {
            (ConnectionState::Requested, ConnectionStep::Accepted | ConnectionStep::Declined) if by == self.partner => {
                Ok(())
            }
            (ConnectionState::Requested, ConnectionStep::Accepted | ConnectionStep::Declined) => {
                refuse("the company asked answers the request")
            }
            (ConnectionState::Requested | ConnectionState::Connected, ConnectionStep::Ended) => Ok(()),
            (ConnectionState::Declined | ConnectionState::Ended, _) => {
                refuse("the connection is closed: ask to connect again")
            }
            (_, ConnectionStep::Requested) => refuse("a connection is requested once"),
            (ConnectionState::Connected, _) => refuse("the connection is already accepted"),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn requested() -> Connection {
        let (requester, partner) = (AccountId::generate(), AccountId::generate());
        Connection {
            requester,
            partner,
            events: vec![ConnectionEvent {
                step: ConnectionStep::Requested,
                by_account: requester,
                sharing: Sharing { tier: true, contact: false },
                at: datetime!(2026-11-01 9:00 UTC),
            }],
        }
    }

    fn with(mut connection: Connection, step: ConnectionStep, by: AccountId, sharing: Sharing) -> Connection {
        connection.events.push(ConnectionEvent { step, by_account: by, sharing, at: datetime!(2026-11-02 9:00 UTC) });
        connection
    }

    #[test]
    fn only_the_partner_answers_a_request_and_each_side_shares_what_it_chose() {
        let connection = requested();
        assert!(connection.allows(ConnectionStep::Accepted, connection.requester).is_err());
        assert!(connection.allows(ConnectionStep::Accepted, AccountId::generate()).is_err(), "a stranger");
        assert!(connection.allows(ConnectionStep::Accepted, connection.partner).is_ok());
        let partner = connection.partner;
        let accepted = with(connection, ConnectionStep::Accepted, partner, Sharing { tier: false, contact: true });
        assert_eq!(accepted.state(), ConnectionState::Connected);
        assert_eq!(accepted.connected_since(), Some(datetime!(2026-11-02 9:00 UTC)));
        assert_eq!(accepted.sharing_of(accepted.requester), Sharing { tier: true, contact: false });
        assert_eq!(accepted.sharing_of(partner), Sharing { tier: false, contact: true });
        assert!(accepted.allows(ConnectionStep::Declined, partner).is_err(), "already accepted");
    }

    #[test]
    fn either_side_ends_a_connection_and_nothing_follows_an_end_or_a_decline() {
        let connection = requested();
        let requester = connection.requester;
        let ended = with(connection.clone(), ConnectionStep::Ended, requester, Sharing::default());
        assert_eq!(ended.state(), ConnectionState::Ended);
        assert!(ended.allows(ConnectionStep::Accepted, ended.partner).is_err());
        let partner = connection.partner;
        let declined = with(connection, ConnectionStep::Declined, partner, Sharing::default());
        assert!(declined.allows(ConnectionStep::Ended, requester).is_err());
        assert_eq!(ConnectionStep::parse(" ended "), Ok(ConnectionStep::Ended));
        assert_eq!(ConnectionStep::parse("deleted").map_err(|error| error.field), Err("step"));
    }
}
