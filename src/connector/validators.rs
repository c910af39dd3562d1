//! The rules a connector's configuration follows, declared once: small named checks of one
//! value, each returning the user-facing reason it fails, and the rules over a configuration
//! built on them, each diagnostic at its attribute. None fires on an unknown value.

use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::value::Value;
use crate::qualys::inert;

use super::regions::{self, Partition};
use super::{Api, DEFAULT_POLLING_MINUTES};

/// An IAM role ARN, split: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn<'a> {
    pub partition: Partition,
    pub account_id: &'a str,
    pub role: &'a str,
}

pub fn parse_role_arn(arn: &str) -> Result<RoleArn<'_>, String> {
    let shape = "an IAM role ARN looks like arn:aws:iam::123456789012:role/QualysConnector \
                 (partition aws, aws-us-gov or aws-cn)";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account_id, resource] = parts[..] else {
        return Err(format!("{arn:?} is not an ARN; {shape}."));
    };
    if prefix != "arn" {
        return Err(format!("{arn:?} does not start with \"arn:\"; {shape}."));
    }
    let partition = match partition {
        "aws" => Partition::Global,
        "aws-us-gov" => Partition::Gov,
        "aws-cn" => Partition::China,
        other => {
            return Err(format!(
                "{arn:?} has partition {other:?}; Qualys connectors support aws, aws-us-gov and aws-cn."
            ));
        }
    };
    if service != "iam" || !region.is_empty() {
        return Err(format!("{arn:?} is not an IAM ARN; {shape}."));
    }
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{arn:?} has account {account_id:?}; an AWS account ID is exactly 12 digits."
        ));
    }
    let role = resource
        .strip_prefix("role/")
        .filter(|r| !r.is_empty() && !r.ends_with('/'))
        .ok_or_else(|| format!("{arn:?} does not name a role (role/<name>); {shape}."))?;
    if !role
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
    {
        return Err(format!(
            "{arn:?} has characters IAM does not allow in a role name."
        ));
    }
    Ok(RoleArn {
        partition,
        account_id,
        role,
    })
}

/// AWS's rule for an external ID in a role's trust policy (QPS connectors).
pub fn validate_aws_external_id(id: &str) -> Result<(), String> {
    let len = id.chars().count();
    if !(2..=1224).contains(&len) {
        return Err(format!(
            "an external ID has 2 to 1224 characters; this one has {len}."
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(*c)))
    {
        return Err(format!(
            "{bad:?} is not allowed in an external ID (letters, digits and +=,.@:/_- are)."
        ));
    }
    Ok(())
}

/// CloudView's external-ID format for new and updated connectors (seed 000):
/// `<Qualys POD>-<Qualys subscription ID>-<5 to 13 letters or digits>`.
pub fn validate_cloudview_external_id(id: &str) -> Result<(), String> {
    crate::external_id::parse(id)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn validate_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if (1..=255).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "a connector name has 1 to 255 characters; this one has {len}."
        ))
    }
}

/// A name or description without leading or trailing whitespace: Qualys's XML API (v2) answers
/// such text trimmed, so a padded value would never read back as configured (an "inconsistent
/// result after apply", and a replacement on every apply). The rule holds on every API, so a
/// configuration does not start failing when its `api` changes.
pub fn validate_no_edge_whitespace(text: &str) -> Result<(), String> {
    let edge = if text.starts_with(char::is_whitespace) {
        "starts"
    } else if text.ends_with(char::is_whitespace) {
        "ends"
    } else {
        return Ok(());
    };
    Err(format!(
        "{:?} {edge} with whitespace, which Qualys trims (its XML API answers the text without \
         it): write {:?}.",
        text,
        text.trim()
    ))
}

/// How a region code stands against the supported-region table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionCode {
    /// In the table, for the connector's partition.
    Supported,
    /// Well formed and of the connector's partition, but not in the table: a region AWS (and
    /// maybe Qualys) added after this provider's release. Qualys decides at apply.
    NotListed,
}

/// The partition an AWS region code belongs to by its form (`cn-...`, `us-gov-...`, others
/// commercial), if it is a well-formed code: `<2 letters>[-gov]-<direction>-<number>`, such
/// as `eu-central-2` or `us-gov-east-1`.
pub fn region_code_partition(code: &str) -> Option<Partition> {
    let parts: Vec<&str> = code.split('-').collect();
    let (geo, rest) = parts.split_first()?;
    let rest = match rest {
        ["gov", rest @ ..] => rest,
        rest => rest,
    };
    let well_formed = geo.len() == 2
        && geo.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() == 2
        && !rest[0].is_empty()
        && rest[0].bytes().all(|b| b.is_ascii_lowercase())
        && (1..=2).contains(&rest[1].len())
        && rest[1].bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return None;
    }
    Some(if code.starts_with("us-gov-") {
        Partition::Gov
    } else if *geo == "cn" {
        Partition::China
    } else {
        Partition::Global
    })
}

/// A region code for connectors in `partition`: supported, or well formed and of the right
/// partition but not listed (a warning, not an error: Qualys decides at apply). Codes of
/// another partition, and malformed codes, are errors.
pub fn validate_region_code(code: &str, partition: Partition) -> Result<RegionCode, String> {
    region_code_in(code, partition, None)
}

/// [`validate_region_code`], with what in the configuration puts the connector in `partition`
/// (`why_partition`) said in the error for a code of another partition.
fn region_code_in(
    code: &str,
    partition: Partition,
    why_partition: Option<&str>,
) -> Result<RegionCode, String> {
    let other_partition = |of: Partition| {
        let why = why_partition
            .map(|why| format!(" ({why})"))
            .unwrap_or_default();
        format!(
            "{code:?} is a {of} region, but this connector is in the {partition} partition{why}."
        )
    };
    match regions::find(code) {
        Some(r) if r.partition == partition => Ok(RegionCode::Supported),
        Some(r) => Err(other_partition(r.partition)),
        None => match region_code_partition(code) {
            Some(of) if of == partition => Ok(RegionCode::NotListed),
            Some(of) => Err(other_partition(of)),
            None => {
                let valid: Vec<&str> = regions::regions(Some(partition))
                    .iter()
                    .map(|r| r.code)
                    .collect();
                Err(format!(
                    "{code:?} is not an AWS region code (such as \"us-east-1\"). Qualys supports \
                     for {} connectors: {}. The qualys_aws_regions data source lists them.",
                    partition,
                    valid.join(", ")
                ))
            }
        },
    }
}

/// What in `config` puts the connector in `partition`, in the values the configuration holds:
/// a flag set to true, else the role's ARN (flags left out or false follow it), else the flags.
fn partition_source(config: &Value, partition: Partition) -> String {
    if let Some((flag, _)) = PARTITION_FLAGS
        .iter()
        .find(|(flag, p)| *p == partition && config.get(flag).as_bool() == Some(true))
    {
        return format!("{flag} = true");
    }
    let set: Vec<String> = PARTITION_FLAGS
        .iter()
        .filter_map(|(flag, _)| config.get(flag).as_bool().map(|v| format!("{flag} = {v}")))
        .collect();
    let flags = if set.is_empty() {
        "is_gov_cloud and is_china_region left out".to_string()
    } else {
        set.join(", ")
    };
    if arn_partition(config) == Some(partition) {
        format!(
            "the role's ARN is in {:?}; {flags}",
            partition.arn_partition()
        )
    } else {
        flags
    }
}

/// Polling frequency: whole hours and minutes, 60 to 1440 minutes in all.
pub fn validate_polling_frequency(hours: i64, minutes: i64) -> Result<u32, String> {
    if hours < 0 || !(0..=59).contains(&minutes) {
        return Err(format!(
            "hours must be 0 or more and minutes 0 to 59; got hours = {hours}, minutes = {minutes}."
        ));
    }
    let total = hours * 60 + minutes;
    if !(60..=1440).contains(&total) {
        return Err(format!(
            "the polling frequency must be between 1 hour and 24 hours (60 to 1440 minutes); \
             got {total} minutes."
        ));
    }
    u32::try_from(total).map_err(|_| "polling frequency out of range".to_string())
}

/// An error at attribute `path`.
pub fn error_at(path: &str, summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(summary, detail).at(AttrPath::attr(path))
}

/// The partition of the role `arn` names: `None` while unknown or not a role ARN.
pub fn arn_partition(v: &Value) -> Option<Partition> {
    v.get("arn")
        .as_str()
        .and_then(|arn| parse_role_arn(arn).ok())
        .map(|role| role.partition)
}

/// The partition flags (`is_gov_cloud`, `is_china_region`) and the partition each stands for.
pub const PARTITION_FLAGS: [(&str, Partition); 2] = [
    ("is_gov_cloud", Partition::Gov),
    ("is_china_region", Partition::China),
];

/// What a partition flag left out of the configuration becomes: what the role's ARN says
/// (`None` while the ARN is unknown).
pub fn flag_from_arn(v: &Value, flag_partition: Partition) -> Option<bool> {
    arn_partition(v).map(|p| p == flag_partition)
}

/// The connector's partition: what a flag set to true says, else what the ARN says (flags left
/// out follow it), else commercial when both flags are false; `None` while unknown.
pub fn partition_of(config: &Value) -> Option<Partition> {
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
pub fn known_strings(v: &Value) -> Vec<&str> {
    v.elements()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// `api`, when known, names an API; `None` while unknown or invalid (a left-out `api` is v3).
pub fn validate_api(config: &Value, diags: &mut Diagnostics) -> Option<Api> {
    match config.get("api") {
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
    }
}

/// Text free of control, bidi and zero-width characters: what Qualys reports is shown with
/// them escaped ([`inert`]), so a configured value holding one would differ from its own
/// reading on every plan.
pub fn validate_inert(text: &str) -> Result<(), String> {
    let shown = inert(text);
    if shown == text {
        return Ok(());
    }
    Err(format!(
        "{shown:?} holds a control, bidirectional or zero-width character (a line break, tab, \
         escape sequence or invisible mark, shown escaped here). The provider shows every text \
         Qualys holds with such characters escaped, so that none reaches a terminal, and this \
         value would never read back as configured: remove them."
    ))
}

/// `name` in Qualys's bounds; `name` and `description` neither padded with whitespace nor
/// holding characters a terminal acts on (`arn` and `external_id` have character sets of their
/// own).
pub fn validate_text(config: &Value, diags: &mut Diagnostics) {
    if let Some(name) = config.get("name").as_str()
        && let Err(why) = validate_name(name)
    {
        diags.push(error_at("name", "Invalid name", why));
    }
    for attr in ["name", "description"] {
        let Some(text) = config.get(attr).as_str() else {
            continue;
        };
        // One error per value: a trailing tab is told as whitespace.
        if let Err(why) = validate_no_edge_whitespace(text) {
            diags.push(error_at(
                attr,
                format!("{attr} has leading or trailing whitespace"),
                why,
            ));
        } else if let Err(why) = validate_inert(text) {
            diags.push(error_at(
                attr,
                format!("{attr} holds a control or invisible character"),
                why,
            ));
        }
    }
}

/// One partition: not both flags, a role ARN, and no flag set against the role's partition.
pub fn validate_partition(config: &Value, diags: &mut Diagnostics) {
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
}

/// What only some APIs take: the QPS-only arguments, CloudView's `is_portal_connector`, and
/// AWS's external-ID rule for the QPS APIs.
pub fn validate_for_api(config: &Value, api: Api, diags: &mut Diagnostics) {
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

/// Region codes of the connector's `partition` (once known), lists only with
/// `all_regions = false`, and every inventory region a CSPM region.
pub fn validate_regions(config: &Value, partition: Option<Partition>, diags: &mut Diagnostics) {
    let cspm = config.get("cspm_regions");
    let inventory = config.get("inventory_regions");
    for (name, list) in [("cspm_regions", cspm), ("inventory_regions", inventory)] {
        if let Some(partition) = partition {
            let source = partition_source(config, partition);
            for code in known_strings(list) {
                // A well-formed code of the right partition that the table lacks is Qualys's to
                // judge: the plan warns (see `unlisted_regions`).
                if let Err(why) = region_code_in(code, partition, Some(&source)) {
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

/// `polling_frequency`: each field a whole number in its range, and 1 to 24 hours in all once
/// the defaults of the fields left out are applied.
pub fn validate_polling(pf: &Value, diags: &mut Diagnostics) {
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
pub fn polling_fields(hours: Option<i64>, minutes: Option<i64>) -> (i64, i64) {
    match (hours, minutes) {
        (None, None) => (i64::from(DEFAULT_POLLING_MINUTES / 60), 0),
        (h, m) => (h.unwrap_or(0), m.unwrap_or(0)),
    }
}

/// The connector apps Qualys's scripts name (public evidence 2).
pub const APPS: [&str; 3] = ["AI", "CI", "CSA"];
/// The activation modules seen in Qualys's scripts and docs (public evidence 2, 3).
pub const MODULES: [&str; 6] = ["VM", "PC", "CERTVIEW", "CLOUDVIEW", "SCA", "CSA"];

/// The codes of set `name` among `allowed`.
pub fn validate_codes(config: &Value, name: &str, allowed: &[&str], diags: &mut Diagnostics) {
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

/// Tag ids: positive whole numbers.
pub fn validate_tag_ids(tags: &Value, diags: &mut Diagnostics) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(diags: &Diagnostics) -> Vec<String> {
        diags
            .0
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn configuration_rules_never_fire_on_unknown_values() {
        let unknown = Value::object([
            ("api", Value::Unknown),
            ("name", Value::Unknown),
            ("arn", Value::Unknown),
            ("is_gov_cloud", Value::Unknown),
            ("all_regions", Value::Unknown),
            ("cspm_regions", Value::Set(vec![Value::Unknown])),
            ("connector_apps", Value::Unknown),
            ("polling_frequency", Value::Unknown),
        ]);
        let mut diags = Diagnostics::default();
        assert_eq!(validate_api(&unknown, &mut diags), None);
        validate_text(&unknown, &mut diags);
        validate_partition(&unknown, &mut diags);
        validate_codes(&unknown, "connector_apps", &APPS, &mut diags);
        validate_polling(unknown.get("polling_frequency"), &mut diags);
        validate_regions(&unknown, partition_of(&unknown), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(partition_of(&unknown), None);
    }

    #[test]
    fn an_api_left_out_is_v3_and_a_wrong_one_is_an_error_at_api() {
        let mut diags = Diagnostics::default();
        let config = |api: Value| Value::object([("api", api)]);
        assert_eq!(
            validate_api(&config(Value::Null), &mut diags),
            Some(Api::V3)
        );
        assert_eq!(validate_api(&config(Value::string("v4")), &mut diags), None);
        assert_eq!(paths(&diags), ["api"]);
        assert!(diags.0[0].detail.contains("got \"v4\""), "{diags:?}");
    }

    #[test]
    fn qps_only_arguments_are_errors_at_each_with_cloudview() {
        let config = Value::object([
            ("all_regions", Value::Bool(true)),
            ("default_tag_ids", Value::Set(vec![Value::int(1)])),
            ("is_portal_connector", Value::Bool(true)),
        ]);
        let mut diags = Diagnostics::default();
        validate_for_api(&config, Api::CloudView, &mut diags);
        assert_eq!(paths(&diags), ["all_regions", "default_tag_ids"]);
        let mut diags = Diagnostics::default();
        validate_for_api(&config, Api::V2, &mut diags);
        assert_eq!(paths(&diags), ["is_portal_connector"]);
    }

    #[test]
    fn a_flag_left_out_follows_the_role_and_a_set_one_decides() {
        let gov_arn = Value::string("arn:aws-us-gov:iam::123456789012:role/Q");
        let config = Value::object([("arn", gov_arn.clone())]);
        assert_eq!(partition_of(&config), Some(Partition::Gov));
        assert_eq!(flag_from_arn(&config, Partition::China), Some(false));
        let config = Value::object([("arn", gov_arn), ("is_china_region", Value::Bool(true))]);
        assert_eq!(partition_of(&config), Some(Partition::China));
        let mut diags = Diagnostics::default();
        validate_partition(&config, &mut diags);
        assert_eq!(paths(&diags), ["arn"]);
        assert_eq!(polling_fields(None, None), (4, 0));
        assert_eq!(polling_fields(None, Some(30)), (0, 30));
    }

    #[test]
    fn configured_text_holds_nothing_a_terminal_acts_on() {
        for bad in [
            "a\u{1b}[31mb",
            "a\u{1b}]0;t\u{7}",
            "a\rb",
            "a\u{202e}b",
            "two\nlines",
        ] {
            let config = Value::object([("description", Value::string(bad))]);
            let mut diags = Diagnostics::default();
            validate_text(&config, &mut diags);
            assert_eq!(paths(&diags), ["description"], "{bad:?}");
        }
        assert!(validate_inert("plain text, émigré").is_ok());
    }

    #[test]
    fn role_arns() {
        let a = parse_role_arn("arn:aws-us-gov:iam::123456789012:role/path/Qualys").unwrap();
        assert_eq!(a.partition, Partition::Gov);
        assert_eq!(a.account_id, "123456789012");
        assert_eq!(a.role, "path/Qualys");
        for bad in [
            "arn:aws:iam::12345:role/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:user/x",
            "arn:azure:iam::123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "not an arn",
        ] {
            assert!(parse_role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aws_external_ids() {
        assert!(validate_aws_external_id("pod-test-env").is_ok());
        assert!(validate_aws_external_id("x").is_err());
        assert!(validate_aws_external_id("has space").is_err());
        assert!(validate_aws_external_id(&"a".repeat(1225)).is_err());
    }

    #[test]
    fn cloudview_external_ids() {
        assert!(validate_cloudview_external_id("USPOD01-4765-9011278609223").is_ok());
        assert!(validate_cloudview_external_id("USPOD01-4765-abcde").is_ok());
        for bad in [
            "pod-test-env",
            "USPOD01-4765-abcd",
            "USPOD01-4765-abcdefghijklmn",
            "USPOD01-47a5-abcdef",
            "USPOD01-4765-abc_def",
            "USPOD01-4765",
        ] {
            assert!(validate_cloudview_external_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_region_of_another_partition_says_what_the_configuration_holds() {
        let gov_role = "arn:aws-us-gov:iam::123456789012:role/QualysConnector";
        let region_error = |flags: &[(&str, bool)], arn: &str| {
            let mut config = vec![
                ("arn", Value::string(arn)),
                ("all_regions", Value::Bool(false)),
                ("cspm_regions", Value::Set(vec![Value::string("us-east-1")])),
            ];
            config.extend(flags.iter().map(|(flag, v)| (*flag, Value::Bool(*v))));
            let config = Value::object(config);
            let mut diags = Diagnostics::default();
            validate_regions(&config, partition_of(&config), &mut diags);
            diags
                .0
                .into_iter()
                .map(|d| d.detail)
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            region_error(&[("is_gov_cloud", false)], gov_role),
            "\"us-east-1\" is a global region, but this connector is in the gov partition \
             (the role's ARN is in \"aws-us-gov\"; is_gov_cloud = false)."
        );
        assert!(region_error(&[], gov_role).ends_with(
            "(the role's ARN is in \"aws-us-gov\"; is_gov_cloud and is_china_region left out)."
        ));
        assert!(
            region_error(&[("is_gov_cloud", true)], gov_role).ends_with("(is_gov_cloud = true).")
        );
    }

    #[test]
    fn region_codes_by_partition() {
        assert_eq!(
            validate_region_code("us-east-1", Partition::Global),
            Ok(RegionCode::Supported)
        );
        let wrong = validate_region_code("us-gov-west-1", Partition::Global).unwrap_err();
        assert!(wrong.contains("gov region"), "{wrong}");
        // Well formed but newer than the table: Qualys decides.
        assert_eq!(
            validate_region_code("eu-central-2", Partition::Global),
            Ok(RegionCode::NotListed)
        );
        assert_eq!(
            validate_region_code("us-gov-north-9", Partition::Gov),
            Ok(RegionCode::NotListed)
        );
        // Partition rules stay errors, for listed and unlisted codes alike.
        let wrong = validate_region_code("cn-south-7", Partition::Global).unwrap_err();
        assert!(wrong.contains("china region"), "{wrong}");
        let wrong = validate_region_code("us-moon-1", Partition::China).unwrap_err();
        assert!(wrong.contains("global region"), "{wrong}");
        for malformed in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "eu-central-2a",
            "e-central-1",
            "",
        ] {
            let why = validate_region_code(malformed, Partition::Global).unwrap_err();
            assert!(why.contains("not an AWS region code"), "{malformed}: {why}");
        }
    }

    #[test]
    fn polling_frequency_bounds() {
        assert_eq!(validate_polling_frequency(4, 0), Ok(240));
        assert_eq!(validate_polling_frequency(24, 0), Ok(1440));
        assert!(validate_polling_frequency(0, 59).is_err());
        assert!(validate_polling_frequency(24, 1).is_err());
        assert!(validate_polling_frequency(1, 60).is_err());
    }
}
