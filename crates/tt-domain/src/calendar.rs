//! Calendar arithmetic on dates (never times of day): program deadlines are calendar dates, so
//! daylight-saving changes cannot move them.

use time::{Date, Duration, Month};

/// The date `months` calendar months after `date`; a day that does not exist in the target
/// month becomes that month's last day (31 January + 1 month = 28 or 29 February; 29 February +
/// 12 months = 28 February in a common year).
#[must_use]
pub fn add_months(date: Date, months: i32) -> Date {
    let zero_based = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months;
    let year = zero_based.div_euclid(12);
    let month = Month::try_from(u8::try_from(zero_based.rem_euclid(12) + 1).unwrap_or(1)).unwrap_or(Month::January);
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// The date `years` years after `date`, with 29 February becoming 28 February in common years.
#[must_use]
pub fn add_years(date: Date, years: i32) -> Date {
    add_months(date, years * 12)
}

#[must_use]
pub fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(Duration::days(days)).unwrap_or(date)
}

/// The first anniversary of `origin` that falls on or after `day` (an anniversary of 29
/// February falls on 28 February in common years). `origin` itself counts when `day` is it.
#[must_use]
pub fn next_anniversary(origin: Date, day: Date) -> Date {
    let mut years = (day.year() - origin.year()).max(0);
    loop {
        let candidate = add_years(origin, years);
        if candidate >= day {
            return candidate;
        }
        years += 1;
    }
}

/// Calendar days from `from` to `to` (negative when `to` is earlier).
#[must_use]
pub fn days_between(from: Date, to: Date) -> i64 {
    (to - from).whole_days()
}

/// Serde for a date as `YYYY-MM-DD` (the workspace's `time` serializes dates as tuples
/// otherwise), for `#[serde(with = "crate::calendar::iso_date")]`.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    /// # Errors
    /// When the serializer fails.
    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    /// # Errors
    /// When the text is not a calendar date as `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a date as YYYY-MM-DD")))
    }

    /// Parses `YYYY-MM-DD`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Date> {
        Date::parse(text.trim(), FORMAT).ok()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_month_after_the_thirty_first_of_january_is_the_last_day_of_february() {
        assert_eq!(add_months(date!(2025 - 01 - 31), 1), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
    }

    #[test]
    fn a_year_after_the_twenty_ninth_of_february_is_the_twenty_eighth_in_a_common_year() {
        assert_eq!(add_years(date!(2024 - 02 - 29), 1), date!(2025 - 02 - 28));
        assert_eq!(add_years(date!(2024 - 02 - 29), 4), date!(2028 - 02 - 29));
    }

    #[test]
    fn months_cross_year_ends_in_both_directions() {
        assert_eq!(add_months(date!(2025 - 12 - 15), 1), date!(2026 - 01 - 15));
        assert_eq!(add_months(date!(2025 - 12 - 15), 13), date!(2027 - 01 - 15));
        assert_eq!(add_months(date!(2026 - 01 - 15), -1), date!(2025 - 12 - 15));
    }

    #[test]
    fn ninety_days_before_a_january_anniversary_is_in_the_previous_year() {
        assert_eq!(add_days(date!(2027 - 01 - 10), -90), date!(2026 - 10 - 12));
    }

    #[test]
    fn the_next_anniversary_is_today_when_today_is_the_anniversary() {
        assert_eq!(next_anniversary(date!(2020 - 03 - 14), date!(2026 - 03 - 14)), date!(2026 - 03 - 14));
        assert_eq!(next_anniversary(date!(2020 - 03 - 14), date!(2026 - 03 - 15)), date!(2027 - 03 - 14));
        assert_eq!(next_anniversary(date!(2024 - 02 - 29), date!(2025 - 03 - 01)), date!(2026 - 02 - 28));
        assert_eq!(next_anniversary(date!(2024 - 02 - 29), date!(2027 - 12 - 01)), date!(2028 - 02 - 29));
    }
}
