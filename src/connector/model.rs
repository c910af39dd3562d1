//! A connector's Terraform shape as one typed model, shared by the resource and every data
//! source that reads connectors, and its one conversion to Terraform attribute values.

use std::collections::BTreeMap;

use crate::plugin::value::Value;
use crate::qualys::SyncStatus;

use super::Api;
use super::import_id::ImportId;
use super::regions::Partition;

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

impl Connector {
    /// The one verdict on the connector's syncs that reads the same on every API.
    pub fn sync_status(&self) -> SyncStatus {
        SyncStatus::of_state(self.state.as_deref())
    }

    /// The principal the connector's role must trust: the Qualys account, in the ARN form of
    /// the connector's partition.
    pub fn trust_principal(&self) -> Option<String> {
        let account = self
            .qualys_aws_account_id
            .as_deref()
            .filter(|a| !a.is_empty())?;
        Some(trust_principal(
            partition_of_flags(self.is_gov_cloud, self.is_china_region),
            account,
        ))
    }

    /// The ID `terraform import` and `import` blocks take for this connector.
    pub fn import_id(&self) -> String {
        ImportId {
            api: self.api,
            id: self.id.clone(),
        }
        .to_string()
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

    fn connector(api: Api) -> Connector {
        Connector {
            id: "42".into(),
            api,
            name: Some("c1".into()),
            description: String::new(),
            arn: Some("arn:aws-us-gov:iam::123456789012:role/Q".into()),
            external_id: Some("x1".into()),
            is_gov_cloud: true,
            is_china_region: false,
            is_portal_connector: None,
            polling_minutes: 90,
            all_regions: Some(true),
            cspm_regions: Vec::new(),
            inventory_regions: Vec::new(),
            disabled: false,
            remediation_enabled: Some(false),
            aws_account_id: Some("123456789012".into()),
            qualys_aws_account_id: Some("805950163170".into()),
            state: Some("FINISHED_SUCCESS".into()),
            cloudview_uuid: None,
            attached_to_org_connector: Some(false),
            connector_apps: Some(vec!["AI".into()]),
            activation_modules: None,
            default_tag_ids: Some(vec![7]),
            last_sync: None,
            next_sync: None,
            last_error: None,
            total_assets: Some(3),
        }
    }

    #[test]
    fn the_trust_principal_is_the_qualys_account_in_the_connectors_partition() {
        let c = connector(Api::V3);
        assert_eq!(
            c.trust_principal().as_deref(),
            Some("arn:aws-us-gov:iam::805950163170:root")
        );
        let unknown = Connector {
            qualys_aws_account_id: Some(String::new()),
            ..c
        };
        assert_eq!(unknown.trust_principal(), None);
        assert_eq!(partition_of_flags(true, true), Partition::Gov);
        assert_eq!(partition_of_flags(false, true), Partition::China);
    }

    #[test]
    fn attributes_write_empty_region_lists_as_null_and_the_verdict_by_meaning() {
        let attributes = connector(Api::V2).attributes();
        assert_eq!(attributes["api"], Value::string("v2"));
        assert_eq!(attributes["cspm_regions"], Value::Null);
        assert_eq!(attributes["activation_modules"], Value::Null);
        assert_eq!(
            attributes["connector_apps"],
            Value::Set(vec![Value::string("AI")])
        );
        assert_eq!(
            attributes["default_tag_ids"],
            Value::Set(vec![Value::int(7)])
        );
        assert_eq!(attributes["polling_frequency"], polling_value(90));
        assert_eq!(attributes["sync_status"], Value::string("success"));
        assert_eq!(
            attributes["trust_principal"],
            Value::string("arn:aws-us-gov:iam::805950163170:root")
        );
        assert_eq!(connector(Api::V2).import_id(), "v2:42");
    }

    #[test]
    fn polling_minutes_read_as_hours_and_minutes() {
        let v = polling_value(90);
        assert_eq!(v.get("hours"), &Value::int(1));
        assert_eq!(v.get("minutes"), &Value::int(30));
    }
}
