//! `qualys_aws_regions`: the AWS region codes Qualys supports for connectors, optionally for
//! one partition, so configurations can build `cspm_regions` from data instead of a copied list.

use crate::connector::regions::{self, Partition};
use async_trait::async_trait;

use crate::configured::Configured;
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::registry::DataSource;
use crate::plugin::schema::{Attribute, Block, Presence, Schema};
use crate::plugin::value::{Type, Value};

fn region_object_type() -> Type {
    Type::object([
        ("code", Type::String),
        ("name", Type::String),
        ("region_type", Type::String),
    ])
}

/// `qualys_aws_regions` in the provider's registry.
pub struct AwsRegions;

#[async_trait]
impl DataSource<Configured> for AwsRegions {
    fn type_name(&self) -> &'static str {
        "qualys_aws_regions"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "The AWS regions Qualys supports for connector region scoping \
                    (`cspm_regions`, `inventory_regions`), per partition, as listed in Qualys's \
                    supported-region table."
                    .into(),
                attributes: vec![
                    Attribute::new(
                        "region_type",
                        Type::String,
                        Presence::Optional,
                        "Only regions of this partition: `global` (commercial AWS), `china` \
                         (AWS China) or `gov` (AWS GovCloud US). All partitions when omitted.",
                    ),
                    Attribute::new(
                        "codes",
                        Type::list(Type::String),
                        Presence::Computed,
                        "The region codes, sorted (e.g. `af-south-1`, `ap-east-1`, ...).",
                    ),
                    Attribute::new(
                        "regions",
                        Type::list(region_object_type()),
                        Presence::Computed,
                        "The regions, sorted by code, each with `code`, `name` (e.g. \
                         `US East (N. Virginia)`) and `region_type` (`global`, `china` or `gov`).",
                    ),
                ],
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        match region_type(config) {
            Ok(_) => Diagnostics::default(),
            Err(d) => d.into(),
        }
    }

    async fn read(&self, _with: &Configured, config: Value) -> Result<Value, Diagnostics> {
        state_for(&config)
    }
}

fn state_for(config: &Value) -> Result<Value, Diagnostics> {
    let partition = region_type(config)?;
    let list = regions::regions(partition);
    let codes = list.iter().map(|r| Value::string(r.code)).collect();
    let objects = list
        .iter()
        .map(|r| {
            Value::object([
                ("code", Value::string(r.code)),
                ("name", Value::string(r.name)),
                ("region_type", Value::string(r.partition.as_str())),
            ])
        })
        .collect();
    Ok(Value::object([
        ("region_type", config.get("region_type").clone()),
        ("codes", Value::List(codes)),
        ("regions", Value::List(objects)),
    ]))
}

/// Reads `region_type`; unknown or null means "all partitions" (validation skips unknowns).
fn region_type(config: &Value) -> Result<Option<Partition>, Diagnostic> {
    match config.get("region_type") {
        Value::String(s) => Partition::parse(s).map(Some).ok_or_else(|| {
            Diagnostic::error(
                "Invalid region_type",
                format!("region_type must be one of \"global\", \"china\" or \"gov\"; got {s:?}."),
            )
            .at(AttrPath::attr("region_type"))
        }),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_partition() {
        let state = state_for(&Value::object([("region_type", Value::string("gov"))])).unwrap();
        assert_eq!(
            state.get("codes"),
            &Value::List(vec![
                Value::string("us-gov-east-1"),
                Value::string("us-gov-west-1")
            ])
        );
        let first = &state.get("regions").elements().unwrap()[0];
        assert_eq!(first.get("name"), &Value::string("AWS GovCloud (US-East)"));
        assert_eq!(first.get("region_type"), &Value::string("gov"));
    }

    #[test]
    fn reads_all_partitions_without_region_type() {
        let state = state_for(&Value::object([("region_type", Value::Null)])).unwrap();
        assert_eq!(state.get("codes").elements().unwrap().len(), 26);
        assert!(state.get("region_type").is_null());
    }

    #[test]
    fn bad_region_type_names_the_attribute() {
        let diags = AwsRegions.validate(&Value::object([("region_type", Value::string("moon"))]));
        assert!(diags.has_errors());
        assert_eq!(diags.0[0].path, Some(AttrPath::attr("region_type")));
        assert!(diags.0[0].detail.contains("\"moon\""));
    }

    #[test]
    fn unknown_region_type_is_not_an_error() {
        assert!(
            AwsRegions
                .validate(&Value::object([("region_type", Value::Unknown)]))
                .is_empty()
        );
    }
}
