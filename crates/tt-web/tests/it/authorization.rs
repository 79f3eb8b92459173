//! Walks every route in the route table as an anonymous visitor and as a user of each role,
//! and checks that what happens is what the table declares.

use axum::http::{Method, StatusCode};
use serde_json::json;
use tt_app::policy::allows;
use tt_domain::{AccountNumber, EmailAddress, Role, TokenScope};
use tt_testkit::{TestApp, TestClient, TestResponse};
use tt_web::routes::{API_ROUTES, Access, PAGE_ROUTES, RouteSpec};

/// The demo user of each role (trade roles from the account DEMO-IMP-001).
fn demo_email(role: Role) -> &'static str {
    match role {
        Role::CompanyOfficer => "officer@greatlakes.example",
        Role::Employee => "employee@greatlakes.example",
        Role::Consultant => "consultant@greatlakes.example",
        Role::ReadOnly => "viewer@greatlakes.example",
        Role::Scss => "scss@cbp.example",
        Role::ScssSupervisor => "scss.supervisor@cbp.example",
        Role::Nam => "nam@cbp.example",
        Role::NamSupervisor => "nam.supervisor@cbp.example",
        Role::TcHqAnalyst => "tc.analyst@cbp.example",
        Role::RegulatoryAudit => "audit@cbp.example",
        Role::ProgramDirector => "director@cbp.example",
        Role::PgaLiaison => "pga@fda.example",
    }
}

struct Ids {
    account: String,
    consultant: String,
}

async fn ids(test_app: &TestApp) -> Ids {
    let store = &test_app.app.store;
    let account = store
        .find_account_by_number(&AccountNumber::parse("DEMO-IMP-001").expect("n"))
        .await
        .expect("find")
        .expect("demo account");
    let consultant = store
        .find_user_by_email(&EmailAddress::parse("consultant@greatlakes.example").expect("email"))
        .await
        .expect("find")
        .expect("demo consultant");
    Ids { account: account.id.to_string(), consultant: consultant.id.to_string() }
}

fn concrete_path(spec: &RouteSpec, ids: &Ids) -> String {
    let id = if spec.path.contains("/accounts/") {
        ids.account.clone()
    } else if spec.path.contains("/users/") {
        ids.consultant.clone()
    } else {
        uuid::Uuid::new_v4().to_string()
    };
    let path = spec
        .path
        .replace("{id}", &id)
        .replace("{secret}", "not-a-real-invitation")
        .replace("{catalogue}", "importer")
        .replace("{code}", "EU")
        .replace("{key}", "no-such-policy")
        .replace("{list}", "entity_list");
    match spec.path {
        "/api/v1/ingest" | "/api/v1/mutual-recognition/{code}/operators" | "/api/v1/watch-lists/{list}" => {
            format!("{path}?file_name=walk.csv")
        }
        "/api/v1/screen" => format!("{path}?file_name=walk.csv&rate=0.1&seed=walk"),
        "/api/v1/kpis" => format!("{path}?from=2025-01-01&to=2025-12-31"),
        _ => path,
    }
}

fn holds(role: Role, access: Access) -> bool {
    match access {
        Access::Public | Access::SignedIn => true,
        Access::AnyOf(permissions) => permissions.iter().any(|permission| allows(role, *permission)),
    }
}

fn redirected_to_sign_in(response: &TestResponse) -> bool {
    response.status == StatusCode::SEE_OTHER
        && response.location().is_some_and(|location| location.starts_with("/login"))
}

fn check(who: &str, spec: &RouteSpec, allowed: bool, response: &TestResponse, failures: &mut Vec<String>) {
    let denied = response.status == StatusCode::FORBIDDEN;
    let outcome = format!("{who}: {} {} -> {} {:?}", spec.method, spec.path, response.status, response.location());
    if response.status.is_server_error() {
        failures.push(format!("{outcome} (server error)"));
    } else if allowed && (denied || response.status == StatusCode::UNAUTHORIZED || redirected_to_sign_in(response)) {
        if !(denied && spec.rule_may_refuse) {
            failures.push(format!("{outcome}, expected to be allowed"));
        }
    } else if !allowed && !denied {
        failures.push(format!("{outcome}, expected 403"));
    }
    if response.status == StatusCode::OK && spec.method == "get" {
        // The document title is what screen readers announce first and what tabs show: plain
        // text, and one main heading per page.
        if let Some((_, rest)) = response.body.split_once("<title>") {
            let title = rest.split_once("</title>").map_or(rest, |(title, _)| title);
            if title.contains('<') || title.trim().is_empty() {
                failures.push(format!("{outcome}: the page title is not plain text: {title:?}"));
            }
            if response.body.matches("<h1").count() != 1 {
                failures.push(format!("{outcome}: the page has not exactly one h1"));
            }
        }
    }
}

async fn send_page_request(client: &TestClient<'_>, spec: &RouteSpec, path: &str, signed_in: bool) -> TestResponse {
    match spec.method {
        "get" => client.get(path).await,
        "post" if signed_in => client.post_form_with_csrf(path, &[]).await,
        _ => client.post_form(path, &[]).await,
    }
}

#[tokio::test]
async fn anonymous_visitors_reach_only_public_pages_and_are_sent_to_sign_in_elsewhere() {
    let test_app = TestApp::with_demo().await;
    let ids = ids(&test_app).await;
    let client = test_app.client();
    let mut failures = Vec::new();
    for spec in PAGE_ROUTES {
        let response = send_page_request(&client, spec, &concrete_path(spec, &ids), false).await;
        match spec.access {
            Access::Public => {
                if redirected_to_sign_in(&response)
                    || response.status.is_server_error()
                    || response.status == StatusCode::FORBIDDEN
                {
                    failures.push(format!("anonymous: {} {} -> {}", spec.method, spec.path, response.status));
                }
            }
            _ => {
                if !redirected_to_sign_in(&response) {
                    failures.push(format!(
                        "anonymous: {} {} -> {}, expected a redirect to sign in",
                        spec.method, spec.path, response.status
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_role_gets_exactly_the_page_routes_the_table_declares() {
    let mut failures = Vec::new();
    for role in Role::ALL {
        // A fresh application per role, so changes one role makes cannot affect another.
        let test_app = TestApp::with_demo().await;
        let ids = ids(&test_app).await;
        let client = test_app.client();
        client.sign_in(demo_email(role)).await;
        for spec in PAGE_ROUTES {
            let response = send_page_request(&client, spec, &concrete_path(spec, &ids), true).await;
            let allowed = holds(role, spec.access);
            let who = role.id();
            if spec.path == "/logout" {
                // Signing out succeeds by sending the user to the sign-in page, session gone.
                if !redirected_to_sign_in(&response) || !redirected_to_sign_in(&client.get("/").await) {
                    failures.push(format!("{who}: sign-out did not end the session ({})", response.status));
                }
                continue;
            }
            if spec.access == Access::Public {
                if response.status.is_server_error() || response.status == StatusCode::FORBIDDEN {
                    failures.push(format!("{who}: {} {} -> {}", spec.method, spec.path, response.status));
                }
                continue;
            }
            check(who, spec, allowed, &response, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A valid body for the routes that take one, so a refusal can only come from authorization.
fn api_body(spec: &RouteSpec, role: Role) -> serde_json::Value {
    match (spec.method, spec.path) {
        ("post", "/api/v1/accounts") => json!({
            "account_number": format!("WALK-{}", role.id().replace('_', "-")).chars().take(20).collect::<String>(),
            "legal_name": "Walk Test Company",
            "business_type": "exporter"
        }),
        ("put", "/api/v1/accounts/{id}") => json!({
            "account_number": "DEMO-IMP-001",
            "legal_name": "Great Lakes Home Goods, Inc.",
            "business_type": "importer",
            "ior_numbers": ["36-123456700", "36-123456701"],
            "address_line1": "1 Commerce Way",
            "city": "Detroit",
            "country": "US",
            "partner_agency_consent": true
        }),
        ("post", "/api/v1/users") => json!({
            "email": format!("walk.{}@greatlakes.example", role.id()),
            "name": "Walk Test",
            "role": "employee",
            "account_number": "DEMO-IMP-001"
        }),
        ("post", "/api/v1/alerts/review") => {
            json!({"entry_number": "AB112345678", "code": "NEW_PORT", "decision": "confirmed"})
        }
        ("post", "/api/v1/cases/{id}/outcome") => json!({"outcome": "walk"}),
        _ => json!({}),
    }
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.to_ascii_uppercase().as_bytes()).expect("method")
}

#[tokio::test]
async fn every_role_gets_exactly_the_api_routes_the_table_declares() {
    let mut failures = Vec::new();
    for role in Role::ALL {
        let test_app = TestApp::with_demo().await;
        let ids = ids(&test_app).await;
        let token = test_app.token_for(demo_email(role), TokenScope::ReadWrite).await;
        let client = test_app.api_client(&token);
        let anonymous = test_app.client();
        for spec in API_ROUTES {
            let path = concrete_path(spec, &ids);
            let body = api_body(spec, role);
            let response = client.send_json(method(spec.method), &path, &body).await;
            check(role.id(), spec, holds(role, spec.access), &response, &mut failures);
            let unauthenticated = anonymous.send_json(method(spec.method), &path, &body).await;
            if spec.access == Access::Public {
                // Public operations (a status credential's check, the program's public key)
                // answer anyone, token or not.
                if unauthenticated.status.is_server_error()
                    || matches!(unauthenticated.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                {
                    failures.push(format!("anonymous: {} {} -> {}", spec.method, spec.path, unauthenticated.status));
                }
            } else if unauthenticated.status != StatusCode::UNAUTHORIZED {
                failures.push(format!(
                    "anonymous: {} {} -> {}, expected 401",
                    spec.method, spec.path, unauthenticated.status
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_api_route_table_lists_exactly_the_documented_operations() {
    let document: serde_json::Value = serde_json::from_str(&tt_web::openapi::openapi_json()).expect("json");
    let mut documented: Vec<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, operations)| {
            operations.as_object().expect("operations").keys().map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut declared: Vec<(String, String)> =
        API_ROUTES.iter().map(|spec| (spec.method.to_owned(), spec.path.to_owned())).collect();
    declared.sort();
    assert_eq!(declared, documented);
}

#[tokio::test]
async fn a_read_only_token_is_refused_on_changes_with_403() {
    let test_app = TestApp::with_demo().await;
    let token = test_app.token_for("director@cbp.example", TokenScope::Read).await;
    let client = test_app.api_client(&token);
    assert_eq!(client.get("/api/v1/accounts").await.status, StatusCode::OK);
    let response = client
        .send_json(
            Method::POST,
            "/api/v1/accounts",
            &json!({"account_number": "RO-1", "legal_name": "Read Only", "business_type": "exporter"}),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.json()["detail"], "forbidden: this API token may only read");
}

#[tokio::test]
async fn a_member_cannot_open_another_members_account_page() {
    let test_app = TestApp::with_demo().await;
    let other = test_app
        .app
        .store
        .find_account_by_number(&AccountNumber::parse("DEMO-BRK-002").expect("n"))
        .await
        .expect("find")
        .expect("exists");
    let client = test_app.client();
    client.sign_in("officer@greatlakes.example").await;
    assert_eq!(client.get(&format!("/accounts/{}", other.id)).await.status, StatusCode::FORBIDDEN);
    let token = test_app.token_for("officer@greatlakes.example", TokenScope::Read).await;
    let api = test_app.api_client(&token);
    assert_eq!(api.get(&format!("/api/v1/accounts/{}", other.id)).await.status, StatusCode::FORBIDDEN);
    let listed = api.get("/api/v1/accounts").await.json();
    assert_eq!(listed.as_array().expect("array").len(), 1);
}
