//! Benefit pages and API: the levels of service, a refused request with its reason, a ruling
//! request from the member's form to the staff's decision, the API flow and the calculator.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_domain::{AccountNumber, TokenScope};
use tt_testkit::TestApp;

async fn with_standings() -> TestApp {
    let test_app = TestApp::with_demo().await;
    test_app
        .import_standing(&[
            ("DEMO-IMP-001", 400, "ctpat", "T2"),
            ("DEMO-IMP-001", 300, "tc", "ON"),
            ("DEMO-IMP-005", 400, "ctpat", "T2"),
        ])
        .await;
    test_app
}

#[tokio::test]
async fn a_member_sees_its_benefits_and_what_trade_compliance_would_add() {
    let test_app = with_standings().await;
    let member = test_app.client();
    member.sign_in("officer@pacificapparel.example").await;
    let page = member.get("/benefits").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Standing that day: T2."), "{}", page.body);
    assert!(page.body.contains("What Trade Compliance would add"));
    assert!(page.body.contains("Tier III + Trade Compliance"), "the levels-of-service matrix");
    assert!(page.body.contains("The CTPAT logo</h3>\n<p>May be used on"), "{}", page.body);
    let start = page.body.find("/branding-licence.pdf").expect("a licence link");
    let link_start = page.body[..start].rfind('"').expect("link start") + 1;
    let licence = member.get(&page.body[link_start..start + "/branding-licence.pdf".len()]).await;
    assert_eq!(licence.status, StatusCode::OK);
    assert!(licence.body.starts_with("%PDF-"));
    let bad_day = member.get("/benefits?on=2026-02-30").await;
    assert_eq!(bad_day.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_day.body.contains("&#39;2026-02-30&#39; is not a date")
            || bad_day.body.contains("'2026-02-30' is not a date")
    );
}

#[tokio::test]
async fn a_ruling_goes_from_the_members_form_to_the_staff_queue_and_back_with_the_ruling() {
    let test_app = with_standings().await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let form = member.get("/requests/new?kind=ruling").await;
    assert!(form.body.contains("<label for=\"merchandise\">Merchandise</label>"), "{}", form.body);
    let missing = member.post_form_with_csrf("/requests", &[("kind", "ruling"), ("merchandise", "Brackets")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("id=\"question-error\""), "{}", missing.body);
    assert!(missing.body.contains("value=\"Brackets\""), "what was typed is kept");
    let filed = member
        .post_form_with_csrf(
            "/requests",
            &[
                ("kind", "ruling"),
                ("merchandise", "Steel shelf brackets"),
                ("question", "classification"),
                ("description", "Heading 7326?"),
            ],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let page = filed.location().expect("request page").to_owned();
    let view = member.get(&page).await;
    assert!(view.body.contains("Trade Compliance member: front of the line"), "{}", view.body);
    assert!(view.body.contains("20 days after receipt"));

    let nam = test_app.client();
    nam.sign_in("nam@cbp.example").await;
    let queue = nam.get("/requests").await;
    assert!(queue.body.contains("Front of line") && queue.body.contains("DEMO-IMP-001"), "{}", queue.body);
    assert_eq!(
        nam.post_form_with_csrf(&page, &[("action", "message"), ("text", "Send a photo")]).await.status,
        StatusCode::SEE_OTHER
    );
    let granted = nam.post_form_with_csrf(&page, &[("action", "grant"), ("note", "N312345")]).await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let decided = member.get(&page).await;
    assert!(decided.body.contains("Agency: Send a photo") && decided.body.contains("N312345"), "{}", decided.body);
    assert!(!decided.body.contains("id=\"grant\""), "members are not offered the decision");
    let again = nam.post_form_with_csrf(&page, &[("action", "refuse"), ("reason", "late")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "a decided request is not decided again");
}

#[tokio::test]
async fn an_ineligible_member_is_told_why_and_another_company_cannot_read_the_request() {
    let test_app = with_standings().await;
    let member = test_app.client();
    member.sign_in("officer@pacificapparel.example").await;
    let refused = member
        .post_form_with_csrf(
            "/requests",
            &[("kind", "exam_location"), ("entry_number", "ABC-1234567-8"), ("location", "Our Seattle warehouse")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("your account is Tier II without Trade Compliance"), "{}", refused.body);
    let reconciliation = member.get("/reconciliation").await;
    assert_eq!(reconciliation.status, StatusCode::OK);
    assert!(
        reconciliation.body.contains("Importer 95765432100")
            && reconciliation.body.contains("No bond and rider in force today"),
        "{}",
        reconciliation.body
    );

    let token = test_app.token_for("officer@greatlakes.example", TokenScope::ReadWrite).await;
    let api = test_app.api_client(&token);
    let great_lakes = test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("number"))
        .await
        .expect("find")
        .expect("account")
        .id;
    let created = api
        .send_json(
            Method::POST,
            &format!("/api/v1/accounts/{great_lakes}/requests"),
            &json!({"kind": "post_entry_amendment", "details": {"entry_number": "abc 1234567 8", "change": "Value"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let body = created.json();
    assert_eq!(body["details"][0]["value"], "ABC12345678", "the entry number is normalized");
    assert_eq!(body["clocks"][0]["basis"], "90 days after receipt: the Trusted Trader amendment benefit");
    let id = body["id"].as_str().expect("id").to_owned();
    let other = member.get(&format!("/requests/{id}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let kinds = api.get("/api/v1/request-kinds").await;
    assert_eq!(kinds.json().as_array().map(Vec::len), Some(12));
    let benefits = api.get(&format!("/api/v1/accounts/{great_lakes}/benefits")).await;
    assert_eq!(
        (benefits.json()["tier"].as_str(), benefits.json()["trade_compliance"].as_bool()),
        (Some("T2"), Some(true))
    );
    let kpis = api.get("/api/v1/request-kpis?from=2020-01-01&to=2030-01-01").await;
    assert_eq!(kpis.status, StatusCode::FORBIDDEN, "members do not read program KPIs");
    let exams = member.get("/random-exams?from=2020-01-01").await;
    assert_eq!(exams.status, StatusCode::OK);
    assert!(exams.body.contains("No entries in the period."), "{}", exams.body);
    assert_eq!(member.get("/benefits/kpis").await.status, StatusCode::FORBIDDEN);
    let staff_token = test_app.token_for("tc.analyst@cbp.example", TokenScope::Read).await;
    let staff_api = test_app.api_client(&staff_token);
    let missing = staff_api.get("/api/v1/defender-kpis?from=2020-01-01").await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.body);
    let defender = staff_api.get("/api/v1/defender-kpis?from=2020-01-01&to=2030-01-01").await;
    assert_eq!(defender.json()["alerts"], 0);
    let staff = test_app.client();
    staff.sign_in("tc.analyst@cbp.example").await;
    let page = staff.get("/benefits/kpis").await;
    assert!(page.body.contains("Post-entry amendment") && page.body.contains("CTPAT Defender"), "{}", page.body);
}

#[tokio::test]
async fn the_penalty_calculator_gives_the_statutory_maximum_and_names_bad_amounts() {
    let test_app = TestApp::with_demo().await;
    let staff = test_app.client();
    staff.sign_in("nam@cbp.example").await;
    let page = staff
        .get("/penalties/calculator?culpability=gross_negligence&loss_of_revenue=10000&dutiable_value=100000&domestic_value=150000")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("40000.00 USD"), "{}", page.body);
    let bad = staff
        .get("/penalties/calculator?culpability=fraud&loss_of_revenue=lots&dutiable_value=1&domestic_value=1")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"loss_of_revenue-error\""), "{}", bad.body);
    let token = test_app.token_for("nam@cbp.example", TokenScope::Read).await;
    let calculated = test_app
        .api_client(&token)
        .send_json(
            Method::POST,
            "/api/v1/penalties/calculate",
            &json!({"culpability": "fraud", "loss_of_revenue": "10000", "dutiable_value": "100000", "domestic_value": "150000", "prior_disclosure": true}),
        )
        .await;
    assert_eq!(calculated.json()["maximum"], "10000.00", "{}", calculated.body);
}

#[tokio::test]
async fn a_member_proposes_a_benefit_staff_score_it_and_the_director_pilots_it_through_the_pages() {
    let test_app = TestApp::with_demo().await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let refused = member
        .post_form_with_csrf(
            "/benefits/proposals",
            &[("name", "Reduced FTZ inspections"), ("program", "trade_compliance"), ("tiers", "T9")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("id=\"tiers-error\"") && refused.body.contains("id=\"rationale-error\""),
        "{}",
        refused.body
    );
    let proposed = member
        .post_form_with_csrf(
            "/benefits/proposals",
            &[
                ("name", "Reduced FTZ inspections"),
                ("program", "trade_compliance"),
                ("tiers", "T2;T3"),
                ("trade_compliance", "on"),
                ("rationale", "Members' zones are audited already"),
            ],
        )
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    let anchor = proposed.location().expect("location").split('#').nth(1).expect("anchor").to_owned();
    let id = anchor.trim_start_matches("proposal-").to_owned();
    let nam = test_app.client();
    nam.sign_in("nam@cbp.example").await;
    let scored = nam
        .post_form_with_csrf(
            &format!("/benefits/proposals/{id}"),
            &[("action", "score"), ("feasibility", "4"), ("impact", "5")],
        )
        .await;
    assert_eq!(scored.status, StatusCode::SEE_OTHER, "{}", scored.body);
    let out_of_range = nam
        .post_form_with_csrf(
            &format!("/benefits/proposals/{id}"),
            &[("action", "score"), ("feasibility", "9"), ("impact", "5")],
        )
        .await;
    assert_eq!(out_of_range.status, StatusCode::UNPROCESSABLE_ENTITY);
    let decide = [("action", "decide"), ("status", "pilot"), ("reason", "Ten zones first")];
    assert_eq!(
        nam.post_form_with_csrf(&format!("/benefits/proposals/{id}"), &decide).await.status,
        StatusCode::FORBIDDEN
    );
    let director = test_app.client();
    director.sign_in("director@cbp.example").await;
    let piloted = director.post_form_with_csrf(&format!("/benefits/proposals/{id}"), &decide).await;
    assert_eq!(piloted.status, StatusCode::SEE_OTHER, "{}", piloted.body);
    let page = member.get("/benefits/proposals").await;
    assert!(page.body.contains("1. Reduced FTZ inspections <span class=\"muted\">(Pilot from"), "{}", page.body);
    assert!(page.body.contains("decided by director@cbp.example: Ten zones first"));
    let levels = member.get("/benefits").await;
    assert!(levels.body.contains("Reduced FTZ inspections"), "the pilot joins the levels of service");
}

#[tokio::test]
async fn the_company_officer_authorizes_a_broker_on_the_enrolment_page_and_an_employee_cannot() {
    let test_app = TestApp::with_demo().await;
    let officer = test_app.client();
    officer.sign_in("officer@greatlakes.example").await;
    let bad = officer
        .post_form_with_csrf("/defender/enrolment", &[("filer_code", "ZZ"), ("authorized_from", "2026-01-01")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"filer_code-error\""), "{}", bad.body);
    let added = officer
        .post_form_with_csrf("/defender/enrolment", &[("filer_code", "zz9"), ("authorized_from", "2026-01-01")])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = officer.get("/defender/enrolment").await;
    assert!(page.body.contains("<th scope=\"row\">ZZ9</th><td>2026-01-01</td><td>open-ended</td>"), "{}", page.body);
    let ended = officer
        .post_form_with_csrf("/defender/enrolment/end", &[("end_filer_code", "ZZ9"), ("ended_from", "2026-02-01")])
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
    let page = officer.get("/defender/enrolment").await;
    assert!(
        page.body.contains("<th scope=\"row\">ZZ9</th><td>2026-01-01</td><td>2026-01-31 (ended)</td>"),
        "{}",
        page.body
    );
    let unknown = officer
        .post_form_with_csrf("/defender/enrolment/end", &[("end_filer_code", "QQ1"), ("ended_from", "2026-02-01")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("id=\"end_filer_code-error\""), "{}", unknown.body);
    let employee = test_app.client();
    employee.sign_in("employee@greatlakes.example").await;
    let refused = employee
        .post_form_with_csrf("/defender/enrolment", &[("filer_code", "AA1"), ("authorized_from", "2026-01-01")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        !employee.get("/defender/enrolment").await.body.contains("Authorize a broker"),
        "the form is the officer's"
    );
}

#[tokio::test]
async fn the_program_dashboard_draws_accessible_charts_and_exports_each_table() {
    let test_app = with_standings().await;
    let staff = test_app.client();
    staff.sign_in("tc.analyst@cbp.example").await;
    let page = staff.get("/dashboards/program").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"members-over-time-title\""
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("<title>Importer: 2</title>"), "a bar per business type: {}", page.body);
    assert!(page.body.contains("Members from the standing histories of 5 accounts"), "the lineage: {}", page.body);
    assert!(
        page.body.contains("Download table 1: <a href=\"/dashboards/program?export=csv&amp;table=1\""),
        "{}",
        page.body
    );
    let csv = staff.get("/dashboards/program?export=csv&table=1").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with("Month,Tier I,Tier II,Tier III,Trade Compliance\n"),
        "the chart's data table: {}",
        csv.body
    );
    assert_eq!(csv.body.lines().count(), 13);
    assert_eq!(
        csv.headers.get("content-disposition").and_then(|value| value.to_str().ok()),
        Some("attachment; filename=\"dashboards-program-table-1.csv\"")
    );
    assert_eq!(staff.get("/dashboards/program?export=csv&table=99").await.status, StatusCode::NOT_FOUND);
    let xlsx = staff.get("/dashboards/program?export=xlsx&table=3").await;
    assert_eq!(
        xlsx.headers.get("content-type").and_then(|value| value.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(staff.get("/dashboards/program?export=pdf").await.status, StatusCode::BAD_REQUEST);
    let summary = staff.get("/dashboards/program.pdf").await;
    assert_eq!(summary.headers.get("content-type").and_then(|value| value.to_str().ok()), Some("application/pdf"));
    if let Some(text) = tt_testkit::pdf::pdf_text(summary.body.as_bytes()) {
        assert!(text.contains("Importer 0 0 2 0 1"), "the business-type table in the summary: {text}");
        assert!(text.contains("Members from the standing histories of 5 accounts"), "its lineage: {text}");
    }
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    assert_eq!(
        member.get("/dashboards/program?export=csv").await.status,
        StatusCode::FORBIDDEN,
        "the page's own authorization"
    );
    assert_eq!(member.get("/dashboards/program").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_annual_report_is_a_page_and_a_pdf_for_program_staff_only() {
    let test_app = with_standings().await;
    let staff = test_app.client();
    staff.sign_in("tc.analyst@cbp.example").await;
    let page = staff.get("/reports/annual?fiscal_year=2026").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Partnership programs annual report, fiscal year 2026"), "{}", page.body);
    assert!(page.body.contains("1 members take part in both CTPAT and Trade Compliance."), "{}", page.body);
    let bad = staff.get("/reports/annual?fiscal_year=next").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"fiscal_year-error\""));
    assert!(page.body.contains("aria-labelledby=\"participants-title\""), "a participants chart: {}", page.body);
    let pdf = staff.get("/reports/annual.pdf?fiscal_year=2026").await;
    assert!(pdf.body.starts_with("%PDF-"));
    assert!(pdf.body.contains(" re f"), "the PDF draws its charts");
    if let Some(text) = tt_testkit::pdf::pdf_text(pdf.body.as_bytes()) {
        assert!(text.contains("Level Participants Tier I 0 Tier II 2 Tier III 0"), "the participants table: {text}");
        assert!(text.contains("Group Entries Examined Exam rate"), "the effectiveness table: {text}");
    }
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    assert_eq!(member.get("/reports/annual").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_member_sees_its_own_dashboard_and_staff_are_sent_to_the_program_one() {
    let test_app = with_standings().await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let page = member.get("/dashboards/member").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Great Lakes Home Goods, Inc.: our dashboard"), "{}", page.body);
    assert!(page.body.contains("Standing: T2 with Trade Compliance."), "{}", page.body);
    let bad = member.get("/dashboards/member?from=2026-13-01").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let staff = test_app.client();
    staff.sign_in("nam@cbp.example").await;
    assert_eq!(staff.get("/dashboards/member").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_figure_link_names_a_definition_that_the_definitions_page_shows() {
    let test_app = TestApp::with_demo().await;
    let member = test_app.client();
    member.sign_in("officer@greatlakes.example").await;
    let page = member.get("/definitions").await;
    assert_eq!(page.status, StatusCode::OK);
    for definition in tt_app::definitions::DEFINITIONS {
        assert!(
            page.body.contains(&format!("<dt id=\"{}\">{}</dt>", definition.id, definition.name)),
            "{}",
            definition.id
        );
    }
    // The links written in templates and the charts' definitions in the page code.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut linked = Vec::new();
    for folder in ["templates", "src/pages"] {
        for file in std::fs::read_dir(root.join(folder)).expect("folder") {
            let text = std::fs::read_to_string(file.expect("file").path()).expect("text");
            for (marker, end) in [("/definitions#", '"'), ("with_definition(\"", '"')] {
                for (at, _) in text.match_indices(marker) {
                    let rest = &text[at + marker.len()..];
                    let id = &rest[..rest.find(end).unwrap_or(rest.len())];
                    if !id.starts_with('{') {
                        linked.push(id.to_owned());
                    }
                }
            }
        }
    }
    assert!(linked.len() > 20, "figures link their definitions: {linked:?}");
    for id in &linked {
        assert!(tt_app::definitions::definition(id).is_some(), "a link to an undefined figure: {id}");
    }
    let staff = test_app.client();
    staff.sign_in("tc.analyst@cbp.example").await;
    let dashboard = staff.get("/dashboards/program").await;
    for key in ["members_by_business_type", "security_pipeline", "trade_compliance_pipeline", "due"] {
        assert!(dashboard.body.contains(&format!("href=\"/definitions#{key}\"")), "{key}");
        assert!(tt_app::definitions::definition(key).is_some(), "{key}");
    }
    assert!(dashboard.body.contains("Computed at "), "the lineage says when: {}", dashboard.body);
}
