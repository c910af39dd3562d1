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

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::plugin::api::{
    ApplyRequest, ApplyResponse, ImportResponse, ImportedResource, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse,
};
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};
use crate::qualys::{self, Client, QpsVersion, cloudview, qps};
use crate::regions::Partition;

use super::validators::{
    parse_role_arn, validate_aws_external_id, validate_cloudview_external_id, validate_name,
    validate_polling_frequency, validate_region_code,
};

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
    fn parse(s: &str) -> Option<Api> {
        match s {
            "v3" => Some(Api::V3),
            "v2" => Some(Api::V2),
            "cloudview" => Some(Api::CloudView),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
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

    fn qps_version(self) -> Option<QpsVersion> {
        match self {
            Api::V3 => Some(QpsVersion::V3),
            Api::V2 => Some(QpsVersion::V2),
            Api::CloudView => None,
        }
    }

    /// Arguments only the QPS APIs take.
    const QPS_ONLY: [&'static str; 5] = [
        "all_regions",
        "cspm_regions",
        "inventory_regions",
        "disabled",
        "remediation_enabled",
    ];
}

fn polling_type() -> Type {
    Type::object([("hours", Type::Number), ("minutes", Type::Number)])
}

pub fn schema() -> Schema {
    use Presence::*;
    let attr = |name: &str, ty: Type, presence: Presence, description: &str| {
        Attribute::new(name, ty, presence, description)
    };
    Schema {
        version: 0,
        block: Block {
            description: "A Qualys AWS connector: Qualys assumes an IAM role in your AWS account \
                (trusting `qualys_aws_account_id` with `external_id`) to discover assets and \
                assess their configuration. Managed through the Connector QPS v3 or v2 API or \
                the CloudView v1 API.\n\nIf Qualys no longer finds the connector on refresh, it \
                is removed from state and the plan recreates it, with a warning: Qualys answers \
                the same way for a connector outside your user's scope, so read the warning \
                before you apply."
                .into(),
            attributes: vec![
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
                     the default), `v2` (QPS v2, XML) or `cloudview` (CloudView v1). Changing \
                     it replaces the connector.",
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
                    "An AWS GovCloud (US) connector (`arn:aws-us-gov:...`). Default `false`. \
                     Changing it replaces the connector.",
                ),
                attr(
                    "is_china_region",
                    Type::Bool,
                    OptionalComputed,
                    "An AWS China connector (`arn:aws-cn:...`). Settable only with `api = \
                     \"cloudview\"`; the QPS APIs report it. Default `false`. Changing it \
                     replaces the connector.",
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
                attr(
                    "polling_frequency",
                    polling_type(),
                    OptionalComputed,
                    "How often Qualys syncs the account, as `{ hours = 4, minutes = 0 }` (the \
                     default); 60 to 1440 minutes in all. CloudView's `pollingFrequency`, the \
                     QPS APIs' `runFrequency`.",
                ),
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
                    "QPS only: whether the connector is disabled. Default `false`. With \
                     `cloudview`, reported by Qualys.",
                ),
                attr(
                    "remediation_enabled",
                    Type::Bool,
                    OptionalComputed,
                    "QPS only: whether remediation is enabled. Default `false`.",
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
                    "state",
                    Type::String,
                    Computed,
                    "The connector's state as Qualys reports it (`PENDING`, `QUEUED`, \
                     `RUNNING`, `SUCCESS`, `ERROR`, `DISABLED`, ...).",
                ),
                attr(
                    "cloudview_uuid",
                    Type::String,
                    Computed,
                    "The UUID of the connector in CloudView (for `cloudview`, the same as `id`).",
                ),
            ],
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Plan-time validation
// ---------------------------------------------------------------------------------------------

fn error_at(path: &str, summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(summary, detail).at(AttrPath::attr(path))
}

/// A bool argument with a default of false: `Some(false)` when null, `None` when unknown.
fn bool_or_false(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(false),
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The connector's partition from `is_gov_cloud`/`is_china_region`, if both are known.
fn partition_of(config: &Value) -> Option<Partition> {
    let gov = bool_or_false(config.get("is_gov_cloud"))?;
    let china = bool_or_false(config.get("is_china_region"))?;
    Some(match (gov, china) {
        (true, _) => Partition::Gov,
        (false, true) => Partition::China,
        (false, false) => Partition::Global,
    })
}

/// The known strings of a set (unknown elements skipped).
fn known_strings(v: &Value) -> Vec<&str> {
    v.elements()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Everything about a configuration that can be checked before any API call.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let api = match config.get("api") {
        Value::Null => Some(Api::V3),
        Value::String(s) => match Api::parse(s) {
            Some(api) => Some(api),
            None => {
                diags.push(error_at(
                    "api",
                    "Invalid api",
                    format!("api must be \"v3\", \"v2\" or \"cloudview\"; got {s:?}."),
                ));
                None
            }
        },
        _ => None,
    };
    if let Some(name) = config.get("name").as_str()
        && let Err(why) = validate_name(name)
    {
        diags.push(error_at("name", "Invalid name", why));
    }

    let partition = partition_of(config);
    if config.get("is_gov_cloud").as_bool() == Some(true)
        && config.get("is_china_region").as_bool() == Some(true)
    {
        diags.push(error_at(
            "is_china_region",
            "Conflicting partitions",
            "A connector is either GovCloud (is_gov_cloud) or China (is_china_region), not both.",
        ));
    }
    if let Some(arn) = config.get("arn").as_str() {
        match parse_role_arn(arn) {
            Err(why) => diags.push(error_at("arn", "Invalid arn", why)),
            Ok(role) => {
                if let Some(expected) = partition
                    && role.partition != expected
                {
                    diags.push(error_at(
                        "arn",
                        "arn does not match the connector's partition",
                        format!(
                            "The role is in partition {:?} ({}), but the connector is a {} one: \
                             {}.",
                            role.partition.arn_partition(),
                            role.partition,
                            expected,
                            match role.partition {
                                Partition::Gov => "set is_gov_cloud = true for a GovCloud role",
                                Partition::China =>
                                    "set is_china_region = true (with api = \"cloudview\") for an AWS China role",
                                Partition::Global =>
                                    "use an arn:aws-us-gov or arn:aws-cn role, or set is_gov_cloud and is_china_region to false",
                            }
                        ),
                    ));
                }
            }
        }
    }

    if let Some(api) = api {
        validate_for_api(config, api, &mut diags);
    }

    let pf = config.get("polling_frequency");
    if matches!(pf, Value::Object(_)) {
        let invalid = |why: String| error_at("polling_frequency", "Invalid polling_frequency", why);
        match (pf.get("hours"), pf.get("minutes")) {
            (Value::Number(h), Value::Number(m)) => match (h.as_i64(), m.as_i64()) {
                (Some(h), Some(m)) => {
                    if let Err(why) = validate_polling_frequency(h, m) {
                        diags.push(invalid(why));
                    }
                }
                _ => diags.push(invalid(format!(
                    "hours and minutes must be whole numbers; got hours = {h}, minutes = {m}."
                ))),
            },
            (h, m) if h.is_unknown() || m.is_unknown() => {}
            _ => diags.push(invalid(
                "set both hours and minutes, e.g. { hours = 4, minutes = 0 }.".to_string(),
            )),
        }
    }

    validate_regions(config, partition, &mut diags);
    diags
}

fn validate_for_api(config: &Value, api: Api, diags: &mut Diagnostics) {
    match api {
        Api::CloudView => {
            for name in Api::QPS_ONLY {
                if !config.get(name).is_null() {
                    diags.push(error_at(
                        name,
                        format!("{name} is not supported with api = \"cloudview\""),
                        format!(
                            "The CloudView API has no {name}; remove it, or manage the \
                             connector with api = \"v3\" or \"v2\"."
                        ),
                    ));
                }
            }
        }
        Api::V3 | Api::V2 => {
            if !config.get("is_portal_connector").is_null() {
                diags.push(error_at(
                    "is_portal_connector",
                    format!(
                        "is_portal_connector is not supported with api = \"{}\"",
                        api.as_str()
                    ),
                    "Only the CloudView API sets is_portal_connector; remove it, or use api = \"cloudview\".",
                ));
            }
            if config.get("is_china_region").as_bool() == Some(true) {
                diags.push(error_at(
                    "is_china_region",
                    format!(
                        "AWS China connectors cannot be created with api = \"{}\"",
                        api.as_str()
                    ),
                    "Only the CloudView API creates AWS China connectors (the QPS APIs only \
                     report them); set api = \"cloudview\".",
                ));
            }
            if let Some(id) = config.get("external_id").as_str()
                && let Err(why) = validate_aws_external_id(id)
            {
                diags.push(error_at("external_id", "Invalid external_id", why));
            }
        }
    }
}

fn validate_regions(config: &Value, partition: Option<Partition>, diags: &mut Diagnostics) {
    let cspm = config.get("cspm_regions");
    let inventory = config.get("inventory_regions");
    for (name, list) in [("cspm_regions", cspm), ("inventory_regions", inventory)] {
        if let Some(partition) = partition {
            for code in known_strings(list) {
                if let Err(why) = validate_region_code(code, partition) {
                    diags.push(error_at(
                        name,
                        format!("Unsupported region {code:?} in {name}"),
                        why,
                    ));
                }
            }
        }
        let all_regions = config.get("all_regions");
        // An unknown list may turn out empty: only a list known to hold codes needs the flag.
        let listed = list.elements().is_some_and(|e| !e.is_empty());
        if listed && (all_regions.is_null() || all_regions.as_bool() == Some(true)) {
            diags.push(error_at(
                name,
                format!("{name} needs all_regions = false"),
                format!(
                    "{name} limits scanning to some regions, which applies only when all_regions \
                     is false (it defaults to true). Set all_regions = false, or remove {name}."
                ),
            ));
        }
    }
    if cspm.is_wholly_known() && !cspm.is_null() {
        let allowed = known_strings(cspm);
        for code in known_strings(inventory) {
            if !allowed.contains(&code) {
                diags.push(error_at(
                    "inventory_regions",
                    format!("inventory_regions has {code:?}, which cspm_regions lacks"),
                    format!(
                        "Every inventory region must also be a CSPM region (Qualys's rule for \
                         endpoints); add {code:?} to cspm_regions or remove it from \
                         inventory_regions."
                    ),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

fn polling_value(minutes: u32) -> Value {
    Value::object([
        ("hours", Value::int(i64::from(minutes / 60))),
        ("minutes", Value::int(i64::from(minutes % 60))),
    ])
}

/// What an argument becomes when the configuration leaves it out, for a known `api`.
/// `None`: Qualys reports it: keep what Terraform proposed (the prior value on updates).
fn default_for(name: &str, api: Api, creating: bool) -> Option<Value> {
    let qps = api != Api::CloudView;
    Some(match name {
        "api" => Value::string("v3"),
        "description" => Value::string(""),
        "is_gov_cloud" => Value::Bool(false),
        // The QPS APIs only report China connectors (they cannot create one).
        "is_china_region" if qps && !creating => return None,
        "is_china_region" => Value::Bool(false),
        "polling_frequency" => polling_value(DEFAULT_POLLING_MINUTES),
        "is_portal_connector" if qps => Value::Null,
        "is_portal_connector" => Value::Bool(false),
        "all_regions" if qps => Value::Bool(true),
        "disabled" | "remediation_enabled" if qps => Value::Bool(false),
        "all_regions" | "remediation_enabled" => Value::Null,
        _ => return None,
    })
}

const DEFAULTED: [&str; 9] = [
    "api",
    "description",
    "is_gov_cloud",
    "is_china_region",
    "polling_frequency",
    "is_portal_connector",
    "all_regions",
    "disabled",
    "remediation_enabled",
];

const REPLACE_ON_CHANGE: [&str; 3] = ["api", "is_gov_cloud", "is_china_region"];

fn api_of(v: &Value) -> Option<Api> {
    match v.get("api") {
        Value::Null => Some(Api::V3),
        other => other.as_str().and_then(Api::parse),
    }
}

/// Whether two states differ in anything but the connector's reported `state`.
fn differs_beyond_state(a: &Value, b: &Value) -> bool {
    let (Value::Object(a), Value::Object(b)) = (a, b) else {
        return true;
    };
    a.iter()
        .any(|(k, v)| k != "state" && b.get(k).is_none_or(|w| w != v))
}

pub fn plan(request: &PlanRequest) -> PlanResponse {
    let PlanRequest {
        prior_state: prior,
        proposed_new_state: proposed,
        config,
        ..
    } = request;
    if proposed.is_null() {
        return PlanResponse::default();
    }
    let creating = prior.is_null();
    let api = api_of(config);
    let mut planned = proposed.clone();

    for name in DEFAULTED {
        if !config.get(name).is_null() {
            continue;
        }
        match api {
            Some(api) => match default_for(name, api, creating) {
                Some(default) => planned.set(name, default),
                // `disabled` with CloudView: reported by Qualys.
                None if creating => planned.set(name, Value::Unknown),
                None => {}
            },
            None => planned.set(name, Value::Unknown),
        }
    }

    planned.set(
        "aws_account_id",
        match planned.get("arn") {
            Value::String(arn) => parse_role_arn(arn)
                .map(|r| Value::string(r.account_id))
                .unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        },
    );
    if creating {
        for name in ["id", "qualys_aws_account_id", "state", "cloudview_uuid"] {
            planned.set(name, Value::Unknown);
        }
    } else if differs_beyond_state(&planned, prior) {
        // Qualys may move the connector to another state when it changes.
        planned.set("state", Value::Unknown);
    }

    let mut response = PlanResponse::default();
    if !creating {
        response.requires_replace = REPLACE_ON_CHANGE
            .iter()
            .filter(|name| planned.get(name) != prior.get(name))
            .map(|name| AttrPath::attr(name))
            .collect();
    }
    let changes = creating || differs_beyond_state(&planned, prior);
    if api == Some(Api::CloudView)
        && changes
        && let Some(id) = planned.get("external_id").as_str()
        && let Err(why) = validate_cloudview_external_id(id)
    {
        response.diagnostics.push(error_at(
            "external_id",
            "external_id is not in the CloudView format",
            format!(
                "Qualys requires the new external-ID format for CloudView connectors that are \
                 created or updated: {why} Update the role's trust policy to the new ID too."
            ),
        ));
    }
    response.planned_state = planned;
    response
}

// ---------------------------------------------------------------------------------------------
// Apply: create, update, delete
// ---------------------------------------------------------------------------------------------

/// The planned configuration, wholly known.
struct Desired {
    api: Api,
    name: String,
    description: String,
    arn: String,
    external_id: String,
    is_gov_cloud: bool,
    is_china_region: bool,
    is_portal_connector: bool,
    polling_minutes: u32,
    all_regions: bool,
    cspm_regions: Option<Vec<String>>,
    inventory_regions: Option<Vec<String>>,
    disabled: bool,
    remediation_enabled: bool,
}

fn sorted_strings(v: &Value) -> Option<Vec<String>> {
    v.elements().map(|items| {
        let mut out: Vec<String> = items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        out.sort();
        out
    })
}

impl Desired {
    fn from_planned(planned: &Value) -> Result<Desired, Diagnostic> {
        let text = |name: &str| planned.get(name).as_str().unwrap_or_default().to_string();
        let flag = |name: &str| planned.get(name).as_bool().unwrap_or(false);
        let api = api_of(planned).ok_or_else(|| {
            Diagnostic::error("Provider bug: no api in the plan", "Please report this.")
        })?;
        let pf = planned.get("polling_frequency");
        let polling_minutes = match (pf.get("hours").as_i64(), pf.get("minutes").as_i64()) {
            (Some(h), Some(m)) => validate_polling_frequency(h, m)
                .map_err(|why| error_at("polling_frequency", "Invalid polling_frequency", why))?,
            _ => DEFAULT_POLLING_MINUTES,
        };
        Ok(Desired {
            api,
            name: text("name"),
            description: text("description"),
            arn: text("arn"),
            external_id: text("external_id"),
            is_gov_cloud: flag("is_gov_cloud"),
            is_china_region: flag("is_china_region"),
            is_portal_connector: flag("is_portal_connector"),
            polling_minutes,
            all_regions: planned.get("all_regions").as_bool().unwrap_or(true),
            cspm_regions: sorted_strings(planned.get("cspm_regions")),
            inventory_regions: sorted_strings(planned.get("inventory_regions")),
            disabled: flag("disabled"),
            remediation_enabled: flag("remediation_enabled"),
        })
    }

    /// The QPS request; `prior` (for updates) says which region lists must be cleared.
    fn qps_spec(&self, prior: Option<&Value>) -> qps::ConnectorSpec {
        let had = |name: &str| {
            prior.is_some_and(|p| p.get(name).elements().is_some_and(|e| !e.is_empty()))
        };
        let (cspm_regions, endpoints) = if self.all_regions {
            (None, None)
        } else {
            (
                self.cspm_regions
                    .clone()
                    .or_else(|| had("cspm_regions").then(Vec::new)),
                self.inventory_regions
                    .clone()
                    .or_else(|| had("inventory_regions").then(Vec::new)),
            )
        };
        qps::ConnectorSpec {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            arn: self.arn.clone(),
            external_id: self.external_id.clone(),
            is_gov_cloud: Some(self.is_gov_cloud),
            all_regions: Some(self.all_regions),
            cspm_regions,
            endpoints,
            disabled: Some(self.disabled),
            run_frequency: Some(self.polling_minutes),
            is_remediation_enabled: Some(self.remediation_enabled),
        }
    }

    fn cloudview_spec(&self) -> cloudview::ConnectorSpec {
        cloudview::ConnectorSpec {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            arn: self.arn.clone(),
            external_id: self.external_id.clone(),
            is_gov_cloud: self.is_gov_cloud,
            is_china_region: self.is_china_region,
            is_portal_connector: self.is_portal_connector,
            polling_frequency: Some(cloudview::PollingFrequency {
                hours: self.polling_minutes / 60,
                minutes: self.polling_minutes % 60,
            }),
        }
    }
}

fn api_error(summary: &str, e: &qualys::Error) -> Diagnostic {
    Diagnostic::error(summary, format!("{e}."))
}

pub async fn apply(client: &Client, request: ApplyRequest) -> ApplyResponse {
    let client = client.with_deadline(Instant::now() + OPERATION_TIMEOUT);
    if request.planned_state.is_null() {
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
        create(&client, &desired, request.planned_state).await
    } else {
        update(
            &client,
            &desired,
            request.prior_state,
            request.planned_state,
        )
        .await
    }
}

/// Creates the connector, unless one with the same name already exists in the same AWS
/// account (see [`qualys::Client::find_existing`]): Terraform's state may have lost it, and a
/// second connector is worse than a failed apply. The client re-reads the connector after the
/// create (and adopts a connector whose create answer was lost), so the answer is the state: no
/// second read.
async fn create(client: &Client, desired: &Desired, planned: Value) -> ApplyResponse {
    let family = desired.api.family();
    let account = parse_role_arn(&desired.arn).ok().map(|r| r.account_id);
    match client.find_existing(family, &desired.name, account).await {
        Ok(found) if !found.is_empty() => {
            return ApplyResponse {
                new_state: Value::Null,
                diagnostics: already_exists(desired, &found).into(),
                ..Default::default()
            };
        }
        Ok(_) => {}
        Err(e) => {
            return ApplyResponse {
                new_state: Value::Null,
                diagnostics: Diagnostic::error(
                    "Could not check whether the Qualys connector already exists",
                    format!(
                        "Before creating connector {:?}, the provider lists the existing \
                         connectors so that it never creates a second one; the listing failed, \
                         so nothing was created: {e}.",
                        desired.name
                    ),
                )
                .into(),
                ..Default::default()
            };
        }
    }
    let created = match desired.api.qps_version() {
        Some(version) => client
            .qps(version)
            .create(&desired.qps_spec(None))
            .await
            .map(|c| state_from_qps(&c, desired.api, &planned)),
        None => client
            .cloudview()
            .create(&desired.cloudview_spec())
            .await
            .map(|c| state_from_cloudview(&c, &planned)),
    };
    match created {
        Ok(state) => {
            tracing::info!(id = ?state.get("id"), api = desired.api.as_str(), "created connector");
            if let Some(id) = state.get("id").as_str() {
                client
                    .note_saved(family, id, &desired.name, &desired.arn)
                    .await;
            }
            ApplyResponse {
                new_state: state,
                ..Default::default()
            }
        }
        // Qualys created the connector but did not describe it: its id must reach the state
        // (Terraform then marks it tainted, and the next plan reads it and replaces it).
        Err(e) if e.created_id().is_some() => {
            let id = e.created_id().unwrap_or_default().to_string();
            client
                .note_saved(family, &id, &desired.name, &desired.arn)
                .await;
            ApplyResponse {
                new_state: state_from_plan(&planned, desired.api, &id),
                diagnostics: Diagnostic::error(
                    "Qualys created the connector but its answer was incomplete",
                    format!(
                        "{e}. The connector's id ({id}) is saved in the state, so nothing is \
                         lost: the next plan reads the connector again and replaces it if it \
                         is still not what the configuration says."
                    ),
                )
                .into(),
                ..Default::default()
            }
        }
        Err(e) => ApplyResponse {
            new_state: Value::Null,
            diagnostics: api_error("Could not create the Qualys connector", &e).into(),
            ..Default::default()
        },
    }
}

/// The planned state with the id of a created connector and every value Qualys did not report
/// (the planned unknowns) null.
fn state_from_plan(planned: &Value, api: Api, id: &str) -> Value {
    let mut state = planned.clone();
    if let Value::Object(fields) = &mut state {
        for value in fields.values_mut() {
            if value.is_unknown() {
                *value = Value::Null;
            }
        }
    }
    state.set("id", Value::string(id));
    if api == Api::CloudView {
        state.set("cloudview_uuid", Value::string(id));
    }
    state
}

/// The error for a create that would duplicate an existing connector, with the commands that
/// bring the existing one under this resource.
fn already_exists(desired: &Desired, found: &[qualys::Existing]) -> Diagnostic {
    let api = desired.api.as_str();
    let import_id = |e: &qualys::Existing| format!("{api}:{}", e.id);
    let listed: Vec<String> = found
        .iter()
        .map(|e| match &e.aws_account_id {
            Some(account) => format!("{} (AWS account {account})", import_id(e)),
            None => import_id(e),
        })
        .collect();
    let first = import_id(&found[0]);
    Diagnostic::error(
        format!("Qualys connector {:?} already exists", desired.name),
        format!(
            "Qualys already has a connector named {:?} in this AWS account: {}. This resource's \
             state does not know it (a lost answer or an interrupted apply can cause that), and \
             creating it again would make a duplicate, so nothing was created.\n\n\
             To manage the existing connector with this resource, import it, where ADDRESS is \
             this resource's address (shown above after \"with\"):\n\n  \
             terraform import 'ADDRESS' {first}\n\n\
             or, with Terraform 1.5 or later, add an import block and apply:\n\n  \
             import {{\n    to = ADDRESS\n    id = \"{first}\"\n  }}\n\n\
             If that connector belongs to something else, give this one another name. With \
             lifecycle {{ create_before_destroy = true }}, a replacement is created while the \
             connector it replaces still exists under the same name: change the name together \
             with the change that forces the replacement, or remove create_before_destroy so \
             that the old connector is deleted first.",
            desired.name,
            listed.join(", ")
        ),
    )
}

/// Updates the connector; like create, the client's answer is the re-read connector.
async fn update(client: &Client, desired: &Desired, prior: Value, planned: Value) -> ApplyResponse {
    let Some(id) = prior.get("id").as_str().map(str::to_string) else {
        return ApplyResponse {
            new_state: prior,
            diagnostics: Diagnostic::error(
                "The state has no connector id",
                "Import the connector again.",
            )
            .into(),
            ..Default::default()
        };
    };
    let updated = match desired.api.qps_version() {
        Some(version) => {
            let n = match parse_qps_id(&id) {
                Ok(n) => n,
                Err(d) => {
                    return ApplyResponse {
                        new_state: prior,
                        diagnostics: d.into(),
                        ..Default::default()
                    };
                }
            };
            client
                .qps(version)
                .update(n, &desired.qps_spec(Some(&prior)))
                .await
                .map(|c| state_from_qps(&c, desired.api, &planned))
        }
        None => client
            .cloudview()
            .update(&id, &desired.cloudview_spec())
            .await
            .map(|c| state_from_cloudview(&c, &planned)),
    };
    match updated {
        Ok(state) => {
            client
                .note_saved(desired.api.family(), &id, &desired.name, &desired.arn)
                .await;
            ApplyResponse {
                new_state: state,
                ..Default::default()
            }
        }
        // The update may not have happened: the prior state is the best knowledge, and the
        // next refresh reads what Qualys has.
        Err(e) => ApplyResponse {
            new_state: prior,
            diagnostics: api_error("Could not update the Qualys connector", &e).into(),
            ..Default::default()
        },
    }
}

async fn delete(client: &Client, prior: Value) -> ApplyResponse {
    let id = prior.get("id").as_str().unwrap_or_default().to_string();
    let api = api_of(&prior);
    let result = match api.and_then(Api::qps_version) {
        Some(version) => match parse_qps_id(&id) {
            Ok(n) => client.qps(version).delete(n).await,
            Err(d) => {
                return ApplyResponse {
                    new_state: prior,
                    diagnostics: d.into(),
                    ..Default::default()
                };
            }
        },
        None => client.cloudview().delete(&id).await,
    };
    let gone = match &result {
        Ok(()) => true,
        Err(e) => e.is_not_found(),
    };
    if let (true, Some(api)) = (gone, api) {
        client.note_deleted(api.family(), &id).await;
    }
    match result {
        Ok(()) => ApplyResponse::default(),
        Err(e) if e.is_not_found() => {
            tracing::info!(id = %id, "connector was already gone");
            ApplyResponse::default()
        }
        Err(e) => ApplyResponse {
            new_state: prior,
            diagnostics: api_error("Could not delete the Qualys connector", &e).into(),
            ..Default::default()
        },
    }
}

fn parse_qps_id(id: &str) -> Result<u64, Diagnostic> {
    id.parse().map_err(|_| {
        Diagnostic::error(
            "Invalid connector id in state",
            format!("{id:?} is not a QPS connector id (a number)."),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Read and import
// ---------------------------------------------------------------------------------------------

/// Reads the connector and maps it to state; `like` (prior or planned state) decides how an
/// empty region list is written (null or empty set), so neither shows as a change.
async fn read_remote(
    client: &Client,
    api: Api,
    id: &str,
    like: &Value,
) -> Result<Value, qualys::Error> {
    match api.qps_version() {
        Some(version) => {
            let n: u64 = id.parse().map_err(|_| qualys::Error::NotFound {
                what: format!("QPS connector {id:?}"),
            })?;
            let c = client.qps(version).read(n).await?;
            Ok(state_from_qps(&c, api, like))
        }
        None => {
            let c = client.cloudview().read(id).await?;
            Ok(state_from_cloudview(&c, like))
        }
    }
}

pub async fn read(client: &Client, request: ReadRequest) -> ReadResponse {
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
    match read_remote(client, api, &id, &current).await {
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

fn empty_state() -> BTreeMap<String, Value> {
    schema()
        .block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect()
}

/// `terraform import` IDs: `123` or `v3:123`, `v2:123`, a UUID or `cloudview:<uuid>`.
pub fn parse_import_id(id: &str) -> Result<(Api, String), Diagnostic> {
    let is_uuid = |s: &str| {
        let parts: Vec<&str> = s.split('-').collect();
        parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
            && parts
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (prefix, rest) = match id.split_once(':') {
        Some((p, r)) => (Some(p), r),
        None => (None, id),
    };
    match prefix {
        None if is_number(rest) => Ok((Api::V3, rest.to_string())),
        None if is_uuid(rest) => Ok((Api::CloudView, rest.to_lowercase())),
        Some("v3") if is_number(rest) => Ok((Api::V3, rest.to_string())),
        Some("v2") if is_number(rest) => Ok((Api::V2, rest.to_string())),
        Some("cloudview") if is_uuid(rest) => Ok((Api::CloudView, rest.to_lowercase())),
        _ => Err(Diagnostic::error(
            "Invalid import ID",
            format!(
                "{id:?} is not a connector ID. Use a QPS connector number (`123` or `v3:123`; \
                 `v2:123` to manage it through QPS v2) or a CloudView UUID (`<uuid>` or \
                 `cloudview:<uuid>`)."
            ),
        )),
    }
}

pub fn import(id: &str) -> ImportResponse {
    match parse_import_id(id) {
        Ok((api, id)) => {
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

// ---------------------------------------------------------------------------------------------
// Client models to state
// ---------------------------------------------------------------------------------------------

fn opt_string(s: &Option<String>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::string(s.clone()),
        _ => Value::Null,
    }
}

/// A region list as state: null or an empty set for "none", following `like`.
fn region_set(remote: Option<&[String]>, like: &Value) -> Value {
    match remote {
        Some(codes) if !codes.is_empty() => {
            Value::Set(codes.iter().map(|c| Value::string(c.clone())).collect())
        }
        _ if like.elements().is_some() => Value::Set(Vec::new()),
        _ => Value::Null,
    }
}

fn account_id(reported: &Option<String>, arn: &Option<String>) -> Value {
    match reported.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Value::string(id),
        None => arn
            .as_deref()
            .and_then(|a| parse_role_arn(a).ok())
            .map(|r| Value::string(r.account_id))
            .unwrap_or(Value::Null),
    }
}

fn state_from_qps(c: &qps::Connector, api: Api, like: &Value) -> Value {
    let all_regions = c.all_regions.unwrap_or(true);
    let regions = |remote: &Option<Vec<String>>, name: &str| {
        if all_regions {
            region_set(None, like.get(name))
        } else {
            region_set(remote.as_deref(), like.get(name))
        }
    };
    let mut state = empty_state();
    let mut put = |k: &str, v: Value| {
        state.insert(k.to_string(), v);
    };
    put("id", Value::string(c.id.to_string()));
    put("api", Value::string(api.as_str()));
    put("name", opt_string(&c.name));
    put(
        "description",
        Value::string(c.description.clone().unwrap_or_default()),
    );
    put("arn", opt_string(&c.arn));
    put("external_id", opt_string(&c.external_id));
    put(
        "is_gov_cloud",
        Value::Bool(c.is_gov_cloud_configured.unwrap_or(false)),
    );
    put(
        "is_china_region",
        Value::Bool(c.is_china_configured.unwrap_or(false)),
    );
    put(
        "polling_frequency",
        polling_value(c.run_frequency.unwrap_or(DEFAULT_POLLING_MINUTES)),
    );
    put("all_regions", Value::Bool(all_regions));
    put("cspm_regions", regions(&c.cspm_regions, "cspm_regions"));
    put(
        "inventory_regions",
        regions(&c.endpoints, "inventory_regions"),
    );
    put("disabled", Value::Bool(c.disabled.unwrap_or(false)));
    put(
        "remediation_enabled",
        Value::Bool(c.is_remediation_enabled.unwrap_or(false)),
    );
    put("aws_account_id", account_id(&c.aws_account_id, &c.arn));
    put(
        "qualys_aws_account_id",
        opt_string(&c.qualys_aws_account_id),
    );
    put("state", opt_string(&c.connector_state));
    put("cloudview_uuid", opt_string(&c.cloudview_uuid));
    Value::Object(state)
}

fn state_from_cloudview(c: &cloudview::Connector, like: &Value) -> Value {
    let mut state = empty_state();
    let mut put = |k: &str, v: Value| {
        state.insert(k.to_string(), v);
    };
    let polling = c
        .polling_frequency
        .map(|p| p.hours * 60 + p.minutes)
        .unwrap_or(DEFAULT_POLLING_MINUTES);
    put("id", Value::string(c.connector_id.clone()));
    put("api", Value::string(Api::CloudView.as_str()));
    put("name", opt_string(&c.name));
    put(
        "description",
        Value::string(c.description.clone().unwrap_or_default()),
    );
    put("arn", opt_string(&c.arn));
    put("external_id", opt_string(&c.external_id));
    put("is_gov_cloud", Value::Bool(c.is_gov_cloud.unwrap_or(false)));
    put(
        "is_china_region",
        Value::Bool(c.is_china_region.unwrap_or(false)),
    );
    // CloudView takes isPortalConnector on create and update but answers whether a portal
    // connector is linked (seed 000 sends true and reads back false): the configured value
    // stays in state, and Qualys's answer is used only when there is none (import).
    put(
        "is_portal_connector",
        match like.get("is_portal_connector") {
            Value::Bool(b) => Value::Bool(*b),
            _ => Value::Bool(c.is_portal_connector.unwrap_or(false)),
        },
    );
    put("polling_frequency", polling_value(polling));
    put("disabled", Value::Bool(c.is_disabled.unwrap_or(false)));
    put("aws_account_id", account_id(&c.aws_account_id, &c.arn));
    put("qualys_aws_account_id", opt_string(&c.base_account_id));
    put("state", opt_string(&c.state));
    put("cloudview_uuid", Value::string(c.connector_id.clone()));
    Value::Object(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut state = empty_state();
        state.insert("name".into(), Value::string("c1"));
        state.insert(
            "arn".into(),
            Value::string("arn:aws:iam::123456789012:role/Qualys"),
        );
        state.insert("external_id".into(), Value::string("pod-test-env"));
        for (k, v) in pairs {
            state.insert(k.to_string(), v.clone());
        }
        Value::Object(state)
    }

    fn strings(codes: &[&str]) -> Value {
        Value::Set(codes.iter().map(|c| Value::string(*c)).collect())
    }

    fn paths(diags: &Diagnostics) -> Vec<String> {
        diags
            .0
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_plain_v3_config_is_valid() {
        assert_eq!(validate(&config(&[])), Diagnostics::default());
    }

    #[test]
    fn region_rules_name_the_attribute_and_the_code() {
        let d = validate(&config(&[
            ("all_regions", Value::Bool(false)),
            ("cspm_regions", strings(&["us-east-1", "us-moon-1"])),
            ("inventory_regions", strings(&["us-east-1", "eu-west-1"])),
        ]));
        assert_eq!(paths(&d), ["cspm_regions", "inventory_regions"]);
        assert!(d.0[0].summary.contains("\"us-moon-1\""));
        assert!(d.0[1].summary.contains("\"eu-west-1\""));

        let d = validate(&config(&[("cspm_regions", strings(&["us-east-1"]))]));
        assert_eq!(paths(&d), ["cspm_regions"]);
        assert!(d.0[0].summary.contains("all_regions = false"));
    }

    #[test]
    fn gov_regions_need_a_gov_connector() {
        let d = validate(&config(&[
            ("all_regions", Value::Bool(false)),
            ("cspm_regions", strings(&["us-gov-west-1"])),
        ]));
        assert_eq!(paths(&d), ["cspm_regions"]);
        let ok = validate(&config(&[
            (
                "arn",
                Value::string("arn:aws-us-gov:iam::123456789012:role/Q"),
            ),
            ("is_gov_cloud", Value::Bool(true)),
            ("all_regions", Value::Bool(false)),
            ("cspm_regions", strings(&["us-gov-west-1"])),
        ]));
        assert!(ok.is_empty(), "{ok:?}");
    }

    #[test]
    fn partition_mismatch_is_reported_on_arn() {
        let d = validate(&config(&[("is_gov_cloud", Value::Bool(true))]));
        assert_eq!(paths(&d), ["arn"]);
    }

    #[test]
    fn api_specific_arguments() {
        let d = validate(&config(&[
            ("api", Value::string("cloudview")),
            ("external_id", Value::string("USPOD01-4765-9011278609223")),
            ("all_regions", Value::Bool(false)),
            ("remediation_enabled", Value::Bool(true)),
        ]));
        assert_eq!(paths(&d), ["all_regions", "remediation_enabled"]);
        let d = validate(&config(&[("is_portal_connector", Value::Bool(true))]));
        assert_eq!(paths(&d), ["is_portal_connector"]);
        let d = validate(&config(&[("is_china_region", Value::Bool(true))]));
        assert!(paths(&d).contains(&"is_china_region".to_string()));
    }

    #[test]
    fn unknown_values_never_fail_validation() {
        let d = validate(&config(&[
            ("arn", Value::Unknown),
            ("api", Value::Unknown),
            ("cspm_regions", Value::Unknown),
            ("all_regions", Value::Unknown),
            ("polling_frequency", Value::Unknown),
        ]));
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn polling_frequency_out_of_range() {
        let d = validate(&config(&[(
            "polling_frequency",
            Value::object([("hours", Value::int(30)), ("minutes", Value::int(0))]),
        )]));
        assert_eq!(paths(&d), ["polling_frequency"]);
    }

    fn plan_of(prior: Value, config: Value) -> PlanResponse {
        // Terraform's proposed state: config, with prior values for computed attributes the
        // config leaves null.
        let mut proposed = config.clone();
        if let (Value::Object(p), Value::Object(c)) = (&mut proposed, &config) {
            for (k, v) in c {
                let computed = schema().block.attribute(k).is_some_and(|a| a.computed());
                if v.is_null() && computed {
                    p.insert(k.clone(), prior.get(k).clone());
                }
            }
        }
        plan(&PlanRequest {
            prior_state: prior,
            proposed_new_state: proposed,
            config,
            prior_private: vec![],
        })
    }

    #[test]
    fn create_plan_fills_defaults_and_unknowns() {
        let p = plan_of(Value::Null, config(&[]));
        let s = &p.planned_state;
        assert_eq!(s.get("api"), &Value::string("v3"));
        assert_eq!(s.get("all_regions"), &Value::Bool(true));
        assert_eq!(s.get("polling_frequency"), &polling_value(240));
        assert_eq!(s.get("aws_account_id"), &Value::string("123456789012"));
        assert!(s.get("id").is_unknown());
        assert!(s.get("is_portal_connector").is_null());
        assert!(p.diagnostics.is_empty());
    }

    #[test]
    fn unchanged_update_plans_the_prior_state() {
        let created = plan_of(Value::Null, config(&[])).planned_state;
        let mut prior = created.clone();
        for (k, v) in [
            ("id", "7"),
            ("qualys_aws_account_id", "805950163170"),
            ("state", "PENDING"),
            ("cloudview_uuid", "u"),
        ] {
            prior.set(k, Value::string(v));
        }
        let p = plan_of(prior.clone(), config(&[]));
        assert_eq!(p.planned_state, prior);
        assert!(p.requires_replace.is_empty());

        let p = plan_of(
            prior.clone(),
            config(&[("description", Value::string("new"))]),
        );
        assert!(p.planned_state.get("state").is_unknown());
        assert_eq!(
            p.planned_state.get("qualys_aws_account_id"),
            &Value::string("805950163170")
        );
        assert!(p.requires_replace.is_empty());

        let p = plan_of(prior, config(&[("api", Value::string("v2"))]));
        assert_eq!(p.requires_replace, vec![AttrPath::attr("api")]);
    }

    #[test]
    fn cloudview_external_id_is_checked_only_when_the_plan_changes_something() {
        let cv = |id: &str| {
            config(&[
                ("api", Value::string("cloudview")),
                ("external_id", Value::string(id)),
            ])
        };
        let p = plan_of(Value::Null, cv("old-style-id"));
        assert_eq!(paths(&p.diagnostics), ["external_id"]);
        // An imported connector with an old-format ID that the plan leaves alone.
        let mut prior = plan_of(Value::Null, cv("USPOD01-4765-abcdef")).planned_state;
        prior.set("external_id", Value::string("old-style-id"));
        for k in ["id", "qualys_aws_account_id", "state", "cloudview_uuid"] {
            prior.set(k, Value::string("x"));
        }
        prior.set("disabled", Value::Bool(false));
        let p = plan_of(prior.clone(), cv("old-style-id"));
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let mut changed = cv("old-style-id");
        changed.set("description", Value::string("touched"));
        assert_eq!(paths(&plan_of(prior, changed).diagnostics), ["external_id"]);
    }

    #[test]
    fn unknown_region_list_without_all_regions_is_not_an_error() {
        let d = validate(&config(&[("cspm_regions", Value::Unknown)]));
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn a_reported_china_qps_connector_is_not_replaced() {
        let mut prior = plan_of(Value::Null, config(&[])).planned_state;
        for k in ["id", "qualys_aws_account_id", "state", "cloudview_uuid"] {
            prior.set(k, Value::string("x"));
        }
        prior.set("is_china_region", Value::Bool(true));
        let p = plan_of(prior.clone(), config(&[]));
        assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
        assert_eq!(p.planned_state, prior);
    }

    #[test]
    fn import_ids() {
        assert_eq!(parse_import_id("42").unwrap(), (Api::V3, "42".into()));
        assert_eq!(parse_import_id("v2:42").unwrap(), (Api::V2, "42".into()));
        let uuid = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
        assert_eq!(
            parse_import_id(uuid).unwrap(),
            (Api::CloudView, uuid.into())
        );
        assert_eq!(
            parse_import_id(&format!("cloudview:{uuid}")).unwrap(),
            (Api::CloudView, uuid.into())
        );
        for bad in ["", "v4:1", "v2:abc", "cloudview:42", "abc"] {
            assert!(parse_import_id(bad).is_err(), "{bad}");
        }
    }
}
