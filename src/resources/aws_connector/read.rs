//! ReadResource and ImportResourceState.

use crate::connector::import_id::ImportId;
use crate::connector::{Api, api_of};
use crate::plugin::api::{ImportResponse, ImportedResource, ReadRequest, ReadResponse};
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::Client;

use super::operation::{api_error, bounded};
use super::schema::TYPE_NAME;
use super::state::{Reading, empty_state, read_remote};
use super::sync::hold_sync_reports;
use super::upgrade::{UpgradeReads, read_key};

/// Reads the connector for a refresh; `upgraded` may hold it already, read moments ago to
/// complete a state an older provider wrote.
pub async fn read(client: &Client, upgraded: &UpgradeReads, request: ReadRequest) -> ReadResponse {
    let current = request.current_state;
    let (Some(api), Some(id)) = (api_of(&current), current.get("id").as_str()) else {
        return ReadResponse {
            new_state: current,
            private: request.private,
            diagnostics: Diagnostic::error(
                "The state has no connector id or api",
                "Import the connector again.",
            )
            .into(),
        };
    };
    let id = id.to_string();
    if let Some(mut state) = upgraded.take(&read_key(api, &id)) {
        hold_sync_reports(&mut state, &current);
        return ReadResponse {
            new_state: state,
            private: request.private,
            diagnostics: Diagnostics::default(),
        };
    }
    let client = bounded(client, &current, "read");
    match read_remote(&client, api, &id, &current, Reading::Refresh).await {
        Ok(mut state) => {
            hold_sync_reports(&mut state, &current);
            ReadResponse {
                new_state: state,
                private: request.private,
                diagnostics: Diagnostics::default(),
            }
        }
        // An import's state holds only the id and api: nothing to recreate, so the import
        // fails with what was looked up where, instead of Terraform's generic message.
        Err(e) if e.is_not_found() && current.get("name").is_null() => ReadResponse {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: import_not_found(&api_url(&client, api), api, &id).into(),
        },
        Err(e) if e.is_not_found() => ReadResponse {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: Diagnostic::warning(
                "Qualys connector not found",
                format!(
                    "Qualys no longer finds {} connector {id} (\"{}\"), so it was removed from the \
                     state and the plan creates it again. Qualys answers the same way for a \
                     connector outside your user's scope: if it still exists and your user lost \
                     access to it, do not apply; restore the user's scope and plan again.",
                    api.as_str(),
                    current.get("name").as_str().unwrap_or_default()
                ),
            )
            .into(),
        },
        Err(e) => ReadResponse {
            new_state: current,
            private: request.private,
            diagnostics: api_error("Could not read the Qualys connector", &e).into(),
        },
    }
}

/// The URL of the API that manages `api`'s connectors.
fn api_url(client: &Client, api: Api) -> String {
    let (base, path) = match api {
        Api::V3 => (client.api_url(), "/qps/rest/3.0/"),
        Api::V2 => (client.api_url(), "/qps/rest/2.0/"),
        Api::CloudView => (
            client.cloudview_url(),
            "/cloudview-api/rest/v1/aws/connectors",
        ),
    };
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

/// An import of a connector Qualys does not find: what was looked up, where, and that a
/// connector outside the user's scope looks the same.
fn import_not_found(url: &str, api: Api, id: &str) -> Diagnostic {
    let (family, kind) = match api {
        Api::V3 => ("Connector QPS v3", "QPS connector"),
        Api::V2 => ("Connector QPS v2", "QPS connector"),
        Api::CloudView => ("CloudView v1", "CloudView connector"),
    };
    let import_id = ImportId {
        api,
        id: id.to_string(),
    };
    Diagnostic::error(
        format!("No Qualys connector {import_id}"),
        format!(
            "The import looked up {kind} {id:?} (import ID \"{import_id}\") in Qualys's {family} \
             API at {url}, and Qualys answered that there is none. Qualys answers the same for a \
             connector outside your user's scope: check the ID (the qualys_aws_connectors data \
             source lists the connectors your user sees, with their import IDs), the API it \
             belongs to (v3: and v2: for QPS, cloudview: for CloudView), and the user's scope."
        ),
    )
}

/// ImportResourceState: a connector by any import ID form, read by the refresh that follows.
pub fn import(id: &str) -> ImportResponse {
    match ImportId::parse(id) {
        Ok(ImportId { api, id }) => {
            let mut state = empty_state();
            state.insert("id".into(), Value::string(id));
            state.insert("api".into(), Value::string(api.as_str()));
            ImportResponse {
                imported: vec![ImportedResource {
                    type_name: TYPE_NAME.to_string(),
                    state: Value::Object(state),
                    private: Vec::new(),
                }],
                diagnostics: Diagnostics::default(),
            }
        }
        Err(d) => ImportResponse {
            imported: vec![],
            diagnostics: d.into(),
        },
    }
}
