//! Settings layering (defaults, TOML file, `TT_` variables) and secret redaction.

use tt_cli::Settings;

#[test]
fn the_command_line_definition_is_valid() {
    use clap::CommandFactory as _;
    tt_cli::Cli::command().debug_assert();
}

#[test]
fn the_default_settings_print_as_toml() {
    insta::assert_snapshot!("default_settings", Settings::default_toml().expect("toml"));
}

#[test]
fn a_file_overrides_defaults_and_the_environment_overrides_the_file() {
    let path = std::env::temp_dir().join(format!("tt-settings-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(
        &path,
        "listen = \"0.0.0.0:9000\"\n[app]\nsession_idle_minutes = 45\nlogin_failures_per_account = 7\n",
    )
    .expect("write");
    let environment = vec![
        ("TT_APP__SESSION_IDLE_MINUTES".to_owned(), "60".to_owned()),
        ("TT_WEB__SECURE_COOKIES".to_owned(), "false".to_owned()),
        ("TT_DATABASE_URL".to_owned(), "postgres://app:hunter2@db/tt".to_owned()),
        ("UNRELATED".to_owned(), "ignored".to_owned()),
    ];
    let settings = Settings::load(Some(&path), environment.into_iter()).expect("load");
    assert_eq!(settings.listen, "0.0.0.0:9000");
    assert_eq!(settings.app.session_idle_minutes, 60);
    assert_eq!(settings.app.login_failures_per_account, 7);
    assert!(!settings.web.secure_cookies);
    assert_eq!(settings.database_url.expose(), "postgres://app:hunter2@db/tt");
}

#[test]
fn a_wrongly_typed_or_unknown_setting_is_an_error_naming_it() {
    let environment = vec![("TT_APP__SESSION_IDLE_MINUTES".to_owned(), "soon".to_owned())];
    let error = Settings::load(None, environment.into_iter()).expect_err("wrong type");
    assert!(format!("{error:#}").contains("session_idle_minutes"), "{error:#}");
    let environment = vec![("TT_APP__NO_SUCH_KEY".to_owned(), "1".to_owned())];
    let error = Settings::load(None, environment.into_iter()).expect_err("unknown");
    assert!(format!("{error:#}").contains("no_such_key"), "{error:#}");
}

#[test]
fn secrets_never_appear_when_settings_are_printed() {
    let environment = vec![("TT_DATABASE_URL".to_owned(), "postgres://app:hunter2@db/tt".to_owned())];
    let settings = Settings::load(None, environment.into_iter()).expect("load");
    let printed = format!("{settings:?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("[redacted]"));
}
