//! ApplyResourceChange: routes a change to create, update or delete, and what every write
//! ends with (CloudView's enable/disable, the sync with `wait_for_sync`, the planned reports).

use std::time::{Duration, Instant};

use crate::connector::expand::Desired;
use crate::plugin::api::{ApplyRequest, ApplyResponse};
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::{self, Client};

use super::*;

pub(super) fn api_error(summary: &str, e: &qualys::Error) -> Diagnostic {
    Diagnostic::error(summary, format!("{e}."))
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

/// The client bounded by the resource's `timeouts.<operation>` (default 20 minutes).
pub(super) fn bounded(client: &Client, state: &Value, operation: &str) -> Client {
    client.with_deadline(Instant::now() + timeout_of(state, operation))
}

pub(super) fn timeout_of(state: &Value, operation: &str) -> Duration {
    parse_timeout(state.get("timeouts").get(operation))
        .and_then(Result::ok)
        .unwrap_or(OPERATION_TIMEOUT)
}

/// An API error as a diagnostic; a timeout says which `timeouts` field bounded it.
pub(super) fn operation_error(
    summary: &str,
    e: &qualys::Error,
    operation: &str,
    state: &Value,
) -> Diagnostic {
    match e {
        qualys::Error::Timeout(_) => Diagnostic::error(
            summary,
            format!(
                "The {operation} did not finish within {} (timeouts.{operation}): {e}. Raise \
                 timeouts.{operation} if Qualys is slow or throttling.",
                humantime::format_duration(timeout_of(state, operation))
            ),
        ),
        _ if matches!(operation, "create" | "update") && !unlisted_codes(state).is_empty() => {
            Diagnostic::error(
                summary,
                format!(
                    "{e}.\n\nThe configuration names {} in its regions, which this provider's \
                     supported list does not include (the plan warned): Qualys decides, and \
                     if the refusal above is about a region, Qualys does not support it for \
                     this connector yet. Remove it from cspm_regions and inventory_regions, or \
                     ask Qualys support. Nothing was changed in Qualys.",
                    unlisted_codes(state)
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }
        _ => api_error(summary, e),
    }
}

pub async fn apply(client: &Client, request: ApplyRequest) -> ApplyResponse {
    let mut response = apply_change(client, request).await;
    // Derived from what the state ends up saying, however Qualys's answer filled it in.
    if matches!(response.new_state, Value::Object(_)) {
        let principal = planned_trust_principal(&response.new_state);
        if principal.is_wholly_known() {
            response.new_state.set("trust_principal", principal);
        }
    }
    response
}

async fn apply_change(client: &Client, request: ApplyRequest) -> ApplyResponse {
    if request.planned_state.is_null() {
        let client = bounded(client, &request.prior_state, "delete");
        return delete(&client, request.prior_state).await;
    }
    let desired = match Desired::from_planned(&request.planned_state) {
        Ok(d) => d,
        Err(d) => {
            return ApplyResponse {
                new_state: request.prior_state,
                diagnostics: d.into(),
                ..Default::default()
            };
        }
    };
    if request.prior_state.is_null() {
        let client = bounded(client, &request.planned_state, "create");
        create(&client, &desired, request.planned_state).await
    } else if !differs_beyond_state(&request.planned_state, &request.prior_state) {
        // Nothing Qualys holds changed (`timeouts`, `wait_for_sync`, or a sync to check again
        // after a failed one): nothing to send but, with `wait_for_sync`, the sync.
        let client = bounded(client, &request.planned_state, "update");
        let mut state = request.prior_state.clone();
        for name in ["timeouts", "wait_for_sync"] {
            state.set(name, request.planned_state.get(name).clone());
        }
        if !needs_sync(Some(&request.prior_state), &request.planned_state) {
            return ApplyResponse {
                new_state: request.planned_state,
                ..Default::default()
            };
        }
        match await_sync(&client, state, &request.planned_state).await {
            Ok(state) => ApplyResponse {
                new_state: state,
                ..Default::default()
            },
            Err((state, d)) => ApplyResponse {
                new_state: state,
                diagnostics: d.into(),
                ..Default::default()
            },
        }
    } else {
        let client = bounded(client, &request.planned_state, "update");
        update(
            &client,
            &desired,
            request.prior_state,
            request.planned_state,
        )
        .await
    }
}

pub(super) fn parse_qps_id(id: &str) -> Result<u64, Diagnostic> {
    id.parse().map_err(|_| {
        Diagnostic::error(
            "Invalid connector id in state",
            format!("{id:?} is not a QPS connector id (a number)."),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_timeouts(timeouts: Value) -> Value {
        Value::object([("timeouts", timeouts)])
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

    #[test]
    fn an_operation_is_bounded_by_its_timeout_else_twenty_minutes() {
        let state = with_timeouts(Value::object([
            ("create", Value::string("45m")),
            ("update", Value::string("not a duration")),
        ]));
        assert_eq!(timeout_of(&state, "create"), Duration::from_secs(45 * 60));
        assert_eq!(timeout_of(&state, "update"), OPERATION_TIMEOUT);
        assert_eq!(timeout_of(&state, "delete"), OPERATION_TIMEOUT);
        assert_eq!(
            timeout_of(&Value::Null, "read"),
            Duration::from_secs(20 * 60)
        );
    }

    #[test]
    fn a_timeout_names_the_timeouts_field_that_bounded_it() {
        let state = with_timeouts(Value::object([("delete", Value::string("5m"))]));
        let e = qualys::Error::Timeout(Duration::from_secs(300));
        let d = operation_error("Could not delete", &e, "delete", &state);
        assert_eq!(d.summary, "Could not delete");
        assert!(
            d.detail.contains("within 5m (timeouts.delete)"),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("Raise timeouts.delete"), "{}", d.detail);
    }

    #[test]
    fn a_refused_write_with_unlisted_regions_says_qualys_decides() {
        let planned = Value::object([
            ("arn", Value::string("arn:aws:iam::123456789012:role/Q")),
            (
                "cspm_regions",
                Value::Set(vec![
                    Value::string("us-east-1"),
                    Value::string("eu-central-2"),
                ]),
            ),
        ]);
        let e = qualys::Error::InvalidRequest {
            message: "region not supported".into(),
            resolution: None,
        };
        let d = operation_error("Could not create", &e, "create", &planned);
        assert!(d.detail.starts_with(&format!("{e}.")), "{}", d.detail);
        assert!(
            d.detail.contains("names \"eu-central-2\" in its regions"),
            "{}",
            d.detail
        );
        // A delete is not about the regions: Qualys's answer alone.
        let d = operation_error("Could not delete", &e, "delete", &planned);
        assert_eq!(d.detail, format!("{e}."));
    }

    #[test]
    fn a_qps_id_in_state_is_a_number() {
        assert_eq!(parse_qps_id("2064449"), Ok(2064449));
        let d = parse_qps_id("8889b18b-6f92-43d3-8afd-6d9d144177e8").unwrap_err();
        assert_eq!(d.summary, "Invalid connector id in state");
        assert!(d.detail.contains("not a QPS connector id"), "{}", d.detail);
    }
}
