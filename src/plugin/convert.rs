//! Conversions between tfplugin6 messages and the typed values above the wire: dynamic values,
//! diagnostics (made terminal-safe), attribute paths, schemas and function signatures.

use super::api;
use super::codec;
use super::diag::{AttrPath, Diagnostic, Diagnostics, Severity, Step};
use super::proto::tfplugin6 as pb;
use super::schema::{Attribute, Block, Schema};
use super::value::{Type, Value};

pub(super) fn decode(
    dv: Option<pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let result = if !dv.msgpack.is_empty() {
        codec::from_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        codec::from_state_json(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    result.map_err(|e| {
        Diagnostic::error(
            format!("Unreadable {what}"),
            format!("The provider could not decode the {what} Terraform sent: {e}."),
        )
        .into()
    })
}

/// Decodes a configuration against `block` and checks its required and read-only arguments,
/// before the provider's own validation runs.
pub(super) fn decode_config(
    dv: Option<pb::DynamicValue>,
    block: &Block,
    what: &str,
) -> Result<(Value, Diagnostics), Diagnostics> {
    let config = decode(dv, &block.value_type(), what)?;
    let diags = block.argument_errors(&config);
    Ok((config, diags))
}

pub(super) fn encode(
    value: &Value,
    ty: &Type,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match codec::to_msgpack(value, ty) {
        Ok(msgpack) => Some(pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        }),
        Err(e) => {
            diags.push(Diagnostic::error(
                "Provider bug: value does not match its schema",
                format!("{e}. Please report this to the provider's maintainers."),
            ));
            None
        }
    }
}

pub fn diagnostics_to_proto(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags
        .0
        .into_iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error,
                Severity::Warning => pb::diagnostic::Severity::Warning,
            } as i32,
            summary: terminal_safe(&d.summary),
            detail: terminal_safe(&d.detail),
            attribute: d.path.map(path_to_proto),
        })
        .collect()
}

/// A diagnostic's text with every control character but line breaks and tabs (which the
/// provider's own messages use) shown as a `\u{..}` escape: whatever a message quotes, no
/// escape sequence reaches the user's terminal. Text from a server is made wholly inert
/// (line breaks too) where the client reads it; this is the last guard.
pub(super) fn terminal_safe(text: &str) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub(super) fn path_to_proto(path: AttrPath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .into_iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    Step::Attribute(name) => Selector::AttributeName(name),
                    Step::Key(k) => Selector::ElementKeyString(k),
                    Step::Index(i) => Selector::ElementKeyInt(i),
                }),
            })
            .collect(),
    }
}

pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block)),
    }
}

pub(super) fn block_to_proto(block: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        ..Default::default()
    }
}

pub(super) fn attribute_to_proto(a: &Attribute) -> pb::schema::Attribute {
    // A nested attribute carries its attributes instead of a type.
    let (r#type, nested_type) = match &a.nested {
        Some(attributes) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes.iter().map(attribute_to_proto).collect(),
                nesting: pb::schema::object::NestingMode::Single as i32,
                ..Default::default()
            }),
        ),
        None => (a.ty.to_json_bytes(), None),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type,
        nested_type,
        description: a.description.clone(),
        required: a.required(),
        optional: a.optional(),
        computed: a.computed(),
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        ..Default::default()
    }
}

pub(super) fn functions_to_proto(
    functions: &std::collections::BTreeMap<String, api::FunctionSignature>,
) -> std::collections::HashMap<String, pb::Function> {
    functions
        .iter()
        .map(|(name, f)| (name.clone(), function_to_proto(f)))
        .collect()
}

pub(super) fn function_to_proto(f: &api::FunctionSignature) -> pb::Function {
    pb::Function {
        parameters: f
            .parameters
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.clone(),
                r#type: p.ty.to_json_bytes(),
                allow_null_value: p.allow_null,
                allow_unknown_values: false,
                description: p.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: f.returns.to_json_bytes(),
        }),
        summary: f.summary.clone(),
        description: f.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

/// Terraform ends a function's error with its own full stop ("Invalid value for \"x\"
/// parameter: TEXT."), so the text goes without one.
pub(super) fn function_error_to_proto(e: api::FunctionError) -> pb::FunctionError {
    pb::FunctionError {
        text: e.text.trim_end_matches('.').to_string(),
        function_argument: e.argument,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::schema::Presence;

    #[test]
    fn function_errors_leave_the_full_stop_to_terraform() {
        let proto =
            function_error_to_proto(api::FunctionError::at(1, "must be digits (e.g. 4765)."));
        assert_eq!(proto.text, "must be digits (e.g. 4765)");
        assert_eq!(proto.function_argument, Some(1));
        let plain = function_error_to_proto(api::FunctionError {
            text: "no full stop".into(),
            argument: None,
        });
        assert_eq!(plain.text, "no full stop");
    }

    #[test]
    fn a_parameter_that_allows_null_says_so_to_terraform() {
        let parameter = |allow_null| api::Parameter {
            name: "x".into(),
            ty: Type::String,
            description: String::new(),
            allow_null,
        };
        let function = api::FunctionSignature {
            summary: String::new(),
            description: String::new(),
            parameters: vec![parameter(true), parameter(false)],
            returns: Type::Bool,
        };
        let proto = function_to_proto(&function);
        assert!(proto.parameters[0].allow_null_value);
        assert!(!proto.parameters[1].allow_null_value);
    }

    #[test]
    fn diagnostics_reach_terraform_without_escape_sequences() {
        assert_eq!(terminal_safe("ok\n\tline"), "ok\n\tline");
        assert_eq!(
            terminal_safe("x\u{1b}[2J\u{1b}]0;t\u{7}\r"),
            "x\\u{1b}[2J\\u{1b}]0;t\\u{7}\\u{d}"
        );
    }

    #[test]
    fn a_single_nested_attribute_declares_its_object_not_a_type() {
        let attribute = Attribute::single_nested(
            "timeouts",
            vec![
                Attribute::new("create", Type::String, Presence::Optional, "Create limit."),
                Attribute::new("secret", Type::String, Presence::Required, "").sensitive(),
                Attribute::new("seen", Type::Number, Presence::Computed, ""),
            ],
            Presence::Optional,
            "Time limits.",
        );
        let proto = attribute_to_proto(&attribute);
        assert!(proto.r#type.is_empty(), "nested attributes carry no type");
        assert!(proto.optional && !proto.required && !proto.computed);
        assert_eq!(proto.description, "Time limits.");
        let object = proto.nested_type.expect("a nested type");
        assert_eq!(
            object.nesting,
            pb::schema::object::NestingMode::Single as i32
        );
        let inner: Vec<_> = object
            .attributes
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    String::from_utf8_lossy(&a.r#type).into_owned(),
                    (a.required, a.optional, a.computed, a.sensitive),
                    a.description.as_str(),
                )
            })
            .collect();
        assert_eq!(
            inner,
            [
                (
                    "create",
                    "\"string\"".to_string(),
                    (false, true, false, false),
                    "Create limit."
                ),
                (
                    "secret",
                    "\"string\"".to_string(),
                    (true, false, false, true),
                    ""
                ),
                (
                    "seen",
                    "\"number\"".to_string(),
                    (false, false, true, false),
                    ""
                ),
            ]
        );
    }

    #[test]
    fn a_nested_value_travels_as_its_object() {
        let block = Block {
            description: String::new(),
            attributes: vec![Attribute::single_nested(
                "every",
                vec![
                    Attribute::new("hours", Type::Number, Presence::Required, ""),
                    Attribute::new("minutes", Type::Number, Presence::Optional, ""),
                ],
                Presence::Optional,
                "",
            )],
        };
        let ty = block.value_type();
        // {"every": {"hours": 2, "minutes": nil}} as Terraform writes it.
        let bytes = b"\x81\xa5every\x82\xa5hours\x02\xa7minutes\xc0";
        let value = codec::from_msgpack(bytes, &ty).unwrap();
        assert_eq!(value.get("every").get("hours"), &Value::int(2));
        assert!(value.get("every").get("minutes").is_null());
        assert_eq!(
            codec::from_msgpack(&codec::to_msgpack(&value, &ty).unwrap(), &ty).unwrap(),
            value
        );
        let (_, diags) = decode_config(
            Some(pb::DynamicValue {
                msgpack: b"\x81\xa5every\x82\xa5hours\xc0\xa7minutes\x05".to_vec(),
                json: Vec::new(),
            }),
            &block,
            "test",
        )
        .unwrap();
        assert_eq!(
            diags.0[0].path.as_ref().map(ToString::to_string).as_deref(),
            Some("every.hours")
        );
    }
}
