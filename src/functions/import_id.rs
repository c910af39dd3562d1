//! `provider::qualys::import_id(api, id)`: the ID `terraform import` and `import` blocks take for
//! a connector, checked by the resource's own import rules.

use crate::connector::Api;
use crate::connector::import_id::ImportId;
use crate::plugin::api::{FunctionError, FunctionSignature};
use crate::plugin::registry::Function;
use crate::plugin::value::{Type, Value};

use super::{string_argument, string_parameter};

/// `provider::qualys::import_id` in the provider's registry.
pub struct ImportIdFunction;

impl Function for ImportIdFunction {
    fn name(&self) -> &'static str {
        "import_id"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            summary: "Builds a qualys_aws_connector import ID".into(),
            description:
                "Returns `<api>:<id>`, the ID `terraform import` and `import` blocks take \
                for a `qualys_aws_connector`, after checking it with the resource's own rules: a \
                QPS connector number for `v3` and `v2`, a CloudView UUID (written in lower case) \
                for `cloudview`."
                    .into(),
            parameters: vec![
                string_parameter(
                    "api",
                    "The API that manages the connector: `v3`, `v2` or `cloudview`.",
                ),
                string_parameter(
                    "id",
                    "The connector's ID: a number for `v3` and `v2`, a UUID for `cloudview`.",
                ),
            ],
            returns: Type::String,
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let name = string_argument(arguments, 0)?;
        let Some(api) = Api::parse(name) else {
            return Err(FunctionError::at(
                0,
                format!("api must be \"v3\", \"v2\" or \"cloudview\"; got {name:?}."),
            ));
        };
        let id = string_argument(arguments, 1)?;
        ImportId::new(api, id)
            .map(|import_id| Value::string(import_id.to_string()))
            .map_err(|why| FunctionError::at(1, why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(api: &str, id: &str) -> Result<Value, FunctionError> {
        ImportIdFunction.call(&[Value::string(api), Value::string(id)])
    }

    #[test]
    fn builds_what_the_resource_imports() {
        assert_eq!(run("v2", "42"), Ok(Value::string("v2:42")));
        let uuid = "8889B18B-6F92-43D3-8AFD-6D9D144177E8";
        assert_eq!(
            run("cloudview", uuid),
            Ok(Value::string(format!("cloudview:{}", uuid.to_lowercase())))
        );
        assert_eq!(run("v4", "42").unwrap_err().argument, Some(0));
        assert_eq!(run("v3", "abc").unwrap_err().argument, Some(1));
        assert_eq!(run("cloudview", "42").unwrap_err().argument, Some(1));
    }
}
