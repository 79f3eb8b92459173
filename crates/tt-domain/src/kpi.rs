//! KPI arithmetic: what is summed per entry and line, and how the figures are finished (exact
//! sums, IEEE rates, exact means, lower median and 90th percentile of release days).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::trade::{Cents, MicroHours, exact_ratio};

/// Running totals for one group. Merging two accumulators gives the totals of both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiAccumulator {
    pub entries: u64,
    pub lines: u64,
    pub entered_value_cents: i128,
    pub duty_cents: i128,
    pub examined_entries: u64,
    pub random_exams: u64,
    pub targeted_exams: u64,
    /// Hold hours summed over examined entries, in millionths of an hour.
    pub examined_hold_micro_hours: i128,
    pub released_entries: u64,
    /// How many released entries took each number of days.
    pub release_days: BTreeMap<i64, u64>,
    pub recon_flagged_lines: u64,
}

impl KpiAccumulator {
    pub fn merge(&mut self, other: &Self) {
        self.entries += other.entries;
        self.lines += other.lines;
        self.entered_value_cents += other.entered_value_cents;
        self.duty_cents += other.duty_cents;
        self.examined_entries += other.examined_entries;
        self.random_exams += other.random_exams;
        self.targeted_exams += other.targeted_exams;
        self.examined_hold_micro_hours += other.examined_hold_micro_hours;
        self.released_entries += other.released_entries;
        for (days, count) in &other.release_days {
            *self.release_days.entry(*days).or_default() += count;
        }
        self.recon_flagged_lines += other.recon_flagged_lines;
    }

    /// The figures as the contract prints them.
    #[must_use]
    pub fn finish(&self) -> KpiFigures {
        #[allow(clippy::cast_precision_loss, reason = "the contract defines rates as one IEEE double division")]
        let exam_rate = if self.entries == 0 { None } else { Some(self.examined_entries as f64 / self.entries as f64) };
        KpiFigures {
            entries: self.entries,
            lines: self.lines,
            entered_value_usd: Cents::format(self.entered_value_cents),
            duty_usd: Cents::format(self.duty_cents),
            examined_entries: self.examined_entries,
            exam_rate,
            random_exams: self.random_exams,
            targeted_exams: self.targeted_exams,
            mean_hold_hours: (self.examined_entries > 0).then(|| {
                exact_ratio(
                    self.examined_hold_micro_hours,
                    i128::from(self.examined_entries) * i128::from(MicroHours::PER_HOUR),
                )
            }),
            released_entries: self.released_entries,
            median_release_days: lower_quantile(&self.release_days, self.released_entries, 1, 2),
            p90_release_days: lower_quantile(&self.release_days, self.released_entries, 9, 10),
            recon_flagged_lines: self.recon_flagged_lines,
        }
    }
}

/// The smallest value v such that at least `numerator/denominator` of the values are ≤ v.
fn lower_quantile(histogram: &BTreeMap<i64, u64>, total: u64, numerator: u64, denominator: u64) -> Option<i64> {
    if total == 0 {
        return None;
    }
    let needed = (total * numerator).div_ceil(denominator);
    let mut seen = 0;
    for (value, count) in histogram {
        seen += count;
        if seen >= needed {
            return Some(*value);
        }
    }
    None
}

/// The KPI figures of one group, with the contract's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiFigures {
    pub entries: u64,
    pub lines: u64,
    pub entered_value_usd: String,
    pub duty_usd: String,
    pub examined_entries: u64,
    pub exam_rate: Option<f64>,
    pub random_exams: u64,
    pub targeted_exams: u64,
    pub mean_hold_hours: Option<f64>,
    pub released_entries: u64,
    pub median_release_days: Option<i64>,
    pub p90_release_days: Option<i64>,
    pub recon_flagged_lines: u64,
}

/// The KPI names in the contract's order (the columns of CSV and table output).
pub const KPI_NAMES: [&str; 13] = [
    "entries",
    "lines",
    "entered_value_usd",
    "duty_usd",
    "examined_entries",
    "exam_rate",
    "random_exams",
    "targeted_exams",
    "mean_hold_hours",
    "released_entries",
    "median_release_days",
    "p90_release_days",
    "recon_flagged_lines",
];

/// The random-exam draw of the screening rule: the first 8 bytes of SHA-256 of
/// `SEED:ENTRY_NUMBER` as a big-endian unsigned integer, rounded to the nearest double, / 2^64.
#[must_use]
pub fn screening_draw(seed: &str, entry_number: &str) -> f64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{seed}:{entry_number}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    #[allow(clippy::cast_precision_loss, reason = "the contract rounds x to the nearest double")]
    let x = u64::from_be_bytes(first) as f64;
    x / 18_446_744_073_709_551_616.0
}
