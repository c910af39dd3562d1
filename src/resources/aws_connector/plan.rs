//! PlanResourceChange: defaults, unknowns for what Qualys decides, and which changes replace the
//! connector.

use crate::connector::model::{self, polling_value};
use crate::connector::validators::{
    PARTITION_FLAGS, arn_partition, error_at, flag_from_arn, parse_role_arn, polling_fields,
    validate_cloudview_external_id,
};
use crate::connector::{Api, DEFAULT_POLLING_MINUTES, api_of};
use crate::plugin::api::{PlanRequest, PlanResponse};
use crate::plugin::diag::{AttrPath, Diagnostic};
use crate::plugin::value::Value;

use super::api_move::{ApiMove, api_move};
use super::schema::SYNC_REPORTS;
use super::sync::{is_failed_verdict, resyncs};
use super::validate::{china_unavailable, unlisted_regions};

/// What an argument becomes when the configuration leaves it out, for a known `api`.
/// `None`: Qualys reports it: keep what Terraform proposed (the prior value on updates).
pub(super) fn default_for(name: &str, api: Api, creating: bool) -> Option<Value> {
    let qps = api != Api::CloudView;
    Some(match name {
        "api" => Value::string("v3"),
        "description" => Value::string(""),
        "polling_frequency" => polling_value(DEFAULT_POLLING_MINUTES),
        "is_portal_connector" if qps => Value::Null,
        "is_portal_connector" => Value::Bool(false),
        "all_regions" if qps => Value::Bool(true),
        "disabled" | "remediation_enabled" => Value::Bool(false),
        // What Qualys's own onboarding scripts send; later, what the connector has stays.
        "connector_apps" if qps && creating => strings(&DEFAULT_APPS),
        "activation_modules" if qps && creating => strings(&DEFAULT_MODULES),
        "default_tag_ids" if qps && creating => Value::Null,
        "connector_apps" | "activation_modules" | "default_tag_ids" if qps => return None,
        "all_regions" | "connector_apps" | "activation_modules" | "default_tag_ids" => Value::Null,
        _ => return None,
    })
}

/// The apps and modules a new QPS connector gets when the configuration names none.
pub(super) const DEFAULT_APPS: [&str; 3] = ["AI", "CI", "CSA"];
pub(super) const DEFAULT_MODULES: [&str; 2] = ["VM", "PC"];

fn strings(items: &[&str]) -> Value {
    Value::Set(items.iter().map(|s| Value::string(*s)).collect())
}

/// Arguments with a default; `is_gov_cloud` and `is_china_region` follow the role's partition
/// instead.
pub(super) const DEFAULTED: [&str; 10] = [
    "api",
    "description",
    "polling_frequency",
    "is_portal_connector",
    "all_regions",
    "disabled",
    "remediation_enabled",
    "connector_apps",
    "activation_modules",
    "default_tag_ids",
];

pub(super) const REPLACE_ON_CHANGE: [&str; 2] = ["is_gov_cloud", "is_china_region"];

/// What the QPS APIs report differently from CloudView, or CloudView not at all: unknown in a
/// plan that moves a connector from CloudView to QPS, unless the configuration sets them.
const REPORTED_BY_QPS: [&str; 6] = [
    "id",
    "qualys_aws_account_id",
    "attached_to_org_connector",
    "connector_apps",
    "activation_modules",
    "default_tag_ids",
];

/// Attributes that never reach Qualys: a change to them alone is no change of the connector.
/// (`api` is compared by [`api_move`]: `v2` and `v3` are the same connector.)
const LOCAL_ONLY: [&str; 10] = [
    "trust_principal",
    "api",
    "state",
    "sync_status",
    "last_sync",
    "next_sync",
    "last_error",
    "total_assets",
    "timeouts",
    "wait_for_sync",
];

/// Whether two states differ in anything Qualys holds (not the reported `state`, not
/// `timeouts`).
pub(super) fn differs_beyond_state(a: &Value, b: &Value) -> bool {
    let (Value::Object(fields), Value::Object(other)) = (a, b) else {
        return true;
    };
    api_move(b, a) != ApiMove::Stay
        || fields
            .iter()
            .any(|(k, v)| !LOCAL_ONLY.contains(&k.as_str()) && other.get(k).is_none_or(|w| w != v))
}

/// A configured `polling_frequency` with the defaults of the fields it leaves out.
fn planned_polling(config: &Value) -> Value {
    let field = |name: &str| match config.get(name) {
        Value::Null => Some(None),
        Value::Number(n) => n.as_i64().map(Some),
        _ => None,
    };
    match (field("hours"), field("minutes")) {
        (Some(h), Some(m)) => {
            let (h, m) = polling_fields(h, m);
            Value::object([("hours", Value::int(h)), ("minutes", Value::int(m))])
        }
        _ => Value::object([
            (
                "hours",
                match config.get("hours") {
                    Value::Null => Value::int(0),
                    other => other.clone(),
                },
            ),
            (
                "minutes",
                match config.get("minutes") {
                    Value::Null => Value::int(0),
                    other => other.clone(),
                },
            ),
        ]),
    }
}

/// `trust_principal` from the planned account and partition flags: unknown while either is.
pub(super) fn planned_trust_principal(planned: &Value) -> Value {
    match (
        planned.get("qualys_aws_account_id"),
        planned.get("is_gov_cloud"),
        planned.get("is_china_region"),
    ) {
        (Value::Null, ..) => Value::Null,
        (Value::String(account), Value::Bool(gov), Value::Bool(china)) => Value::string(
            model::trust_principal(model::partition_of_flags(*gov, *china), account),
        ),
        _ => Value::Unknown,
    }
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
                // Reported by Qualys, e.g. `is_china_region` on the QPS APIs.
                None if creating => planned.set(name, Value::Unknown),
                None => {}
            },
            None => planned.set(name, Value::Unknown),
        }
    }

    // A partition flag left out says what the role's ARN says (unknown with the ARN); on an
    // update that keeps the role's partition, what Qualys reported stays.
    let follow_arn = creating || arn_partition(prior) != arn_partition(&planned);
    for (flag, partition) in PARTITION_FLAGS {
        if config.get(flag).is_null() && (follow_arn || !matches!(prior.get(flag), Value::Bool(_)))
        {
            planned.set(
                flag,
                match planned.get("arn") {
                    Value::Unknown => Value::Unknown,
                    _ => Value::Bool(flag_from_arn(&planned, partition).unwrap_or(false)),
                },
            );
        }
    }

    // Computed only for Terraform 1.0's sake (see the schema): what the configuration says.
    planned.set("timeouts", config.get("timeouts").clone());
    if let pf @ Value::Object(_) = config.get("polling_frequency") {
        planned.set("polling_frequency", planned_polling(pf));
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
    planned.set("trust_principal", planned_trust_principal(&planned));
    if creating {
        for name in [
            "id",
            "qualys_aws_account_id",
            "trust_principal",
            "cloudview_uuid",
            "attached_to_org_connector",
        ]
        .into_iter()
        .chain(SYNC_REPORTS)
        {
            planned.set(name, Value::Unknown);
        }
    } else if api_move(prior, &planned) == ApiMove::CloudViewToQps {
        // The same connector under its QPS id, as the Connector API reports it.
        for name in REPORTED_BY_QPS.into_iter().chain(SYNC_REPORTS) {
            if config.get(name).is_null() {
                planned.set(name, Value::Unknown);
            }
        }
    } else if resyncs(prior, &planned)
        || (planned.get("wait_for_sync").as_bool() == Some(true) && is_failed_verdict(prior))
    {
        // Qualys reads the account again (new role, regions, apps, ...) and reports the sync;
        // with wait_for_sync, a failed sync is checked again. Any other change leaves what
        // Qualys reported as it was, so the plan shows only what the configuration changed.
        for name in SYNC_REPORTS {
            planned.set(name, Value::Unknown);
        }
    }

    let mut response = PlanResponse::default();
    if !creating {
        response.requires_replace = REPLACE_ON_CHANGE
            .iter()
            .filter(|name| planned.get(name) != prior.get(name))
            .map(|name| AttrPath::attr(name))
            .collect();
        if api_move(prior, &planned) == ApiMove::QpsToCloudView {
            response.requires_replace.push(AttrPath::attr("api"));
        }
    }
    let changes = creating || differs_beyond_state(&planned, prior);
    for warning in unlisted_regions(&planned, prior) {
        response.diagnostics.push(warning);
    }
    let scoped = planned
        .get("cspm_regions")
        .elements()
        .is_some_and(|codes| !codes.is_empty());
    if scoped
        && let Some(apps) = planned.get("connector_apps").elements()
        && planned.get("connector_apps").is_wholly_known()
        && !apps.iter().any(|a| a.as_str() == Some("CSA"))
    {
        response.diagnostics.push(
            Diagnostic::warning(
                "cspm_regions without the CSA app",
                "CSPM scanning is the CSA app's (cloud security assessment): with connector_apps \
                 lacking \"CSA\", Qualys runs no CSPM scan for this connector and cspm_regions \
                 has no effect. Add \"CSA\" to connector_apps, or remove cspm_regions.",
            )
            .at(AttrPath::attr("cspm_regions")),
        );
    }
    if creating
        && let Some(qps) = api.and_then(Api::qps_version)
        && planned.get("is_china_region").as_bool() == Some(true)
    {
        response.diagnostics.push(error_at(
            "is_china_region",
            format!("AWS China connectors cannot be created with api = \"{qps}\""),
            "Only the CloudView API creates AWS China connectors (the QPS APIs read and update \
             them once they exist); set api = \"cloudview\".",
        ));
    }
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

/// Plan-time checks that need what Qualys reported to this process before (`accounts`): a new
/// AWS China connector on a subscription that cannot have one.
pub fn check_planned_with(
    request: &PlanRequest,
    response: &mut PlanResponse,
    accounts: &crate::qualys::BaseAccounts,
) {
    if request.prior_state.is_null()
        && !response.planned_state.is_null()
        && let Some(refusal) = china_unavailable(&response.planned_state, accounts)
    {
        response.diagnostics.push(refusal);
    }
}
