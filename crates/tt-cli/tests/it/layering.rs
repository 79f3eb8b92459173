//! The crate layering of ARCHITECTURE.md, checked on the real dependency graph: inner crates
//! never depend on outer ones or on the technologies of other layers.

use std::collections::BTreeMap;
use std::process::Command;

/// Each crate's direct normal (non-dev, non-build) dependencies.
fn normal_dependencies() -> BTreeMap<String, Vec<String>> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|package| {
            let dependencies = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|dependency| dependency["kind"].is_null())
                .map(|dependency| dependency["name"].as_str().expect("name").to_owned())
                .collect();
            (package["name"].as_str().expect("name").to_owned(), dependencies)
        })
        .collect()
}

#[test]
fn every_crate_depends_only_inward() {
    let forbidden: &[(&str, &[&str])] = &[
        (
            "tt-domain",
            &[
                "tt-store",
                "tt-store-sqlite",
                "tt-store-postgres",
                "tt-app",
                "tt-web",
                "sqlx",
                "axum",
                "tokio",
                "askama",
            ],
        ),
        ("tt-store", &["tt-store-sqlite", "tt-store-postgres", "tt-app", "tt-web", "sqlx", "axum", "askama"]),
        ("tt-store-sqlite", &["tt-app", "tt-web", "axum", "askama", "tt-store-postgres"]),
        ("tt-store-postgres", &["tt-app", "tt-web", "axum", "askama", "tt-store-sqlite"]),
        (
            "tt-app",
            &[
                "tt-store-sqlite",
                "tt-store-postgres",
                "tt-web",
                "tt-mail",
                "tt-s3",
                "sqlx",
                "axum",
                "askama",
                "lettre",
                "reqwest",
            ],
        ),
        ("tt-web", &["tt-store", "tt-store-sqlite", "tt-store-postgres", "sqlx", "tt-mail", "lettre"]),
        (
            "tt-feed",
            &[
                "tt-domain",
                "tt-store",
                "tt-store-sqlite",
                "tt-store-postgres",
                "tt-app",
                "tt-web",
                "sqlx",
                "axum",
                "tokio",
            ],
        ),
        ("tt-mail", &["tt-store", "tt-store-sqlite", "tt-store-postgres", "tt-web", "sqlx", "axum"]),
        ("tt-s3", &["tt-store", "tt-store-sqlite", "tt-store-postgres", "tt-web", "tt-mail", "sqlx", "axum"]),
    ];
    let graph = normal_dependencies();
    let mut violations = Vec::new();
    for (krate, banned) in forbidden {
        let dependencies = graph.get(*krate).unwrap_or_else(|| panic!("{krate} is not in the workspace"));
        violations.extend(
            dependencies.iter().filter(|d| banned.contains(&d.as_str())).map(|d| format!("{krate} depends on {d}")),
        );
    }
    assert!(violations.is_empty(), "layering broken:\n{}", violations.join("\n"));
}

#[test]
fn only_the_store_crates_and_the_test_kit_use_the_database_driver() {
    let graph = normal_dependencies();
    let users: Vec<&String> =
        graph.iter().filter(|(_, deps)| deps.iter().any(|d| d == "sqlx")).map(|(name, _)| name).collect();
    assert_eq!(users, vec!["tt-store-postgres", "tt-store-sqlite", "tt-testkit"]);
}

#[test]
fn every_workspace_crate_is_described_in_architecture_md() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md");
    for krate in normal_dependencies().keys() {
        assert!(text.contains(&format!("`{krate}`")), "ARCHITECTURE.md does not mention `{krate}`");
    }
}
