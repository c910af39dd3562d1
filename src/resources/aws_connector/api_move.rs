//! A change of `api`: what it does to the connector (nothing between v2 and v3, a replacement
//! to CloudView), and the in-place move of a CloudView-made connector to a QPS API.

use crate::connector::expand::Desired;
use crate::connector::validators::parse_role_arn;
use crate::connector::{Api, api_of};
use crate::plugin::api::ApplyResponse;
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::{self, Client, qps};

use super::state::{state_after_qps_write, state_from_qps};
use super::sync::finish;

/// What a change of `api` from `prior` to `planned` does to the connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ApiMove {
    /// The same API, or the other QPS version: both reach the same QPS object under the same
    /// id, so nothing is sent to Qualys.
    Stay,
    /// From CloudView to a QPS version: the same connector, once Qualys merged it into the
    /// Connector app, under its QPS id (found by its CloudView UUID at apply).
    CloudViewToQps,
    /// From a QPS version to CloudView: CloudView cannot change a connector made in the
    /// Connector app, so this replaces it.
    QpsToCloudView,
}

pub(super) fn api_move(prior: &Value, planned: &Value) -> ApiMove {
    match (api_of(prior), api_of(planned)) {
        (Some(Api::CloudView), Some(Api::V3 | Api::V2)) => ApiMove::CloudViewToQps,
        (Some(Api::V3 | Api::V2), Some(Api::CloudView)) => ApiMove::QpsToCloudView,
        _ => ApiMove::Stay,
    }
}

/// The AWS account whose QPS connectors a move searches: the state's, else the role's.
fn account_to_search(prior: &Value, arn: &str) -> String {
    prior
        .get("aws_account_id")
        .as_str()
        .map(str::to_string)
        .or_else(|| parse_role_arn(arn).ok().map(|r| r.account_id.to_string()))
        .unwrap_or_default()
}

/// The QPS connector that is CloudView connector `uuid`, whatever the case of its UUID.
fn twin_of(found: Vec<qps::Connector>, uuid: &str) -> Option<qps::Connector> {
    found.into_iter().find(|c| {
        c.cloudview_uuid
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(uuid))
    })
}

/// Moves a CloudView-made connector that Qualys merged into the Connector app to a QPS API, in
/// place: the connector is found under its QPS id by its CloudView UUID (`uuid`, the prior id),
/// among the QPS connectors of its AWS account (one search), then updated through QPS to what
/// the configuration says, which Qualys refuses while the connector is not merged. Nothing is
/// created or deleted; the state's id becomes the QPS id.
pub(super) async fn move_from_cloudview(
    client: &Client,
    desired: &Desired,
    uuid: &str,
    prior: Value,
    planned: Value,
) -> ApplyResponse {
    let failed = |prior: Value, summary: &str, detail: String| ApplyResponse {
        new_state: prior,
        diagnostics: Diagnostic::error(summary, detail).into(),
        ..Default::default()
    };
    let Some(version) = desired.api.qps_version() else {
        return failed(
            prior,
            "Provider bug: a move from CloudView to CloudView",
            "Please report this.".into(),
        );
    };
    let account = account_to_search(&prior, &desired.arn);
    let qps = client.qps(version);
    let found = qps
        .search_all(&[qps::Criterion::equals(
            qps::SearchField::AwsAccountId,
            account.clone(),
        )])
        .await;
    let twin = match found {
        Ok(all) => twin_of(all, uuid),
        Err(e) => {
            return failed(
                prior,
                "Could not find the connector in the Connector app",
                format!(
                    "Moving CloudView connector {uuid} to api = \"{}\" looks it up among the \
                     QPS connectors of AWS account {account}; the search failed, so nothing \
                     changed: {e}.",
                    desired.api.as_str()
                ),
            );
        }
    };
    let Some(twin) = twin else {
        return failed(
            prior,
            "The CloudView connector is not in the Connector app yet",
            format!(
                "No QPS connector of AWS account {account} has CloudView UUID {uuid}, so \
                 Qualys has not merged this connector into the Connector app yet and the QPS \
                 APIs cannot manage it. Nothing changed: keep api = \"cloudview\" until Qualys \
                 merges it, then set api = \"{}\" again.",
                desired.api.as_str()
            ),
        );
    };
    let twin_state = state_from_qps(&twin, desired.api, &planned);
    let answer = qps
        .update(twin.id, &desired.qps_spec(Some(&twin_state)))
        .await;
    match answer {
        Ok(answer) => {
            let id = twin.id.to_string();
            tracing::info!(uuid, id = %id, "moved connector from CloudView to QPS");
            client
                .note_saved(desired.api.family(), &id, &desired.name, &desired.arn)
                .await;
            let state = state_after_qps_write(&answer, desired.api, &planned, &twin_state);
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
        Err(qualys::Error::WrongApi { message }) => failed(
            prior,
            "The CloudView connector is not merged into the Connector app yet",
            format!(
                "Its QPS id is {}, but Qualys refused the update through QPS: {message}. \
                 Nothing changed: keep api = \"cloudview\" until Qualys merges it, then set \
                 api = \"{}\" again.",
                twin.id,
                desired.api.as_str()
            ),
        ),
        Err(e) => failed(
            prior,
            "Could not update the Qualys connector",
            format!(
                "Moving CloudView connector {uuid} to api = \"{}\" (QPS id {}) failed, so \
                 nothing changed: {e}.",
                desired.api.as_str(),
                twin.id
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_api(api: &str) -> Value {
        Value::object([("api", Value::string(api))])
    }

    #[test]
    fn between_qps_versions_nothing_moves() {
        assert_eq!(api_move(&with_api("v2"), &with_api("v3")), ApiMove::Stay);
        assert_eq!(api_move(&with_api("v3"), &with_api("v3")), ApiMove::Stay);
        // A left-out api is v3.
        let left_out = Value::object([("api", Value::Null)]);
        assert_eq!(api_move(&left_out, &with_api("v2")), ApiMove::Stay);
    }

    #[test]
    fn from_cloudview_moves_in_place_and_to_cloudview_replaces() {
        assert_eq!(
            api_move(&with_api("cloudview"), &with_api("v2")),
            ApiMove::CloudViewToQps
        );
        assert_eq!(
            api_move(&with_api("v3"), &with_api("cloudview")),
            ApiMove::QpsToCloudView
        );
        let unknown = Value::object([("api", Value::Unknown)]);
        assert_eq!(api_move(&with_api("cloudview"), &unknown), ApiMove::Stay);
    }

    #[test]
    fn the_search_is_in_the_states_account_else_the_roles() {
        let arn = "arn:aws:iam::123456789012:role/Q";
        let prior = Value::object([("aws_account_id", Value::string("210987654321"))]);
        assert_eq!(account_to_search(&prior, arn), "210987654321");
        let prior = Value::object([("aws_account_id", Value::Null)]);
        assert_eq!(account_to_search(&prior, arn), "123456789012");
        assert_eq!(account_to_search(&prior, "not an arn"), "");
    }

    #[test]
    fn the_twin_is_found_by_its_cloudview_uuid_in_any_case() {
        let uuid = "8889b18b-6f92-43d3-8afd-6d9d144177e8";
        let connector = |id: u64, cloudview_uuid: Option<&str>| qps::Connector {
            id,
            cloudview_uuid: cloudview_uuid.map(str::to_string),
            ..Default::default()
        };
        let found = vec![
            connector(1, None),
            connector(2, Some("00000000-0000-0000-0000-000000000000")),
            connector(3, Some(&uuid.to_uppercase())),
        ];
        assert_eq!(twin_of(found.clone(), uuid).map(|c| c.id), Some(3));
        assert_eq!(twin_of(found[..2].to_vec(), uuid), None);
    }
}
