//! `qualys_aws_connectors`: every existing connector matching some filters, with every
//! attribute of the resource and the ID to import each by: the starting point for adopting
//! connectors in bulk (`import` blocks with `for_each`, or the rendered `import_blocks`).

use regex::Regex;

use crate::connector::model::Connector;
use crate::connector::validators::validate_api;
use async_trait::async_trait;

use crate::configured::Configured;
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::registry::DataSource;
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};
use crate::qualys::SyncStatus;

use super::connector_listing::{connector_type, connector_values, list_for};

/// `qualys_aws_connectors` in the provider's registry.
pub struct AwsConnectors;

#[async_trait]
impl DataSource<Configured> for AwsConnectors {
    fn type_name(&self) -> &'static str {
        "qualys_aws_connectors"
    }

    fn schema(&self) -> Schema {
        let filter = |name: &str, ty: Type, description: &str| {
            Attribute::new(name, ty, Presence::Optional, description)
        };
        Schema {
            version: 0,
            block: Block {
                description:
                    "Every existing Qualys AWS connector that matches the filters (all of \
                    them when none is set), each with the attributes of the `qualys_aws_connector` \
                    resource and its `import_id`. Two paged listings (QPS and CloudView), never a \
                    call per connector.\n\nEach connector is listed exactly once, though both \
                    APIs may list it: one that CloudView flags as a portal connector \
                    (`isPortalConnector`, as it does connectors made in the Connector app) and \
                    QPS lists is reported under `v3` (or `v2`), the API that can update it; any \
                    other CloudView connector, flagged or not, under `cloudview`."
                        .into(),
                attributes: vec![
                    filter(
                        "name_regex",
                        Type::String,
                        "Only connectors whose name matches this regular expression (RE2-like \
                         syntax, as Terraform's `regex` function; unanchored: use `^...$` for a \
                         whole name).",
                    ),
                    filter(
                        "aws_account_id",
                        Type::String,
                        "Only connectors of this AWS account (12 digits).",
                    ),
                    filter(
                        "api",
                        Type::String,
                        "Only connectors managed through this API: `v3` or `v2` (connectors made \
                         in the Connector app, reported with that `api`) or `cloudview` (made in \
                         CloudView).",
                    ),
                    filter(
                        "state",
                        Type::String,
                        "Only connectors in this state, as Qualys reports it, compared without \
                         regard to case (QPS: e.g. `FINISHED_SUCCESS`, `PENDING`; CloudView: free \
                         text such as `Completed successfully`). To select by outcome on every API, \
                         use `sync_status`.",
                    ),
                    filter(
                        "sync_status",
                        Type::String,
                        "Only connectors with this sync verdict, the same on every API: `success`, \
                         `error`, `running`, `pending`, `disabled` or `unknown` (see the resource's \
                         `sync_status`).",
                    ),
                    filter(
                        "is_gov_cloud",
                        Type::Bool,
                        "Only AWS GovCloud (`true`) or only other (`false`) connectors.",
                    ),
                    filter(
                        "is_china_region",
                        Type::Bool,
                        "Only AWS China (`true`) or only other (`false`) connectors.",
                    ),
                    Attribute::new(
                        "connectors",
                        Type::list(connector_type()),
                        Presence::Computed,
                        "The matching connectors, sorted by name, each with every attribute of the \
                         `qualys_aws_connector` resource and `import_id`.",
                    ),
                    Attribute::new(
                        "import_blocks",
                        Type::String,
                        Presence::Computed,
                        "An `import` block per matching connector, to `qualys_aws_connector.<import \
                         ID made an identifier>` (`v3_2000006`, `cloudview_<uuid>`: a rename in \
                         Qualys keeps the address): write it to a file (`terraform output -raw`) \
                         and run `terraform plan -generate-config-out=generated.tf`, which \
                         Terraform cannot do for an `import` block with `for_each`.",
                    ),
                ],
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Err(d) = compiled(config) {
            diags.push(d);
        }
        validate_api(config, &mut diags);
        if let Some(status) = config.get("sync_status").as_str()
            && SyncStatus::parse(status).is_none()
        {
            diags.push(
                Diagnostic::error(
                    "Invalid sync_status",
                    format!(
                        "sync_status must be one of {}; got {status:?}.",
                        SyncStatus::ALL
                            .map(|s| format!("\"{}\"", s.as_str()))
                            .join(", ")
                    ),
                )
                .at(AttrPath::attr("sync_status")),
            );
        }
        if let Some(account) = config.get("aws_account_id").as_str()
            && !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        {
            diags.push(
                Diagnostic::error(
                    "Invalid aws_account_id",
                    format!("An AWS account id is 12 digits; got {account:?}."),
                )
                .at(AttrPath::attr("aws_account_id")),
            );
        }
        diags
    }

    async fn read(&self, with: &Configured, config: Value) -> Result<Value, Diagnostics> {
        let client = &with.client()?;
        let config = &config;
        let name = compiled(config)?;
        let all = list_for(client, config).await?;
        let matching: Vec<Connector> = all
            .into_iter()
            .filter(|c| matches(c, config, name.as_ref()))
            .collect();
        let mut state = config.clone();
        state.set(
            "connectors",
            Value::List(
                matching
                    .iter()
                    .map(|c| Value::Object(connector_values(c)))
                    .collect(),
            ),
        );
        state.set("import_blocks", Value::string(import_blocks(&matching)));
        Ok(state)
    }
}

fn compiled(config: &Value) -> Result<Option<Regex>, Diagnostic> {
    config
        .get("name_regex")
        .as_str()
        .map(|pattern| {
            Regex::new(pattern).map_err(|e| {
                Diagnostic::error("Invalid name_regex", format!("{pattern:?}: {e}"))
                    .at(AttrPath::attr("name_regex"))
            })
        })
        .transpose()
}

/// Whether `c` passes every filter of `config`.
fn matches(c: &Connector, config: &Value, name: Option<&Regex>) -> bool {
    let text = |attr: &str| config.get(attr).as_str();
    let flag = |attr: &str| config.get(attr).as_bool();
    name.is_none_or(|re| c.name.as_deref().is_some_and(|n| re.is_match(n)))
        && text("aws_account_id").is_none_or(|a| c.aws_account_id.as_deref() == Some(a))
        && text("api").is_none_or(|a| c.api.as_str() == a)
        && text("state").is_none_or(|s| {
            c.state
                .as_deref()
                .is_some_and(|state| state.trim().eq_ignore_ascii_case(s.trim()))
        })
        && text("sync_status").is_none_or(|s| c.sync_status().as_str() == s)
        && flag("is_gov_cloud").is_none_or(|g| c.is_gov_cloud == g)
        && flag("is_china_region").is_none_or(|g| c.is_china_region == g)
}

/// A resource name for a connector: its import ID made a Terraform identifier, unique in
/// `taken`. The import ID survives a rename in Qualys, so a rendered block keeps its address.
fn identifier(name: &str, taken: &mut Vec<String>) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    let mut unique = id.clone();
    let mut n = 2;
    while taken.contains(&unique) {
        unique = format!("{id}_{n}");
        n += 1;
    }
    taken.push(unique.clone());
    unique
}

fn import_blocks(connectors: &[Connector]) -> String {
    let mut taken = Vec::new();
    connectors
        .iter()
        .map(|c| {
            let resource = identifier(&c.import_id(), &mut taken);
            format!(
                "import {{\n  to = qualys_aws_connector.{resource}\n  id = \"{}\"\n}}\n",
                c.import_id()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(identifier("prod-eu", &mut taken), "prod-eu");
        assert_eq!(identifier("prod eu", &mut taken), "prod_eu");
        assert_eq!(identifier("prod.eu", &mut taken), "prod_eu_2");
        assert_eq!(identifier("1st", &mut taken), "_1st");
        assert_eq!(identifier("v3:2000006", &mut taken), "v3_2000006");
        assert_eq!(
            identifier("cloudview:8889b18b-6f92-33d3-8afd-6d9d144177e8", &mut taken),
            "cloudview_8889b18b-6f92-33d3-8afd-6d9d144177e8"
        );
    }

    #[test]
    fn bad_filters_name_the_attribute() {
        let config = Value::object([
            ("name_regex", Value::string("(")),
            ("api", Value::string("v4")),
            ("aws_account_id", Value::string("12")),
            ("state", Value::Null),
            ("sync_status", Value::string("SUCCESS")),
            ("is_gov_cloud", Value::Null),
            ("is_china_region", Value::Null),
            ("connectors", Value::Null),
            ("import_blocks", Value::Null),
        ]);
        let paths: Vec<String> = AwsConnectors
            .validate(&config)
            .0
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(
            paths,
            ["name_regex", "api", "sync_status", "aws_account_id"]
        );
    }
}
