//! Plan-time validation: everything about a configuration that can be checked before any API
//! call, each error pointing at its attribute, and never an error for an unknown value.

use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::regions::Partition;

use super::*;
use crate::resources::validators::{
    RegionCode, parse_role_arn, validate_aws_external_id, validate_name,
    validate_no_edge_whitespace, validate_polling_frequency, validate_region_code,
};

pub(super) fn error_at(
    path: &str,
    summary: impl Into<String>,
    detail: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(summary, detail).at(AttrPath::attr(path))
}

/// The partition of the role `arn` names: `None` while unknown or not a role ARN.
pub(super) fn arn_partition(v: &Value) -> Option<Partition> {
    v.get("arn")
        .as_str()
        .and_then(|arn| parse_role_arn(arn).ok())
        .map(|role| role.partition)
}

/// The partition flags (`is_gov_cloud`, `is_china_region`) and the partition each stands for.
pub(super) const PARTITION_FLAGS: [(&str, Partition); 2] = [
    ("is_gov_cloud", Partition::Gov),
    ("is_china_region", Partition::China),
];

/// What a partition flag left out of the configuration becomes: what the role's ARN says
/// (`None` while the ARN is unknown).
pub(super) fn flag_from_arn(v: &Value, flag_partition: Partition) -> Option<bool> {
    arn_partition(v).map(|p| p == flag_partition)
}

/// The connector's partition: what a flag set to true says, else what the ARN says (flags left
/// out follow it), else commercial when both flags are false; `None` while unknown.
pub(super) fn partition_of(config: &Value) -> Option<Partition> {
    let gov = config.get("is_gov_cloud");
    let china = config.get("is_china_region");
    if gov.is_unknown() || china.is_unknown() {
        return None;
    }
    match (gov.as_bool(), china.as_bool()) {
        (Some(true), _) => Some(Partition::Gov),
        (_, Some(true)) => Some(Partition::China),
        (Some(false), Some(false)) => Some(Partition::Global),
        _ => match config.get("arn") {
            Value::Unknown => None,
            // No role to follow (null, or reported as invalid): the flags' defaults.
            _ => Some(arn_partition(config).unwrap_or(Partition::Global)),
        },
    }
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
    for attr in ["name", "description"] {
        if let Some(text) = config.get(attr).as_str()
            && let Err(why) = validate_no_edge_whitespace(text)
        {
            diags.push(error_at(
                attr,
                format!("{attr} has leading or trailing whitespace"),
                why,
            ));
        }
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
                // Only a flag the configuration sets can contradict the role.
                let contradicted = PARTITION_FLAGS.iter().find(|(flag, p)| {
                    config
                        .get(flag)
                        .as_bool()
                        .is_some_and(|set| set != (role.partition == *p))
                });
                if let Some((flag, _)) = contradicted {
                    let flag = *flag;
                    let set = config.get(flag).as_bool().unwrap_or_default();
                    diags.push(error_at(
                        "arn",
                        "arn does not match the connector's partition",
                        format!(
                            "The role is in partition {:?} ({}), but {flag} = {set} says \
                             otherwise: {} (or leave {flag} out: it follows the role's \
                             partition).",
                            role.partition.arn_partition(),
                            role.partition,
                            match role.partition {
                                Partition::Gov => "set is_gov_cloud = true for a GovCloud role",
                                Partition::China =>
                                    "set is_china_region = true for an AWS China role",
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

    validate_codes(config, "connector_apps", &APPS, &mut diags);
    validate_codes(config, "activation_modules", &MODULES, &mut diags);
    validate_tag_ids(config.get("default_tag_ids"), &mut diags);
    validate_polling(config.get("polling_frequency"), &mut diags);
    validate_timeouts(config.get("timeouts"), &mut diags);

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
                // A well-formed code of the right partition that the table lacks is Qualys's to
                // judge: the plan warns (see `unlisted_regions`).
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

/// The region codes of `planned` that are well formed and of its partition but not in this
/// provider's table.
pub(super) fn unlisted_codes(planned: &Value) -> Vec<String> {
    let Some(partition) = partition_of(planned) else {
        return Vec::new();
    };
    let mut codes: Vec<String> = ["cspm_regions", "inventory_regions"]
        .into_iter()
        .flat_map(|name| known_strings(planned.get(name)))
        .filter(|code| validate_region_code(code, partition) == Ok(RegionCode::NotListed))
        .map(str::to_string)
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Warnings for region codes that are well formed and of the connector's partition but not in
/// this provider's table (a region newer than its release), for a plan that sends them to
/// Qualys (`prior` null: a create).
pub(super) fn unlisted_regions(planned: &Value, prior: &Value) -> Vec<Diagnostic> {
    let Some(partition) = partition_of(planned) else {
        return Vec::new();
    };
    ["cspm_regions", "inventory_regions"]
        .into_iter()
        .filter(|name| prior.is_null() || prior.get(name) != planned.get(name))
        .flat_map(|name| {
            known_strings(planned.get(name))
                .into_iter()
                .filter(|code| validate_region_code(code, partition) == Ok(RegionCode::NotListed))
                .map(move |code| {
                    Diagnostic::warning(
                        format!("Region {code:?} in {name} is not in this provider's list"),
                        format!(
                            "{code:?} is a well-formed {partition} region code, but Qualys's \
                             supported list in this provider does not include it; Qualys decides \
                             at apply. If Qualys supports it, the apply succeeds; if not, it \
                             fails with Qualys's answer and nothing changes. The \
                             qualys_aws_regions data source lists the regions this provider \
                             knows."
                        ),
                    )
                    .at(AttrPath::attr(name))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `polling_frequency`: each field a whole number in its range, and 1 to 24 hours in all once
/// the defaults of the fields left out are applied.
fn validate_polling(pf: &Value, diags: &mut Diagnostics) {
    if !matches!(pf, Value::Object(_)) {
        return;
    }
    // The attribute, not the field, so that Terraform 1.0 can quote the line too; the summary
    // names the field.
    let at = |_field: &str| AttrPath::attr("polling_frequency");
    let mut whole = |field: &str| -> Option<Option<i64>> {
        match pf.get(field) {
            Value::Null => Some(None),
            Value::Number(n) => match n.as_i64() {
                Some(v) => Some(Some(v)),
                None => {
                    diags.push(
                        Diagnostic::error(
                            format!("Invalid polling_frequency.{field}"),
                            format!("{field} must be a whole number; got {n}."),
                        )
                        .at(at(field)),
                    );
                    None
                }
            },
            _ => None,
        }
    };
    let (Some(hours), Some(minutes)) = (whole("hours"), whole("minutes")) else {
        return;
    };
    let (hours, minutes) = polling_fields(hours, minutes);
    let field = if !(0..=59).contains(&minutes) {
        "minutes"
    } else {
        "hours"
    };
    if let Err(why) = validate_polling_frequency(hours, minutes) {
        diags.push(
            Diagnostic::error(format!("Invalid polling_frequency.{field}"), why).at(at(field)),
        );
    }
}

/// The hours and minutes of a `polling_frequency` with its fields' defaults applied.
pub(super) fn polling_fields(hours: Option<i64>, minutes: Option<i64>) -> (i64, i64) {
    match (hours, minutes) {
        (None, None) => (i64::from(DEFAULT_POLLING_MINUTES / 60), 0),
        (h, m) => (h.unwrap_or(0), m.unwrap_or(0)),
    }
}

/// The longest `timeouts` value accepted.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// A `timeouts` field as a duration: `None` when null or unknown.
pub(super) fn parse_timeout(value: &Value) -> Option<Result<Duration, String>> {
    let text = value.as_str()?;
    Some(match humantime::parse_duration(text.trim()) {
        Ok(d) if d.is_zero() => Err(format!("{text:?} is zero; give a positive duration.")),
        Ok(d) if d > MAX_TIMEOUT => Err(format!("{text:?} is longer than 24h.")),
        Ok(d) => Ok(d),
        Err(e) => Err(format!(
            "{text:?} is not a duration ({e}); use e.g. \"30s\", \"10m\" or \"1h30m\"."
        )),
    })
}

fn validate_timeouts(timeouts: &Value, diags: &mut Diagnostics) {
    for (name, _) in TIMEOUTS {
        if let Some(Err(why)) = parse_timeout(timeouts.get(name)) {
            diags.push(
                Diagnostic::error(format!("Invalid timeouts.{name}"), why)
                    .at(AttrPath::attr("timeouts")),
            );
        }
    }
}

/// The connector apps Qualys's scripts name (public evidence 2).
const APPS: [&str; 3] = ["AI", "CI", "CSA"];
/// The activation modules seen in Qualys's scripts and docs (public evidence 2, 3).
const MODULES: [&str; 6] = ["VM", "PC", "CERTVIEW", "CLOUDVIEW", "SCA", "CSA"];

fn validate_codes(config: &Value, name: &str, allowed: &[&str], diags: &mut Diagnostics) {
    for code in known_strings(config.get(name)) {
        if !allowed.contains(&code) {
            diags.push(error_at(
                name,
                format!("Unsupported {name} value {code:?}"),
                format!("{name} takes {}.", allowed.join(", ")),
            ));
        }
    }
}

fn validate_tag_ids(tags: &Value, diags: &mut Diagnostics) {
    for tag in tags.elements().unwrap_or_default() {
        if let Value::Number(n) = tag
            && n.as_i64().is_none_or(|id| id <= 0)
        {
            diags.push(error_at(
                "default_tag_ids",
                "Invalid default_tag_ids",
                format!("A Qualys tag id is a positive whole number; got {n}."),
            ));
        }
    }
}

/// A new AWS China connector on a subscription whose base accounts name no China account:
/// Qualys provides none for AWS China (docs.qualys.com "China region connectors"), so the
/// customer sets up their own and Qualys Support enables the region; until then Qualys refuses
/// China connectors. `None` when `planned` is no China connector or the subscription has one.
pub(super) fn china_unavailable(
    planned: &Value,
    accounts: &crate::qualys::BaseAccounts,
) -> Option<Diagnostic> {
    let china = planned.get("is_china_region").as_bool() == Some(true)
        || planned
            .get("arn")
            .as_str()
            .is_some_and(|arn| arn.starts_with("arn:aws-cn:"));
    (china && accounts.china.id.is_none()).then(|| {
        error_at(
            "is_china_region",
            "The Qualys subscription cannot have AWS China connectors yet",
            "Qualys reports no AWS China base account for this subscription. Qualys provides \
             none for AWS China: create your own China base account, then ask Qualys Support \
             to enable the China region for the subscription (see \"China region connectors\" \
             in the Qualys docs). Until then Qualys refuses China connectors.",
        )
    })
}
