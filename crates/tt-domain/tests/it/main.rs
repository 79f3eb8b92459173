//! The domain's parsers and rules, including property tests of every `parse` constructor.

use proptest::prelude::*;
use time::OffsetDateTime;
use tt_domain::{
    AccountNumber, AuditRecord, BusinessType, ChainHash, EmailAddress, EmployerIdentificationNumber, ImporterNumber,
    LegalName, ManufacturerId, NewAuditRecord, PasswordPolicy, Role, Scac, Side,
};

#[test]
fn account_numbers_are_upper_cased_and_limited_to_twenty_characters() {
    assert_eq!(AccountNumber::parse(" ab-12 ").expect("valid").as_str(), "AB-12");
    assert!(AccountNumber::parse("").is_err());
    assert!(AccountNumber::parse(&"A".repeat(21)).is_err());
    assert_eq!(AccountNumber::parse("A B").expect_err("space").field, "account_number");
}

#[test]
fn importer_numbers_drop_hyphens_and_spaces_and_need_nine_to_twelve_characters() {
    assert_eq!(ImporterNumber::parse("12-3456789 00").expect("valid").as_str(), "12345678900");
    assert!(ImporterNumber::parse("12345678").is_err());
    assert!(ImporterNumber::parse("1234567890123").is_err());
    assert_eq!(ImporterNumber::parse("12345678!").expect_err("symbol").field, "ior_numbers");
}

#[test]
fn identifiers_have_their_official_shapes() {
    assert_eq!(EmployerIdentificationNumber::parse("123456789").expect("ein").as_str(), "12-3456789");
    assert!(EmployerIdentificationNumber::parse("00-1234567").is_err());
    assert!(EmployerIdentificationNumber::parse("12-345678").is_err());
    assert_eq!(ManufacturerId::parse("cnshatoy123sha").expect("mid").as_str(), "CNSHATOY123SHA");
    assert!(ManufacturerId::parse("1NSHA").is_err());
    assert!(ManufacturerId::parse("CNSHATOY123SHA12").is_err());
    assert_eq!(Scac::parse("maeu").expect("scac").as_str(), "MAEU");
    assert!(Scac::parse("M").is_err());
    assert!(Scac::parse("MAEU1").is_err());
}

#[test]
fn legal_names_count_characters_not_bytes() {
    assert!(LegalName::parse(&"é".repeat(200)).is_ok());
    assert!(LegalName::parse(&"é".repeat(201)).is_err());
    assert!(LegalName::parse("   ").is_err());
}

#[test]
fn every_business_type_and_role_parses_from_its_identifier() {
    for kind in BusinessType::ALL {
        assert_eq!(BusinessType::parse(&kind.id().to_uppercase()).expect("parses"), kind);
    }
    for role in Role::ALL {
        assert_eq!(Role::parse(role.id()).expect("parses"), role);
    }
    assert_eq!(Role::CompanyOfficer.side(), Side::Trade);
    assert_eq!(Role::PgaLiaison.side(), Side::Agency);
    assert!(Role::parse("admin").is_err());
}

#[test]
fn emails_are_lower_cased_and_need_a_dotted_domain() {
    assert_eq!(EmailAddress::parse(" Dana@Example.COM ").expect("valid").as_str(), "dana@example.com");
    for bad in ["dana", "dana@", "@example.com", "dana@example", "da na@example.com", "dana@example..com"] {
        assert!(EmailAddress::parse(bad).is_err(), "{bad} should be rejected");
    }
}

#[test]
fn passwords_need_length_and_variety_and_must_not_contain_the_email_name() {
    assert!(PasswordPolicy::check("Correct-Horse-42", "dana").is_ok());
    assert!(PasswordPolicy::check("Short-1a", "dana").is_err());
    assert!(PasswordPolicy::check("alllowercaseletters", "dana").is_err());
    assert!(PasswordPolicy::check("Dana-Is-Great-2026", "dana").is_err());
}

fn sample_record() -> NewAuditRecord {
    NewAuditRecord {
        occurred_at: NewAuditRecord::truncate_time(OffsetDateTime::now_utc()),
        actor_id: None,
        actor_label: "someone@example.com".to_owned(),
        acting_for: None,
        source_address: Some("127.0.0.1".to_owned()),
        request_id: Some("r1".to_owned()),
        action: "account.update".to_owned(),
        object_type: "account".to_owned(),
        object_id: Some("a1".to_owned()),
        before: Some("{\"name\":\"old\"}".to_owned()),
        after: Some("{\"name\":\"new\"}".to_owned()),
    }
}

#[test]
fn changing_any_audited_field_changes_the_hash() {
    let record = sample_record();
    let genesis = ChainHash::genesis();
    let original = AuditRecord::compute_hash(1, &record, &genesis);
    let variants = [
        NewAuditRecord { actor_label: "other@example.com".to_owned(), ..record.clone() },
        NewAuditRecord { source_address: None, ..record.clone() },
        NewAuditRecord { action: "account.create".to_owned(), ..record.clone() },
        NewAuditRecord { after: Some("{\"name\":\"newer\"}".to_owned()), ..record.clone() },
        NewAuditRecord { before: None, ..record.clone() },
        NewAuditRecord { occurred_at: record.occurred_at + time::Duration::microseconds(1), ..record.clone() },
    ];
    for variant in variants {
        assert_ne!(AuditRecord::compute_hash(1, &variant, &genesis), original);
    }
    assert_ne!(AuditRecord::compute_hash(2, &record, &genesis), original);
    assert_ne!(AuditRecord::compute_hash(1, &record, &ChainHash("1".repeat(64))), original);
}

#[test]
fn a_record_is_intact_only_after_its_own_previous_hash() {
    let record = sample_record();
    let genesis = ChainHash::genesis();
    let hash = AuditRecord::compute_hash(1, &record, &genesis);
    let stored = AuditRecord { sequence: 1, record, previous_hash: genesis.clone(), hash };
    assert!(stored.is_intact_after(&genesis));
    assert!(!stored.is_intact_after(&ChainHash("f".repeat(64))));
}

proptest! {
    #[test]
    fn account_number_parsing_accepts_exactly_the_allowed_alphabet(text in "\\PC{0,25}") {
        let trimmed = text.trim().to_ascii_uppercase();
        let expected = !trimmed.is_empty() && trimmed.len() <= 20
            && trimmed.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        prop_assert_eq!(AccountNumber::parse(&text).is_ok(), expected);
    }

    #[test]
    fn parsed_account_numbers_parse_again_to_themselves(text in "[A-Za-z0-9-]{1,20}") {
        let parsed = AccountNumber::parse(&text).expect("valid");
        prop_assert_eq!(AccountNumber::parse(parsed.as_str()).expect("again"), parsed);
    }

    #[test]
    fn importer_numbers_normalize_idempotently(text in "[A-Za-z0-9 -]{0,20}") {
        if let Ok(parsed) = ImporterNumber::parse(&text) {
            prop_assert!((9..=12).contains(&parsed.as_str().len()));
            prop_assert_eq!(ImporterNumber::parse(parsed.as_str()).expect("again"), parsed.clone());
        } else {
            let normalized: String = text.chars().filter(|c| *c != '-' && *c != ' ').collect();
            prop_assert!(!(9..=12).contains(&normalized.len()));
        }
    }

    #[test]
    fn email_parsing_never_panics_and_round_trips(text in "\\PC{0,40}") {
        if let Ok(email) = EmailAddress::parse(&text) {
            prop_assert_eq!(EmailAddress::parse(email.as_str()).expect("again"), email.clone());
            prop_assert!(email.as_str().contains('@'));
        }
    }

    #[test]
    fn scac_mid_and_ein_parsers_round_trip(scac in "[A-Za-z]{2,4}", mid in "[A-Z]{2}[A-Z0-9]{1,13}", ein in "[1-9][0-9]{8}") {
        let parsed = Scac::parse(&scac).expect("scac");
        prop_assert_eq!(Scac::parse(parsed.as_str()).expect("again"), parsed);
        let parsed = ManufacturerId::parse(&mid).expect("mid");
        prop_assert_eq!(ManufacturerId::parse(parsed.as_str()).expect("again"), parsed);
        let parsed = EmployerIdentificationNumber::parse(&ein).expect("ein");
        prop_assert_eq!(EmployerIdentificationNumber::parse(parsed.as_str()).expect("again"), parsed);
    }

    #[test]
    fn entry_keys_are_distinct_and_sort_as_the_entry_numbers_do(
        left in "[A-Z0-9]{3}[0-9]{8}",
        right in "[A-Z0-9]{3}[0-9]{8}",
    ) {
        let (left_key, right_key) = (
            tt_domain::trade::entry_key(&left).expect("valid"),
            tt_domain::trade::entry_key(&right).expect("valid"),
        );
        prop_assert_eq!(left_key.cmp(&right_key), left.cmp(&right));
    }

    #[test]
    fn only_normalized_entry_numbers_have_keys(text in "[A-Za-z0-9 -]{0,13}") {
        let normalized = text.len() == 11
            && text[..3].bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
            && text[3..].bytes().all(|byte| byte.is_ascii_digit());
        prop_assert_eq!(tt_domain::trade::entry_key(&text).is_some(), normalized);
    }
}

#[test]
fn entry_keys_read_the_filer_code_in_base_36() {
    assert_eq!(tt_domain::trade::entry_key("00000000000"), Some(0));
    assert_eq!(tt_domain::trade::entry_key("00112345678"), Some(112_345_678));
    assert_eq!(tt_domain::trade::entry_key("ZZZ99999999"), Some(46_655 * 100_000_000 + 99_999_999));
    assert_eq!(tt_domain::trade::entry_key("AB1-1234567-8"), None, "normalize first");
}
