//! Schemas as the provider declares them: blocks of attributes and nested blocks, with the
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
    pub blocks: Vec<NestedBlock>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
}

#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub type_name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
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
    /// The object type of this block's values: attributes and nested blocks by name.
    pub fn value_type(&self) -> Type {
        let mut attrs: std::collections::BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for nb in &self.blocks {
            let inner = nb.block.value_type();
            let ty = match nb.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
            };
            attrs.insert(nb.type_name.clone(), ty);
        }
        Type::Object(attrs)
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_type_includes_nested_blocks() {
        let block = Block {
            description: String::new(),
            attributes: vec![Attribute::new("a", Type::String, Presence::Required, "")],
            blocks: vec![NestedBlock {
                type_name: "b".into(),
                nesting: Nesting::List,
                block: Block {
                    attributes: vec![Attribute::new("c", Type::Bool, Presence::Optional, "")],
                    ..Block::default()
                },
                min_items: 0,
                max_items: 0,
            }],
        };
        assert_eq!(
            block.value_type(),
            Type::object([
                ("a", Type::String),
                ("b", Type::list(Type::object([("c", Type::Bool)])))
            ])
        );
    }
}
