//! The resource's state for a connector Qualys reported, and the read that reports it: the
//! connector's flatten plus what only the resource keeps (the configured `is_portal_connector`,
//! `timeouts`, and whether an empty region list is written as null or as an empty set).

use std::collections::BTreeMap;

use crate::connector::Api;
use crate::connector::model::Connector;
use crate::plugin::value::Value;
use crate::qualys::{self, Client, cloudview, qps};

use super::schema::schema;

/// How a read may be answered.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// A refresh: from the listing this process took for the refresh, or batched with the
    /// reads arriving with it (see the client's `refresh` module).
    Refresh,
    /// Right after a change this process made, or while waiting for one (sync polls): a
    /// `get` of its own.
    Fresh,
}

/// Reads the connector and maps it to state; `like` (prior or planned state) decides how an
/// empty region list is written (null or empty set), so neither shows as a change.
pub(super) async fn read_remote(
    client: &Client,
    api: Api,
    id: &str,
    like: &Value,
    reading: Reading,
) -> Result<Value, qualys::Error> {
    match api.qps_version() {
        Some(version) => {
            let n: u64 = id.parse().map_err(|_| qualys::Error::NotFound {
                what: format!("QPS connector {id:?}"),
            })?;
            let qps = client.qps(version);
            let c = match reading {
                Reading::Refresh => qps.read(n).await?,
                Reading::Fresh => qps.get(n).await?,
            };
            Ok(state_from_qps(&c, api, like))
        }
        None => {
            let cloudview = client.cloudview();
            let c = match reading {
                Reading::Refresh => cloudview.read(id).await?,
                Reading::Fresh => cloudview.get(id).await?,
            };
            Ok(state_from_cloudview(&c, like))
        }
    }
}

pub(super) fn empty_state() -> BTreeMap<String, Value> {
    schema()
        .block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect()
}

/// State for `connector`; `like` (prior or planned state) decides what only the configuration
/// knows, so that neither shows as a change.
pub(super) fn to_state(connector: &Connector, like: &Value) -> Value {
    fit(raw_state(connector), connector.api, like)
}

/// What Qualys reported, null where it reported nothing.
fn raw_state(connector: &Connector) -> BTreeMap<String, Value> {
    let mut state = empty_state();
    state.extend(connector.attributes());
    state
}

/// Writes what only the configuration knows as `like` has it.
fn fit(mut state: BTreeMap<String, Value>, api: Api, like: &Value) -> Value {
    for name in [
        "cspm_regions",
        "inventory_regions",
        "connector_apps",
        "activation_modules",
        "default_tag_ids",
    ] {
        if state.get(name).is_some_and(Value::is_null) && like.get(name).elements().is_some() {
            state.insert(name.to_string(), Value::Set(Vec::new()));
        }
    }
    // CloudView takes isPortalConnector on create and update but answers whether a portal
    // connector is linked (seed 000 sends true and reads back false): the configured value
    // stays in state, and Qualys's answer is used only when there is none (import).
    if api == Api::CloudView
        && let Value::Bool(configured) = like.get("is_portal_connector")
    {
        state.insert("is_portal_connector".into(), Value::Bool(*configured));
    }
    for name in ["timeouts", "wait_for_sync"] {
        state.insert(name.into(), like.get(name).clone());
    }
    Value::Object(state)
}

pub(super) fn state_from_qps(c: &qps::Connector, api: Api, like: &Value) -> Value {
    to_state(&Connector::from_qps(c, api), like)
}

pub(super) fn state_from_cloudview(c: &cloudview::Connector, like: &Value) -> Value {
    to_state(&Connector::from_cloudview(c), like)
}

/// The state after a QPS create or update, from Qualys's answer without a read of its own.
/// A whole answer (one with the connector's name, ARN and external ID, as a `get` answers)
/// is the state, as a read would make it. A partial one (the seed's create answers lack
/// fields; by the API contract, update answers carry the id only) gives what it reports; for
/// the rest, the planned value when the plan knows it (the configuration, which Qualys
/// accepted as sent), else the `prior` state's value (what Qualys last reported; null on
/// create).
pub(super) fn state_after_qps_write(
    answer: &qps::Connector,
    api: Api,
    planned: &Value,
    prior: &Value,
) -> Value {
    if answer.require_identity("write", false).is_ok() {
        return state_from_qps(answer, api, planned);
    }
    let reported = Connector::reported_by_qps(answer);
    let mut state = raw_state(&Connector::from_qps(answer, api));
    for (name, value) in state.iter_mut() {
        if matches!(name.as_str(), "id" | "api") || reported.contains(&name.as_str()) {
            continue;
        }
        *value = match planned.get(name) {
            known if known.is_wholly_known() => known.clone(),
            _ => prior.get(name).clone(),
        };
        if !value.is_wholly_known() {
            *value = Value::Null;
        }
    }
    fit(state, api, planned)
}

/// A new connector's state lacks the Qualys AWS account its role trusts when the create answer
/// did not say: it is the subscription's base account for the role's partition, which the
/// client asks once per process. If that fails, the value stays null until the next refresh.
pub(super) async fn with_base_account(client: &Client, mut state: Value) -> Value {
    if !state.get("qualys_aws_account_id").is_null() {
        return state;
    }
    let Some(partition) = state
        .get("arn")
        .as_str()
        .and_then(|arn| arn.split(':').nth(1))
        .map(str::to_owned)
    else {
        return state;
    };
    match client.base_accounts().await {
        Ok(accounts) => {
            if let Some(account) = accounts.trusted_by(&partition) {
                state.set("qualys_aws_account_id", Value::string(account));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "no base accounts; qualys_aws_account_id stays unknown until the next refresh");
        }
    }
    state
}
