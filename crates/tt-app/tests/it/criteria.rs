//! Criteria catalogues through the use cases: the built-in versions, requirements by date, and
//! publishing a new version from files.

use time::macros::date;
use tt_app::AppError;
use tt_app::criteria::{CATALOGUE_COLUMNS, MAPPING_COLUMNS};
use tt_domain::criteria::CatalogueKind;
use tt_feed::FeedFile;
use tt_testkit::TestApp;

use crate::actor;

fn file(name: &str, text: &str, columns: &[&str]) -> FeedFile {
    let path = std::env::temp_dir().join(format!("tt-criteria-{}-{name}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, text).expect("write");
    FeedFile::open(&path, columns).expect("open")
}

const HEADER: &str = "criterion_id,focus_area,category_number,category,requirement,must_from,text,guidance\n";

#[tokio::test]
async fn every_catalogue_is_built_in_and_3_9_is_a_must_from_2023() {
    let test_app = TestApp::with_demo().await;
    let viewer = actor(&test_app, "viewer@greatlakes.example").await;
    let list = test_app.app.list_catalogues(&viewer).await.expect("list");
    let catalogues: Vec<&str> = list.iter().map(|summary| summary.catalogue).collect();
    for kind in CatalogueKind::ALL {
        assert!(catalogues.contains(&kind.id()), "{} is missing from {catalogues:?}", kind.id());
    }
    let importer = list.iter().find(|summary| summary.catalogue == "importer").expect("importer");
    assert_eq!((importer.criteria, importer.current, importer.published_by.as_str()), (97, true, "built-in"));
    let eligibility =
        list.iter().find(|summary| summary.catalogue == "trade-compliance-eligibility").expect("questions");
    assert_eq!(eligibility.criteria, 13);
    let social = |view: &tt_app::criteria::CatalogueView| {
        view.criteria.iter().find(|criterion| criterion.id.as_str() == "3.9").expect("3.9").requirement
    };
    let before = test_app
        .app
        .catalogue(&viewer, CatalogueKind::Importer, None, Some(date!(2022 - 12 - 31)))
        .await
        .expect("view");
    let after = test_app
        .app
        .catalogue(&viewer, CatalogueKind::Importer, None, Some(date!(2023 - 01 - 01)))
        .await
        .expect("view");
    assert_eq!((social(&before), social(&after)), ("should", "must"));
    assert!(matches!(
        test_app.app.catalogue(&viewer, CatalogueKind::Importer, Some("1999"), None).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn a_new_version_is_published_with_its_mapping_and_bad_rows_are_named() {
    let test_app = TestApp::with_demo().await;
    let director = actor(&test_app, "director@cbp.example").await;
    let app = &test_app.app;
    let in_days = |days: i64| app.clock.now().date() + time::Duration::days(days);
    let version = format!(
        "{HEADER}1.1,Corporate Security,1,Security Vision,should,,\"Statement of support, signed\",\n\
         3.1,Corporate Security,3,Business Partners,must,,Screen partners for money laundering too,\n\
         4.14,Corporate Security,4,Cybersecurity,should,,Policy on sharing cyber-threat information with government and partners.,\n\
         4.15,Corporate Security,4,Cybersecurity,must,,Multi-factor authentication for remote access,\n"
    );
    let mapping = "criterion_id,change,previous_id\n4.14,unchanged,4.4\n1.1,changed,1.1\n";
    let published = app
        .publish_catalogue(
            &director,
            CatalogueKind::Importer,
            "2026-1",
            in_days(30),
            file("importer.csv", &version, &CATALOGUE_COLUMNS),
            Some(file("mapping.csv", mapping, &MAPPING_COLUMNS)),
        )
        .await
        .expect("publish");
    assert_eq!(published.previous_version.as_deref(), Some("2019-11"));
    let changes: Vec<(&str, Option<&str>, Option<&str>)> = published
        .criteria
        .iter()
        .map(|criterion| (criterion.id.as_str(), criterion.change, criterion.previous_id.as_deref()))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("1.1", Some("changed"), Some("1.1")),
            ("3.1", Some("changed"), Some("3.1")),
            ("4.14", Some("unchanged"), Some("4.4")),
            ("4.15", Some("new"), None),
        ]
    );
    assert!(published.retired.iter().any(|id| id.as_str() == "12.10"), "criteria left out are retired");
    let list = app.list_catalogues(&director).await.expect("list");
    let versions: Vec<(&str, bool)> = list
        .iter()
        .filter(|summary| summary.catalogue == "importer")
        .map(|summary| (summary.version.as_str(), summary.current))
        .collect();
    assert_eq!(versions, vec![("2019-11", true), ("2026-1", false)], "the new version is not in force before its date");

    let again = app
        .publish_catalogue(
            &director,
            CatalogueKind::Importer,
            "2026-1",
            in_days(60),
            file("a.csv", &version, &CATALOGUE_COLUMNS),
            None,
        )
        .await;
    assert!(matches!(again, Err(AppError::Conflict { field: "version", .. })), "{again:?}");
    let bad = format!(
        "{HEADER}1.1,Corporate Security,1,Vision,sometimes,,Text,\n1.2,Corporate Security,1,Vision,should,2023-02-30,Text,\n1.2,Corporate Security,1,Vision,should,,,\n"
    );
    let Err(AppError::Invalid(errors)) = app
        .publish_catalogue(
            &director,
            CatalogueKind::Importer,
            "2027-1",
            in_days(90),
            file("bad.csv", &bad, &CATALOGUE_COLUMNS),
            None,
        )
        .await
    else {
        panic!("a file with bad rows must be refused");
    };
    let described: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        described,
        vec![
            "requirement: row 2: 'sometimes' is not must or should",
            "must_from: row 3: '2023-02-30' is not a date as YYYY-MM-DD",
            "text: row 4: is required",
        ]
    );
    let early = app
        .publish_catalogue(
            &director,
            CatalogueKind::Importer,
            "2025-9",
            in_days(10),
            file("b.csv", &version, &CATALOGUE_COLUMNS),
            None,
        )
        .await;
    assert!(matches!(early, Err(AppError::Invalid(_))), "a version must take effect after the latest one");
    let specialist = actor(&test_app, "scss@cbp.example").await;
    let refused = app
        .publish_catalogue(
            &specialist,
            CatalogueKind::Importer,
            "2027-2",
            in_days(120),
            file("c.csv", &version, &CATALOGUE_COLUMNS),
            None,
        )
        .await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
}
