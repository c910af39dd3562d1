//! Plan-time validation: everything about a configuration that can be checked before any API
//! call, each error pointing at its attribute, and never an error for an unknown value. The
//! rules about a connector are the connector module's; `timeouts` and the plan's warnings
//! are the resource's.

use std::time::Duration;

use crate::connector::validators::{
    APPS, MODULES, RegionCode, error_at, known_strings, partition_of, validate_api, validate_codes,
    validate_for_api, validate_partition, validate_polling, validate_region_code, validate_regions,
    validate_tag_ids, validate_text,
};
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::value::Value;

use super::schema::TIMEOUTS;

/// Everything about a configuration that can be checked before any API call.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let api = validate_api(config, &mut diags);
    validate_text(config, &mut diags);
    validate_partition(config, &mut diags);
    if let Some(api) = api {
        validate_for_api(config, api, &mut diags);
    }
    validate_codes(config, "connector_apps", &APPS, &mut diags);
    validate_codes(config, "activation_modules", &MODULES, &mut diags);
    validate_tag_ids(config.get("default_tag_ids"), &mut diags);
    validate_polling(config.get("polling_frequency"), &mut diags);
    validate_timeouts(config.get("timeouts"), &mut diags);
    validate_regions(config, partition_of(config), &mut diags);
    diags
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
