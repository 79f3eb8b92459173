//! Catalogue versions, requirements by date, and how answers carry over to a new version.

use std::collections::BTreeMap;

use time::macros::date;

use super::*;

fn id(text: &str) -> CriterionId {
    CriterionId::parse(text).expect("id")
}

fn criterion(key: &str, requirement: Requirement, text: &str) -> Criterion {
    Criterion {
        id: id(key),
        focus_area: "Corporate Security".to_owned(),
        category_number: key.split('.').next().and_then(|part| part.parse().ok()).unwrap_or(1),
        category: "Business Partners".to_owned(),
        requirement,
        must_from: None,
        text: text.to_owned(),
        guidance: String::new(),
    }
}

fn catalogue(version: &str, criteria: Vec<Criterion>) -> Catalogue {
    let rows = criteria.into_iter().enumerate().map(|(index, criterion)| (index as u64 + 2, criterion)).collect();
    Catalogue::new(CatalogueKind::Importer, version, date!(2026 - 01 - 01), rows).expect("catalogue")
}

#[test]
fn a_should_that_becomes_a_must_is_a_must_from_its_date() {
    let mut social = criterion("3.9", Requirement::Should, "Social compliance program");
    social.must_from = Some(date!(2023 - 01 - 01));
    assert_eq!(social.requirement_on(date!(2022 - 12 - 31)), Requirement::Should);
    assert_eq!(social.requirement_on(date!(2023 - 01 - 01)), Requirement::Must);
}

#[test]
fn criteria_are_ordered_numerically_and_duplicate_ids_are_refused_with_their_rows() {
    let ordered = catalogue(
        "1",
        vec![
            criterion("5.14", Requirement::Should, "b"),
            criterion("5.3", Requirement::Must, "a"),
            criterion("1.1", Requirement::Should, "c"),
        ],
    );
    let ids: Vec<&str> = ordered.criteria.iter().map(|criterion| criterion.id.as_str()).collect();
    assert_eq!(ids, vec!["1.1", "5.3", "5.14"]);
    let duplicate = Catalogue::new(
        CatalogueKind::Importer,
        "1",
        date!(2026 - 01 - 01),
        vec![(2, criterion("1.1", Requirement::Should, "a")), (7, criterion("1.1", Requirement::Must, "b"))],
    )
    .unwrap_err();
    assert_eq!(
        duplicate,
        vec![RowError { row: 7, error: ValidationError::new("criterion_id", "1.1 is also on row 2") }]
    );
}

#[test]
fn criterion_ids_and_requirements_are_parsed_strictly() {
    assert_eq!(CriterionId::parse(" Q13 ").expect("id").as_str(), "q13");
    assert!(CriterionId::parse("3..9").is_ok(), "inner dots are kept as written");
    assert!(CriterionId::parse(".9").is_err());
    assert!(CriterionId::parse("3.9 a").is_err());
    assert_eq!(Requirement::parse("MUST").expect("must"), Requirement::Must);
    assert_eq!(Requirement::parse("maybe").unwrap_err().field, "requirement");
}

#[test]
fn publishing_a_version_carries_answers_over_exactly_as_the_mapping_says() {
    let previous = catalogue(
        "2019",
        vec![
            criterion("1.1", Requirement::Should, "Statement of support"),
            criterion("3.1", Requirement::Must, "Screen partners"),
            criterion("3.2", Requirement::Should, "Old criterion, retired"),
            criterion("4.1", Requirement::Must, "Cyber policy"),
            criterion("4.4", Requirement::Should, "Threat sharing"),
        ],
    );
    let next = catalogue(
        "2026",
        vec![
            criterion("1.1", Requirement::Should, "Statement of support"),
            criterion("3.1", Requirement::Must, "Screen partners, including money laundering checks"),
            criterion("4.1", Requirement::Must, "Cyber policy"),
            criterion("4.14", Requirement::Should, "Threat sharing"),
            criterion("4.15", Requirement::Must, "Multi-factor authentication"),
        ],
    );
    // Explicitly: 4.4 was renumbered 4.14 without change; 4.1 was reviewed and must be re-affirmed
    // although its text is the same.
    let mapping = Mapping::explicit(
        &previous,
        &next,
        vec![
            (2, id("4.14"), Change::Unchanged { previous: id("4.4") }),
            (3, id("4.1"), Change::Changed { previous: id("4.1") }),
        ],
    )
    .expect("mapping");
    let answers: BTreeMap<CriterionId, &str> =
        [("1.1", "meets"), ("3.1", "meets"), ("3.2", "meets"), ("4.1", "partially"), ("4.4", "does not meet")]
            .into_iter()
            .map(|(key, answer)| (id(key), answer))
            .collect();
    let result = carry_over(&mapping, &answers);
    assert_eq!(result.carried, BTreeMap::from([(id("1.1"), "meets"), (id("4.14"), "does not meet")]));
    assert_eq!(result.to_reaffirm, BTreeMap::from([(id("3.1"), "meets"), (id("4.1"), "partially")]));
    assert_eq!(result.unanswered, vec![id("4.15")]);
    assert_eq!(mapping.retired(&previous), vec![id("3.2")]);
}

#[test]
fn a_mapping_naming_unknown_or_doubly_mapped_criteria_is_refused_row_by_row() {
    let previous =
        catalogue("1", vec![criterion("1.1", Requirement::Should, "a"), criterion("1.2", Requirement::Should, "b")]);
    let next =
        catalogue("2", vec![criterion("1.1", Requirement::Should, "a"), criterion("1.3", Requirement::Should, "c")]);
    let errors = Mapping::explicit(
        &previous,
        &next,
        vec![
            (2, id("9.9"), Change::New),
            (3, id("1.3"), Change::Unchanged { previous: id("7.7") }),
            (4, id("1.1"), Change::Unchanged { previous: id("1.2") }),
            (5, id("1.3"), Change::Changed { previous: id("1.2") }),
        ],
    )
    .unwrap_err();
    let described: Vec<(u64, &str)> = errors.iter().map(|error| (error.row, error.error.field)).collect();
    assert_eq!(described, vec![(2, "criterion_id"), (3, "previous_id"), (5, "previous_id")]);
    assert_eq!(errors[2].error.message, "1.2 is mapped on row 4 already");
}

#[test]
fn a_criterion_matched_by_id_does_not_also_inherit_an_answer_mapped_elsewhere() {
    let previous = catalogue("1", vec![criterion("3.9", Requirement::Should, "Social compliance")]);
    let next = catalogue(
        "2",
        vec![
            criterion("3.9", Requirement::Must, "Forced-labor risk in the risk assessment"),
            criterion("3.10", Requirement::Should, "Social compliance"),
        ],
    );
    let mapping = Mapping::explicit(&previous, &next, vec![(2, id("3.10"), Change::Unchanged { previous: id("3.9") })])
        .expect("mapping");
    assert_eq!(mapping.changes.get(&id("3.9")), Some(&Change::New));
    let answers: BTreeMap<CriterionId, &str> = [(id("3.9"), "meets")].into();
    let result = carry_over(&mapping, &answers);
    assert_eq!(result.carried, BTreeMap::from([(id("3.10"), "meets")]));
    assert_eq!(result.unanswered, vec![id("3.9")]);
}
