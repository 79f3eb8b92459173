//! Benefits and benefit requests through the use cases: entitlement on a day, refusals with the
//! reason, clocks at their edges, the staff queue, renewals, reminders and the KPIs.

use std::collections::BTreeMap;

use time::Duration;
use tt_app::requests::{NewRequest, PenaltyInput, RequestAction};
use tt_app::{Actor, AppError};
use tt_domain::{AccountId, AccountNumber};
use tt_feed::FeedFile;
use tt_testkit::TestApp;

use crate::actor;

async fn account(test_app: &TestApp, number: &str) -> AccountId {
    test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse(number).expect("number"))
        .await
        .expect("find")
        .expect("demo account")
        .id
}

/// Great Lakes: Tier II for 400 days and Trade Compliance for 300; Pacific Apparel: Tier II only.
async fn standings(test_app: &TestApp) {
    test_app
        .import_standing(&[
            ("DEMO-IMP-001", 400, "ctpat", "T2"),
            ("DEMO-IMP-001", 300, "tc", "ON"),
            ("DEMO-IMP-005", 400, "ctpat", "T2"),
        ])
        .await;
}

fn move_to(test_app: &TestApp, day: time::Date) {
    test_app.clock.advance(day - test_app.app.clock.now().date());
}

fn new_request(kind: &str, details: &[(&str, &str)]) -> NewRequest {
    NewRequest {
        kind: kind.to_owned(),
        details: details
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn ruling() -> NewRequest {
    new_request(
        "ruling",
        &[("merchandise", "Steel shelf brackets"), ("question", "classification"), ("description", "Heading 7326?")],
    )
}

fn manifest() -> NewRequest {
    new_request(
        "confidential_manifest",
        &[("direction", "inward"), ("names", "Great Lakes Home Goods, Inc."), ("addresses", "1 Main St, Detroit, MI")],
    )
}

#[tokio::test]
async fn an_account_sees_its_benefits_on_any_day_and_what_trade_compliance_would_add() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let pacific = account(&test_app, "DEMO-IMP-005").await;
    let officer = actor(&test_app, "officer@pacificapparel.example").await;
    let today = app.clock.now().date();
    let now = app.account_benefits(&officer, pacific, None).await.expect("benefits");
    assert_eq!((now.tier, now.trade_compliance), ("T2", false));
    assert!(now.entitled.iter().any(|benefit| benefit.id == "reduced_exams"));
    assert!(now.trade_compliance_would_add.iter().any(|benefit| benefit.id == "expedited_rulings"));
    assert!(!now.trade_compliance_would_add.iter().any(|benefit| benefit.id == "fda_reduced_targeting"), "proposed");
    let before = app.account_benefits(&officer, pacific, Some(today - Duration::days(401))).await.expect("before");
    assert_eq!((before.tier, before.entitled.len()), ("NONE", 0), "nothing before certification");
    let great_lakes = account(&test_app, "DEMO-IMP-001").await;
    let other = app.account_benefits(&officer, great_lakes, None).await;
    assert!(matches!(other, Err(AppError::Forbidden(_))), "another company's benefits are not shown");
    let levels = app.levels_of_service(&officer, None).await.expect("levels");
    let rulings = levels.rows.iter().find(|row| row.benefit.id == "expedited_rulings").expect("row");
    assert_eq!(rulings.levels, [false, false, false, true, true]);
}

#[tokio::test]
async fn an_ineligible_request_is_refused_with_the_reason_and_records_nothing() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let pacific = account(&test_app, "DEMO-IMP-005").await;
    let officer = actor(&test_app, "officer@pacificapparel.example").await;
    let Err(AppError::Invalid(errors)) = app.submit_request(&officer, pacific, &manifest()).await else {
        panic!("a Tier II importer without Trade Compliance is refused");
    };
    assert_eq!(errors[0].field, "kind");
    assert_eq!(
        errors[0].message,
        "Confidential manifest requests kept in the portal is a Trade Compliance benefit; your account is Tier II without Trade Compliance"
    );
    let Err(AppError::Invalid(errors)) = app.submit_request(&officer, pacific, &new_request("ruling", &[])).await
    else {
        panic!("missing fields are refused");
    };
    assert_eq!(errors.iter().map(|error| error.field).collect::<Vec<_>>(), ["merchandise", "question", "description"]);
    assert!(app.list_requests(&officer, None).await.expect("list").is_empty());
    // Partner agencies see consenting members' standing, not their requests, reconciliation or
    // examinations.
    let liaison = actor(&test_app, "pga@fda.example").await;
    let great_lakes = account(&test_app, "DEMO-IMP-001").await;
    assert!(matches!(app.list_requests(&liaison, Some(great_lakes)).await, Err(AppError::Forbidden(_))));
    assert!(matches!(app.reconciliation_overview(&liaison, great_lakes).await, Err(AppError::Forbidden(_))));
    let today = app.clock.now().date();
    assert!(matches!(app.exemption_report(&liaison, great_lakes, today, today).await, Err(AppError::Forbidden(_))));
    assert!(matches!(app.defender_enrolment(&liaison, great_lakes).await, Err(AppError::Forbidden(_))));
    assert!(app.branding(&liaison, great_lakes, None).await.is_ok(), "the logo status is public standing");
}

#[tokio::test]
async fn rulings_are_due_in_twenty_days_for_trade_compliance_members_who_go_first_in_the_queue() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let (great_lakes, pacific) = (account(&test_app, "DEMO-IMP-001").await, account(&test_app, "DEMO-IMP-005").await);
    let member = actor(&test_app, "officer@greatlakes.example").await;
    let other = actor(&test_app, "officer@pacificapparel.example").await;
    let nam = actor(&test_app, "nam@cbp.example").await;
    let supervisor = actor(&test_app, "nam.supervisor@cbp.example").await;
    let today = app.clock.now().date();
    // Pacific files first; Great Lakes, a Trade Compliance member, still goes to the front.
    let baseline = app.submit_request(&other, pacific, &ruling()).await.expect("baseline ruling");
    let expedited = app.submit_request(&member, great_lakes, &ruling()).await.expect("expedited ruling");
    assert_eq!(baseline.clocks[0].due, (today + Duration::days(30)).to_string());
    assert_eq!(expedited.clocks[0].due, (today + Duration::days(20)).to_string());
    assert!(expedited.clocks[0].basis.contains("Trade Compliance"), "{}", expedited.clocks[0].basis);
    let queue = app.list_requests(&nam, None).await.expect("queue");
    assert_eq!(queue.iter().map(|view| view.id).collect::<Vec<_>>(), [expedited.id, baseline.id]);
    assert_eq!(app.list_requests(&other, None).await.expect("own").len(), 1, "members see their own requests");
    assert!(matches!(app.get_request(&other, expedited.id).await, Err(AppError::Forbidden(_))));

    // Members cannot decide; staff assign, the two sides talk, the NAM grants.
    let grant = RequestAction::Grant { note: "N312345".to_owned(), amount: None };
    assert!(matches!(app.change_request(&member, expedited.id, &grant).await, Err(AppError::Forbidden(_))));
    let bad = app
        .change_request(
            &supervisor,
            expedited.id,
            &RequestAction::Assign { to: "officer@greatlakes.example".to_owned() },
        )
        .await;
    assert!(matches!(bad, Err(AppError::Invalid(_))), "only staff who decide are assigned");
    app.change_request(&supervisor, expedited.id, &RequestAction::Assign { to: "nam@cbp.example".to_owned() })
        .await
        .expect("assign");
    app.change_request(&nam, expedited.id, &RequestAction::Message { text: "Please send a photo".to_owned() })
        .await
        .expect("ask");
    let answered = app
        .change_request(&member, expedited.id, &RequestAction::Message { text: "Attached to our e-mail".to_owned() })
        .await
        .expect("answer");
    let talk: Vec<(Option<bool>, &str)> = answered
        .history
        .iter()
        .filter(|entry| entry.step == "message")
        .map(|entry| (entry.from_agency, entry.text.as_str()))
        .collect();
    assert_eq!(talk, [(Some(true), "Please send a photo"), (Some(false), "Attached to our e-mail")]);
    let member_inbox = app.my_notifications(&member).await.expect("inbox");
    assert!(
        member_inbox.iter().any(|notification| notification.body.starts_with("New message: Please send a photo")),
        "{member_inbox:?}"
    );
    let nam_inbox = app.my_notifications(&nam).await.expect("inbox");
    assert!(
        nam_inbox.iter().any(|notification| notification.body.starts_with("New message: Attached to our e-mail")),
        "{nam_inbox:?}"
    );

    // The agency's clock: at risk five days before the due date; reminders go to the assignee,
    // and once breached to the supervisors too.
    test_app.clock.advance(Duration::days(15));
    let reminded = app.run_reminders().await.expect("reminders");
    assert!(reminded.created >= 1);
    let inbox = app.my_notifications(&nam).await.expect("inbox");
    assert!(
        inbox.iter().any(|notification| notification.subject.contains("Ruling due for Ruling request (DEMO-IMP-001)")),
        "{inbox:?}"
    );
    test_app.clock.advance(Duration::days(6));
    app.run_reminders().await.expect("reminders");
    let escalated = app.my_notifications(&supervisor).await.expect("inbox");
    assert!(
        escalated.iter().any(|notification| notification.subject.starts_with("[Trusted Trader] OVERDUE: Ruling due"))
    );
    let again = app.run_reminders().await.expect("reminders");
    assert_eq!(again.created, 0, "the worker sends each reminder once");

    let granted = app.change_request(&nam, expedited.id, &grant).await.expect("grant");
    assert_eq!((granted.state, granted.turnaround_days, granted.clocks[0].status), ("granted", Some(21), "missed"));
    let twice = app.change_request(&nam, expedited.id, &grant).await;
    assert!(matches!(twice, Err(AppError::Invalid(_))), "a decided request is not decided again");
    app.change_request(&nam, baseline.id, &grant).await.expect("baseline in time");

    let kpis = app.request_kpis(&nam, today, today).await.expect("kpis");
    let row = |membership: &str| {
        kpis.rows.iter().find(|row| row.kind == "ruling" && row.membership == membership).expect("row").clone()
    };
    assert_eq!(
        (row("trade_compliance").median_turnaround_days, row("trade_compliance").decided_on_time),
        (Some(21), 0)
    );
    assert_eq!((row("other").median_turnaround_days, row("other").decided_on_time), (Some(21), 1));
    assert!(matches!(app.request_kpis(&member, today, today).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_confidential_manifest_certificate_is_renewed_in_its_window_with_one_click_or_lapses() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let great_lakes = account(&test_app, "DEMO-IMP-001").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let nam = actor(&test_app, "nam@cbp.example").await;
    let first_day = app.clock.now().date();
    let filed = app.submit_request(&officer, great_lakes, &manifest()).await.expect("file");
    let granted = app
        .change_request(&nam, filed.id, &RequestAction::Grant { note: "CM-2026-0042".to_owned(), amount: None })
        .await
        .expect("grant");
    let expires = time::Date::from_calendar_date(first_day.year() + 2, first_day.month(), first_day.day())
        .unwrap_or_else(|_| first_day + Duration::days(730));
    assert_eq!(granted.certificate_expires.as_deref(), Some(expires.to_string().as_str()));
    let pdf = app.certificate_pdf(&officer, filed.id).await.expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));

    let early = app.renew_request(&officer, filed.id).await;
    let Err(AppError::Invalid(errors)) = early else { panic!("too early to renew") };
    assert!(errors[0].message.starts_with("the renewal window opens on"), "{}", errors[0].message);
    // Ninety days before expiry, 30 days before "renew by", the member is reminded.
    move_to(&test_app, expires - Duration::days(90));
    app.run_reminders().await.expect("reminders");
    let inbox = app.my_notifications(&officer).await.expect("inbox");
    assert!(
        inbox.iter().any(|notification| notification.subject.contains("Renew by for Confidential manifest")),
        "{inbox:?}"
    );
    let renewal = app.renew_request(&officer, filed.id).await.expect("one-click renewal");
    assert_eq!((renewal.renews, renewal.details.clone()), (Some(filed.id), granted.details.clone()));
    let original = app.get_request(&officer, filed.id).await.expect("original");
    assert_eq!((original.renewed_by, original.clocks[1].status), (Some(renewal.id), "met"));
    assert!(matches!(app.renew_request(&officer, filed.id).await, Err(AppError::Invalid(_))), "renewed once");

    // Withdrawn, the renewal no longer counts: the certificate lapses after its last day.
    app.change_request(&officer, renewal.id, &RequestAction::Withdraw { reason: "Filed by mistake".to_owned() })
        .await
        .expect("withdraw");
    move_to(&test_app, expires + Duration::days(1));
    let lapsed = app.get_request(&officer, filed.id).await.expect("lapsed");
    assert!(lapsed.lapsed);
    let kpis = app.request_kpis(&nam, first_day, expires).await.expect("kpis");
    assert_eq!((kpis.active_certificates, kpis.lapsed_certificates), (1, 1));
}

#[tokio::test]
async fn penalty_cases_are_opened_by_staff_with_the_statutory_maximum_and_a_petition_clock() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let great_lakes = account(&test_app, "DEMO-IMP-001").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let nam = actor(&test_app, "nam@cbp.example").await;
    let today = app.clock.now().date();
    let case = new_request(
        "penalty_case",
        &[
            ("violation_date", &(today - Duration::days(100)).to_string()),
            ("notice_date", &today.to_string()),
            ("culpability", "gross_negligence"),
            ("loss_of_revenue", "10000"),
            ("dutiable_value", "100000"),
            ("domestic_value", "150000"),
            ("prior_disclosure", "no"),
        ],
    );
    assert!(matches!(app.submit_request(&officer, great_lakes, &case).await, Err(AppError::Forbidden(_))));
    let opened = app.submit_request(&nam, great_lakes, &case).await.expect("open");
    let penalty = opened.penalty.expect("assessment");
    assert_eq!(penalty.maximum.as_deref(), Some("40000.00"));
    assert!(penalty.mitigating_factors[0].starts_with("Trade Compliance member"));
    assert_eq!(opened.clocks[0].due, (today + Duration::days(60)).to_string());
    let above = app
        .change_request(
            &nam,
            opened.id,
            &RequestAction::Grant { note: String::new(), amount: Some("40000.01".to_owned()) },
        )
        .await;
    let Err(AppError::Invalid(errors)) = above else { panic!("above the maximum") };
    assert_eq!(errors[0].message, "40000.01 is above the statutory maximum of 40000.00");
    let mut earlier = case.clone();
    earlier.details.insert("violation_date".to_owned(), (today - Duration::days(350)).to_string());
    let before_membership = app.submit_request(&nam, great_lakes, &earlier).await.expect("open");
    assert!(
        !before_membership.penalty.expect("assessment").mitigating_factors[0].starts_with("Trade Compliance"),
        "standing is judged on the violation's day, before Trade Compliance"
    );
    let decided = app
        .change_request(
            &nam,
            opened.id,
            &RequestAction::Grant { note: "Mitigated".to_owned(), amount: Some("25000".to_owned()) },
        )
        .await
        .expect("decide");
    assert_eq!(decided.decided_amount.as_deref(), Some("25000.00"));

    let calculated = app
        .calculate_penalty(
            &Actor::system("test"),
            &PenaltyInput {
                culpability: "negligence".to_owned(),
                loss_of_revenue: "0".to_owned(),
                dutiable_value: "100000".to_owned(),
                domestic_value: "150000".to_owned(),
                prior_disclosure: false,
                trade_compliance_member: false,
            },
        )
        .expect("calculate");
    assert_eq!(calculated.maximum.as_deref(), Some("20000.00"));
    let bad = app.calculate_penalty(
        &officer,
        &PenaltyInput {
            culpability: "careless".to_owned(),
            loss_of_revenue: "x".to_owned(),
            dutiable_value: "1".to_owned(),
            domestic_value: "1".to_owned(),
            prior_disclosure: false,
            trade_compliance_member: false,
        },
    );
    let Err(AppError::Invalid(errors)) = bad else { panic!("bad input") };
    assert_eq!(errors.iter().map(|error| error.field).collect::<Vec<_>>(), ["loss_of_revenue", "culpability"]);
}

#[test]
fn a_benefit_catalogue_file_is_refused_row_by_row_naming_the_field() {
    let text = "benefit_id,name,program,tiers,trade_compliance,legal_basis,status,from,to,description,kpi\n\
                rulings,Rulings,trade_compliance,T2;T3,yes,19 CFR 177,in_force,2020-01-01,,d,k\n\
                Bad-Id,X,security,T1,no,b,in_force,2020-01-01,,d,k\n\
                ok_id,Y,security,T4,no,b,in_force,2020-01-01,,d,k\n\
                later,Z,security,T1,no,b,in_force,,,d,k\n";
    let file =
        FeedFile::from_bytes("benefits.csv", text.as_bytes().to_vec(), &tt_app::benefits::COLUMNS).expect("file");
    let errors = tt_app::benefits::read_benefits(file).expect_err("bad rows");
    let found: Vec<(u64, &str)> = errors.iter().map(|error| (error.row, error.error.field)).collect();
    assert_eq!(found, [(3, "benefit_id"), (4, "tiers"), (5, "from")]);
    assert!(tt_app::benefits::benefit_catalogue().expect("the built-in catalogue").len() >= 17);
}

#[tokio::test]
async fn the_logo_may_be_used_only_while_certified_and_stops_on_the_day_of_a_suspension() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let great_lakes = account(&test_app, "DEMO-IMP-001").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let today = app.clock.now().date();
    let allowed = app.branding(&officer, great_lakes, None).await.expect("branding");
    assert!(allowed.allowed);
    assert_eq!(allowed.certified_since, Some((today - Duration::days(400)).to_string()));
    assert!(app.branding_licence_pdf(&officer, great_lakes).await.expect("licence").starts_with(b"%PDF-"));
    test_app.import_standing(&[("DEMO-IMP-001", 10, "ctpat", "NONE"), ("DEMO-IMP-001", 5, "ctpat", "T1")]).await;
    let suspended = app.branding(&officer, great_lakes, Some(today - Duration::days(10))).await.expect("branding");
    assert!(!suspended.allowed);
    assert!(
        suspended.reason.starts_with(
            "Use of the CTPAT logo is a benefit of Tier I, Tier II, Tier III; your account is not certified"
        ),
        "{}",
        suspended.reason
    );
    let before = app.branding(&officer, great_lakes, Some(today - Duration::days(11))).await.expect("branding");
    assert!(before.allowed, "the day before the suspension it was allowed");
    let reinstated = app.branding(&officer, great_lakes, None).await.expect("branding");
    assert_eq!(reinstated.certified_since, Some((today - Duration::days(5)).to_string()), "a new certified run");
    let pacific = actor(&test_app, "officer@pacificapparel.example").await;
    assert!(matches!(app.branding(&pacific, great_lakes, None).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn proposals_are_scored_by_both_sides_ranked_and_joined_to_the_catalogue_by_the_director() {
    use tt_app::proposals::{ProposalAction, ProposalInput};
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let nam = actor(&test_app, "nam@cbp.example").await;
    let director = actor(&test_app, "director@cbp.example").await;
    let input = |name: &str, tiers: &str| ProposalInput {
        name: name.to_owned(),
        program: "trade_compliance".to_owned(),
        tiers: tiers.to_owned(),
        trade_compliance: true,
        rationale: "Members' zones are audited already".to_owned(),
        description: String::new(),
        kpi: "On-site inspections per member".to_owned(),
    };
    let Err(AppError::Invalid(errors)) = app.propose_benefit(&officer, &input("", "T4")).await else {
        panic!("bad proposal")
    };
    assert_eq!(errors.iter().map(|error| error.field).collect::<Vec<_>>(), ["name", "tiers"]);
    let zones = app.propose_benefit(&officer, &input("Reduced FTZ inspections", "T2;T3")).await.expect("propose");
    let drawback =
        app.propose_benefit(&nam, &input("Drawback desk reviews once a year", "T2, T3")).await.expect("propose");
    let score = |feasibility, impact| ProposalAction::Score { feasibility, impact, comment: String::new() };
    app.change_proposal(&officer, zones.id, &score(2, 5)).await.expect("industry score");
    app.change_proposal(&nam, zones.id, &score(3, 4)).await.expect("agency score");
    app.change_proposal(&nam, drawback.id, &score(5, 5)).await.expect("agency score");
    let ranked = app.list_proposals(&officer).await.expect("ranking");
    assert_eq!(
        ranked.iter().map(|view| (view.name.as_str(), view.rank)).collect::<Vec<_>>(),
        [("Drawback desk reviews once a year", Some(1)), ("Reduced FTZ inspections", Some(2))]
    );
    let zones_view = &ranked[1];
    assert_eq!(zones_view.priority.map(|priority| priority.priority), Some(1125), "2.50 × 4.50");
    assert_eq!(zones_view.industry.map(|priority| priority.feasibility), Some(200));

    let pilot = ProposalAction::Decide { status: "pilot".to_owned(), from: None, reason: "Ten zones first".to_owned() };
    assert!(matches!(app.change_proposal(&nam, zones.id, &pilot).await, Err(AppError::Forbidden(_))));
    let decided = app.change_proposal(&director, zones.id, &pilot).await.expect("pilot");
    assert_eq!((decided.status, decided.decisions[0].decided_by.as_str()), ("pilot", "director@cbp.example"));
    let member = account(&test_app, "DEMO-IMP-001").await;
    let benefits = app.account_benefits(&officer, member, None).await.expect("benefits");
    assert!(benefits.entitled.iter().any(|benefit| benefit.name == "Reduced FTZ inspections"), "a pilot is delivered");
    let levels = app.levels_of_service(&officer, None).await.expect("levels");
    assert!(levels.rows.iter().any(|row| row.benefit.name == "Drawback desk reviews once a year" && row.levels.iter().all(|level| !level)));
    let viewer = actor(&test_app, "viewer@greatlakes.example").await;
    assert!(matches!(app.list_proposals(&viewer).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn flagged_lines_from_the_feed_have_a_reconciliation_deadline_and_flags_need_bond_and_rider() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let great_lakes = account(&test_app, "DEMO-IMP-001").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let nam = actor(&test_app, "nam@cbp.example").await;
    let today = app.clock.now().date();
    let early = tt_domain::calendar::add_months(today, -21) + Duration::days(20);
    let csv = format!(
        "entry_number,line_number,entry_type,importer_number,port_code,entry_date,release_date,exam,exam_reason,hold_hours,country_of_origin,hts_number,entered_value_usd,recon_flag\n\
         AB100000010,1,01,36-123456700,2704,{early},,,,,CN,8471300100,100.00,Y\n\
         AB100000010,2,01,36-123456700,2704,{early},,,,,CN,8471300100,100.00,Y\n\
         AB100000020,1,01,36-123456700,2704,{recent},,,,,CN,8471300100,100.00,N\n",
        recent = today - Duration::days(3),
    );
    let file = FeedFile::from_bytes("e.csv", csv.into_bytes(), &[]).expect("file");
    app.ingest_entries(&Actor::system("test"), file, "e.csv", None, &mut |_, _| {}).await.expect("ingest");

    let flag = new_request(
        "reconciliation_flag",
        &[
            ("importer_number", "36-123456700"),
            ("entry_number", "AB1-0000002-0"),
            ("action", "flag"),
            ("issue", "value"),
            ("earliest_date", &(today - Duration::days(3)).to_string()),
        ],
    );
    let Err(AppError::Invalid(errors)) = app.submit_request(&officer, great_lakes, &flag).await else {
        panic!("no participation yet")
    };
    assert_eq!(errors[0].field, "importer_number");
    assert!(errors[0].message.contains("needs a continuous bond and a reconciliation rider"), "{}", errors[0].message);
    let foreign = new_request(
        "reconciliation_participation",
        &[("importer_number", "95-765432100"), ("bond_from", "2020-01-01"), ("rider_from", "2020-01-01")],
    );
    assert!(
        matches!(app.submit_request(&officer, great_lakes, &foreign).await, Err(AppError::Invalid(_))),
        "another company's number"
    );
    let participation = new_request(
        "reconciliation_participation",
        &[("importer_number", "36-123456700"), ("bond_from", "2020-01-01"), ("rider_from", "2020-01-01")],
    );
    let recorded = app.submit_request(&officer, great_lakes, &participation).await.expect("participation");
    app.change_request(&nam, recorded.id, &RequestAction::Grant { note: "Rider on file".to_owned(), amount: None })
        .await
        .expect("grant");
    app.submit_request(&officer, great_lakes, &flag).await.expect("a flag with bond and rider in force");

    let overview = app.reconciliation_overview(&officer, great_lakes).await.expect("overview");
    let importer =
        overview.importers.iter().find(|importer| importer.importer_number == "36123456700").expect("importer");
    assert_eq!(importer.participation, Some(recorded.id));
    assert_eq!(importer.groups.len(), 1, "only flagged lines make a group: {:?}", importer.groups);
    let group = &importer.groups[0];
    assert_eq!((group.flagged_lines, group.earliest.clone()), (2, early.to_string()));
    assert_eq!(group.due, tt_domain::calendar::add_months(early, 21).to_string());
    assert!((0..=30).contains(&group.days_left), "{group:?}");
    app.run_reminders().await.expect("reminders");
    let inbox = app.my_notifications(&officer).await.expect("inbox");
    assert!(
        inbox.iter().any(|notification| notification.subject.contains("Reconciliation due")
            && notification.subject.contains("2 flagged lines")),
        "{inbox:?}"
    );
    let pacific = actor(&test_app, "officer@pacificapparel.example").await;
    assert!(matches!(app.reconciliation_overview(&pacific, great_lakes).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_members_random_exams_are_counted_by_whether_it_was_exempt_and_defender_answers_are_measured() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let great_lakes = account(&test_app, "DEMO-IMP-001").await;
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let analyst = actor(&test_app, "tc.analyst@cbp.example").await;
    let today = app.clock.now().date();
    let day = |days: i64| today - Duration::days(days);
    // Defender enrolment: only filer B01 may file for Great Lakes.
    let filers = format!("account_number,filer_code,authorized_from\nDEMO-IMP-001,B01,{}\n", day(500));
    let mut file = FeedFile::from_bytes(
        "f.csv",
        filers.into_bytes(),
        tt_app::trade::MembershipFile::DefenderFilers.required_columns(),
    )
    .expect("file");
    app.import_membership(&Actor::system("test"), tt_app::trade::MembershipFile::DefenderFilers, &mut file, "f.csv")
        .await
        .expect("filers");
    let csv = format!(
        "entry_number,line_number,entry_type,importer_number,port_code,entry_date,release_date,exam,exam_reason,hold_hours,country_of_origin,hts_number,entered_value_usd\n\
         B0100000010,1,01,36-123456700,2704,{before},,NII,RANDOM,,CN,8471300100,100.00\n\
         B0100000020,1,01,36-123456700,2704,{exempt},,NII,RANDOM,,CN,8471300100,100.00\n\
         B0100000030,1,01,36-123456700,2704,{exempt},,PHYSICAL,TARGETED,,CN,8471300100,100.00\n\
         ZZ900000040,1,01,36-123456700,2704,{exempt},,,,,CN,8471300100,100.00\n",
        before = day(350),
        exempt = day(10),
    );
    let file = FeedFile::from_bytes("e.csv", csv.into_bytes(), &[]).expect("file");
    app.ingest_entries(&Actor::system("test"), file, "e.csv", None, &mut |_, _| {}).await.expect("ingest");

    let report = app.exemption_report(&officer, great_lakes, day(400), today).await.expect("report");
    let total = |pick: fn(&tt_app::benefit_kpis::ExemptionMonth) -> i64| report.months.iter().map(pick).sum::<i64>();
    assert_eq!(total(|month| month.entries), 4);
    assert_eq!(total(|month| month.entries_while_exempt), 3);
    assert_eq!(total(|month| month.random_exams_while_not_exempt), 1, "before Trade Compliance");
    assert_eq!(total(|month| month.random_exams_while_exempt), 1, "the benefit was not delivered once");
    assert_eq!(total(|month| month.targeted_exams), 1, "targeted exams are not exempt");

    let alerts = app.member_alerts(&officer).await.expect("alerts");
    assert!(!alerts.is_empty(), "the ZZ9 filer is not authorized");
    let alert = &alerts[0].alert;
    test_app.clock.advance(Duration::days(2));
    app.review_alert(&officer, &alert.entry_number, alert.code, "denied", Some("not our broker")).await.expect("deny");
    let kpis = app.defender_kpis(&analyst, day(400), today).await.expect("kpis");
    assert_eq!((kpis.alerts, kpis.answered, kpis.denied, kpis.cases_open), (alerts.len(), 1, 1, 1));
    assert_eq!(kpis.median_response_days, Some(12), "ten days after the entry, plus two");
    let trends = app.benefit_trends(&analyst, day(400), today).await.expect("trends");
    let member_series =
        trends.exam_rate.series.iter().find(|series| series.name == "Tier II with Trade Compliance").expect("series");
    let engine = app
        .kpis(&analyst, day(400), today, tt_app::trade::KpiGrouping { month: true, group: true, account: false })
        .await
        .expect("kpis");
    let expected: i64 = engine
        .iter()
        .filter(|row| row.group.is_some_and(|group| group.trade_compliance))
        .map(|row| (row.figures.exam_rate.unwrap_or(0.0) * 10_000.0).round() as i64)
        .sum();
    assert_eq!(member_series.values.iter().sum::<i64>(), expected, "the chart shows the engine's rates");
    assert!(expected > 0);
    assert!(matches!(app.defender_kpis(&officer, day(400), today).await, Err(AppError::Forbidden(_))));

    // The officer authorizes the broker from then on: later alerts on it stop; the enrolment
    // keeps both authorizations.
    let employee = actor(&test_app, "employee@greatlakes.example").await;
    let input = tt_app::defender::FilerInput {
        filer_code: "zz9".to_owned(),
        authorized_from: day(30).to_string(),
        authorized_to: None,
    };
    assert!(matches!(app.authorize_filer(&employee, great_lakes, &input).await, Err(AppError::Forbidden(_))));
    let bad = tt_app::defender::FilerInput {
        filer_code: "ZZ".to_owned(),
        authorized_from: "soon".to_owned(),
        authorized_to: None,
    };
    let Err(AppError::Invalid(errors)) = app.authorize_filer(&officer, great_lakes, &bad).await else {
        panic!("bad input")
    };
    assert_eq!(errors.len(), 2, "{errors:?}");
    let enrolment = app.authorize_filer(&officer, great_lakes, &input).await.expect("authorize");
    assert_eq!(
        enrolment.iter().map(|filer| (filer.filer_code.as_str(), filer.current)).collect::<Vec<_>>(),
        [("B01", true), ("ZZ9", true)]
    );
    let remaining = app.member_alerts(&officer).await.expect("alerts");
    assert!(!remaining.iter().any(|reviewed| reviewed.alert.entry_number == "ZZ900000040" && reviewed.alert.code == "UNAUTHORIZED_FILER"), "{remaining:?}");
    // Ending B01 from twenty days ago: its entries of ten days ago are no longer authorized.
    let ended = app
        .end_filer(
            &officer,
            great_lakes,
            &tt_app::defender::FilerEndInput { filer_code: "B01".to_owned(), ended_from: day(20).to_string() },
        )
        .await
        .expect("end");
    assert!(ended.iter().any(|filer| filer.filer_code == "B01" && filer.ended && !filer.current), "{ended:?}");
    let after = app.member_alerts(&officer).await.expect("alerts");
    assert!(after.iter().any(|reviewed| reviewed.alert.entry_number == "B0100000020"), "{after:?}");
    assert!(!after.iter().any(|reviewed| reviewed.alert.entry_number == "B0100000010" && reviewed.alert.code == "UNAUTHORIZED_FILER"), "before the end it was authorized");
    let never = tt_app::defender::FilerEndInput { filer_code: "QQ1".to_owned(), ended_from: day(1).to_string() };
    assert!(matches!(app.end_filer(&officer, great_lakes, &never).await, Err(AppError::Invalid(_))));
}

#[tokio::test]
async fn the_program_dashboard_counts_members_from_the_standing_history_on_the_day_asked() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    let analyst = actor(&test_app, "tc.analyst@cbp.example").await;
    let today = app.clock.now().date();
    let dashboard = app.program_dashboard(&analyst, None).await.expect("dashboard");
    let last = |name: &str| {
        dashboard
            .members_over_time
            .series
            .iter()
            .find(|series| series.name == name)
            .and_then(|series| series.values.last().copied())
    };
    assert_eq!((last("Tier II"), last("Trade Compliance"), last("Tier I")), (Some(2), Some(1), Some(0)));
    assert_eq!(dashboard.members_over_time.months.len(), 12);
    let importers =
        dashboard.members_by_business_type.rows.iter().find(|row| row.name == "Importer").expect("importers");
    assert_eq!(importers.values, [0, 0, 2, 0, 1]);
    let long_ago = app.program_dashboard(&analyst, Some(today - Duration::days(500))).await.expect("dashboard");
    assert_eq!(long_ago.members_over_time.series[1].values.last(), Some(&0), "nobody was certified then");
    assert!(long_ago.due.rows.is_empty() && !long_ago.current, "the due dates are today's, not shown for another day");
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    assert!(matches!(app.program_dashboard(&officer, None).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn with_a_logo_clause_version_set_an_older_signed_agreement_stops_the_logo_and_legacy_members_keep_it() {
    use tt_app::membership::StepInput;
    use tt_domain::lifecycle::Step;
    let settings =
        tt_app::AppSettings { logo_clause_agreement_version: "2024".to_owned(), ..tt_app::AppSettings::default() };
    let test_app = TestApp::with_settings(settings).await;
    test_app.app.seed_demo().await.expect("demo");
    standings(&test_app).await;
    let app = &test_app.app;
    let (great_lakes, pacific) = (account(&test_app, "DEMO-IMP-001").await, account(&test_app, "DEMO-IMP-005").await);
    let officer = actor(&test_app, "officer@greatlakes.example").await;
    let today = app.clock.now().date();
    let step = |step: Step, version: Option<&str>, days: i64| StepInput {
        effective_date: Some((today - Duration::days(days)).to_string()),
        reason: None,
        document_version: version.map(str::to_owned),
        step,
    };
    app.record_step(&officer, great_lakes, &step(Step::CompanyProfileCreated, None, 500)).await.expect("profile");
    app.record_step(&officer, great_lakes, &step(Step::ApplicationSubmitted, Some("2019"), 490))
        .await
        .expect("applied");
    let refused = app.branding(&officer, great_lakes, None).await.expect("branding");
    assert!(!refused.allowed);
    assert!(refused.reason.contains("(version 2019) predates the logo clause (version 2024)"), "{}", refused.reason);
    let pacific_officer = actor(&test_app, "officer@pacificapparel.example").await;
    assert!(
        app.branding(&pacific_officer, pacific, None).await.expect("branding").allowed,
        "no agreement on record: existing use continues"
    );
}

/// Tier II members today on a program dashboard (the last of its twelve month-ends).
fn tier_two_today(dashboard: &tt_app::dashboards::ProgramDashboard) -> Option<i64> {
    dashboard
        .members_over_time
        .series
        .iter()
        .find(|series| series.name == "Tier II")
        .and_then(|series| series.values.last().copied())
}

#[tokio::test]
async fn a_kept_dashboard_outlasts_sign_ins_and_is_computed_again_after_a_recorded_change_and_on_the_next_day() {
    let test_app = TestApp::with_demo().await;
    let app = &test_app.app;
    let analyst = actor(&test_app, "tc.analyst@cbp.example").await;
    let before = app.program_dashboard(&analyst, None).await.expect("dashboard");
    test_app.clock.advance(Duration::seconds(5));
    app.sign_in("officer@greatlakes.example", tt_app::demo::DEMO_PASSWORD, &tt_app::auth::RequestOrigin::default())
        .await
        .expect("a sign-in is recorded but changes no data");
    let again = app.program_dashboard(&analyst, None).await.expect("dashboard");
    assert_eq!(before, again, "no data changed: the same figures, computed at the same moment");
    standings(&test_app).await;
    let after = app.program_dashboard(&analyst, None).await.expect("dashboard");
    assert_eq!(tier_two_today(&after), tier_two_today(&before).map(|count| count + 2), "the import is counted at once");
    test_app.clock.advance(Duration::days(1));
    let tomorrow = app.program_dashboard(&analyst, None).await.expect("dashboard");
    assert_eq!(tomorrow.on, (app.clock.now().date()).to_string());
    assert_ne!(tomorrow.lineage[0], after.lineage[0], "a new day computes again");
}

#[tokio::test]
async fn after_a_change_a_dashboard_answers_at_once_with_its_earlier_figures_marked_as_being_recomputed_then_with_the_new_ones()
 {
    let settings = tt_app::AppSettings { dashboard_wait_milliseconds: 0, ..tt_app::AppSettings::default() };
    let test_app = TestApp::with_settings(settings).await;
    test_app.app.seed_demo().await.expect("demo data");
    let app = &test_app.app;
    let analyst = actor(&test_app, "tc.analyst@cbp.example").await;
    let recomputing = |lineage: &[String]| lineage.iter().any(|line| line.starts_with("Being recomputed"));
    let before =
        app.program_dashboard(&analyst, None).await.expect("nothing earlier: the first figures are waited for");
    assert!(!recomputing(&before.lineage), "{:?}", before.lineage);
    test_app.clock.advance(Duration::seconds(5));
    standings(&test_app).await;

    let at_once = app.program_dashboard(&analyst, None).await.expect("dashboard");
    assert_eq!(tier_two_today(&at_once), tier_two_today(&before), "the earlier figures, not yet the import's");
    assert!(recomputing(&at_once.lineage), "and said to be behind: {:?}", at_once.lineage);

    let mut after = at_once;
    for _ in 0..500 {
        if !recomputing(&after.lineage) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        after = app.program_dashboard(&analyst, None).await.expect("dashboard");
    }
    assert!(!recomputing(&after.lineage), "recomputed in the background: {:?}", after.lineage);
    assert_eq!(tier_two_today(&after), tier_two_today(&before).map(|count| count + 2), "the import is counted");
    assert_ne!(after.lineage[0], before.lineage[0], "and computed at a later moment");
}

#[tokio::test]
async fn warming_computes_the_dashboards_before_anyone_asks() {
    let test_app = TestApp::with_demo().await;
    standings(&test_app).await;
    let app = &test_app.app;
    app.warm_projections().await.expect("warm");
    let warmed_at = app.computed_at();
    test_app.clock.advance(Duration::seconds(30));
    let analyst = actor(&test_app, "tc.analyst@cbp.example").await;
    let dashboard = app.program_dashboard(&analyst, None).await.expect("dashboard");
    assert!(dashboard.lineage[0].starts_with(&warmed_at), "computed by the warming pass: {:?}", dashboard.lineage);
    let today = app.clock.now().date();
    let report = app
        .annual_report(&analyst, if u8::from(today.month()) >= 10 { today.year() + 1 } else { today.year() })
        .await
        .expect("report");
    assert!(report.lineage[0].starts_with(&warmed_at), "{:?}", report.lineage);
}
