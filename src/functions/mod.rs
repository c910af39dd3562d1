//! Provider-defined functions (Terraform 1.8+: `provider::qualys::NAME(...)`), one file each:
//! the provider's own rules for external IDs and import IDs, usable in `validation` blocks and
//! outputs. Pure: no configuration, no network, no time, no randomness.

use crate::plugin::api::{FunctionError, Parameter};
use crate::plugin::value::{Type, Value};

pub mod external_id;
pub mod import_id;
pub mod is_valid_external_id;
pub mod parse_external_id;
pub mod parse_import_id;

fn string_parameter(name: &str, description: &str) -> Parameter {
    Parameter {
        name: name.to_string(),
        ty: Type::String,
        description: description.to_string(),
        allow_null: false,
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
