//! The resource's state for a connector Qualys reported: the shared [`model`] plus what only
//! the resource keeps (the configured `is_portal_connector`, `timeouts`, and whether an empty
//! region list is written as null or as an empty set).

use crate::plugin::value::Value;
use crate::qualys::{cloudview, qps};

use super::model::Connector;
use super::*;

/// State for `connector`; `like` (prior or planned state) decides what only the configuration
/// knows, so that neither shows as a change.
pub(super) fn to_state(connector: &Connector, like: &Value) -> Value {
    let mut state = empty_state();
    state.extend(connector.attributes());
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
    if connector.api == Api::CloudView
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
