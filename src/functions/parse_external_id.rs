//! `provider::qualys::parse_external_id(external_id)`: an external ID's parts, or an error that
//! says which part is wrong.

use crate::external_id;
use crate::plugin::api::{FunctionError, FunctionSignature};
use crate::plugin::registry::Function;
use crate::plugin::value::{Type, Value};

use super::{string_argument, string_parameter};

/// `provider::qualys::parse_external_id` in the provider's registry.
pub struct ParseExternalIdFunction;

impl Function for ParseExternalIdFunction {
    fn name(&self) -> &'static str {
        "parse_external_id"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            summary: "Splits a Qualys external ID into its parts".into(),
            description: "Returns an object with the `pod`, `subscription_id` and `suffix` of an \
                external ID in Qualys's format (`<POD>-<subscription ID>-<5 to 13 letters or \
                digits>`), or an error that names the part that is wrong."
                .into(),
            parameters: vec![string_parameter(
                "external_id",
                "An external ID, e.g. `\"USPOD01-4765-9011278609223\"`.",
            )],
            returns: return_type(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let id = external_id::parse(string_argument(arguments, 0)?)
            .map_err(|e| FunctionError::at(0, e.to_string()))?;
        Ok(Value::object([
            ("pod", Value::string(id.pod)),
            ("subscription_id", Value::string(id.subscription_id)),
            ("suffix", Value::string(id.suffix)),
        ]))
    }
}

fn return_type() -> Type {
    Type::object([
        ("pod", Type::String),
        ("subscription_id", Type::String),
        ("suffix", Type::String),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_or_the_part_that_is_wrong() {
        let parsed = ParseExternalIdFunction
            .call(&[Value::string("USPOD01-4765-9011278609223")])
            .unwrap();
        assert_eq!(parsed.get("pod"), &Value::string("USPOD01"));
        assert_eq!(parsed.get("subscription_id"), &Value::string("4765"));
        assert_eq!(parsed.get("suffix"), &Value::string("9011278609223"));
        let e = ParseExternalIdFunction
            .call(&[Value::string("USPOD01-47x5-abcde")])
            .unwrap_err();
        assert_eq!(e.argument, Some(0));
        assert!(
            e.text.contains("subscription ID part \"47x5\""),
            "{}",
            e.text
        );
        let e = ParseExternalIdFunction
            .call(&[Value::string("USPOD01-4765-abc")])
            .unwrap_err();
        assert!(e.text.contains("random part \"abc\""), "{}", e.text);
    }
}
