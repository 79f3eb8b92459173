//! Background jobs that run beside the web server: periodic maintenance. Each job is
//! idempotent, so running it twice or on two servers at once is harmless.

use std::time::Duration;

use crate::App;

/// Runs the periodic jobs until `shutdown` resolves.
pub async fn run_periodic(app: App, shutdown: impl std::future::Future<Output = ()>) {
    let mut interval = tokio::time::interval(Duration::from_secs(300));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = interval.tick() => {
                match app.purge_idle_sessions().await {
                    Ok(0) => {}
                    Ok(count) => tracing::info!(count, "ended idle sessions"),
                    Err(error) => tracing::warn!(error = %error, "could not end idle sessions"),
                }
            }
        }
    }
}
