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

use std::time::Duration;

use crate::connector::{Api, DEFAULT_POLLING_MINUTES, api_of};

pub const TYPE_NAME: &str = "qualys_aws_connector";

/// How long one create, update or delete may take, retries and waits included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(20 * 60);

mod api_move;
mod apply;
mod create;
mod delete;
mod exists;
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

use api_move::*;
use apply::*;
use create::*;
use delete::*;
use exists::*;
use plan::*;
use read::*;
use schema::TIMEOUTS;
use state::*;
use sync::{await_sync, needs_sync, settle_disabled};
use update::*;
use validate::*;

pub use apply::apply;
pub use exists::check_create_at_plan;
pub use plan::{check_planned_with, plan};
pub use read::{import, read};
pub use schema::schema;
pub use upgrade::{SCHEMA_VERSION, UpgradeReads, upgrade};
pub use validate::validate;
