//! Settings: built-in defaults, then an optional TOML file, then `TT_` environment variables
//! (`TT_APP__SESSION_IDLE_MINUTES=60` sets `[app] session_idle_minutes`). Each layer's crate owns
//! its section; secrets are redacted when settings are printed or logged.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tt_app::AppSettings;
use tt_mail::MailSettings;
use tt_s3::S3Settings;
use tt_web::WebSettings;

/// A value that must not appear in logs: `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite:FILE` (the default, created when missing) or `postgres://user@host/database`.
    pub database_url: Secret,
    /// Where `serve` listens.
    pub listen: String,
    pub log_format: LogFormat,
    pub app: AppSettings,
    pub web: WebSettings,
    pub mail: MailSettings,
    pub worker: WorkerSettings,
    /// Where evidence files are kept: S3-compatible storage when `s3_endpoint` is set,
    /// otherwise `app.evidence_folder`.
    pub objects: S3Settings,
}

/// The background worker: session purge, and reminders derived from the membership histories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Run the reminder worker inside `serve` (turn off when `trusted-trader worker` runs as its
    /// own process).
    pub in_serve: bool,
    /// Seconds between passes.
    pub interval_seconds: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self { in_serve: true, interval_seconds: 300 }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: Secret::new("sqlite:trusted-trader.sqlite3"),
            listen: "127.0.0.1:8080".to_owned(),
            log_format: LogFormat::Text,
            app: AppSettings::default(),
            web: WebSettings::default(),
            mail: MailSettings::default(),
            worker: WorkerSettings::default(),
            objects: S3Settings::default(),
        }
    }
}

/// The prefix of the environment variables read as settings.
const PREFIX: &str = "TT_";

impl Settings {
    /// Layers defaults, the file (if given) and the environment.
    ///
    /// # Errors
    /// When the file cannot be read or a value has the wrong type; the message names the key.
    pub fn load(file: Option<&Path>, environment: impl Iterator<Item = (String, String)>) -> anyhow::Result<Self> {
        let mut tree = toml::Table::try_from(Self::default()).context("default settings")?;
        if let Some(path) = file {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("reading settings file {}", path.display()))?;
            let overrides: toml::Table =
                toml::from_str(&text).with_context(|| format!("parsing settings file {}", path.display()))?;
            merge(&mut tree, overrides);
        }
        for (key, value) in environment {
            let Some(name) = key.strip_prefix(PREFIX) else { continue };
            if name == "CONFIG" || name.starts_with("TEST_") {
                continue;
            }
            let path: Vec<String> = name.split("__").map(str::to_ascii_lowercase).collect();
            set_path(&mut tree, &path, parse_scalar(&value));
        }
        toml::Value::Table(tree).try_into().context("invalid settings (check the TOML file and TT_ variables)")
    }

    /// The defaults as a commented TOML document.
    ///
    /// # Errors
    /// Never expected.
    pub fn default_toml() -> anyhow::Result<String> {
        let body = toml::to_string_pretty(&Self::default())?;
        Ok(format!(
            "# Trusted Trader settings. Every key can also be set by an environment variable:\n\
             # TT_DATABASE_URL, TT_LISTEN, TT_APP__SESSION_IDLE_MINUTES, TT_WEB__SECURE_COOKIES, ...\n\n{body}"
        ))
    }
}

fn merge(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(nested)) => merge(existing, nested),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) {
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = table.entry(first.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(nested) = entry {
                set_path(nested, rest, value);
            }
        }
    }
}

/// Environment values are text; numbers and booleans are recognised so they fit typed keys.
fn parse_scalar(text: &str) -> toml::Value {
    if let Ok(number) = text.parse::<i64>() {
        toml::Value::Integer(number)
    } else if let Ok(flag) = text.parse::<bool>() {
        toml::Value::Boolean(flag)
    } else {
        toml::Value::String(text.to_owned())
    }
}
