//! The resource's type name, schema and schema version: the connector's attributes and what
//! only the resource has, with the descriptions the docs are made of.

use crate::connector;
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::Type;

pub const TYPE_NAME: &str = "qualys_aws_connector";

/// The resource's schema version. 1: `sync_status`, `cloudview_uuid`,
/// `attached_to_org_connector` and `trust_principal` are in every state (version-0 states may
/// lack them).
pub const SCHEMA_VERSION: i64 = 1;

/// The operations `timeouts` can bound, and what each covers.
pub(super) const TIMEOUTS: [(&str, &str); 4] = [
    (
        "create",
        "Creating the connector, including the check that it does not exist yet.",
    ),
    (
        "read",
        "Reading the connector during a refresh or an import.",
    ),
    ("update", "Updating the connector."),
    ("delete", "Deleting the connector."),
];

fn timeouts() -> Attribute {
    Attribute::single_nested(
        "timeouts",
        TIMEOUTS
            .iter()
            .map(|(name, what)| {
                Attribute::new(
                    name,
                    Type::String,
                    Presence::Optional,
                    &format!(
                        "{what} A duration such as `\"30s\"`, `\"10m\"` or `\"1h30m\"`, up to \
                         `\"24h\"`. Default `\"20m\"`."
                    ),
                )
            })
            .collect(),
        // Optional + computed only because Terraform 1.0 crashes planning a null nested
        // attribute that is optional alone; the plan always takes the configured value.
        Presence::OptionalComputed,
        "How long each operation may take, waits for Qualys's rate limits and retries \
         included, e.g. `timeouts = { create = \"30m\" }`. One API call is still bounded by \
         the provider's `request_timeout`. A create that times out after Qualys carried it out \
         is looked up, and its id is saved in the state.",
    )
}

/// What only Qualys reports about syncs: unknown in a plan whose change makes Qualys sync again
/// (see `sync::READ_BY_QUALYS`), else the prior value, which the apply carries over and a refresh
/// keeps (`sync::hold_sync_reports`).
pub(super) const SYNC_REPORTS: [&str; 6] = [
    "state",
    "sync_status",
    "last_sync",
    "next_sync",
    "last_error",
    "total_assets",
];

/// How the resource's sync reports differ from the data sources' (see [`SYNC_REPORTS`]).
const HELD_BY_REFRESH: &str = " In this resource, the value saved by the last apply that created \
     the connector or changed what Qualys reads; a refresh keeps it (see Sync results and drift \
     checks). The connector data sources report Qualys's current value.";

fn wait_for_sync() -> Attribute {
    Attribute::new(
        "wait_for_sync",
        Type::Bool,
        Presence::Optional,
        "Whether an apply that creates the connector or changes what Qualys reads (`arn`, \
         `external_id`, regions, apps, partition) triggers a sync and waits for Qualys's \
         verdict, within the operation's timeout. A failed sync fails the apply with Qualys's \
         errors and what to check in the role; the connector stays in the state (a new one is \
         tainted, so the next apply replaces it and checks again). Default `false`: the apply \
         does not wait.",
    )
}

/// The connector's attributes, with what only the resource has: `wait_for_sync` (beside the
/// arguments) and `timeouts`.
pub fn schema() -> Schema {
    let mut attributes = connector::schema::attributes();
    for attribute in attributes
        .iter_mut()
        .filter(|a| SYNC_REPORTS.contains(&a.name.as_str()))
    {
        attribute.description += HELD_BY_REFRESH;
    }
    let reported = attributes
        .iter()
        .position(|a| a.name == "aws_account_id")
        .unwrap_or(attributes.len());
    attributes.insert(reported, wait_for_sync());
    attributes.push(timeouts());
    Schema {
        version: SCHEMA_VERSION,
        block: Block {
            description: "A Qualys AWS connector: Qualys assumes an IAM role in your AWS account \
                (trusting `qualys_aws_account_id` with `external_id`) to discover assets and \
                assess their configuration. Managed through the Connector QPS v3 or v2 API or \
                the CloudView v1 API.\n\nIf Qualys no longer finds the connector on refresh, it \
                is removed from state and the plan recreates it, with a warning: Qualys answers \
                the same way for a connector outside your user's scope, so read the warning \
                before you apply.\n\n## Sync results and drift checks\n\nWhat Qualys reports \
                about syncs (`state`, `sync_status`, `last_sync`, `next_sync`, `last_error`, \
                `total_assets`) is saved by the applies that create the connector or change \
                what Qualys reads the account by (`arn`, `external_id`, regions, apps, \
                partition, `disabled`); with `wait_for_sync`, what they save is the verdict of \
                the sync they waited for. A refresh keeps the saved values: the syncs Qualys \
                runs on its own schedule change nothing you configure, so `terraform plan \
                -refresh-only -detailed-exitcode` exits 0 after them, while a change in Qualys \
                to anything you configure (a description, `polling_frequency`, regions, \
                `disabled`) still exits 2. For Qualys's current sync results (a dashboard, or a \
                `check` block that alerts when `sync_status` is `error`), read the \
                `qualys_aws_connector` or `qualys_aws_connectors` data source. Configurations \
                that read these attributes from the resource keep working and get the values \
                of the last such apply."
                .into(),
            attributes,
        },
    }
}
