//! Provider-defined functions (Terraform 1.8+: `provider::qualys::NAME(...)`), one file each:
//! the provider's own rules for external IDs and import IDs, usable in `validation` blocks and
//! outputs. Pure: no configuration, no network, no time, no randomness.

use std::collections::BTreeMap;

use crate::plugin::api::{Function, FunctionError, Parameter};
use crate::plugin::value::{Type, Value};

pub mod external_id;
pub mod import_id;
pub mod is_valid_external_id;
pub mod parse_external_id;
pub mod parse_import_id;

/// Every function, by name.
pub fn all() -> BTreeMap<String, Function> {
    [
        (external_id::NAME, external_id::definition()),
        (import_id::NAME, import_id::definition()),
        (
            is_valid_external_id::NAME,
            is_valid_external_id::definition(),
        ),
        (parse_external_id::NAME, parse_external_id::definition()),
        (parse_import_id::NAME, parse_import_id::definition()),
    ]
    .into_iter()
    .map(|(name, f)| (name.to_string(), f))
    .collect()
}

/// Calls function `name` with `arguments` (of its parameters' types).
pub fn call(name: &str, arguments: &[Value]) -> Result<Value, FunctionError> {
    match name {
        external_id::NAME => external_id::call(arguments),
        import_id::NAME => import_id::call(arguments),
        is_valid_external_id::NAME => is_valid_external_id::call(arguments),
        parse_external_id::NAME => parse_external_id::call(arguments),
        parse_import_id::NAME => parse_import_id::call(arguments),
        _ => Err(FunctionError {
            text: format!("This provider has no function named {name:?}."),
            argument: None,
        }),
    }
}

fn string_parameter(name: &str, description: &str) -> Parameter {
    Parameter {
        name: name.to_string(),
        ty: Type::String,
        description: description.to_string(),
    }
}

/// Argument `position` as a string (Terraform never passes null or unknown ones).
fn string_argument(arguments: &[Value], position: usize) -> Result<&str, FunctionError> {
    arguments
        .get(position)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            FunctionError::at(
                i64::try_from(position).unwrap_or(i64::MAX),
                "expected a string",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_callable_by_its_name_and_documented() {
        for (name, function) in all() {
            assert!(!function.summary.is_empty() && !function.description.is_empty());
            let arguments: Vec<Value> = function
                .parameters
                .iter()
                .map(|p| {
                    assert!(!p.description.is_empty(), "{name}.{}", p.name);
                    Value::string("x")
                })
                .collect();
            // Whatever the answer, it is the function's own, not "no such function".
            if let Err(e) = call(&name, &arguments) {
                assert!(!e.text.contains("no function"), "{name}: {e:?}");
            }
        }
        assert!(call("nope", &[]).is_err());
    }
}
