//! The CloudView connector as CloudView reports it ([`Connector`]) and as the provider sends
//! it ([`ConnectorSpec`]), and one page of the connector list ([`Page`]).

use serde::{Deserialize, Serialize};

use crate::qualys::error::Error;
use crate::qualys::identity::require_identity;
use crate::qualys::lenient;

/// How often CloudView polls the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollingFrequency {
    #[serde(deserialize_with = "req_u32")]
    pub hours: u32,
    #[serde(deserialize_with = "req_u32")]
    pub minutes: u32,
}

fn req_u32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    Ok(lenient::opt_u32(d)?.unwrap_or(0))
}

/// A CloudView AWS connector as Qualys reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    /// The connector's UUID.
    #[serde(deserialize_with = "req_string")]
    pub connector_id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub provider: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub total_assets: Option<u64>,
    /// Java date form, e.g. `Wed Jan 13 05:17:58 UTC 2021`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_synced_on: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next_synced_on: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_gov_cloud: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_china_region: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_disabled: Option<bool>,
    #[serde(default)]
    pub polling_frequency: Option<PollingFrequency>,
    /// An error code such as `50004`, or empty.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error: Option<String>,
    /// The Qualys AWS account the role must trust.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub base_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub arn: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub portal_connector_uuid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_portal_connector: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub remediation_enabled: Option<bool>,
}

impl Connector {
    /// `Err(Error::Incomplete)` unless the connector has a name, an ARN and an external ID.
    pub(crate) fn require_identity(&self, context: &str, created: bool) -> Result<(), Error> {
        require_identity(
            || format!("CloudView {context}, connector {}", self.connector_id),
            created.then(|| self.connector_id.clone()),
            [
                ("name", self.name.as_deref()),
                ("arn", self.arn.as_deref()),
                ("externalId", self.external_id.as_deref()),
            ],
        )
    }
}

fn req_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match lenient::opt_string(d)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(serde::de::Error::custom("connectorId is missing or empty")),
    }
}

/// The body of a create or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorSpec {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub arn: String,
    /// `<Qualys POD>-<subscription id>-<5 to 13 letters or digits>` for new or updated
    /// connectors.
    pub external_id: String,
    pub is_gov_cloud: bool,
    pub is_china_region: bool,
    pub is_portal_connector: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_frequency: Option<PollingFrequency>,
    /// `remediationEnabled` (CloudView's Swagger spec): whether CloudView may remediate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation_enabled: Option<bool>,
}

/// One page of the connector list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub connectors: Vec<Connector>,
    /// 0-based page number.
    pub number: u32,
    pub total_pages: Option<u32>,
    pub total_elements: Option<u64>,
    pub last: bool,
}
