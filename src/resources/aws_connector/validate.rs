//! Plan-time validation: everything about a configuration that can be checked before any API
//! call, each error pointing at its attribute, and never an error for an unknown value.

use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::regions::Partition;

use super::*;
use crate::resources::validators::{
    parse_role_arn, validate_aws_external_id, validate_name, validate_polling_frequency,
    validate_region_code,
};

pub(super) fn error_at(
    path: &str,
    summary: impl Into<String>,
    detail: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(summary, detail).at(AttrPath::attr(path))
}

/// A bool argument with a default of false: `Some(false)` when null, `None` when unknown.
pub(super) fn bool_or_false(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(false),
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The connector's partition from `is_gov_cloud`/`is_china_region`, if both are known.
pub(super) fn partition_of(config: &Value) -> Option<Partition> {
    let gov = bool_or_false(config.get("is_gov_cloud"))?;
    let china = bool_or_false(config.get("is_china_region"))?;
    Some(match (gov, china) {
        (true, _) => Partition::Gov,
        (false, true) => Partition::China,
        (false, false) => Partition::Global,
    })
}

/// The known strings of a set (unknown elements skipped).
pub(super) fn known_strings(v: &Value) -> Vec<&str> {
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

pub(super) fn validate_for_api(config: &Value, api: Api, diags: &mut Diagnostics) {
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

pub(super) fn validate_regions(
    config: &Value,
    partition: Option<Partition>,
    diags: &mut Diagnostics,
) {
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
