//! `provider::qualys::parse_import_id(import_id)`: a connector import ID's API and ID, by the
//! resource's own import rules.

use crate::connector::import_id::ImportId;
use crate::plugin::api::{FunctionError, FunctionSignature};
use crate::plugin::registry::Function;
use crate::plugin::value::{Type, Value};

use super::{string_argument, string_parameter};

/// `provider::qualys::parse_import_id` in the provider's registry.
pub struct ParseImportIdFunction;

impl Function for ParseImportIdFunction {
    fn name(&self) -> &'static str {
        "parse_import_id"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            summary: "Splits a qualys_aws_connector import ID".into(),
            description:
                "Returns an object with the `api` (`v3`, `v2` or `cloudview`) and `id` of \
                an import ID as `qualys_aws_connector` reads it: `123` and `v3:123` are QPS v3, \
                `v2:123` QPS v2, a UUID and `cloudview:<uuid>` CloudView. An ID the resource would \
                refuse is an error."
                    .into(),
            parameters: vec![string_parameter(
                "import_id",
                "An import ID, e.g. `\"v3:2000001\"` or a CloudView UUID.",
            )],
            returns: Type::object([("api", Type::String), ("id", Type::String)]),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let ImportId { api, id } = ImportId::parse(string_argument(arguments, 0)?)
            .map_err(|d| FunctionError::at(0, d.detail))?;
        Ok(Value::object([
            ("api", Value::string(api.as_str())),
            ("id", Value::string(id)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form_the_resource_imports() {
        let parse = |s: &str| ParseImportIdFunction.call(&[Value::string(s)]);
        let v3 = parse("2000001").unwrap();
        assert_eq!(v3.get("api"), &Value::string("v3"));
        assert_eq!(v3.get("id"), &Value::string("2000001"));
        assert_eq!(parse("v2:7").unwrap().get("api"), &Value::string("v2"));
        let uuid = "8889b18b-6f92-43d3-8afd-6d9d144177e8";
        assert_eq!(parse(uuid).unwrap().get("api"), &Value::string("cloudview"));
        let e = parse("v4:1").unwrap_err();
        assert_eq!(e.argument, Some(0));
        assert!(e.text.contains("is not a connector ID"), "{}", e.text);
    }
}
