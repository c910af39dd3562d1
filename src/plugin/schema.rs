//! Schemas as the provider declares them: blocks of attributes, with the
//! descriptions the generated docs are made from. `Block::value_type` gives the object type
//! the DynamicValue codec reads and writes for that block.

use super::value::Type;

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
}

impl Attribute {
    pub fn new(name: &str, ty: Type, presence: Presence, description: &str) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            presence,
            sensitive: false,
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
}
