//! What every figure on the dashboards, KPI pages and reports means and where it comes from: the
//! definitions page links each one here, so a number can be traced to its rule and its data.

use serde::Serialize;
use utoipa::ToSchema;

/// One figure's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Definition {
    /// The anchor figures link to: `/definitions#id`.
    pub id: &'static str,
    pub name: &'static str,
    pub definition: &'static str,
    /// The data it is computed from.
    pub source: &'static str,
}

const ENTRIES: &str = "Entry lines of the trade feed, as ingested and corrected (the latest version of each line), for entries dated in the period; each entry counted in the group of its importer's standing on the entry's day.";
const HISTORIES: &str = "The standing histories (imported and recorded status events, append-only) of every account.";
const MEMBERSHIP: &str = "Each account's membership history (append-only steps), replayed for today.";
const REQUESTS: &str = "The benefit requests' append-only histories.";

/// Every defined figure, in the order the definitions page lists them.
pub const DEFINITIONS: &[Definition] = &[
    Definition {
        id: "members_by_tier",
        name: "Members by tier",
        definition: "Accounts whose standing on the day is CTPAT Tier I, Tier II or Tier III. Month-end counts use each month's last day, and the day asked for the last month.",
        source: HISTORIES,
    },
    Definition {
        id: "trade_compliance_members",
        name: "Trade Compliance members",
        definition: "Accounts whose standing on the day has Trade Compliance on and a Tier II or Tier III membership (Trade Compliance without Tier II or III does not count).",
        source: HISTORIES,
    },
    Definition {
        id: "members_by_business_type",
        name: "Members by business type",
        definition: "Accounts of each business type by their standing on the day: not certified, Tier I, II or III, and how many of them have Trade Compliance.",
        source: HISTORIES,
    },
    Definition {
        id: "suspensions_removals_appeals",
        name: "Suspensions, removals and appeals",
        definition: "Suspensions, removals, appeals filed and appeals decided (reversed or upheld) by the month they took effect, over the twelve months up to the day; a withdrawn step is not counted.",
        source: "Each account's membership history (append-only steps).",
    },
    Definition {
        id: "security_pipeline",
        name: "CTPAT security pipeline",
        definition: "Accounts in each CTPAT security state today; for applicants and approved accounts, the oldest application's age in days and how many are past the 90-day certification clock (6 U.S.C. 964).",
        source: MEMBERSHIP,
    },
    Definition {
        id: "trade_compliance_pipeline",
        name: "Trade Compliance pipeline",
        definition: "Accounts in each Trade Compliance state today.",
        source: MEMBERSHIP,
    },
    Definition {
        id: "due",
        name: "Due and overdue",
        definition: "Dates the program owes or is owed (validations, revalidations, annual notification letters, required actions…) by kind: past their date today, or due within the next 90 days.",
        source: MEMBERSHIP,
    },
    Definition {
        id: "workload",
        name: "Staff workload",
        definition: "The due items assigned to each staff member of the viewer's team: overdue, due within 30 days, and later.",
        source: MEMBERSHIP,
    },
    Definition { id: "entries", name: "Entries", definition: "The number of distinct entries.", source: ENTRIES },
    Definition { id: "lines", name: "Lines", definition: "The number of entry lines.", source: ENTRIES },
    Definition {
        id: "entered_value_usd",
        name: "Entered value (USD)",
        definition: "The exact sum of the lines' entered values, printed with two decimals.",
        source: ENTRIES,
    },
    Definition {
        id: "examined_entries",
        name: "Examined entries",
        definition: "Entries with an examination recorded.",
        source: ENTRIES,
    },
    Definition {
        id: "exam_rate",
        name: "Exam rate",
        definition: "Examined entries divided by entries (one double-precision division of the two counts); shown as a percentage.",
        source: ENTRIES,
    },
    Definition {
        id: "random_exams",
        name: "Random exams",
        definition: "Entries whose examination reason is RANDOM.",
        source: ENTRIES,
    },
    Definition {
        id: "mean_hold_hours",
        name: "Mean hold (hours)",
        definition: "The mean of the hold hours over examined entries (the exact decimal sum divided by their count); none without examined entries.",
        source: ENTRIES,
    },
    Definition {
        id: "median_release_days",
        name: "Median release (days)",
        definition: "The lower median of release date minus entry date, in whole days, over released entries: the smallest value v such that at least half of the values are at most v; none without released entries.",
        source: ENTRIES,
    },
    Definition {
        id: "p90_release_days",
        name: "90th percentile release (days)",
        definition: "The same as the median with 90%: the smallest v such that at least 90% of the values are at most v.",
        source: ENTRIES,
    },
    Definition {
        id: "random_exams_while_exempt",
        name: "Random exams while exempt",
        definition: "Random examinations of a member's entries on days its standing exempted it from random non-intrusive inspections (expected to be zero).",
        source: ENTRIES,
    },
    Definition {
        id: "request_turnaround",
        name: "Request turnaround",
        definition: "For each kind of benefit request received in the period, by whether the requester was a Trade Compliance member when it was received: received, decided, granted, the median days from receipt to decision, how many were decided by their due date, and how many are still open past it today.",
        source: REQUESTS,
    },
    Definition {
        id: "confidential_manifest_lapses",
        name: "Confidential-manifest lapses",
        definition: "Certificates that expired within the period with no renewal received before their expiry; beside them, the certificates valid on the period's last day.",
        source: REQUESTS,
    },
    Definition {
        id: "defender_alerts",
        name: "CTPAT Defender alerts and outcomes",
        definition: "Alerts raised for entries dated in the period, how many the member answered, confirmed or denied (a denial opens a case of possible misuse), the median days from the entry to the answer, and cases open and closed.",
        source: "The alerts the trade-data engine raised from the entries and the enrolments, and the members' answers and cases (append-only).",
    },
    Definition {
        id: "participants",
        name: "Participants",
        definition: "Members per tier and Trade Compliance members at the fiscal year's end (or today for a year not over), as in Members by tier.",
        source: HISTORIES,
    },
];

/// The definition with this id.
#[must_use]
pub fn definition(id: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|definition| definition.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_has_a_unique_id_usable_as_an_anchor() {
        let mut ids: Vec<&str> = DEFINITIONS.iter().map(|definition| definition.id).collect();
        assert!(
            ids.iter().all(
                |id| !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            )
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), DEFINITIONS.len());
        assert_eq!(definition("exam_rate").map(|found| found.name), Some("Exam rate"));
    }
}
