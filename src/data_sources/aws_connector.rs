//! `qualys_aws_connector` (data source): one existing connector, by id (any form `terraform
//! import` takes) or by name (with the AWS account or the API when names repeat), with every
//! attribute of the resource and the ID to import it by.

use crate::connector::Api;
use crate::connector::import_id::ImportId;
use crate::connector::model::Connector;
use crate::connector::validators::validate_api;
use async_trait::async_trait;

use crate::configured::Configured;
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::registry::DataSource;
use crate::plugin::schema::{Block, Presence, Schema};
use crate::plugin::value::Value;
use crate::qualys::Client;

use super::connector_listing::{connector_attributes, connector_values, list_for};

/// The arguments that select the connector; every other attribute is read-only.
const LOOKUP: [&str; 4] = ["id", "name", "aws_account_id", "api"];

/// `qualys_aws_connector` in the provider's registry.
pub struct AwsConnector;

#[async_trait]
impl DataSource<Configured> for AwsConnector {
    fn type_name(&self) -> &'static str {
        "qualys_aws_connector"
    }

    fn schema(&self) -> Schema {
        let attributes = connector_attributes()
            .into_iter()
            .map(|mut a| {
                if LOOKUP.contains(&a.name.as_str()) {
                    a.presence = Presence::OptionalComputed;
                    a.description = match a.name.as_str() {
                        "id" => "The connector to read, in any form `terraform import` takes: \
                                 `123`, `v3:123`, `v2:123`, a CloudView UUID or `cloudview:<uuid>`. \
                                 Set either `id` or `name`."
                            .into(),
                        "name" => "The connector to read, by its exact name. Set either `id` or \
                                   `name`; when several connectors share the name, narrow it with \
                                   `aws_account_id` or `api`."
                            .into(),
                        "aws_account_id" => "With `name`: only a connector of this AWS account. \
                                             Read: the AWS account of the connector's role."
                            .into(),
                        _ => "With `name`: only a connector managed through this API (`v3`, `v2` \
                              or `cloudview`; QPS-made connectors are read through v3 unless `v2` \
                              is given). Read: the API that manages the connector."
                            .into(),
                    };
                }
                a
            })
            .collect();
        Schema {
            version: 0,
            block: Block {
                description: "One existing Qualys AWS connector, by id or by name, with every \
                    attribute of the `qualys_aws_connector` resource and the `import_id` to adopt \
                    it with."
                    .into(),
                attributes,
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let (id, name) = (config.get("id"), config.get("name"));
        if id.is_null() && name.is_null() {
            diags.push(Diagnostic::error(
                "Set id or name",
                "The qualys_aws_connector data source reads one connector: give its id (any \
                 import ID form) or its name.",
            ));
        }
        if !id.is_null() && !name.is_null() && !id.is_unknown() && !name.is_unknown() {
            diags.push(
                Diagnostic::error(
                    "Set id or name, not both",
                    "Give the connector's id or its name.",
                )
                .at(AttrPath::attr("name")),
            );
        }
        if let Some(id) = id.as_str()
            && let Err(d) = ImportId::parse(id)
        {
            diags.push(d.at(AttrPath::attr("id")));
        }
        validate_api(config, &mut diags);
        diags
    }

    async fn read(&self, with: &Configured, config: Value) -> Result<Value, Diagnostics> {
        let client = &with.client()?;
        let config = &config;
        let connector = match config.get("id").as_str() {
            Some(id) => by_id(client, id).await?,
            None => by_name(client, config).await?,
        };
        Ok(Value::Object(connector_values(&connector)))
    }
}

async fn by_id(client: &Client, id: &str) -> Result<Connector, Diagnostics> {
    let ImportId { api, id } = ImportId::parse(id).map_err(|d| d.at(AttrPath::attr("id")))?;
    let found = match api.qps_version() {
        // An import ID has only numbers for the QPS APIs.
        Some(version) => match id.parse::<u64>() {
            Ok(n) => client
                .qps(version)
                .read(n)
                .await
                .map(|c| Connector::from_qps(&c, api)),
            Err(_) => Err(crate::qualys::Error::NotFound {
                what: format!("QPS connector {id:?}"),
            }),
        },
        None => client
            .cloudview()
            .read(&id)
            .await
            .map(|c| Connector::from_cloudview(&c)),
    };
    found.map_err(|e| {
        Diagnostic::error(
            if e.is_not_found() {
                "Qualys connector not found"
            } else {
                "Could not read the Qualys connector"
            },
            format!("{} connector {id}: {e}.", api.as_str()),
        )
        .at(AttrPath::attr("id"))
        .into()
    })
}

async fn by_name(client: &Client, config: &Value) -> Result<Connector, Diagnostics> {
    let Some(name) = config.get("name").as_str() else {
        return Err(Diagnostic::error("Set id or name", "Neither is known.").into());
    };
    let api = config.get("api").as_str().and_then(Api::parse);
    let account = config.get("aws_account_id").as_str();
    let all = list_for(client, config).await?;
    let mut matching: Vec<Connector> = all
        .into_iter()
        .filter(|c| c.name.as_deref() == Some(name))
        .filter(|c| account.is_none_or(|a| c.aws_account_id.as_deref() == Some(a)))
        .filter(|c| api.is_none_or(|api| c.api == api))
        .collect();
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => Err(Diagnostic::error(
            "Qualys connector not found",
            format!(
                "No connector named {name:?}{}{} is visible to this user.",
                account
                    .map(|a| format!(" in AWS account {a}"))
                    .unwrap_or_default(),
                api.map(|a| format!(" managed through {}", a.as_str()))
                    .unwrap_or_default()
            ),
        )
        .at(AttrPath::attr("name"))
        .into()),
        _ => Err(Diagnostic::error(
            format!("{} connectors are named {name:?}", matching.len()),
            format!(
                "Narrow the lookup with aws_account_id or api, or use id. The candidates: {}.",
                matching
                    .iter()
                    .map(|c| format!(
                        "{} (AWS account {})",
                        c.import_id(),
                        c.aws_account_id.as_deref().unwrap_or("unknown")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .at(AttrPath::attr("name"))
        .into()),
    }
}
