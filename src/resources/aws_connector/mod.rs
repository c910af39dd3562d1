//! `qualys_aws_connector`: one Qualys AWS connector, managed through the Connector QPS v3
//! (JSON) or v2 (XML) API, or the CloudView v1 API (`api`). Reads top to bottom: schema,
//! plan-time validation, plan, then create/read/update/delete/import and the mapping between
//! Terraform values and the client's models.
//!
//! Choices worth knowing:
//! - A connector Qualys answers `OBJECT_NOT_FOUND` for on read is removed from state (so the
//!   plan recreates it), with a warning: Qualys gives the same answer for a connector outside
//!   the user's scope, and the warning says so before anyone applies.
//! - When `all_regions` is true the region lists do not apply, so they are read as empty.
//! - The CloudView external-ID format is checked at plan time only when the plan creates or
//!   changes the connector: Qualys keeps older connectors working until they are updated.

use std::time::Duration;

use crate::qualys::{self, QpsVersion};

pub const TYPE_NAME: &str = "qualys_aws_connector";

/// How long one create, update or delete may take, retries and waits included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(20 * 60);
const DEFAULT_POLLING_MINUTES: u32 = 240;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    V3,
    V2,
    CloudView,
}

impl Api {
    pub fn parse(s: &str) -> Option<Api> {
        match s {
            "v3" => Some(Api::V3),
            "v2" => Some(Api::V2),
            "cloudview" => Some(Api::CloudView),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Api::V3 => "v3",
            Api::V2 => "v2",
            Api::CloudView => "cloudview",
        }
    }

    /// The family whose connectors an existence check looks at.
    fn family(self) -> qualys::Family {
        match self.qps_version() {
            Some(version) => qualys::Family::Qps(version),
            None => qualys::Family::CloudView,
        }
    }

    pub fn qps_version(self) -> Option<QpsVersion> {
        match self {
            Api::V3 => Some(QpsVersion::V3),
            Api::V2 => Some(QpsVersion::V2),
            Api::CloudView => None,
        }
    }

    /// Arguments only the QPS APIs take.
    const QPS_ONLY: [&'static str; 6] = [
        "all_regions",
        "cspm_regions",
        "inventory_regions",
        "connector_apps",
        "activation_modules",
        "default_tag_ids",
    ];
}

mod apply;
mod flatten;
pub mod model;
mod plan;
mod read;
mod schema;
mod sync;
#[cfg(test)]
mod tests;
mod upgrade;
mod validate;

use apply::*;
use flatten::*;
use model::polling_value;
use plan::*;
use read::*;
use schema::TIMEOUTS;
use sync::{await_sync, needs_sync, settle_disabled};
use validate::*;

pub use apply::{apply, check_create_at_plan};
pub use plan::{check_planned_with, plan};
pub use read::{import, parse_import_id, read};
pub use schema::schema;
pub use upgrade::{SCHEMA_VERSION, UpgradeReads, upgrade};
pub use validate::validate;
