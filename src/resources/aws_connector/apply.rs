//! ApplyResourceChange: routes a change to create, update or delete, or, when nothing Qualys
//! holds changed, to the sync alone; what a write ends with is the sync module's.

use crate::connector::expand::Desired;
use crate::plugin::api::{ApplyRequest, ApplyResponse};
use crate::plugin::value::Value;
use crate::qualys::Client;

use super::create::create;
use super::delete::delete;
use super::exists::Found;
use super::operation::bounded;
use super::plan::{differs_beyond_state, planned_trust_principal};
use super::sync::{await_sync, needs_sync};
use super::update::update;

/// `found`: the connectors the checks before creates found so far (see [`Found`]).
pub async fn apply(client: &Client, found: &Found, request: ApplyRequest) -> ApplyResponse {
    let mut response = apply_change(client, found, request).await;
    // Derived from what the state ends up saying, however Qualys's answer filled it in.
    if matches!(response.new_state, Value::Object(_)) {
        let principal = planned_trust_principal(&response.new_state);
        if principal.is_wholly_known() {
            response.new_state.set("trust_principal", principal);
        }
    }
    response
}

async fn apply_change(client: &Client, found: &Found, request: ApplyRequest) -> ApplyResponse {
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
        create(&client, &desired, request.planned_state, found).await
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
