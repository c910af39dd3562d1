//! `provider::qualys::is_valid_external_id(external_id)`: whether an external ID is in
//! Qualys's format, as a bool for `validation` blocks.

use crate::external_id;
use crate::plugin::api::{FunctionError, FunctionSignature, Parameter};
use crate::plugin::registry::Function;
use crate::plugin::value::{Type, Value};

use super::{string_argument, string_parameter};

/// The same rule as a regular expression, for Terraform older than 1.8 (no provider functions):
/// `can(regex(FALLBACK_REGEX, var.external_id))`.
pub const FALLBACK_REGEX: &str = "^[A-Za-z0-9]+-[0-9]+-[A-Za-z0-9]{5,13}$";

/// `provider::qualys::is_valid_external_id` in the provider's registry.
pub struct IsValidExternalIdFunction;

impl Function for IsValidExternalIdFunction {
    fn name(&self) -> &'static str {
        "is_valid_external_id"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            summary: "Whether a string is a Qualys external ID".into(),
            description: format!(
                "Returns `true` when the string is in the format Qualys requires for new and \
                 updated CloudView connectors (`<POD>-<subscription ID>-<5 to 13 letters or \
                 digits>`), else `false` (for null too). Never an error, so it fits a \
                 variable's `validation` `condition`; `parse_external_id` says what is wrong. \
                 On Terraform older than 1.8, which has no provider functions, the same rule is \
                 `can(regex(\"{FALLBACK_REGEX}\", var.external_id))`."
            ),
            parameters: vec![Parameter {
                allow_null: true,
                ..string_parameter("external_id", "The string to check; null is not valid.")
            }],
            returns: Type::Bool,
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        // Null is an answer, not an error: an optional variable's validation may pass it.
        if arguments.first().is_some_and(Value::is_null) {
            return Ok(Value::Bool(false));
        }
        Ok(Value::Bool(
            external_id::parse(string_argument(arguments, 0)?).is_ok(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_only_for_the_format() {
        let check = |s: &str| IsValidExternalIdFunction.call(&[Value::string(s)]).unwrap();
        assert_eq!(check("USPOD01-4765-9011278609223"), Value::Bool(true));
        assert_eq!(check("USPOD01-4765"), Value::Bool(false));
        assert_eq!(check("prod-qualys-7f3a"), Value::Bool(false));
        assert_eq!(
            IsValidExternalIdFunction.call(&[Value::Null]),
            Ok(Value::Bool(false))
        );
    }

    #[test]
    fn the_fallback_regex_is_the_same_rule() {
        let regex = regex::Regex::new(FALLBACK_REGEX).unwrap();
        for id in [
            "USPOD01-4765-9011278609223",
            "USPOD01-4765-abcde",
            "USPOD01-4765-abcd",
            "USPOD01-4765-12345678901234",
            "USPOD01-4765-abc_def",
            "USPOD01-47a5-abcde",
            "US_POD-4765-abcde",
            "-4765-abcde",
            "USPOD01--abcde",
            "USPOD01-4765",
            "a-b-c-d",
            "USPOD01-4765-abcde-",
            "prod-qualys-7f3a",
            "USPOD01-4765-abcdé",
            "",
        ] {
            assert_eq!(regex.is_match(id), external_id::parse(id).is_ok(), "{id}");
        }
    }
}
