//! UpgradeResourceState: a state written by an older provider gains the attributes added since,
//! with the values a refresh would read, so that the first `plan -refresh-only` after an
//! upgrade reports no drift when nothing changed in Qualys.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::connector::{Api, api_of};
use crate::plugin::diag::Diagnostics;
use crate::plugin::value::Value;
use crate::qualys::{Client, SyncStatus};

use super::operation::bounded;
use super::plan::planned_trust_principal;
use super::schema::SCHEMA_VERSION;
use super::state::{Reading, read_remote};

/// Attributes version 0 states may lack, in the order they are filled.
const ADDED_IN_1: [&str; 3] = ["sync_status", "cloudview_uuid", "attached_to_org_connector"];

/// How long a read made for an upgrade answers the refresh read that follows it (Terraform
/// reads each connector right after upgrading its state, in the same process).
const KEPT_FOR: Duration = Duration::from_secs(60);

/// Connectors read while their state was upgraded, by `<api>:<id>`: the ReadResource that
/// follows takes its answer from here, so completing an old state costs no call of its own.
#[derive(Default)]
pub struct UpgradeReads(Mutex<HashMap<String, (Instant, Value)>>);

impl UpgradeReads {
    fn keep(&self, key: String, state: Value) {
        if let Ok(mut kept) = self.0.lock() {
            kept.retain(|_, (at, _)| at.elapsed() < KEPT_FOR);
            kept.insert(key, (Instant::now(), state));
        }
    }

    /// The state read for `key` while upgrading, if it is recent; taken once.
    pub(super) fn take(&self, key: &str) -> Option<Value> {
        let mut kept = self.0.lock().ok()?;
        kept.remove(key)
            .filter(|(at, _)| at.elapsed() < KEPT_FOR)
            .map(|(_, state)| state)
    }
}

pub(super) fn read_key(api: Api, id: &str) -> String {
    format!("{}:{id}", api.as_str())
}

/// What can be filled without asking Qualys: the verdict of the stored `state`, and CloudView's
/// UUID, which is its id.
fn fill_offline(state: &mut Value) {
    if state.get("sync_status").is_null() {
        let verdict = SyncStatus::of_state(state.get("state").as_str());
        state.set("sync_status", Value::string(verdict.as_str()));
    }
    if api_of(state) == Some(Api::CloudView) && state.get("cloudview_uuid").is_null() {
        let id = state.get("id").clone();
        state.set("cloudview_uuid", id);
    }
    if state.get("trust_principal").is_null() {
        let principal = planned_trust_principal(state);
        if principal.is_wholly_known() {
            state.set("trust_principal", principal);
        }
    }
}

/// Whether an added attribute is still missing that Qualys reports: CloudView reports no
/// `attached_to_org_connector`, so only QPS connectors are read.
fn lacks_reported(state: &Value) -> bool {
    api_of(state).and_then(Api::qps_version).is_some()
        && ADDED_IN_1.iter().any(|name| state.get(name).is_null())
}

/// Upgrades `state`, stored with schema `version`: what needs no read is filled whatever the
/// version (a refresh would write it anyway). A version-0 QPS state that lacks what only
/// Qualys reports is completed from a read, answered from the same listing the refresh that
/// follows reads (so it costs no call of its own in a plan); without a configured `client`, or
/// if the read fails, those stay null and the refresh fills them. The read is kept in `reads`
/// for the refresh that follows.
pub async fn upgrade(
    client: Option<&Client>,
    reads: &UpgradeReads,
    version: i64,
    state: Value,
) -> (Value, Diagnostics) {
    if state.is_null() {
        return (state, Diagnostics::default());
    }
    let mut state = state;
    fill_offline(&mut state);
    if let (Some(client), true) = (client, version < SCHEMA_VERSION && lacks_reported(&state))
        && let (Some(api), Some(id)) =
            (api_of(&state), state.get("id").as_str().map(str::to_string))
    {
        let client = bounded(client, &state, "read");
        match read_remote(&client, api, &id, &state, Reading::Refresh).await {
            Ok(read) => {
                for name in ADDED_IN_1 {
                    if state.get(name).is_null() {
                        state.set(name, read.get(name).clone());
                    }
                }
                reads.keep(read_key(api, &id), read);
            }
            Err(e) => {
                tracing::info!(id = %id, error = %e, "upgrading the state without Qualys's answer; the refresh fills it");
            }
        }
    }
    (state, Diagnostics::default())
}

#[cfg(test)]
mod tests {
    use super::super::state::empty_state;
    use super::*;

    #[test]
    fn a_kept_read_answers_once() {
        let reads = UpgradeReads::default();
        reads.keep(read_key(Api::V3, "7"), Value::string("read"));
        assert_eq!(reads.take("v3:7"), Some(Value::string("read")));
        assert_eq!(reads.take("v3:7"), None);
        assert_eq!(reads.take("v2:7"), None);
    }

    fn stored(api: &str, state: Option<&str>) -> Value {
        let mut s = Value::Object(empty_state());
        s.set("id", Value::string("2000001"));
        s.set("api", Value::string(api));
        if let Some(state_text) = state {
            s.set("state", Value::string(state_text));
        }
        s
    }

    #[tokio::test]
    async fn version_0_states_gain_what_needs_no_read() {
        let reads = UpgradeReads::default();
        let (s, d) = upgrade(None, &reads, 0, stored("v3", Some("FINISHED_SUCCESS"))).await;
        assert!(d.is_empty());
        assert_eq!(s.get("sync_status"), &Value::string("success"));
        // Only Qualys knows these for a QPS connector: left to the refresh without a client.
        assert!(s.get("cloudview_uuid").is_null());

        let (s, _) = upgrade(
            None,
            &reads,
            0,
            stored("cloudview", Some("Completed successfully")),
        )
        .await;
        assert_eq!(s.get("cloudview_uuid"), &Value::string("2000001"));
        assert_eq!(s.get("sync_status"), &Value::string("success"));

        let (s, _) = upgrade(None, &reads, 0, stored("v2", None)).await;
        assert_eq!(s.get("sync_status"), &Value::string("unknown"));
    }

    #[tokio::test]
    async fn current_states_are_left_as_stored() {
        let mut s = stored("v3", Some("PENDING"));
        s.set("sync_status", Value::string("pending"));
        let reads = UpgradeReads::default();
        let (upgraded, _) = upgrade(None, &reads, SCHEMA_VERSION, s.clone()).await;
        assert_eq!(upgraded, s);
    }
}
