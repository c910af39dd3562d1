//! `qualys_aws_connector`: one Qualys AWS connector, managed through the Connector QPS v3
//! (JSON) or v2 (XML) API, or the CloudView v1 API (`api`). The resource owns the lifecycle:
//! schema, validation, plan, then create/read/update/delete/import, each in its own file; the
//! connector itself (model, import IDs, rules, expand and flatten) is [`crate::connector`]'s.
//!
//! Choices worth knowing:
//! - A connector Qualys answers `OBJECT_NOT_FOUND` for on read is removed from state (so the
//!   plan recreates it), with a warning: Qualys gives the same answer for a connector outside
//!   the user's scope, and the warning says so before anyone applies.
//! - The CloudView external-ID format is checked at plan time only when the plan creates or
//!   changes the connector: Qualys keeps older connectors working until they are updated.

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::configured::Configured;
use crate::plugin::api::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse,
};
use crate::plugin::diag::{Diagnostic, Diagnostics};
use crate::plugin::registry::Resource;
use crate::plugin::schema::Schema;
use crate::plugin::value::Value;

mod api_move;
mod apply;
mod create;
mod delete;
mod exists;
mod operation;
mod plan;
mod read;
mod schema;
mod state;
mod sync;
#[cfg(test)]
mod tests;
mod update;
mod upgrade;
mod validate;

pub use apply::apply;
pub use exists::check_create_at_plan;
pub use plan::{check_planned_with, plan};
pub use read::{import, read};
pub use schema::{SCHEMA_VERSION, TYPE_NAME, schema};
pub use upgrade::{UpgradeReads, upgrade};
pub use validate::validate;

/// `qualys_aws_connector` in the provider's registry, with what it remembers across calls of
/// one provider process.
#[derive(Default)]
pub struct AwsConnector {
    /// Connectors read to complete an older provider's state, for the refresh that follows.
    upgrade_reads: UpgradeReads,
    /// The connectors (`api:id`, with their twin on the other API) whose state this process
    /// refreshed or planned: a plan's check before a create does not count them as existing
    /// under the name (a replacement's own connector, or a tainted one; the apply decides).
    in_state: Mutex<HashSet<String>>,
    /// The connectors the checks before creates found under configured names, for the import
    /// blocks each refusal carries.
    found: exists::Found,
}

impl AwsConnector {
    /// Remembers the connector of a state Terraform holds (see `in_state`): by its id on its
    /// API, on the other QPS version (the same object), and by its CloudView UUID.
    fn note_in_state(&self, state: &Value) {
        let (Some(api), Some(id)) = (state.get("api").as_str(), state.get("id").as_str()) else {
            return;
        };
        let Ok(mut in_state) = self.in_state.lock() else {
            return;
        };
        match api {
            "v3" | "v2" => {
                in_state.insert(format!("v3:{id}"));
                in_state.insert(format!("v2:{id}"));
            }
            _ => {
                in_state.insert(format!("{api}:{id}"));
            }
        }
        if let Some(uuid) = state.get("cloudview_uuid").as_str() {
            in_state.insert(format!("cloudview:{uuid}"));
        }
    }
}

/// The warning of a plan that creates a connector without a client (provider settings known
/// only at apply, named by `why`'s paths): what the plan could not check, and that the apply
/// checks it before the create.
fn checks_left_to_apply(planned: &Value, why: &Diagnostics) -> Diagnostic {
    let mut settings: Vec<String> = why
        .0
        .iter()
        .filter_map(|d| d.path.as_ref().map(ToString::to_string))
        .collect();
    settings.dedup();
    let because = if settings.is_empty() {
        "the provider is not configured yet".to_string()
    } else {
        format!(
            "the provider's {} {} known only at apply",
            settings.join(", "),
            if settings.len() == 1 { "is" } else { "are" }
        )
    };
    let name = match planned.get("name").as_str() {
        Some(name) => format!("named {name:?}"),
        None => "of this name".to_string(),
    };
    Diagnostic::warning(
        "Qualys checks not run at plan",
        format!(
            "This plan could not check, because {because}: whether a connector {name} already \
             exists in Qualys, and whether the provider's credentials and URL work. They run at \
             apply, before the connector is created; the apply fails there if either check \
             fails."
        ),
    )
}

#[async_trait]
impl Resource<Configured> for AwsConnector {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate(config)
    }

    /// Terraform configures the provider before it upgrades states in a plan or apply;
    /// elsewhere the upgrade fills what needs no Qualys answer.
    async fn upgrade(&self, with: &Configured, version: i64, state: Value) -> (Value, Diagnostics) {
        upgrade(
            with.client().ok().as_ref(),
            &self.upgrade_reads,
            version,
            state,
        )
        .await
    }

    async fn read(&self, with: &Configured, request: ReadRequest) -> ReadResponse {
        self.note_in_state(&request.current_state);
        match with.client() {
            Ok(client) => read(&client, &self.upgrade_reads, request).await,
            Err(diagnostics) => ReadResponse {
                new_state: request.current_state,
                private: request.private,
                diagnostics,
            },
        }
    }

    async fn plan(&self, with: &Configured, request: PlanRequest) -> PlanResponse {
        let mut response = plan(&request);
        self.note_in_state(&request.prior_state);
        // What needs Qualys is checked at plan time only where the process already knows the
        // answer or one listing gives it; settings known only at apply leave it to the apply.
        match with.client() {
            Ok(client) => {
                if let Some(accounts) = client.known_base_accounts() {
                    check_planned_with(&request, &mut response, accounts);
                }
                let in_state = self.in_state.lock().map(|r| r.clone()).unwrap_or_default();
                check_create_at_plan(&client, &request, &mut response, &in_state, &self.found)
                    .await;
            }
            Err(why) => {
                let creates = request.prior_state.is_null() && !response.planned_state.is_null();
                if creates && !response.diagnostics.has_errors() {
                    response
                        .diagnostics
                        .push(checks_left_to_apply(&response.planned_state, &why));
                }
            }
        }
        response
    }

    async fn apply(&self, with: &Configured, request: ApplyRequest) -> ApplyResponse {
        match with.client() {
            Ok(client) => apply(&client, &self.found, request).await,
            Err(diagnostics) => ApplyResponse {
                new_state: request.prior_state,
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn import(&self, _with: &Configured, id: &str) -> ImportResponse {
        import(id)
    }
}
