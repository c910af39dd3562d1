//! What every operation on Qualys shares: the client bounded by the resource's `timeouts`, an
//! API error as a diagnostic that names the timeout that bounded it, and a state's QPS id.

use std::time::{Duration, Instant};

use crate::plugin::diag::Diagnostic;
use crate::plugin::value::Value;
use crate::qualys::{self, Client};
use crate::settings::DEFAULT_OPERATION_TIMEOUT;

use super::validate::{parse_timeout, unlisted_codes};

pub(super) fn api_error(summary: &str, e: &qualys::Error) -> Diagnostic {
    Diagnostic::error(summary, format!("{e}."))
}

/// The client bounded by the resource's `timeouts.<operation>` (default 20 minutes).
pub(super) fn bounded(client: &Client, state: &Value, operation: &str) -> Client {
    client.with_deadline(Instant::now() + timeout_of(state, operation))
}

pub(super) fn timeout_of(state: &Value, operation: &str) -> Duration {
    parse_timeout(state.get("timeouts").get(operation))
        .and_then(Result::ok)
        .unwrap_or(DEFAULT_OPERATION_TIMEOUT)
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
    fn an_operation_is_bounded_by_its_timeout_else_twenty_minutes() {
        let state = with_timeouts(Value::object([
            ("create", Value::string("45m")),
            ("update", Value::string("not a duration")),
        ]));
        assert_eq!(timeout_of(&state, "create"), Duration::from_secs(45 * 60));
        assert_eq!(timeout_of(&state, "update"), DEFAULT_OPERATION_TIMEOUT);
        assert_eq!(timeout_of(&state, "delete"), DEFAULT_OPERATION_TIMEOUT);
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
