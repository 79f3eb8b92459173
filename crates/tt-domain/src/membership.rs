//! A member's standing over time, derived from its append-only history of status events: the
//! CTPAT tier and the Trade Compliance flag on any day, the program group an entry counts in,
//! and Defender filer authorizations.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ValidationError;

/// The CTPAT certification value of a status event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CtpatValue {
    T1,
    T2,
    T3,
    /// Not certified: pending, suspended, removed or withdrawn.
    None,
}

/// One change of standing: a CTPAT tier or the Trade Compliance flag, from a date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatusChange {
    Ctpat(CtpatValue),
    TradeCompliance(bool),
}

impl StatusChange {
    /// Parses a `kind` (`ctpat` or `tc`) and `value` pair, case-insensitively.
    ///
    /// # Errors
    /// Naming `kind` or `value`.
    pub fn parse(kind: &str, value: &str) -> Result<Self, ValidationError> {
        match kind.to_ascii_lowercase().as_str() {
            "ctpat" => match value.to_ascii_uppercase().as_str() {
                "T1" => Ok(Self::Ctpat(CtpatValue::T1)),
                "T2" => Ok(Self::Ctpat(CtpatValue::T2)),
                "T3" => Ok(Self::Ctpat(CtpatValue::T3)),
                "NONE" => Ok(Self::Ctpat(CtpatValue::None)),
                _ => Err(ValidationError::new("value", format!("'{value}' is not T1, T2, T3 or NONE"))),
            },
            "tc" => match value.to_ascii_uppercase().as_str() {
                "ON" => Ok(Self::TradeCompliance(true)),
                "OFF" => Ok(Self::TradeCompliance(false)),
                _ => Err(ValidationError::new("value", format!("'{value}' is not ON or OFF"))),
            },
            _ => Err(ValidationError::new("kind", format!("'{kind}' is not ctpat or tc"))),
        }
    }

    #[must_use]
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Ctpat(_) => "ctpat",
            Self::TradeCompliance(_) => "tc",
        }
    }

    #[must_use]
    pub const fn value(self) -> &'static str {
        match self {
            Self::Ctpat(CtpatValue::T1) => "T1",
            Self::Ctpat(CtpatValue::T2) => "T2",
            Self::Ctpat(CtpatValue::T3) => "T3",
            Self::Ctpat(CtpatValue::None) => "NONE",
            Self::TradeCompliance(true) => "ON",
            Self::TradeCompliance(false) => "OFF",
        }
    }
}

/// A status event as kept in the history. `sequence` orders events recorded on the same date:
/// the later recorded wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusEvent {
    pub effective_date: Date,
    pub sequence: i64,
    pub change: StatusChange,
}

/// An account's standing on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Standing {
    pub ctpat: CtpatValue,
    pub trade_compliance: bool,
}

impl Standing {
    /// Before any event: not certified, not in Trade Compliance.
    pub const INITIAL: Self = Self { ctpat: CtpatValue::None, trade_compliance: false };
}

/// An account's history, ordered so the standing on any day is a binary search away.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    ctpat: Vec<(Date, i64, CtpatValue)>,
    trade_compliance: Vec<(Date, i64, bool)>,
}

impl Timeline {
    #[must_use]
    pub fn new(events: impl IntoIterator<Item = StatusEvent>) -> Self {
        let mut timeline = Self::default();
        for event in events {
            match event.change {
                StatusChange::Ctpat(value) => timeline.ctpat.push((event.effective_date, event.sequence, value)),
                StatusChange::TradeCompliance(on) => {
                    timeline.trade_compliance.push((event.effective_date, event.sequence, on))
                }
            }
        }
        timeline.ctpat.sort_by_key(|(date, sequence, _)| (*date, *sequence));
        timeline.trade_compliance.sort_by_key(|(date, sequence, _)| (*date, *sequence));
        timeline
    }

    /// The value of the latest event of each kind effective on or before `day`.
    #[must_use]
    pub fn standing_on(&self, day: Date) -> Standing {
        fn latest<T: Copy>(events: &[(Date, i64, T)], day: Date, initial: T) -> T {
            let count = events.partition_point(|(date, _, _)| *date <= day);
            if count == 0 { initial } else { events[count - 1].2 }
        }
        Standing {
            ctpat: latest(&self.ctpat, day, CtpatValue::None),
            trade_compliance: latest(&self.trade_compliance, day, false),
        }
    }

    /// The day from which the standing on `day` has held unchanged: its latest change on or
    /// before `day` (`None` when it never changed from the initial standing).
    #[must_use]
    pub fn standing_since(&self, day: Date) -> Option<Date> {
        let mut dates: Vec<Date> = self
            .ctpat
            .iter()
            .map(|(date, _, _)| *date)
            .chain(self.trade_compliance.iter().map(|(date, _, _)| *date))
            .filter(|date| *date <= day)
            .collect();
        dates.sort_unstable();
        dates.dedup();
        let (mut previous, mut since) = (Standing::INITIAL, None);
        for date in dates {
            let standing = self.standing_on(date);
            if standing != previous {
                (previous, since) = (standing, Some(date));
            }
        }
        since
    }

    /// The first day of the unbroken certified run (any tier) that includes `day`, if the account
    /// is certified that day.
    #[must_use]
    pub fn certified_since(&self, day: Date) -> Option<Date> {
        let mut since = None;
        for (date, _, value) in self.ctpat.iter().take_while(|(date, _, _)| *date <= day) {
            since = match (value, since) {
                (CtpatValue::None, _) => None,
                (_, None) => Some(*date),
                (_, kept) => kept,
            };
        }
        since
    }
}

/// The tier an entry counts under: a CTPAT tier, or non-member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    T1,
    T2,
    T3,
    #[serde(rename = "NM")]
    NonMember,
}

impl Tier {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::T1 => "T1",
            Self::T2 => "T2",
            Self::T3 => "T3",
            Self::NonMember => "NM",
        }
    }
}

/// The program group of an entry: its tier and whether it counts as Trade Compliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Group {
    pub tier: Tier,
    pub trade_compliance: bool,
}

impl Group {
    pub const NON_MEMBER: Self = Self { tier: Tier::NonMember, trade_compliance: false };

    /// Trade Compliance counts only with tier 2 or 3.
    #[must_use]
    pub fn of(standing: Standing) -> Self {
        let tier = match standing.ctpat {
            CtpatValue::T1 => Tier::T1,
            CtpatValue::T2 => Tier::T2,
            CtpatValue::T3 => Tier::T3,
            CtpatValue::None => Tier::NonMember,
        };
        Self { tier, trade_compliance: standing.trade_compliance && matches!(tier, Tier::T2 | Tier::T3) }
    }
}

/// A broker (filer code) a Defender-enrolled member authorized, for an inclusive period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FilerAuthorization {
    pub filer_code: String,
    pub authorized_from: Date,
    /// `None` = open-ended.
    pub authorized_to: Option<Date>,
}

impl FilerAuthorization {
    #[must_use]
    pub fn covers(&self, day: Date) -> bool {
        self.authorized_from <= day && self.authorized_to.is_none_or(|to| day <= to)
    }

    /// Parses a filer code: three characters `A-Z 0-9` (upper-cased).
    ///
    /// # Errors
    /// Naming `filer_code`.
    pub fn parse_filer_code(text: &str) -> Result<String, ValidationError> {
        let code = text.to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit()) {
            Ok(code)
        } else {
            Err(ValidationError::new("filer_code", format!("'{text}' is not a 3-character filer code")))
        }
    }
}

/// The member ended a broker's authorization from a day (an edit recorded as an event; the
/// authorizations themselves are never changed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FilerEnd {
    pub filer_code: String,
    /// The first day the broker is no longer authorized.
    pub ended_from: Date,
}

/// The authorizations as the ends leave them: an end of a filer code from day E cuts each of
/// its authorizations that started before E at E − 1; an authorization starting on or after E
/// is a new one and stays whole. Without ends, the
/// authorizations are returned as they are (the imported contract's semantics).
#[must_use]
pub fn apply_filer_ends(authorizations: Vec<FilerAuthorization>, ends: &[FilerEnd]) -> Vec<FilerAuthorization> {
    authorizations
        .into_iter()
        .map(|mut authorization| {
            let cut = ends
                .iter()
                .filter(|end| {
                    end.filer_code == authorization.filer_code && end.ended_from > authorization.authorized_from
                })
                .map(|end| end.ended_from)
                .min();
            if let Some(ended_from) = cut {
                let last = ended_from - time::Duration::days(1);
                authorization.authorized_to = Some(authorization.authorized_to.map_or(last, |to| to.min(last)));
            }
            authorization
        })
        .collect()
}

/// Whether a member is Defender-enrolled on a day: some authorization covers it.
#[must_use]
pub fn defender_enrolled(authorizations: &[FilerAuthorization], day: Date) -> bool {
    authorizations.iter().any(|authorization| authorization.covers(day))
}

/// Parses an Annual Notification Letter anniversary `MM-DD` (a real calendar day; `02-29` is
/// allowed).
///
/// # Errors
/// Naming `anl_anniversary`.
pub fn parse_anniversary(text: &str) -> Result<(u8, u8), ValidationError> {
    let invalid = || ValidationError::new("anl_anniversary", format!("'{text}' is not a calendar day as MM-DD"));
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != b'-' || !bytes.iter().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit()) {
        return Err(invalid());
    }
    let month: u8 = text[..2].parse().map_err(|_| invalid())?;
    let day: u8 = text[3..].parse().map_err(|_| invalid())?;
    let month_value = time::Month::try_from(month).map_err(|_| invalid())?;
    // A leap year, so 02-29 is a real day.
    Date::from_calendar_date(2024, month_value, day).map_err(|_| invalid())?;
    Ok((month, day))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn authorization(code: &str, from: Date, to: Option<Date>) -> FilerAuthorization {
        FilerAuthorization { filer_code: code.to_owned(), authorized_from: from, authorized_to: to }
    }

    #[test]
    fn an_end_cuts_earlier_authorizations_of_its_filer_and_spares_later_ones() {
        let ends = [FilerEnd { filer_code: "B01".to_owned(), ended_from: date!(2026 - 03 - 01) }];
        let cut = apply_filer_ends(
            vec![
                authorization("B01", date!(2025 - 01 - 01), None),
                authorization("B01", date!(2026 - 04 - 01), None),
                authorization("C02", date!(2025 - 01 - 01), None),
                authorization("B01", date!(2025 - 06 - 01), Some(date!(2025 - 12 - 31))),
            ],
            &ends,
        );
        let intervals: Vec<(&str, Date, Option<Date>)> =
            cut.iter().map(|found| (found.filer_code.as_str(), found.authorized_from, found.authorized_to)).collect();
        assert_eq!(
            intervals,
            [
                ("B01", date!(2025 - 01 - 01), Some(date!(2026 - 02 - 28))),
                ("B01", date!(2026 - 04 - 01), None),
                ("C02", date!(2025 - 01 - 01), None),
                ("B01", date!(2025 - 06 - 01), Some(date!(2025 - 12 - 31))),
            ]
        );
        assert!(!defender_enrolled(&cut[..1], date!(2026 - 03 - 01)), "not authorized from the end on");
        assert!(defender_enrolled(&cut[..1], date!(2026 - 02 - 28)));
    }

    #[test]
    fn a_standing_holds_since_its_last_change_and_an_event_repeating_it_is_no_change() {
        let event = |effective_date, sequence, change| StatusEvent { effective_date, sequence, change };
        let timeline = Timeline::new([
            event(date!(2025 - 01 - 10), 1, StatusChange::Ctpat(CtpatValue::T1)),
            event(date!(2025 - 06 - 01), 2, StatusChange::Ctpat(CtpatValue::T2)),
            event(date!(2025 - 09 - 01), 3, StatusChange::Ctpat(CtpatValue::T2)),
            event(date!(2026 - 02 - 01), 4, StatusChange::Ctpat(CtpatValue::None)),
        ]);
        assert_eq!(timeline.standing_since(date!(2025 - 01 - 01)), None);
        assert_eq!(timeline.standing_since(date!(2025 - 12 - 31)), Some(date!(2025 - 06 - 01)));
        assert_eq!(timeline.standing_since(date!(2026 - 03 - 01)), Some(date!(2026 - 02 - 01)));
    }
}
