//! Background jobs that run beside the web server: periodic maintenance, and computing the
//! dashboards ahead of their first request after a change. Each job is idempotent, so running
//! it twice or on two servers at once is harmless.

use std::time::Duration;

use crate::App;

/// One pass of the reminder worker, logged.
pub async fn run_reminders_once(app: &App) {
    match app.run_reminders().await {
        Ok(report) if report.created + report.emailed + report.failed == 0 => {}
        Ok(report) => {
            tracing::info!(created = report.created, emailed = report.emailed, failed = report.failed, "reminders")
        }
        Err(error) => tracing::warn!(error = %error, "reminder pass failed"),
    }
}

/// What [`run_periodic`] runs besides the session purge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodicJobs {
    /// The reminder worker (it may run in its own process instead).
    pub reminders: bool,
    /// Warming the dashboards' projections after a change: only where requests are served,
    /// since projections are kept in the serving process's memory.
    pub warm_projections: bool,
}

/// Runs the periodic jobs every `every` until `shutdown` resolves: the session purge, and the
/// others `jobs` names.
pub async fn run_periodic(
    app: App,
    every: Duration,
    jobs: PeriodicJobs,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut interval = tokio::time::interval(every);
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
                if jobs.reminders {
                    run_reminders_once(&app).await;
                }
                if jobs.warm_projections {
                    // On a blocking-pool thread, like every projection computed in the
                    // background: requests keep the async workers.
                    let (warming, runtime) = (app.clone(), tokio::runtime::Handle::current());
                    let warmed = tokio::task::spawn_blocking(move || runtime.block_on(warming.warm_projections())).await;
                    match warmed {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => tracing::warn!(error = %error, "could not compute the dashboards ahead"),
                        Err(error) => tracing::warn!(error = %error, "computing the dashboards ahead stopped"),
                    }
                }
            }
        }
    }
}
