//! Schemas as the provider declares them: blocks of attributes (some of them single nested
//! objects of attributes), with the descriptions the generated docs are made from.
//! `Block::value_type` gives the object type the DynamicValue codec reads and writes for that
//! block; `Block::argument_errors` is the check of required and read-only arguments Terraform leaves to us.

use super::diag::{AttrPath, Diagnostic, Diagnostics};
use super::value::{Type, Value};

#[derive(Debug, Clone)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Set by the user, or by the provider when the user leaves it out.
    OptionalComputed,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub presence: Presence,
    pub sensitive: bool,
    /// For a single nested attribute (protocol 6 `nested_type`, nesting SINGLE): the object's
    /// attributes, each with its own presence and description. `ty` is then their object type.
    pub nested: Option<Vec<Attribute>>,
}

impl Attribute {
    pub fn new(name: &str, ty: Type, presence: Presence, description: &str) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            presence,
            sensitive: false,
            nested: None,
        }
    }

    /// An attribute whose value is one object of `attributes`, written in HCL as
    /// `name = { a = 1, b = 2 }`. Unlike an attribute of object type, each inner attribute
    /// has its own description, presence and sensitivity, which Terraform enforces.
    pub fn single_nested(
        name: &str,
        attributes: Vec<Attribute>,
        presence: Presence,
        description: &str,
    ) -> Attribute {
        let ty = Type::Object(
            attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        );
        Attribute {
            nested: Some(attributes),
            ..Attribute::new(name, ty, presence, description)
        }
    }

    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    pub fn required(&self) -> bool {
        self.presence == Presence::Required
    }

    pub fn optional(&self) -> bool {
        matches!(
            self.presence,
            Presence::Optional | Presence::OptionalComputed
        )
    }

    pub fn computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }
}

impl Block {
    /// The object type of this block's values: its attributes by name.
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// An error for every required attribute that is null in `config`, and for every
    /// read-only (computed-only) attribute that is set, inside nested attributes too.
    /// Terraform only checks that a required argument is written, so `name = null` (or a
    /// variable that defaults to null) would otherwise reach apply; and Terraform 1.0 passes a
    /// value written for a read-only attribute on to the provider, which would then plan a
    /// value the configuration contradicts. Unknown required values pass: they may still
    /// become known.
    pub fn argument_errors(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::default();
        argument_errors(&self.attributes, config, &AttrPath::default(), &mut diags);
        diags
    }
}

fn argument_errors(
    attributes: &[Attribute],
    object: &Value,
    at: &AttrPath,
    diags: &mut Diagnostics,
) {
    if !matches!(object, Value::Object(_)) {
        return;
    }
    for a in attributes {
        let path = at.clone().then_attr(&a.name);
        let value = object.get(&a.name);
        if a.required() && value.is_null() {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!(
                        "The argument \"{path}\" is required, but its value is null. Set it to \
                         a value (a variable that defaults to null counts as null)."
                    ),
                )
                .at(path.clone()),
            );
        }
        if a.presence == Presence::Computed && !value.is_null() {
            diags.push(
                Diagnostic::error(
                    "Read-only attribute set",
                    format!(
                        "\"{path}\" is read-only: Qualys or the provider decides its value. \
                         Remove it from the configuration."
                    ),
                )
                .at(path.clone()),
            );
        }
        if let Some(nested) = &a.nested {
            argument_errors(nested, value, &path, diags);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_type_is_the_object_of_the_attributes() {
        let block = Block {
            description: String::new(),
            attributes: vec![
                Attribute::new("a", Type::String, Presence::Required, ""),
                Attribute::new("b", Type::set(Type::Bool), Presence::Optional, ""),
            ],
        };
        assert_eq!(
            block.value_type(),
            Type::object([("a", Type::String), ("b", Type::set(Type::Bool))])
        );
    }

    fn block_with_nested() -> Block {
        Block {
            description: String::new(),
            attributes: vec![
                Attribute::new("name", Type::String, Presence::Required, ""),
                Attribute::new("note", Type::String, Presence::Optional, ""),
                Attribute::single_nested(
                    "every",
                    vec![
                        Attribute::new("hours", Type::Number, Presence::Required, "Hours."),
                        Attribute::new("minutes", Type::Number, Presence::Optional, ""),
                    ],
                    Presence::Optional,
                    "How often.",
                ),
            ],
        }
    }

    #[test]
    fn a_single_nested_attribute_is_an_object_value() {
        assert_eq!(
            block_with_nested().value_type(),
            Type::object([
                ("name", Type::String),
                ("note", Type::String),
                (
                    "every",
                    Type::object([("hours", Type::Number), ("minutes", Type::Number)])
                ),
            ])
        );
    }

    #[test]
    fn null_required_arguments_are_errors_naming_the_path() {
        let block = block_with_nested();
        let paths = |config: &Value| -> Vec<String> {
            block
                .argument_errors(config)
                .0
                .into_iter()
                .map(|d| {
                    assert_eq!(d.summary, "Missing required argument");
                    d.path.map(|p| p.to_string()).unwrap_or_default()
                })
                .collect()
        };
        let config = |name: Value, every: Value| {
            Value::object([("name", name), ("note", Value::Null), ("every", every)])
        };
        assert_eq!(paths(&config(Value::Null, Value::Null)), ["name"]);
        assert!(paths(&config(Value::Unknown, Value::Unknown)).is_empty());
        assert!(paths(&config(Value::string("x"), Value::Null)).is_empty());
        let every = |hours: Value| Value::object([("hours", hours), ("minutes", Value::int(5))]);
        assert_eq!(
            paths(&config(Value::string("x"), every(Value::Null))),
            ["every.hours"]
        );
        assert!(paths(&config(Value::string("x"), every(Value::Unknown))).is_empty());
        assert!(paths(&Value::Unknown).is_empty());
    }
}
