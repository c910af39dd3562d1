//! ReadResource and ImportResourceState.

use std::collections::BTreeMap;

use crate::connector::import_id::ImportId;
use crate::plugin::api::{ImportResponse, ImportedResource, ReadRequest, ReadResponse};
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::{self, Client};

use super::*;

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
    if let Some(state) = upgraded.take(&upgrade::read_key(api, &id)) {
        return ReadResponse {
            new_state: state,
            private: request.private,
            diagnostics: Diagnostics::default(),
        };
    }
    let client = bounded(client, &current, "read");
    match read_remote(&client, api, &id, &current, Reading::Refresh).await {
        Ok(state) => ReadResponse {
            new_state: state,
            private: request.private,
            diagnostics: Diagnostics::default(),
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

pub(super) fn empty_state() -> BTreeMap<String, Value> {
    schema()
        .block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect()
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
