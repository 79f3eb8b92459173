//! Forced labor screening: watch-list entries (the UFLPA Entity List, withhold release orders
//! and findings, with their effective dates), a member's mapped suppliers, and when a supplier
//! matches an entry in force.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{CountryCode, ValidationError};

/// Which list an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchList {
    /// The UFLPA Entity List.
    EntityList,
    /// A withhold release order (19 CFR 12.42).
    WithholdReleaseOrder,
    /// A forced labor finding (goods subject to seizure).
    Finding,
}

impl WatchList {
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::EntityList => "entity_list",
            Self::WithholdReleaseOrder => "wro",
            Self::Finding => "finding",
        }
    }

    /// # Errors
    /// On the field `list`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "entity_list" => Ok(Self::EntityList),
            "wro" => Ok(Self::WithholdReleaseOrder),
            "finding" => Ok(Self::Finding),
            other => Err(ValidationError::new("list", format!("{other:?} is not entity_list, wro or finding"))),
        }
    }
}

/// One entry of a watch list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchListEntry {
    pub list: WatchList,
    pub entity: String,
    pub country: CountryCode,
    /// The manufacturer identification code, when the entry names one.
    pub manufacturer_id: Option<String>,
    /// The merchandise it covers, as the notice words it (empty: all).
    pub commodity: String,
    pub effective_from: Date,
    /// When it was revoked or modified away (`None`: in force).
    pub effective_to: Option<Date>,
}

/// A supplier in a member's supply-chain map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedSupplier {
    /// 1 for a direct supplier, 2 for its supplier, and so on.
    pub tier: u8,
    pub name: String,
    pub country: CountryCode,
    pub manufacturer_id: Option<String>,
    pub commodity: String,
}

fn date(field: &'static str, text: &str) -> Result<Date, ValidationError> {
    crate::calendar::iso_date::parse(text)
        .ok_or_else(|| ValidationError::new(field, format!("{:?} is not a date (YYYY-MM-DD)", text.trim())))
}

fn manufacturer_id(text: &str) -> Result<Option<String>, ValidationError> {
    let id = text.trim().to_ascii_uppercase();
    if id.is_empty() {
        return Ok(None);
    }
    if id.len() > 15 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ValidationError::new("manufacturer_id", "is up to 15 letters and digits"));
    }
    Ok(Some(id))
}

fn name(field: &'static str, text: &str) -> Result<String, ValidationError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 300 {
        return Err(ValidationError::new(field, "give the name (1 to 300 characters)"));
    }
    Ok(text.to_owned())
}

/// Collects every error of a row's fields before deciding.
fn collect<T>(errors: &mut Vec<ValidationError>, result: Result<T, ValidationError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

impl WatchListEntry {
    /// Reads one row of a watch-list file.
    ///
    /// # Errors
    /// Every wrong field, each named.
    pub fn parse(fields: [&str; 7]) -> Result<Self, Vec<ValidationError>> {
        let [list, entity, country, mid, commodity, from, to] = fields;
        let mut errors = Vec::new();
        let list = collect(&mut errors, WatchList::parse(list));
        let entity = collect(&mut errors, name("entity", entity));
        let country = collect(&mut errors, CountryCode::parse("country", country));
        let mid = collect(&mut errors, manufacturer_id(mid));
        let from = collect(&mut errors, date("effective_from", from));
        let to =
            if to.trim().is_empty() { Some(None) } else { collect(&mut errors, date("effective_to", to).map(Some)) };
        match (list, entity, country, mid, from, to) {
            (
                Some(list),
                Some(entity),
                Some(country),
                Some(manufacturer_id),
                Some(effective_from),
                Some(effective_to),
            ) if errors.is_empty() => Ok(Self {
                list,
                entity,
                country,
                manufacturer_id,
                commodity: commodity.trim().to_owned(),
                effective_from,
                effective_to,
            }),
            _ => Err(errors),
        }
    }

    #[must_use]
    pub fn in_force_on(&self, day: Date) -> bool {
        self.effective_from <= day && self.effective_to.is_none_or(|to| day < to)
    }

    /// A stable key for reviews of a match: the list, the entity as compared, the country.
    #[must_use]
    pub fn key(&self) -> String {
        format!("{}:{}:{}", self.list.id(), comparable(&self.entity), self.country.as_str())
    }
}

impl MappedSupplier {
    /// Reads a supplier as a member maps it.
    ///
    /// # Errors
    /// Every wrong field, each named.
    pub fn parse(
        tier: &str,
        supplier: &str,
        country: &str,
        mid: &str,
        commodity: &str,
    ) -> Result<Self, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let tier = collect(
            &mut errors,
            tier.trim()
                .parse::<u8>()
                .ok()
                .filter(|tier| (1..=9).contains(tier))
                .ok_or_else(|| ValidationError::new("tier", "is 1 (a direct supplier) to 9")),
        );
        let supplier = collect(&mut errors, name("name", supplier));
        let country = collect(&mut errors, CountryCode::parse("country", country));
        let mid = collect(&mut errors, manufacturer_id(mid));
        match (tier, supplier, country, mid) {
            (Some(tier), Some(name), Some(country), Some(manufacturer_id)) if errors.is_empty() => {
                Ok(Self { tier, name, country, manufacturer_id, commodity: commodity.trim().to_owned() })
            }
            _ => Err(errors),
        }
    }

    /// Why this supplier matches `entry` on `day`, if it does: the same manufacturer id, or the
    /// same name (letters and digits compared, company suffixes ignored) in the same country.
    #[must_use]
    pub fn match_with(&self, entry: &WatchListEntry, day: Date) -> Option<String> {
        if !entry.in_force_on(day) {
            return None;
        }
        if let (Some(ours), Some(theirs)) = (&self.manufacturer_id, &entry.manufacturer_id)
            && ours == theirs
        {
            return Some(format!("the same manufacturer id {ours}"));
        }
        (self.country == entry.country && comparable(&self.name) == comparable(&entry.entity))
            .then(|| format!("the same name in {}", entry.country.as_str()))
    }
}

/// A name as compared: lower-case letters and digits, without the usual company suffixes.
#[must_use]
pub fn comparable(name: &str) -> String {
    const SUFFIXES: [&str; 9] = ["co", "company", "ltd", "limited", "inc", "corp", "corporation", "llc", "group"];
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !SUFFIXES.contains(word))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    fn entry(mid: &str, to: &str) -> WatchListEntry {
        WatchListEntry::parse([
            "entity_list",
            "Xinjiang Example Textile Co., Ltd.",
            "CN",
            mid,
            "cotton",
            "2023-06-09",
            to,
        ])
        .expect("entry")
    }

    #[test]
    fn a_supplier_matches_an_entry_in_force_by_manufacturer_id_or_by_name_in_the_same_country() {
        let by_name =
            MappedSupplier::parse("2", "XINJIANG EXAMPLE TEXTILE LTD", "cn", "", "cotton yarn").expect("supplier");
        assert_eq!(by_name.match_with(&entry("", ""), date!(2026 - 01 - 01)).as_deref(), Some("the same name in CN"));
        assert_eq!(by_name.match_with(&entry("", ""), date!(2023 - 06 - 08)), None, "before it took effect");
        assert_eq!(by_name.match_with(&entry("", "2025-01-01"), date!(2025 - 01 - 01)), None, "after it was revoked");
        let elsewhere = MappedSupplier { country: CountryCode::parse("country", "VN").expect("vn"), ..by_name.clone() };
        assert_eq!(elsewhere.match_with(&entry("", ""), date!(2026 - 01 - 01)), None);
        let by_mid = MappedSupplier::parse("1", "Other Name", "VN", "cnxinexa1urum", "").expect("supplier");
        assert!(
            by_mid
                .match_with(&entry("CNXINEXA1URUM", ""), date!(2026 - 01 - 01))
                .is_some_and(|why| why.contains("manufacturer id"))
        );
    }

    #[test]
    fn every_wrong_field_of_a_row_is_named() {
        let errors =
            WatchListEntry::parse(["blacklist", "", "China", "MID-1", "", "2023-02-30", ""]).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|error| error.field).collect();
        assert_eq!(fields, ["list", "entity", "country", "manufacturer_id", "effective_from"]);
        let supplier = MappedSupplier::parse("0", "", "C", "", "").expect_err("invalid");
        assert_eq!(supplier.iter().map(|error| error.field).collect::<Vec<_>>(), ["tier", "name", "country"]);
    }

    proptest! {
        #[test]
        fn any_row_is_read_or_refused_without_panicking(fields in proptest::array::uniform7(".{0,20}")) {
            let fields: [&str; 7] = std::array::from_fn(|index| fields[index].as_str());
            let _ = WatchListEntry::parse(fields);
            let _ = MappedSupplier::parse(fields[0], fields[1], fields[2], fields[3], fields[4]);
        }
    }
}
