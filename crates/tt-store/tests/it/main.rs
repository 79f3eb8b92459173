//! The storage formats shared by both backends.

use proptest::prelude::*;
use tt_domain::trade::{Cents, LineFields};
use tt_store::trade::StoredLine;
use tt_store::trade::packed_lines::{LineTotals, decode, encode, split_countries};

fn stored_line() -> impl Strategy<Value = StoredLine> {
    (
        1..10_000i32,
        "[A-Z]{2}|\\PC{0,4}",
        proptest::option::of("[A-Z0-9]{1,15}|\\PC{0,6}"),
        "[0-9]{10}|\\PC{0,4}",
        any::<i64>(),
        any::<i64>(),
        proptest::option::of(any::<bool>()),
        0..1_000_000i64,
    )
        .prop_map(|(line_number, country, manufacturer, hts, value, duty, recon, batch_id)| StoredLine {
            line: LineFields {
                line_number,
                country_of_origin: country,
                manufacturer_id: manufacturer,
                hts_number: hts,
                entered_value: Cents(value),
                duty: Cents(duty),
                recon_flag: recon,
            },
            batch_id,
        })
}

proptest! {
    #[test]
    fn packed_lines_decode_to_what_was_encoded(lines in proptest::collection::vec(stored_line(), 0..6)) {
        let mut lines = lines;
        lines.sort_by_key(|stored| stored.line.line_number);
        lines.dedup_by_key(|stored| stored.line.line_number);
        let text = encode(&lines);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "valid JSON: {}", text);
        prop_assert_eq!(decode(&text).expect("decodes"), lines);
    }
}

#[test]
fn line_totals_count_lines_money_recon_flags_and_distinct_countries() {
    let line = |number, country: &str, cents, recon| StoredLine {
        line: LineFields {
            line_number: number,
            country_of_origin: country.to_owned(),
            manufacturer_id: None,
            hts_number: "8471300100".to_owned(),
            entered_value: Cents(cents),
            duty: Cents(1),
            recon_flag: recon,
        },
        batch_id: 1,
    };
    let totals = LineTotals::of(&[line(1, "VN", 5, Some(true)), line(2, "CN", 7, Some(false)), line(3, "VN", 1, None)]);
    assert_eq!(
        (totals.lines, totals.entered_value_cents, totals.duty_cents, totals.recon_flagged_lines),
        (3, 13, 3, 1)
    );
    assert_eq!(totals.countries, "CN,VN");
    assert_eq!(split_countries(&totals.countries), ["CN", "VN"]);
    assert!(split_countries("").is_empty());
}
