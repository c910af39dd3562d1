//! Syncs: `run` queues a sync that moves through `QUEUED`, `RUNNING` and `PROCESSING` (states
//! EVIDENCE 3 lists) to the verdict the role table gives after the configured delay.

use std::sync::Arc;

use crate::dates;
use crate::model::{ConnectorState, SyncError};
use crate::roles::Verdict;
use crate::state::AppState;
use crate::store::SyncTicket;

/// Gives each sync of `tickets` its verdict: at once when the delay is zero (so `run`'s answer
/// shows it), otherwise in the background, a third of the delay in each of `QUEUED`, `RUNNING`
/// and `PROCESSING`.
pub fn drive(app: &Arc<AppState>, tickets: Vec<SyncTicket>) {
    if app.sync_delay.is_zero() {
        for ticket in tickets {
            finish(app, ticket);
        }
        return;
    }
    for ticket in tickets {
        let app = Arc::clone(app);
        tokio::spawn(async move {
            let step = app.sync_delay / 3;
            tokio::time::sleep(step).await;
            app.store
                .during_sync(ticket, |c| c.state = ConnectorState::Running);
            tokio::time::sleep(step).await;
            app.store
                .during_sync(ticket, |c| c.state = ConnectorState::Processing);
            tokio::time::sleep(app.sync_delay.saturating_sub(step * 2)).await;
            finish(&app, ticket);
        });
    }
}

fn finish(app: &AppState, ticket: SyncTicket) {
    app.store.during_sync(ticket, |c| {
        let now = dates::now();
        match app.roles.verdict(c, &app.accounts) {
            Verdict::Success { total_assets } => {
                c.state = ConnectorState::FinishedSuccess;
                c.total_assets = total_assets;
                c.sync_errors.clear();
                c.error.clear();
            }
            Verdict::Failed(errors) => {
                c.state = ConnectorState::FinishedErrors;
                c.sync_errors = errors
                    .into_iter()
                    .map(|(region, message)| SyncError {
                        region,
                        message,
                        occurred_on: now,
                    })
                    .collect();
                c.error = c
                    .sync_errors
                    .last()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
            }
        }
        c.reschedule(now);
    });
}
