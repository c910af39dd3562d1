//! What an apply does after Qualys saved the connector: CloudView's enable/disable (a separate
//! operation there), with `wait_for_sync` a sync and Qualys's verdict on it, and the reports
//! the plan kept.

use std::time::Duration;

use crate::connector::expand::Desired;
use crate::connector::{Api, api_of};
use crate::plugin::api::ApplyResponse;
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::{self, Client, SyncStatus};

use super::schema::SYNC_REPORTS;
use super::state::{Reading, read_remote};

/// The verdict a state reports, matched by meaning ([`SyncStatus::of_state`]): QPS states are
/// an enum, CloudView's free text ("Completed successfully").
fn verdict(state: &Value) -> SyncStatus {
    SyncStatus::of_state(state.get("state").as_str())
}

fn is_verdict(status: SyncStatus) -> bool {
    matches!(status, SyncStatus::Success | SyncStatus::Error)
}

/// How often the verdict is polled: each poll is one API call of the 300 an hour.
const POLL_EVERY: Duration = Duration::from_secs(2);
const STALE_POLLS: u32 = 5;

/// Arguments whose change makes Qualys read the account differently: with `wait_for_sync`, an
/// update of any of them is checked by a sync, and a plan changing any of them leaves what
/// Qualys reports about syncs unknown.
pub(super) const READ_BY_QUALYS: [&str; 9] = [
    "arn",
    "external_id",
    "is_gov_cloud",
    "is_china_region",
    "all_regions",
    "cspm_regions",
    "inventory_regions",
    "connector_apps",
    "disabled",
];

/// A refresh keeps what the state reports about syncs: Qualys's own schedule moves it every few
/// hours, which changes nothing the configuration owns, so a drift check must not see it. It
/// moves with an apply whose plan left it unknown or that waited for a sync; a state that never
/// had it (an import, an incomplete create: no `sync_status`) takes what Qualys reports.
pub(super) fn hold_sync_reports(read: &mut Value, current: &Value) {
    if read.is_null() || current.get("sync_status").is_null() {
        return;
    }
    for name in SYNC_REPORTS {
        read.set(name, current.get(name).clone());
    }
}

pub(super) fn is_failed_verdict(state: &Value) -> bool {
    verdict(state) == SyncStatus::Error
}

/// Whether the change from `prior` to `planned` makes Qualys read the account again.
pub(super) fn resyncs(prior: &Value, planned: &Value) -> bool {
    READ_BY_QUALYS
        .iter()
        .any(|name| prior.get(name) != planned.get(name))
}

/// Whether the apply from `prior` (None: a create) to `planned` must wait for a sync.
pub(super) fn needs_sync(prior: Option<&Value>, planned: &Value) -> bool {
    if planned.get("wait_for_sync").as_bool() != Some(true) {
        return false;
    }
    match prior {
        None => true,
        Some(prior) => is_failed_verdict(prior) || resyncs(prior, planned),
    }
}

/// CloudView enables and disables a connector with operations of their own: after a create or
/// update, bring `disabled` to what the plan says, and read the connector again if it changed.
pub(super) async fn settle_disabled(
    client: &Client,
    state: Value,
    desired_disabled: bool,
    like: &Value,
) -> Result<Value, (Value, Diagnostic)> {
    if api_of(&state) != Some(Api::CloudView)
        || state.get("disabled").as_bool() == Some(desired_disabled)
    {
        return Ok(state);
    }
    let id = state.get("id").as_str().unwrap_or_default().to_string();
    let cloudview = client.cloudview();
    let switched = if desired_disabled {
        cloudview.disable(&[id.as_str()]).await
    } else {
        cloudview.enable(&[id.as_str()]).await
    };
    let failed = |e: qualys::Error, state: Value| {
        let what = if desired_disabled {
            "disable"
        } else {
            "enable"
        };
        (
            state,
            Diagnostic::error(
                format!("Could not {what} the CloudView connector"),
                format!(
                    "The connector {id} is saved, but CloudView did not {what} it: {e}. Apply \
                     again to retry."
                ),
            ),
        )
    };
    if let Err(e) = switched {
        return Err(failed(e, state));
    }
    match read_remote(client, Api::CloudView, &id, like, Reading::Fresh).await {
        Ok(read) => Ok(read),
        Err(e) => {
            // The switch happened; only the read after it failed.
            let mut known = state;
            known.set("disabled", Value::Bool(desired_disabled));
            Err(failed(e, known))
        }
    }
}

/// Triggers a sync of the connector in `state` and waits, within the client's deadline, for
/// Qualys's verdict. Ok: the connector as read after a successful sync. Err: the connector as
/// last read, and the error that fails the apply (Qualys's own sync errors, and what to check).
pub(super) async fn await_sync(
    client: &Client,
    state: Value,
    like: &Value,
) -> Result<Value, (Value, Diagnostic)> {
    let (Some(api), Some(id)) = (api_of(&state), state.get("id").as_str().map(str::to_string))
    else {
        return Ok(state);
    };
    let before = state.get("last_sync").clone();
    let before_verdict = verdict(&state);
    let ran = match api.qps_version() {
        Some(version) => match id.parse::<u64>() {
            Ok(n) => client.qps(version).run(n).await,
            Err(_) => Ok(()),
        },
        None => client.cloudview().run(&[id.as_str()]).await,
    };
    if let Err(e) = ran {
        return Err((
            state,
            Diagnostic::error(
                "Could not start a sync of the Qualys connector",
                format!(
                    "wait_for_sync asks for a sync after the change, and Qualys refused to run \
                     it: {e}. The connector itself is saved."
                ),
            ),
        ));
    }
    let mut current = state;
    // A verdict counts once the connector moved since the run: it had none before (a new or
    // changed connector), it went through a running state, or its last_sync changed. A verdict
    // that stays as it was for STALE_POLLS polls is taken as the run's too (a sync that
    // finished within the same second as the previous one).
    let mut moved = !is_verdict(before_verdict);
    let mut polls = 0;
    loop {
        polls += 1;
        match read_remote(client, api, &id, like, Reading::Fresh).await {
            Ok(read) => current = read,
            Err(e) => {
                return Err((
                    current,
                    Diagnostic::error(
                        "Could not read the sync's outcome",
                        format!(
                            "The sync of connector {id} was started; reading its outcome \
                             failed: {e}. See the connector in Qualys, or apply again to check \
                             again (timeouts bound the wait)."
                        ),
                    ),
                ));
            }
        }
        let reported = current
            .get("state")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let status = verdict(&current);
        moved |= !is_verdict(status) || current.get("last_sync") != &before || polls >= STALE_POLLS;
        if moved && status == SyncStatus::Success {
            return Ok(current);
        }
        if moved && status == SyncStatus::Error {
            let errors = sync_errors(client, api, &id).await;
            let detail = failure_detail(&current, &reported, &errors);
            return Err((
                current,
                Diagnostic::error("Qualys could not sync the AWS account", detail),
            ));
        }
        if status == SyncStatus::Disabled {
            return Err((
                current,
                Diagnostic::error(
                    "A disabled connector does not sync",
                    "wait_for_sync needs the connector enabled: set disabled = false, or \
                     remove wait_for_sync.",
                ),
            ));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

async fn sync_errors(client: &Client, api: Api, id: &str) -> Vec<qualys::SyncError> {
    let found = match api.qps_version() {
        Some(version) => match id.parse::<u64>() {
            Ok(n) => client.qps(version).sync_errors(n).await,
            Err(_) => Ok(Vec::new()),
        },
        None => client.cloudview().sync_errors(id).await,
    };
    found.unwrap_or_else(|e| {
        vec![qualys::SyncError {
            region: None,
            time: None,
            message: format!("(the sync errors could not be read: {e})"),
        }]
    })
}

fn failure_detail(state: &Value, reported: &str, errors: &[qualys::SyncError]) -> String {
    let text = |name: &str| state.get(name).as_str().unwrap_or("?").to_string();
    let mut lines: Vec<String> = errors
        .iter()
        .map(|e| {
            let mut line = String::from("  - ");
            if let Some(region) = &e.region {
                line += &format!("{region}: ");
            }
            line += &e.message;
            if let Some(time) = &e.time {
                line += &format!(" ({time})");
            }
            line
        })
        .collect();
    if lines.is_empty() {
        lines.push(format!(
            "  - {}",
            state
                .get("last_error")
                .as_str()
                .unwrap_or("(Qualys gave no error message)")
        ));
    }
    let arn = text("arn");
    let partition = arn.split(':').nth(1).unwrap_or("aws").to_string();
    format!(
        "The sync ended in state {reported}. Qualys reports:\n{}\n\nCheck the IAM role {}:\n  - \
         its trust policy lets the Qualys account {} assume it (the principal \
         arn:{partition}:iam::{}:root);\n  - the trust policy's condition \
         sts:ExternalId is exactly {:?};\n  - the role has the permissions Qualys needs (for \
         example the AWS-managed SecurityAudit policy).\n\nThe connector is saved in the \
         state; fix the role and apply again to check again.",
        lines.join("\n"),
        arn,
        text("qualys_aws_account_id"),
        text("qualys_aws_account_id"),
        text("external_id"),
    )
}

/// After Qualys saved the connector: CloudView's enable/disable, then the sync verdict when
/// `wait_for_sync` asks for one. `prior` is None for a create.
pub(super) async fn finish(
    client: &Client,
    desired: &Desired,
    state: Value,
    prior: Option<&Value>,
    planned: &Value,
    diagnostics: Diagnostics,
) -> ApplyResponse {
    let mut response = settle_and_sync(client, desired, state, prior, planned, diagnostics).await;
    keep_planned_reports(&mut response.new_state, planned);
    response
}

/// What only Qualys reports and the plan kept as it was (the change does not make Qualys sync
/// again) stays as planned: Terraform requires the planned values back, and the next refresh
/// reads what Qualys says.
fn keep_planned_reports(state: &mut Value, planned: &Value) {
    if state.is_null() {
        return;
    }
    for name in SYNC_REPORTS {
        let value = planned.get(name);
        if !value.is_unknown() {
            state.set(name, value.clone());
        }
    }
}

async fn settle_and_sync(
    client: &Client,
    desired: &Desired,
    state: Value,
    prior: Option<&Value>,
    planned: &Value,
    mut diagnostics: Diagnostics,
) -> ApplyResponse {
    let settled = match settle_disabled(client, state, desired.disabled, planned).await {
        Ok(state) => state,
        Err((state, d)) => {
            diagnostics.push(d);
            return ApplyResponse {
                new_state: state,
                diagnostics,
                ..Default::default()
            };
        }
    };
    if !needs_sync(prior, planned) {
        return ApplyResponse {
            new_state: settled,
            diagnostics,
            ..Default::default()
        };
    }
    match await_sync(client, settled, planned).await {
        Ok(state) => ApplyResponse {
            new_state: state,
            diagnostics,
            ..Default::default()
        },
        Err((state, d)) => {
            diagnostics.push(d);
            ApplyResponse {
                new_state: state,
                diagnostics,
                ..Default::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_keeps_the_sync_reports_unless_the_state_never_had_them() {
        let read = || {
            Value::object([
                ("description", Value::string("changed in Qualys")),
                ("state", Value::string("FINISHED_SUCCESS")),
                ("sync_status", Value::string("success")),
                ("last_sync", Value::string("2026-01-30T10:29:04Z")),
            ])
        };
        let current = Value::object([
            ("description", Value::string("as configured")),
            ("state", Value::string("PENDING")),
            ("sync_status", Value::string("pending")),
            ("last_sync", Value::string("2026-01-30T06:29:04Z")),
        ]);
        let mut refreshed = read();
        hold_sync_reports(&mut refreshed, &current);
        assert_eq!(refreshed.get("description"), read().get("description"));
        for name in ["state", "sync_status", "last_sync"] {
            assert_eq!(refreshed.get(name), current.get(name), "{name}");
        }

        // An import: nothing reported yet, so Qualys's values fill the state.
        let imported = Value::object([("sync_status", Value::Null)]);
        let mut refreshed = read();
        hold_sync_reports(&mut refreshed, &imported);
        assert_eq!(refreshed, read());
    }

    #[test]
    fn planned_reports_stay_unless_the_plan_left_them_unknown() {
        let mut planned = Value::object([
            ("state", Value::string("FINISHED_SUCCESS")),
            ("sync_status", Value::string("success")),
            ("last_sync", Value::Unknown),
        ]);
        planned.set("total_assets", Value::int(7));
        let mut state = Value::object([
            ("state", Value::string("QUEUED")),
            ("sync_status", Value::string("running")),
            ("last_sync", Value::string("2026-01-30T06:29:04Z")),
            ("total_assets", Value::int(9)),
        ]);
        keep_planned_reports(&mut state, &planned);
        assert_eq!(state.get("state"), &Value::string("FINISHED_SUCCESS"));
        assert_eq!(state.get("sync_status"), &Value::string("success"));
        assert_eq!(state.get("total_assets"), &Value::int(7));
        // Unknown in the plan: what Qualys answered stays.
        assert_eq!(
            state.get("last_sync"),
            &Value::string("2026-01-30T06:29:04Z")
        );

        let mut gone = Value::Null;
        keep_planned_reports(&mut gone, &planned);
        assert_eq!(gone, Value::Null, "a deleted connector stays deleted");
    }
}
