//! A connector's Terraform shape as one typed model, shared by the resource and every data
//! source that reads connectors: one flatten per API family (the client's models to
//! [`Connector`]), and one conversion of the model to Terraform attribute values.

use std::collections::BTreeMap;

use crate::plugin::value::Value;
use crate::qualys::{SyncStatus, cloudview, qps};
use crate::regions::Partition;
use crate::resources::validators::parse_role_arn;

use super::{Api, DEFAULT_POLLING_MINUTES};

/// A connector as Qualys reports it, in the resource's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    pub id: String,
    pub api: Api,
    pub name: Option<String>,
    pub description: String,
    pub arn: Option<String>,
    pub external_id: Option<String>,
    pub is_gov_cloud: bool,
    pub is_china_region: bool,
    /// CloudView only: whether a portal connector is linked.
    pub is_portal_connector: Option<bool>,
    pub polling_minutes: u32,
    /// QPS only.
    pub all_regions: Option<bool>,
    /// QPS only; empty when `all_regions` is true (the lists do not apply then).
    pub cspm_regions: Vec<String>,
    pub inventory_regions: Vec<String>,
    pub disabled: bool,
    /// QPS only.
    pub remediation_enabled: Option<bool>,
    pub aws_account_id: Option<String>,
    pub qualys_aws_account_id: Option<String>,
    pub state: Option<String>,
    pub cloudview_uuid: Option<String>,
    /// QPS only: whether an AWS organization connector manages this one.
    pub attached_to_org_connector: Option<bool>,
    /// QPS only: app names (`AI`, `CI`, `CSA`), modules and default tag ids; `None` when
    /// Qualys reports none.
    pub connector_apps: Option<Vec<String>>,
    pub activation_modules: Option<Vec<String>>,
    pub default_tag_ids: Option<Vec<u64>>,
    /// RFC 3339 when Qualys's date reads as one of its forms, else as reported.
    pub last_sync: Option<String>,
    pub next_sync: Option<String>,
    pub last_error: Option<String>,
    pub total_assets: Option<u64>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
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
        let mut v = v.clone();
        v.sort();
        v.dedup();
        v
    })
}

fn sorted(codes: &Option<Vec<String>>) -> Vec<String> {
    let mut codes = codes.clone().unwrap_or_default();
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
            description: c.description.clone().unwrap_or_default(),
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
            id: c.connector_id.clone(),
            api: Api::CloudView,
            name: non_empty(&c.name),
            description: c.description.clone().unwrap_or_default(),
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
            cloudview_uuid: Some(c.connector_id.clone()),
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

    /// The one verdict on the connector's syncs that reads the same on every API.
    pub fn sync_status(&self) -> SyncStatus {
        SyncStatus::of_state(self.state.as_deref())
    }

    /// The principal the connector's role must trust: the Qualys account, in the ARN form of
    /// the connector's partition.
    pub fn trust_principal(&self) -> Option<String> {
        let account = non_empty(&self.qualys_aws_account_id)?;
        Some(trust_principal(
            partition_of_flags(self.is_gov_cloud, self.is_china_region),
            &account,
        ))
    }

    /// The ID `terraform import` and `import` blocks take for this connector.
    pub fn import_id(&self) -> String {
        format!("{}:{}", self.api.as_str(), self.id)
    }

    /// The connector's attributes as Terraform values (region lists null when empty),
    /// keyed by attribute name.
    pub fn attributes(&self) -> BTreeMap<String, Value> {
        let string = |s: &Option<String>| s.clone().map(Value::string).unwrap_or(Value::Null);
        let flag = |b: Option<bool>| b.map(Value::Bool).unwrap_or(Value::Null);
        let regions = |codes: &[String]| {
            if codes.is_empty() {
                Value::Null
            } else {
                Value::Set(codes.iter().cloned().map(Value::string).collect())
            }
        };
        [
            ("id", Value::string(self.id.clone())),
            ("api", Value::string(self.api.as_str())),
            ("name", string(&self.name)),
            ("description", Value::string(self.description.clone())),
            ("arn", string(&self.arn)),
            ("external_id", string(&self.external_id)),
            ("is_gov_cloud", Value::Bool(self.is_gov_cloud)),
            ("is_china_region", Value::Bool(self.is_china_region)),
            ("is_portal_connector", flag(self.is_portal_connector)),
            ("polling_frequency", polling_value(self.polling_minutes)),
            ("all_regions", flag(self.all_regions)),
            ("cspm_regions", regions(&self.cspm_regions)),
            ("inventory_regions", regions(&self.inventory_regions)),
            ("disabled", Value::Bool(self.disabled)),
            ("remediation_enabled", flag(self.remediation_enabled)),
            ("aws_account_id", string(&self.aws_account_id)),
            ("qualys_aws_account_id", string(&self.qualys_aws_account_id)),
            ("trust_principal", string(&self.trust_principal())),
            ("state", string(&self.state)),
            ("sync_status", Value::string(self.sync_status().as_str())),
            ("cloudview_uuid", string(&self.cloudview_uuid)),
            (
                "attached_to_org_connector",
                flag(self.attached_to_org_connector),
            ),
            ("connector_apps", set_of(&self.connector_apps)),
            ("activation_modules", set_of(&self.activation_modules)),
            (
                "default_tag_ids",
                self.default_tag_ids
                    .as_ref()
                    .map(|ids| {
                        Value::Set(ids.iter().map(|id| Value::int(id_number(*id))).collect())
                    })
                    .unwrap_or(Value::Null),
            ),
            ("last_sync", string(&self.last_sync)),
            ("next_sync", string(&self.next_sync)),
            ("last_error", string(&self.last_error)),
            (
                "total_assets",
                self.total_assets
                    .map(|n| Value::int(id_number(n)))
                    .unwrap_or(Value::Null),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// A connector's partition from its flags (GovCloud wins, as Qualys's own flags never both hold).
pub fn partition_of_flags(is_gov_cloud: bool, is_china_region: bool) -> Partition {
    match (is_gov_cloud, is_china_region) {
        (true, _) => Partition::Gov,
        (false, true) => Partition::China,
        (false, false) => Partition::Global,
    }
}

/// `arn:<partition>:iam::<account>:root`, what a role's trust policy names.
pub fn trust_principal(partition: Partition, account: &str) -> String {
    format!("arn:{}:iam::{account}:root", partition.arn_partition())
}

fn set_of(items: &Option<Vec<String>>) -> Value {
    items
        .as_ref()
        .map(|v| Value::Set(v.iter().cloned().map(Value::string).collect()))
        .unwrap_or(Value::Null)
}

/// A count or id as a Terraform number (they stay far below `i64::MAX`).
fn id_number(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `polling_frequency` as a value: `{ hours, minutes }`.
pub fn polling_value(minutes: u32) -> Value {
    Value::object([
        ("hours", Value::int(i64::from(minutes / 60))),
        ("minutes", Value::int(i64::from(minutes % 60))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

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
