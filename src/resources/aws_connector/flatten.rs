//! The client's connector models as Terraform state: one flatten per API family.

use crate::plugin::value::Value;
use crate::qualys::{cloudview, qps};

use super::*;
use crate::resources::validators::parse_role_arn;

pub(super) fn opt_string(s: &Option<String>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::string(s.clone()),
        _ => Value::Null,
    }
}

/// A region list as state: null or an empty set for "none", following `like`.
pub(super) fn region_set(remote: Option<&[String]>, like: &Value) -> Value {
    match remote {
        Some(codes) if !codes.is_empty() => {
            Value::Set(codes.iter().map(|c| Value::string(c.clone())).collect())
        }
        _ if like.elements().is_some() => Value::Set(Vec::new()),
        _ => Value::Null,
    }
}

pub(super) fn account_id(reported: &Option<String>, arn: &Option<String>) -> Value {
    match reported.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Value::string(id),
        None => arn
            .as_deref()
            .and_then(|a| parse_role_arn(a).ok())
            .map(|r| Value::string(r.account_id))
            .unwrap_or(Value::Null),
    }
}

pub(super) fn state_from_qps(c: &qps::Connector, api: Api, like: &Value) -> Value {
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
    put("timeouts", like.get("timeouts").clone());
    Value::Object(state)
}

pub(super) fn state_from_cloudview(c: &cloudview::Connector, like: &Value) -> Value {
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
    put("timeouts", like.get("timeouts").clone());
    Value::Object(state)
}
