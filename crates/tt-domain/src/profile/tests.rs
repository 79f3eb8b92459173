//! The profile's rules: answering, submitting under attestation, reviewing criterion by
//! criterion, the approved version pinned, and carrying answers to a new catalogue version.

use time::macros::{date, datetime};

use super::*;
use crate::criteria::{CatalogueKind, Change, Criterion};

const TODAY: time::Date = date!(2026 - 11 - 29);

fn id(text: &str) -> CriterionId {
    CriterionId::parse(text).expect("id")
}

fn criterion(key: &str, requirement: Requirement) -> Criterion {
    Criterion {
        id: id(key),
        focus_area: "Corporate Security".to_owned(),
        category_number: 1,
        category: "Vision".to_owned(),
        requirement,
        must_from: None,
        text: format!("criterion {key}"),
        guidance: String::new(),
    }
}

struct Fixture {
    first: Catalogue,
    second: Catalogue,
    mapping: Mapping,
}

fn fixture() -> Fixture {
    let catalogue = |version: &str, criteria: Vec<Criterion>| {
        Catalogue::new(
            CatalogueKind::Importer,
            version,
            date!(2020 - 01 - 01),
            criteria.into_iter().enumerate().map(|(row, criterion)| (row as u64 + 2, criterion)).collect(),
        )
        .expect("catalogue")
    };
    let first = catalogue(
        "1",
        vec![
            criterion("1.1", Requirement::Should),
            criterion("1.3", Requirement::Must),
            criterion("1.4", Requirement::Must),
        ],
    );
    let second = catalogue(
        "2",
        vec![
            criterion("1.1", Requirement::Should),
            criterion("1.3", Requirement::Must),
            criterion("1.5", Requirement::Must),
        ],
    );
    let mapping = Mapping {
        changes: [
            (id("1.1"), Change::Unchanged { previous: id("1.1") }),
            (id("1.3"), Change::Changed { previous: id("1.3") }),
            (id("1.5"), Change::New),
        ]
        .into(),
    };
    Fixture { first, second, mapping }
}

struct History<'a> {
    fixture: &'a Fixture,
    events: Vec<ProfileEvent>,
}

impl History<'_> {
    fn try_step(&mut self, step: ProfileStep) -> Result<Profile, ProfileRefused> {
        self.events.push(ProfileEvent {
            sequence: i64::try_from(self.events.len()).unwrap_or(0) + 1,
            recorded_at: datetime!(2026-11-29 10:00 UTC),
            recorded_by: "someone@example.com".to_owned(),
            step,
        });
        let fixture = self.fixture;
        let find = move |version: &str| match version {
            "1" => Some((&fixture.first, None)),
            "2" => Some((&fixture.second, Some(("1", &fixture.mapping)))),
            _ => None,
        };
        let result = Profile::replay(&self.events, &find);
        if result.is_err() {
            self.events.pop();
        }
        result
    }

    fn step(&mut self, step: ProfileStep) -> Profile {
        match self.try_step(step.clone()) {
            Ok(profile) => profile,
            Err(refused) => panic!("{step:?} refused: {refused}"),
        }
    }
}

fn answer(key: &str, answer: Answer) -> ProfileStep {
    ProfileStep::Answered { criterion: id(key), answer, narrative: format!("how we meet {key}") }
}

fn evidence(name: &str) -> Evidence {
    Evidence {
        key: format!("key-{name}"),
        file_name: name.to_owned(),
        content_type: "application/pdf".to_owned(),
        size: 10,
        sha256: "ab".repeat(32),
    }
}

#[test]
fn a_profile_is_submitted_only_when_every_must_is_answered_and_attested() {
    let fixture = fixture();
    let mut history = History { fixture: &fixture, events: Vec::new() };
    history.step(ProfileStep::CatalogueAdopted { version: "1".to_owned() });
    let profile = history.step(answer("1.3", Answer::Meets));
    assert_eq!(
        profile.completeness(&fixture.first, TODAY),
        Completeness { answered: 1, total: 3, musts_unanswered: 1, to_reaffirm: 0 }
    );
    let refused = history.try_step(ProfileStep::Submitted { attestation: "true and complete".to_owned() }).unwrap_err();
    assert!(
        refused.message.ends_with("the profile is incomplete: 1 required criteria unanswered, 0 to answer again"),
        "{refused}"
    );
    history.step(answer("1.4", Answer::Partially));
    let refused = history.try_step(ProfileStep::Submitted { attestation: " ".to_owned() }).unwrap_err();
    assert!(refused.message.ends_with("the company officer must attest the profile"));
    let submitted = history.step(ProfileStep::Submitted { attestation: "true and complete".to_owned() });
    assert_eq!(submitted.state, ProfileState::Submitted);
    let refused = history.try_step(answer("1.1", Answer::Meets)).unwrap_err();
    assert!(refused.message.contains("under review"), "{refused}");
}

#[test]
fn a_narrative_is_required_and_evidence_needs_an_answer() {
    let fixture = fixture();
    let mut history = History { fixture: &fixture, events: Vec::new() };
    history.step(ProfileStep::CatalogueAdopted { version: "1".to_owned() });
    let refused = history
        .try_step(ProfileStep::Answered { criterion: id("1.3"), answer: Answer::Meets, narrative: String::new() })
        .unwrap_err();
    assert!(refused.message.contains("a narrative is required"));
    history.step(ProfileStep::Answered {
        criterion: id("1.1"),
        answer: Answer::NotApplicable,
        narrative: String::new(),
    });
    let refused = history
        .try_step(ProfileStep::EvidenceAttached { criterion: id("1.3"), evidence: evidence("policy.pdf") })
        .unwrap_err();
    assert!(refused.message.contains("answer the criterion before attaching evidence"));
    let refused = history.try_step(answer("9.9", Answer::Meets)).unwrap_err();
    assert!(refused.message.contains("9.9 is not a criterion of version 1"));
}

#[test]
fn a_reviewer_returns_one_criterion_and_approval_pins_the_submission() {
    let fixture = fixture();
    let mut history = History { fixture: &fixture, events: Vec::new() };
    history.step(ProfileStep::CatalogueAdopted { version: "1".to_owned() });
    history.step(answer("1.3", Answer::Meets));
    history.step(ProfileStep::EvidenceAttached { criterion: id("1.3"), evidence: evidence("audit-plan.pdf") });
    history.step(answer("1.4", Answer::Meets));
    history.step(ProfileStep::Submitted { attestation: "attested".to_owned() });
    history.step(ProfileStep::Reviewed { criterion: id("1.3"), review: Review::Approved, comment: String::new() });
    let refused = history
        .try_step(ProfileStep::Reviewed { criterion: id("1.4"), review: Review::Returned, comment: String::new() })
        .unwrap_err();
    assert!(refused.message.contains("say what must change"));
    history.step(ProfileStep::Reviewed {
        criterion: id("1.4"),
        review: Review::Returned,
        comment: "Show the POC update minutes".to_owned(),
    });
    assert!(history.try_step(ProfileStep::Approved).unwrap_err().message.contains("1 returned"));
    let returned = history.step(ProfileStep::Returned);
    assert_eq!(returned.state, ProfileState::Returned);
    assert_eq!(returned.to_reaffirm, BTreeSet::from([id("1.4")]));
    history.step(ProfileStep::Answered {
        criterion: id("1.4"),
        answer: Answer::Meets,
        narrative: "Minutes attached".to_owned(),
    });
    let resubmitted = history.step(ProfileStep::Submitted { attestation: "attested again".to_owned() });
    let submission = resubmitted.submitted_at.expect("submission");
    history.step(ProfileStep::Reviewed { criterion: id("1.3"), review: Review::Approved, comment: String::new() });
    history.step(ProfileStep::Reviewed { criterion: id("1.4"), review: Review::Approved, comment: String::new() });
    let approved = history.step(ProfileStep::Approved);
    assert_eq!(approved.state, ProfileState::Approved);
    assert_eq!(approved.approved.as_ref().map(|(sequence, _)| *sequence), Some(submission));
    // The annual review: an edit after approval shows against the approved version.
    let edited = history.step(answer("1.3", Answer::Partially));
    let changes = edited.changes_since_approval();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].0, id("1.3"));
    assert_eq!(changes[0].1.as_ref().map(|before| before.answer), Some(Answer::Meets));
    assert_eq!(changes[0].2.as_ref().map(|after| after.answer), Some(Answer::Partially));
    assert_eq!(
        changes[0].1.as_ref().map(|before| before.evidence.len()),
        Some(1),
        "the approved version keeps its evidence"
    );
}

#[test]
fn adopting_a_new_catalogue_version_carries_answers_as_the_mapping_says() {
    let fixture = fixture();
    let mut history = History { fixture: &fixture, events: Vec::new() };
    history.step(ProfileStep::CatalogueAdopted { version: "1".to_owned() });
    history.step(answer("1.1", Answer::Meets));
    history.step(answer("1.3", Answer::Meets));
    history.step(answer("1.4", Answer::DoesNotMeet));
    let adopted = history.step(ProfileStep::CatalogueAdopted { version: "2".to_owned() });
    assert_eq!(adopted.answers.keys().cloned().collect::<Vec<_>>(), vec![id("1.1"), id("1.3")], "1.4 is retired");
    assert_eq!(adopted.to_reaffirm, BTreeSet::from([id("1.3")]));
    let completeness = adopted.completeness(&fixture.second, TODAY);
    assert_eq!((completeness.musts_unanswered, completeness.to_reaffirm), (1, 1), "1.5 is new, 1.3 changed");
    assert!(history.try_step(ProfileStep::CatalogueAdopted { version: "2".to_owned() }).is_err());
    assert!(history.try_step(ProfileStep::CatalogueAdopted { version: "9".to_owned() }).is_err());
}

#[test]
fn a_profile_that_skips_versions_goes_through_every_mapping() {
    let catalogue = |version: &str, criteria: Vec<Criterion>| {
        Catalogue::new(
            CatalogueKind::Importer,
            version,
            date!(2020 - 01 - 01),
            criteria.into_iter().enumerate().map(|(row, criterion)| (row as u64 + 2, criterion)).collect(),
        )
        .expect("catalogue")
    };
    let first = catalogue("1", vec![criterion("3.9", Requirement::Should)]);
    let second = catalogue("2", vec![criterion("3.9", Requirement::Must), criterion("3.10", Requirement::Should)]);
    let third = catalogue("3", vec![criterion("3.9", Requirement::Must), criterion("3.10", Requirement::Should)]);
    // 2: the old 3.9 is renumbered 3.10, and a new 3.9 appears; 3: nothing changes.
    let to_second =
        Mapping { changes: [(id("3.10"), Change::Unchanged { previous: id("3.9") }), (id("3.9"), Change::New)].into() };
    let to_third = Mapping {
        changes: [
            (id("3.10"), Change::Unchanged { previous: id("3.10") }),
            (id("3.9"), Change::Unchanged { previous: id("3.9") }),
        ]
        .into(),
    };
    let find = |version: &str| match version {
        "1" => Some((&first, None)),
        "2" => Some((&second, Some(("1", &to_second)))),
        "3" => Some((&third, Some(("2", &to_third)))),
        _ => None,
    };
    let event = |sequence: i64, step: ProfileStep| ProfileEvent {
        sequence,
        recorded_at: datetime!(2026-11-29 10:00 UTC),
        recorded_by: "someone@example.com".to_owned(),
        step,
    };
    let events = vec![
        event(1, ProfileStep::CatalogueAdopted { version: "1".to_owned() }),
        event(2, answer("3.9", Answer::Meets)),
        event(3, ProfileStep::CatalogueAdopted { version: "3".to_owned() }),
    ];
    let profile = Profile::replay(&events, &find).expect("replay");
    assert_eq!(
        profile.answers.keys().cloned().collect::<Vec<_>>(),
        vec![id("3.10")],
        "the old answer follows its criterion"
    );
    assert_eq!(profile.answers[&id("3.10")].narrative, "how we meet 3.9");
}
