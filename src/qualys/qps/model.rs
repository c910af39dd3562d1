//! The QPS connector as Qualys reports it ([`Connector`], with the readers of its QLists) and
//! as the provider asks for it ([`ConnectorSpec`]), and the API's two dialects
//! ([`QpsVersion`]).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::lenient::{Tree, region_codes, req_u64};
use crate::qualys::error::Error;
use crate::qualys::identity::require_identity;
use crate::qualys::lenient;

/// Which dialect of the QPS API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QpsVersion {
    /// `/qps/rest/3.0`, JSON.
    V3,
    /// `/qps/rest/2.0`, XML.
    V2,
}

impl QpsVersion {
    pub(super) fn path(self) -> &'static str {
        match self {
            QpsVersion::V3 => "3.0",
            QpsVersion::V2 => "2.0",
        }
    }

    pub(super) fn media_type(self) -> &'static str {
        match self {
            QpsVersion::V3 => "application/json",
            QpsVersion::V2 => "text/xml",
        }
    }
}

impl fmt::Display for QpsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QpsVersion::V3 => "v3",
            QpsVersion::V2 => "v2",
        })
    }
}

/// A QPS AWS connector as Qualys reports it. Fields Qualys left out are `None`; for the
/// region lists, `Some(vec![])` means Qualys reported an empty collection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    #[serde(deserialize_with = "req_u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub arn: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub qualys_aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub all_regions: Option<bool>,
    #[serde(default, deserialize_with = "opt_regions")]
    pub cspm_regions: Option<Vec<String>>,
    /// Asset inventory regions.
    #[serde(default, deserialize_with = "opt_regions")]
    pub endpoints: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_gov_cloud_configured: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_china_configured: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub disabled: Option<bool>,
    /// Minutes between syncs.
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub run_frequency: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_remediation_enabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub connector_state: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_sync: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next_sync: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub cloudview_uuid: Option<String>,
    /// Whether an AWS organization connector manages this one (Qualys's XSD; Qualys's own tag
    /// script skips such connectors).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_attached_to_org_connector: Option<bool>,
    /// `activation`: the modules the connector activates (VM, PC, CERTVIEW, ...).
    #[serde(default, rename = "activation", deserialize_with = "opt_modules")]
    pub activation_modules: Option<Vec<String>>,
    /// `connectorAppInfos`: the names of the connector's apps (AI, CI, CSA).
    #[serde(default, rename = "connectorAppInfos", deserialize_with = "opt_apps")]
    pub connector_apps: Option<Vec<String>>,
    /// `defaultTags`: ids of the tags put on the assets found.
    #[serde(default, rename = "defaultTags", deserialize_with = "opt_tags")]
    pub default_tag_ids: Option<Vec<u64>>,
    /// The last sync's error message (read only).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_error: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub total_assets: Option<u64>,
}

impl Connector {
    /// `Err(Error::Incomplete)` unless the connector has a name, an ARN and an external ID.
    pub(crate) fn require_identity(&self, context: &str, created: bool) -> Result<(), Error> {
        require_identity(
            || format!("{context}, connector {}", self.id),
            created.then(|| self.id.to_string()),
            [
                ("name", self.name.as_deref()),
                ("arn", self.arn.as_deref()),
                ("externalId", self.external_id.as_deref()),
            ],
        )
    }
}

fn opt_regions<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    region_codes(d).map(Some)
}

/// The items under `wrapper` anywhere in a QList (`list`/`set`, wrapped or not, JSON or XML).
fn qlist_items<'de, D: Deserializer<'de>, T>(
    d: D,
    wrapper: &str,
    item: impl Fn(&Tree) -> Result<T, String>,
) -> Result<Option<Vec<T>>, D::Error> {
    let tree = Tree::deserialize(d)?;
    let mut found = Vec::new();
    tree.named(wrapper, &mut found);
    found
        .into_iter()
        .map(item)
        .collect::<Result<Vec<T>, String>>()
        .map(Some)
        .map_err(de::Error::custom)
}

fn opt_modules<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    qlist_items(d, "ActivationModule", |t| {
        t.text()
            .map(str::to_owned)
            .ok_or_else(|| "an ActivationModule that is not a module name".to_owned())
    })
}

fn opt_apps<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    qlist_items(d, "ConnectorAppInfo", |t| {
        t.field("name")
            .and_then(Tree::text)
            .map(str::to_owned)
            .ok_or_else(|| "a ConnectorAppInfo without a name".to_owned())
    })
}

fn opt_tags<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u64>>, D::Error> {
    qlist_items(d, "TagSimple", |t| {
        t.field("id")
            .or(Some(t))
            .and_then(Tree::text)
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| "a TagSimple without a numeric id".to_owned())
    })
}

/// What to create, or what an update sets. `None` leaves a field out of the request (Qualys
/// keeps its current value or default). The region lists use QList `set` semantics:
/// `Some(vec![])` clears the collection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectorSpec {
    pub name: String,
    pub description: Option<String>,
    pub arn: String,
    pub external_id: String,
    /// `isGovCloudConfigured`.
    pub is_gov_cloud: Option<bool>,
    pub all_regions: Option<bool>,
    pub cspm_regions: Option<Vec<String>>,
    /// Asset inventory regions (`endpoints`); each must be among `cspm_regions` when those
    /// are given.
    pub endpoints: Option<Vec<String>>,
    pub disabled: Option<bool>,
    /// Minutes between syncs, 60 to 1440.
    pub run_frequency: Option<u32>,
    pub is_remediation_enabled: Option<bool>,
    /// `activation`: module names such as `VM`, `PC`; `Some(vec![])` clears them.
    pub activation_modules: Option<Vec<String>>,
    /// `connectorAppInfos`: app names `AI`, `CI`, `CSA`, each sent with the role ARN as its
    /// identifier; `Some(vec![])` clears them.
    pub connector_apps: Option<Vec<String>>,
    /// `defaultTags`: tag ids; `Some(vec![])` clears them.
    pub default_tag_ids: Option<Vec<u64>>,
}
