//! Flatten: an API family's answer as the connector's Terraform shape ([`Connector`]), one
//! per family, so that the resource and the data sources map each field once. Every string
//! Qualys reports is made inert here ([`inert`]): anyone with write access in Qualys chooses
//! it, and Terraform prints it in plans, `show` and outputs as it is.

use crate::qualys::{cloudview, inert, qps};

use super::model::Connector;
use super::validators::parse_role_arn;
use super::{Api, DEFAULT_POLLING_MINUTES};

/// A reported string, inert, or `None` when Qualys reports none or an empty one.
fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().filter(|s| !s.is_empty()).map(inert)
}

/// A reported string that is always there (empty when Qualys reports none), inert.
fn text(s: &Option<String>) -> String {
    inert(s.as_deref().unwrap_or_default())
}

fn account_of(reported: &Option<String>, arn: &Option<String>) -> Option<String> {
    non_empty(reported).or_else(|| {
        arn.as_deref()
            .and_then(|a| parse_role_arn(a).ok())
            .map(|r| r.account_id.to_string())
    })
}

/// A date as Qualys writes it (ISO 8601, or Java's `Wed Jan 13 05:17:58 UTC 2021` in CloudView)
/// as RFC 3339 in UTC; a form not recognised is kept as reported rather than lost.
pub fn rfc3339(reported: &Option<String>) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let text = non_empty(reported)?;
    let java = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:zero] [hour]:[minute]:[second] \
         [ignore count:3] [year]"
    );
    let parsed = time::OffsetDateTime::parse(&text, &Rfc3339)
        .ok()
        .or_else(|| {
            time::PrimitiveDateTime::parse(&text, &java)
                .ok()
                .map(time::PrimitiveDateTime::assume_utc)
        });
    Some(
        parsed
            .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
            .unwrap_or(text),
    )
}

fn sorted_or_none(items: &Option<Vec<String>>) -> Option<Vec<String>> {
    items.as_ref().filter(|v| !v.is_empty()).map(|v| {
        let mut v: Vec<String> = v.iter().map(|s| inert(s)).collect();
        v.sort();
        v.dedup();
        v
    })
}

fn sorted(codes: &Option<Vec<String>>) -> Vec<String> {
    let mut codes: Vec<String> = codes.iter().flatten().map(|s| inert(s)).collect();
    codes.sort();
    codes.dedup();
    codes
}

impl Connector {
    /// Flatten of a QPS connector (v3 or v2, as `api` says).
    pub fn from_qps(c: &qps::Connector, api: Api) -> Connector {
        let all_regions = c.all_regions.unwrap_or(true);
        let scoped = |codes: &Option<Vec<String>>| {
            if all_regions {
                Vec::new()
            } else {
                sorted(codes)
            }
        };
        Connector {
            id: c.id.to_string(),
            api,
            name: non_empty(&c.name),
            description: text(&c.description),
            arn: non_empty(&c.arn),
            external_id: non_empty(&c.external_id),
            is_gov_cloud: c.is_gov_cloud_configured.unwrap_or(false),
            is_china_region: c.is_china_configured.unwrap_or(false),
            is_portal_connector: None,
            polling_minutes: c.run_frequency.unwrap_or(DEFAULT_POLLING_MINUTES),
            all_regions: Some(all_regions),
            cspm_regions: scoped(&c.cspm_regions),
            inventory_regions: scoped(&c.endpoints),
            disabled: c.disabled.unwrap_or(false),
            remediation_enabled: Some(c.is_remediation_enabled.unwrap_or(false)),
            aws_account_id: account_of(&c.aws_account_id, &c.arn),
            qualys_aws_account_id: non_empty(&c.qualys_aws_account_id),
            state: non_empty(&c.connector_state),
            cloudview_uuid: non_empty(&c.cloudview_uuid),
            attached_to_org_connector: Some(c.is_attached_to_org_connector.unwrap_or(false)),
            connector_apps: sorted_or_none(&c.connector_apps),
            activation_modules: sorted_or_none(&c.activation_modules),
            default_tag_ids: c
                .default_tag_ids
                .clone()
                .filter(|t| !t.is_empty())
                .map(|mut t| {
                    t.sort_unstable();
                    t.dedup();
                    t
                }),
            last_sync: rfc3339(&c.last_sync),
            next_sync: rfc3339(&c.next_sync),
            last_error: non_empty(&c.last_error),
            total_assets: c.total_assets,
        }
    }

    /// The attributes a QPS answer reports (the rest of [`Connector::from_qps`]'s output is
    /// its defaults): what a partial create or update answer says.
    pub fn reported_by_qps(c: &qps::Connector) -> Vec<&'static str> {
        let all_regions_known = c.all_regions.is_some();
        [
            ("name", c.name.is_some()),
            ("description", c.description.is_some()),
            ("arn", c.arn.is_some()),
            ("external_id", c.external_id.is_some()),
            (
                "aws_account_id",
                c.aws_account_id.is_some() || c.arn.is_some(),
            ),
            ("qualys_aws_account_id", c.qualys_aws_account_id.is_some()),
            ("all_regions", all_regions_known),
            (
                "cspm_regions",
                all_regions_known && c.cspm_regions.is_some(),
            ),
            (
                "inventory_regions",
                all_regions_known && c.endpoints.is_some(),
            ),
            ("is_gov_cloud", c.is_gov_cloud_configured.is_some()),
            ("is_china_region", c.is_china_configured.is_some()),
            ("disabled", c.disabled.is_some()),
            ("polling_frequency", c.run_frequency.is_some()),
            ("remediation_enabled", c.is_remediation_enabled.is_some()),
            ("state", c.connector_state.is_some()),
            ("cloudview_uuid", c.cloudview_uuid.is_some()),
            (
                "attached_to_org_connector",
                c.is_attached_to_org_connector.is_some(),
            ),
            ("connector_apps", c.connector_apps.is_some()),
            ("activation_modules", c.activation_modules.is_some()),
            ("default_tag_ids", c.default_tag_ids.is_some()),
            ("last_sync", c.last_sync.is_some()),
            ("next_sync", c.next_sync.is_some()),
            ("last_error", c.last_error.is_some()),
            ("total_assets", c.total_assets.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, reported)| reported.then_some(name))
        .collect()
    }

    /// Flatten of a CloudView connector.
    pub fn from_cloudview(c: &cloudview::Connector) -> Connector {
        Connector {
            id: inert(&c.connector_id),
            api: Api::CloudView,
            name: non_empty(&c.name),
            description: text(&c.description),
            arn: non_empty(&c.arn),
            external_id: non_empty(&c.external_id),
            is_gov_cloud: c.is_gov_cloud.unwrap_or(false),
            is_china_region: c.is_china_region.unwrap_or(false),
            is_portal_connector: Some(c.is_portal_connector.unwrap_or(false)),
            polling_minutes: c
                .polling_frequency
                .map(|p| p.hours * 60 + p.minutes)
                .unwrap_or(DEFAULT_POLLING_MINUTES),
            all_regions: None,
            cspm_regions: Vec::new(),
            inventory_regions: Vec::new(),
            disabled: c.is_disabled.unwrap_or(false),
            remediation_enabled: Some(c.remediation_enabled.unwrap_or(false)),
            aws_account_id: account_of(&c.aws_account_id, &c.arn),
            qualys_aws_account_id: non_empty(&c.base_account_id),
            state: non_empty(&c.state),
            cloudview_uuid: Some(inert(&c.connector_id)),
            attached_to_org_connector: None,
            connector_apps: None,
            activation_modules: None,
            default_tag_ids: None,
            last_sync: rfc3339(&c.last_synced_on),
            next_sync: rfc3339(&c.next_synced_on),
            last_error: non_empty(&c.error),
            total_assets: c.total_assets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qps_connector_scanning_all_regions_reads_with_empty_lists() {
        let c: qps::Connector = serde_json::from_str(
            r#"{"id": 42, "name": "c1", "arn": "arn:aws:iam::123456789012:role/Q",
                "allRegions": true, "cspmRegions": {"list": [
                  {"CspmRegionSimple": {"regionCode": "us-east-1"}}]},
                "connectorAppInfos": [], "runFrequency": 90}"#,
        )
        .unwrap();
        let connector = Connector::from_qps(&c, Api::V2);
        assert_eq!(connector.id, "42");
        assert_eq!(connector.api, Api::V2);
        assert!(connector.cspm_regions.is_empty());
        assert_eq!(connector.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(
            connector.connector_apps, None,
            "an empty list reads as none"
        );
        assert_eq!(connector.polling_minutes, 90);
        assert_eq!(connector.is_portal_connector, None);
        assert!(Connector::reported_by_qps(&c).contains(&"aws_account_id"));
        assert!(!Connector::reported_by_qps(&c).contains(&"external_id"));
    }

    #[test]
    fn a_cloudview_connector_is_its_own_uuid_and_polls_in_hours_and_minutes() {
        let c: cloudview::Connector = serde_json::from_str(
            r#"{"connectorId": "8889b18b-6f92-43d3-8afd-6d9d144177e8", "name": "c1",
                "pollingFrequency": {"hours": 6, "minutes": 30}, "baseAccountId": "805950163170",
                "lastSyncedOn": "Wed Jan 13 05:17:58 UTC 2021", "isDisabled": true}"#,
        )
        .unwrap();
        let connector = Connector::from_cloudview(&c);
        assert_eq!(connector.api, Api::CloudView);
        assert_eq!(
            connector.cloudview_uuid.as_deref(),
            Some(c.connector_id.as_str())
        );
        assert_eq!(connector.polling_minutes, 390);
        assert_eq!(
            connector.qualys_aws_account_id.as_deref(),
            Some("805950163170")
        );
        assert_eq!(connector.last_sync.as_deref(), Some("2021-01-13T05:17:58Z"));
        assert!(connector.disabled);
        assert_eq!(connector.all_regions, None, "CloudView has no region scope");
    }

    #[test]
    fn every_text_qualys_reports_reaches_terraform_inert() {
        let c: cloudview::Connector = serde_json::from_str(
            r#"{"connectorId": "8889b18b-6f92-43d3-8afd-6d9d144177e8",
                "name": "n\u001b[2J", "description": "Apply complete!\r\u001b]0;t\u0007",
                "error": "e\u001b[31m\u202e", "state": "SUCCESS\u200b"}"#,
        )
        .unwrap();
        let connector = Connector::from_cloudview(&c);
        assert_eq!(connector.name.as_deref(), Some("n\\u{1b}[2J"));
        assert_eq!(connector.description, "Apply complete! \\u{1b}]0;t\\u{7}");
        assert_eq!(
            connector.last_error.as_deref(),
            Some("e\\u{1b}[31m\\u{202e}")
        );
        assert_eq!(connector.state.as_deref(), Some("SUCCESS\\u{200b}"));
    }

    #[test]
    fn qualys_dates_read_as_rfc3339() {
        let date = |s: &str| rfc3339(&Some(s.to_string()));
        assert_eq!(
            date("2021-01-13T05:17:58Z").as_deref(),
            Some("2021-01-13T05:17:58Z")
        );
        assert_eq!(
            date("Wed Jan 13 05:17:58 UTC 2021").as_deref(),
            Some("2021-01-13T05:17:58Z")
        );
        assert_eq!(
            date("Fri Jan 30 06:29:04 GMT 2026").as_deref(),
            Some("2026-01-30T06:29:04Z")
        );
        assert_eq!(date("yesterday").as_deref(), Some("yesterday"));
        assert_eq!(rfc3339(&Some(String::new())), None);
    }
}
