//! The connector's attributes as Terraform declares them, with the descriptions the docs are
//! made of: the resource's arguments and what the connector data sources report.

use crate::plugin::schema::{Attribute, Presence};
use crate::plugin::value::Type;

fn polling_frequency() -> Attribute {
    Attribute::single_nested(
        "polling_frequency",
        vec![
            Attribute::new(
                "hours",
                Type::Number,
                Presence::OptionalComputed,
                "Whole hours, 0 to 24. Default `0` when `minutes` is set, else `4`.",
            ),
            Attribute::new(
                "minutes",
                Type::Number,
                Presence::OptionalComputed,
                "Minutes on top of `hours`, 0 to 59. Default `0`.",
            ),
        ],
        Presence::OptionalComputed,
        "How often Qualys syncs the account: `{ hours = 4, minutes = 0 }` by default, between \
         1 and 24 hours in all (e.g. `{ hours = 6 }` or `{ hours = 1, minutes = 30 }`). \
         CloudView's `pollingFrequency`, the QPS APIs' `runFrequency` (in minutes).",
    )
}

/// Every attribute of a connector, in the resource's terms (what it requires, what is optional
/// and what Qualys reports).
pub fn attributes() -> Vec<Attribute> {
    use Presence::*;
    let attr = |name: &str, ty: Type, presence: Presence, description: &str| {
        Attribute::new(name, ty, presence, description)
    };
    vec![
        attr(
            "id",
            Type::String,
            Computed,
            "The connector's ID: a number for the QPS APIs, a UUID for CloudView.",
        ),
        attr(
            "api",
            Type::String,
            OptionalComputed,
            "The Qualys API that manages the connector: `v3` (Connector QPS v3, JSON; \
             the default), `v2` (QPS v2, XML) or `cloudview` (CloudView v1, deprecated \
             by Qualys). `v2` <-> `v3` is an in-place change (the same connector and \
             id; nothing is sent to Qualys). `cloudview` -> `v3`/`v2` moves a \
             CloudView-made connector that Qualys merged into the Connector app in \
             place: its `id` becomes the QPS id, nothing is created. `v3`/`v2` -> \
             `cloudview` replaces the connector (CloudView cannot change connectors \
             made in the Connector app).",
        ),
        attr(
            "name",
            Type::String,
            Required,
            "The connector's name, 1 to 255 characters.",
        ),
        attr(
            "description",
            Type::String,
            OptionalComputed,
            "A description. Default `\"\"`.",
        ),
        attr(
            "arn",
            Type::String,
            Required,
            "The IAM role Qualys assumes: `arn:<aws|aws-us-gov|aws-cn>:iam::<12 \
             digits>:role/<name>`. Its partition must agree with `is_gov_cloud` and \
             `is_china_region`.",
        ),
        attr(
            "external_id",
            Type::String,
            Required,
            "The external ID in the role's trust policy. For `cloudview`, new and \
             updated connectors need the format `<Qualys POD>-<subscription ID>-<5 to \
             13 letters or digits>` (e.g. `USPOD01-4765-9011278609223`); connectors \
             created earlier keep working until they are changed. For the QPS APIs, \
             2 to 1224 characters of letters, digits and `+=,.@:/_-`.",
        ),
        attr(
            "is_gov_cloud",
            Type::Bool,
            OptionalComputed,
            "An AWS GovCloud (US) connector (`arn:aws-us-gov:...`). Default: what \
             `arn`'s partition says (`true` for an `arn:aws-us-gov:` role); set, it \
             must agree with it. Changing it replaces the connector.",
        ),
        attr(
            "is_china_region",
            Type::Bool,
            OptionalComputed,
            "An AWS China connector (`arn:aws-cn:...`). Only `api = \"cloudview\"` \
             creates China connectors; the QPS APIs report it. Default: what `arn`'s \
             partition says (`true` for an `arn:aws-cn:` role); set, it must agree \
             with it. Changing it replaces the connector.",
        ),
        attr(
            "is_portal_connector",
            Type::Bool,
            OptionalComputed,
            "CloudView only: sent as `isPortalConnector` on create and update. Default \
             `false`. Qualys answers whether a portal connector is linked rather than \
             echoing it, so the configured value is kept in state (on import, Qualys's \
             answer is used).",
        ),
        polling_frequency(),
        attr(
            "all_regions",
            Type::Bool,
            OptionalComputed,
            "QPS only: scan every supported region (default `true`). Set `false` to \
             limit scanning to `cspm_regions` and `inventory_regions`; while it is \
             `true` those lists do not apply and are read as empty.",
        ),
        attr(
            "cspm_regions",
            Type::set(Type::String),
            Optional,
            "QPS only, with `all_regions = false`: the regions CSPM scanning is limited \
             to (`cspmRegions`). Codes must be supported for the connector's partition \
             (see the `qualys_aws_regions` data source). Region selection must be \
             enabled for your subscription by Qualys support.",
        ),
        attr(
            "inventory_regions",
            Type::set(Type::String),
            Optional,
            "QPS only, with `all_regions = false`: the regions asset inventory is \
             limited to (the API's `endpoints`). When `cspm_regions` is set, every code \
             here must be in it.",
        ),
        attr(
            "disabled",
            Type::Bool,
            OptionalComputed,
            "Whether the connector is disabled: Qualys does not sync a disabled \
             connector. Default `false`. The QPS APIs set it in the connector; \
             CloudView through its enable and disable operations.",
        ),
        attr(
            "remediation_enabled",
            Type::Bool,
            OptionalComputed,
            "Whether Qualys may remediate findings in the account (QPS \
             `isRemediationEnabled`, CloudView `remediationEnabled`; the role then \
             needs write permissions). Default `false`.",
        ),
        attr(
            "connector_apps",
            Type::set(Type::String),
            OptionalComputed,
            "QPS only: the Qualys apps the connector feeds, each identified by the \
             role's ARN: `AI` (asset inventory, an AssetView connector), `CI` (cloud \
             inventory) and `CSA` (cloud security assessment: CSPM; without it \
             `cspm_regions` scans nothing). Default on create: all three, as \
             Qualys's own onboarding scripts send; left out of the configuration \
             later, the apps stay as they are.",
        ),
        attr(
            "activation_modules",
            Type::set(Type::String),
            OptionalComputed,
            "QPS only: the Qualys modules activated for the assets the connector \
             finds: `VM`, `PC`, `CERTVIEW`, `CLOUDVIEW`, `SCA`, `CSA`. Default on \
             create: `VM` and `PC`, as Qualys's own onboarding scripts send; left out \
             later, the modules stay as they are.",
        ),
        attr(
            "default_tag_ids",
            Type::set(Type::Number),
            OptionalComputed,
            "QPS only: ids of Qualys asset tags given to every asset the connector \
             finds (`defaultTags`). Default on create: none.",
        ),
        attr(
            "aws_account_id",
            Type::String,
            Computed,
            "The AWS account of the role (the 12 digits of `arn`).",
        ),
        attr(
            "qualys_aws_account_id",
            Type::String,
            Computed,
            "The Qualys AWS account your role's trust policy must trust.",
        ),
        attr(
            "trust_principal",
            Type::String,
            Computed,
            "The principal your role's trust policy must name: \
             `arn:<aws|aws-us-gov|aws-cn>:iam::<qualys_aws_account_id>:root`, in the \
             connector's partition.",
        ),
        attr(
            "state",
            Type::String,
            Computed,
            "The connector's state as Qualys reports it, verbatim: an enum on the QPS \
             APIs (`PENDING`, `QUEUED`, `RUNNING`, `PROCESSING`, `FINISHED_SUCCESS`, \
             `FINISHED_ERRORS`, `INCOMPLETE`, `DISABLED`, ...), free text on CloudView \
             (e.g. `Completed successfully`). Use `sync_status` to act on it.",
        ),
        attr(
            "sync_status",
            Type::String,
            Computed,
            "Qualys's verdict on the connector's syncs, the same on every API: \
             `success` (the last sync completed without errors), `error` (it failed, \
             completed with errors or incompletely), `running` (a sync is queued or \
             under way), `pending` (not synced yet), `disabled`, or `unknown` (no \
             state, or one this provider does not recognise; `state` has it verbatim).",
        ),
        attr(
            "cloudview_uuid",
            Type::String,
            Computed,
            "The UUID of the connector in CloudView (for `cloudview`, the same as `id`).",
        ),
        attr(
            "attached_to_org_connector",
            Type::Bool,
            Computed,
            "Whether an AWS organization connector in Qualys manages this connector \
             (QPS `isAttachedToOrgConnector`; null for `cloudview`, which does not \
             report it).",
        ),
        attr(
            "last_sync",
            Type::String,
            Computed,
            "When Qualys last synced the account (RFC 3339, UTC), if it has.",
        ),
        attr(
            "next_sync",
            Type::String,
            Computed,
            "When Qualys syncs the account next (RFC 3339, UTC), if scheduled.",
        ),
        attr(
            "last_error",
            Type::String,
            Computed,
            "The error of the last sync as Qualys reports it; empty or null when it \
             succeeded.",
        ),
        attr(
            "total_assets",
            Type::Number,
            Computed,
            "How many assets Qualys found in the account at the last sync, when it \
             reports it.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::connector::model::Connector;
    use crate::connector::{Api, DEFAULT_POLLING_MINUTES};

    #[test]
    fn the_model_writes_every_attribute_declared_and_no_other() {
        let declared: BTreeSet<String> = attributes().into_iter().map(|a| a.name).collect();
        let connector = Connector {
            id: "42".into(),
            api: Api::V3,
            name: None,
            description: String::new(),
            arn: None,
            external_id: None,
            is_gov_cloud: false,
            is_china_region: false,
            is_portal_connector: None,
            polling_minutes: DEFAULT_POLLING_MINUTES,
            all_regions: None,
            cspm_regions: Vec::new(),
            inventory_regions: Vec::new(),
            disabled: false,
            remediation_enabled: None,
            aws_account_id: None,
            qualys_aws_account_id: None,
            state: None,
            cloudview_uuid: None,
            attached_to_org_connector: None,
            connector_apps: None,
            activation_modules: None,
            default_tag_ids: None,
            last_sync: None,
            next_sync: None,
            last_error: None,
            total_assets: None,
        };
        let written: BTreeSet<String> = connector.attributes().into_keys().collect();
        assert_eq!(declared, written);
    }
}
