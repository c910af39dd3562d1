//! `provider::qualys::external_id(platform, subscription_id, suffix)`: builds an external ID in
//! Qualys's format and checks each part, for an ID whose random part comes from elsewhere
//! (e.g. `random_string`).

use crate::external_id;
use crate::platforms;
use crate::plugin::api::{FunctionError, FunctionSignature};
use crate::plugin::registry::Function;
use crate::plugin::value::{Type, Value};

use super::{string_argument, string_parameter};

/// `provider::qualys::external_id` in the provider's registry.
pub struct ExternalIdFunction;

impl Function for ExternalIdFunction {
    fn name(&self) -> &'static str {
        "external_id"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            summary: "Builds a Qualys external ID from its parts".into(),
            description: "Returns `<POD>-<subscription ID>-<suffix>`, the external-ID format Qualys \
                requires for new and updated CloudView connectors, after checking each part. \
                `platform` is a platform whose POD is public (`US1` gives `USPOD01`, `US3` gives \
                `USPOD03`) or the POD itself (letters and digits, as the Qualys UI shows it first in the \
                external ID it proposes for a new connector); other platform names are an error, \
                since their POD is not public."
                .into(),
            parameters: vec![
                string_parameter(
                    "platform",
                    "A Qualys platform whose POD is public (`US1`, `US3`), or a POD.",
                ),
                string_parameter(
                    "subscription_id",
                    "The Qualys subscription ID: digits, e.g. `\"4765\"`.",
                ),
                string_parameter(
                    "suffix",
                    "The random part: 5 to 13 letters or digits, no special characters.",
                ),
            ],
            returns: Type::String,
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let pod =
            pod_of(string_argument(arguments, 0)?).map_err(|why| FunctionError::at(0, why))?;
        let subscription_id = string_argument(arguments, 1)?;
        if !external_id::valid_subscription_id(subscription_id) {
            return Err(FunctionError::at(
                1,
                format!("the subscription ID {subscription_id:?} must be digits, e.g. \"4765\"."),
            ));
        }
        let suffix = string_argument(arguments, 2)?;
        if !external_id::valid_suffix(suffix) {
            return Err(FunctionError::at(
                2,
                format!(
                    "the suffix {suffix:?} must be 5 to 13 letters or digits, no special characters."
                ),
            ));
        }
        let id = external_id::ExternalId {
            pod,
            subscription_id: subscription_id.to_string(),
            suffix: suffix.to_string(),
        };
        Ok(Value::string(id.to_string()))
    }
}

/// The POD `platform` stands for.
pub fn pod_of(platform: &str) -> Result<String, String> {
    if let Some(known) = platforms::find(platform) {
        return known.pod.map(str::to_string).ok_or_else(|| {
            format!(
                "the POD of platform {platform} is not public; pass your POD instead (the first \
                 part of the external ID Qualys proposes for a new connector, e.g. USPOD01)."
            )
        });
    }
    if external_id::valid_pod(platform) {
        return Ok(platform.to_string());
    }
    Err(format!(
        "{platform:?} is neither a Qualys platform whose POD is public ({}) nor a POD (letters \
         and digits, e.g. USPOD01).",
        platforms::names_with_public_pod()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(platform: &str, subscription: &str, suffix: &str) -> Result<Value, FunctionError> {
        ExternalIdFunction.call(&[
            Value::string(platform),
            Value::string(subscription),
            Value::string(suffix),
        ])
    }

    #[test]
    fn builds_from_a_platform_or_a_pod() {
        assert_eq!(
            run("US1", "4765", "9011278609223"),
            Ok(Value::string("USPOD01-4765-9011278609223"))
        );
        assert_eq!(
            run("USPOD02", "4765", "abcde"),
            Ok(Value::string("USPOD02-4765-abcde"))
        );
    }

    #[test]
    fn errors_name_the_argument() {
        let at = |r: Result<Value, FunctionError>| r.unwrap_err().argument;
        assert_eq!(at(run("US2", "4765", "abcde")), Some(0));
        assert!(
            run("US2", "4765", "abcde")
                .unwrap_err()
                .text
                .contains("not public")
        );
        assert_eq!(at(run("US-1", "4765", "abcde")), Some(0));
        assert_eq!(at(run("US1", "47a", "abcde")), Some(1));
        assert_eq!(at(run("US1", "4765", "abc")), Some(2));
        assert_eq!(at(run("US1", "4765", "abc_def")), Some(2));
    }
}
