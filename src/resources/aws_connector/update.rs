//! Update: the change sent through the API that manages the connector, or a move from
//! CloudView ([`super::api_move`]); an update refused because another API made the connector
//! says which one owns it.

use crate::connector::Api;
use crate::connector::expand::Desired;
use crate::plugin::api::ApplyResponse;
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::{self, Client};

use super::api_move::{ApiMove, api_move, move_from_cloudview};
use super::operation::{operation_error, parse_qps_id};
use super::state::{state_after_qps_write, state_from_cloudview};
use super::sync::finish;

/// Updates the connector; like create, the state is Qualys's answer completed from the plan
/// and, for what only Qualys decides, the prior state: no read of its own.
pub(super) async fn update(
    client: &Client,
    desired: &Desired,
    prior: Value,
    planned: Value,
) -> ApplyResponse {
    let Some(id) = prior.get("id").as_str().map(str::to_string) else {
        return ApplyResponse {
            new_state: prior,
            diagnostics: Diagnostic::error(
                "The state has no connector id",
                "Import the connector again.",
            )
            .into(),
            ..Default::default()
        };
    };
    if api_move(&prior, &planned) == ApiMove::CloudViewToQps {
        return move_from_cloudview(client, desired, &id, prior, planned).await;
    }
    let updated = match desired.api.qps_version() {
        Some(version) => {
            let n = match parse_qps_id(&id) {
                Ok(n) => n,
                Err(d) => {
                    return ApplyResponse {
                        new_state: prior,
                        diagnostics: d.into(),
                        ..Default::default()
                    };
                }
            };
            client
                .qps(version)
                .update(n, &desired.qps_spec(Some(&prior)))
                .await
                .map(|c| state_after_qps_write(&c, desired.api, &planned, &prior))
        }
        None => client
            .cloudview()
            .update(&id, &desired.cloudview_spec())
            .await
            .map(|c| state_from_cloudview(&c, &planned)),
    };
    match updated {
        Ok(state) => {
            client
                .note_saved(desired.api.family(), &id, &desired.name, &desired.arn)
                .await;
            finish(
                client,
                desired,
                state,
                Some(&prior),
                &planned,
                Diagnostics::default(),
            )
            .await
        }
        Err(qualys::Error::WrongApi { message }) => ApplyResponse {
            diagnostics: wrong_api(desired.api, &prior, &message).into(),
            new_state: prior,
            ..Default::default()
        },
        // The update may not have happened: the prior state is the best knowledge, and the
        // next refresh reads what Qualys has.
        Err(e) => ApplyResponse {
            new_state: prior,
            diagnostics: operation_error(
                "Could not update the Qualys connector",
                &e,
                "update",
                &planned,
            )
            .into(),
            ..Default::default()
        },
    }
}

/// An update refused because another API made the connector: say which one owns it and how to
/// move the resource to it.
fn wrong_api(api: Api, prior: &Value, message: &str) -> Diagnostic {
    let how = match api {
        // Merged into the Connector app: the in-place move finds it under its QPS id.
        Api::CloudView => "Qualys has merged it into the Connector app: set api = \"v3\" (or \
                           \"v2\") and apply; the provider finds the same connector under its \
                           QPS id and keeps it in the state (nothing is created or deleted)."
            .to_string(),
        Api::V3 | Api::V2 => format!(
            "It was made with CloudView and is not merged into the Connector app: manage it \
             with api = \"cloudview\" (remove it from this resource's state with `terraform \
             state rm ADDRESS`, ADDRESS as shown above, set api = \"cloudview\", and import it \
             again with the ID cloudview:{}).",
            prior.get("cloudview_uuid").as_str().unwrap_or("<its UUID>")
        ),
    };
    let owner = match api {
        Api::CloudView => "the Connector app's QPS API",
        Api::V3 | Api::V2 => "CloudView",
    };
    Diagnostic::error(
        format!("This connector can only be changed through {owner}"),
        format!(
            "Qualys refused the update through {}: {message}. Only the API that made a connector \
             changes it, until CloudView connectors are merged into the Connector app. {how}",
            api.as_str()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloudview_update_refused_says_to_move_to_qps_in_place() {
        let d = wrong_api(Api::CloudView, &Value::Null, "CONNECTOR_NOT_MERGED");
        assert_eq!(
            d.summary,
            "This connector can only be changed through the Connector app's QPS API"
        );
        assert!(
            d.detail
                .starts_with("Qualys refused the update through cloudview: CONNECTOR_NOT_MERGED."),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("set api = \"v3\""), "{}", d.detail);
    }

    #[test]
    fn a_qps_update_refused_says_to_import_it_through_cloudview() {
        let uuid = "8889b18b-6f92-43d3-8afd-6d9d144177e8";
        let prior = Value::object([("cloudview_uuid", Value::string(uuid))]);
        let d = wrong_api(Api::V2, &prior, "only connectors it created");
        assert_eq!(
            d.summary,
            "This connector can only be changed through CloudView"
        );
        assert!(
            d.detail.contains("through v2: only connectors it created."),
            "{}",
            d.detail
        );
        assert!(
            d.detail.contains(&format!("with the ID cloudview:{uuid}")),
            "{}",
            d.detail
        );
        let d = wrong_api(Api::V3, &Value::Null, "refused");
        assert!(d.detail.contains("cloudview:<its UUID>"), "{}", d.detail);
    }
}
