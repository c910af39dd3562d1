//! What each type a provider serves implements, and the registry that finds it by name: a
//! resource, data source or function is a value behind a trait, so adding one is a module
//! and a line in the provider's registry, never another arm of a `match`.
//!
//! `C` is what the provider's configure hands every resource and data source (its API client,
//! settings the types need).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::api::{
    ApplyRequest, ApplyResponse, FunctionError, FunctionSignature, ImportResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Schemas,
};
use super::diag::{Diagnostic, Diagnostics};
use super::schema::Schema;
use super::value::Value;

/// A managed resource type.
#[async_trait]
pub trait Resource<C: Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks of a configuration that need no API call; unknown values pass.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    /// `state` is the stored state of schema `version`, read against the current schema
    /// (attributes it no longer has dropped, new ones null).
    async fn upgrade(&self, _with: &C, _version: i64, state: Value) -> (Value, Diagnostics) {
        (state, Diagnostics::default())
    }

    async fn read(&self, with: &C, request: ReadRequest) -> ReadResponse;

    async fn plan(&self, with: &C, request: PlanRequest) -> PlanResponse;

    async fn apply(&self, with: &C, request: ApplyRequest) -> ApplyResponse;

    async fn import(&self, with: &C, id: &str) -> ImportResponse;
}

/// A data source type.
#[async_trait]
pub trait DataSource<C: Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks of a configuration that need no API call; unknown values pass.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    /// The data source's state for `config`.
    async fn read(&self, with: &C, config: Value) -> Result<Value, Diagnostics>;
}

/// A provider-defined function (Terraform 1.8+). Pure: no configuration, network, time or
/// randomness. Arguments are never null or unknown: Terraform answers those itself.
pub trait Function: Send + Sync {
    fn name(&self) -> &'static str;

    fn signature(&self) -> FunctionSignature;

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError>;
}

/// Every type a provider serves, by name.
pub struct Registry<C> {
    resources: BTreeMap<&'static str, Box<dyn Resource<C>>>,
    data_sources: BTreeMap<&'static str, Box<dyn DataSource<C>>>,
    functions: BTreeMap<&'static str, Box<dyn Function>>,
}

impl<C: Sync> Default for Registry<C> {
    fn default() -> Self {
        Registry {
            resources: BTreeMap::new(),
            data_sources: BTreeMap::new(),
            functions: BTreeMap::new(),
        }
    }
}

impl<C: Sync> Registry<C> {
    pub fn resource(mut self, resource: impl Resource<C> + 'static) -> Self {
        self.resources
            .insert(resource.type_name(), Box::new(resource));
        self
    }

    pub fn data_source(mut self, data_source: impl DataSource<C> + 'static) -> Self {
        self.data_sources
            .insert(data_source.type_name(), Box::new(data_source));
        self
    }

    pub fn function(mut self, function: impl Function + 'static) -> Self {
        self.functions.insert(function.name(), Box::new(function));
        self
    }

    /// The schemas of every registered type, beside the provider's own.
    pub fn schemas(&self, provider: Schema) -> Schemas {
        Schemas {
            provider,
            resources: self
                .resources
                .iter()
                .map(|(name, r)| (name.to_string(), r.schema()))
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|(name, d)| (name.to_string(), d.schema()))
                .collect(),
            functions: self
                .functions
                .iter()
                .map(|(name, f)| (name.to_string(), f.signature()))
                .collect(),
        }
    }

    pub fn find_resource(&self, type_name: &str) -> Result<&dyn Resource<C>, Diagnostics> {
        self.resources
            .get(type_name)
            .map(|r| &**r)
            .ok_or_else(|| unsupported("resource", type_name))
    }

    pub fn find_data_source(&self, type_name: &str) -> Result<&dyn DataSource<C>, Diagnostics> {
        self.data_sources
            .get(type_name)
            .map(|d| &**d)
            .ok_or_else(|| unsupported("data source", type_name))
    }

    pub fn call_function(&self, name: &str, arguments: &[Value]) -> Result<Value, FunctionError> {
        match self.functions.get(name) {
            Some(function) => function.call(arguments),
            None => Err(FunctionError {
                text: format!("This provider has no function named {name:?}."),
                argument: None,
            }),
        }
    }
}

fn unsupported(kind: &str, type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unsupported type",
        format!("This provider has no {kind} named {type_name:?}."),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::schema::Block;
    use crate::plugin::value::Type;

    struct Echo;

    impl Function for Echo {
        fn name(&self) -> &'static str {
            "echo"
        }
        fn signature(&self) -> FunctionSignature {
            FunctionSignature {
                summary: "echo".into(),
                description: "Returns its argument.".into(),
                parameters: Vec::new(),
                returns: Type::String,
            }
        }
        fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
            Ok(arguments.first().cloned().unwrap_or(Value::Null))
        }
    }

    struct Constant;

    #[async_trait]
    impl DataSource<u32> for Constant {
        fn type_name(&self) -> &'static str {
            "test_constant"
        }
        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block::default(),
            }
        }
        async fn read(&self, with: &u32, _config: Value) -> Result<Value, Diagnostics> {
            Ok(Value::int(i64::from(*with)))
        }
    }

    #[tokio::test]
    async fn types_are_found_and_called_by_their_names_only() {
        let registry = Registry::<u32>::default()
            .data_source(Constant)
            .function(Echo);
        let schemas = registry.schemas(Schema {
            version: 0,
            block: Block::default(),
        });
        assert_eq!(
            schemas.data_sources.keys().collect::<Vec<_>>(),
            ["test_constant"]
        );
        assert_eq!(schemas.functions.keys().collect::<Vec<_>>(), ["echo"]);
        assert!(schemas.resources.is_empty());

        let found = registry.find_data_source("test_constant").unwrap();
        assert_eq!(found.read(&7, Value::Null).await.unwrap(), Value::int(7));
        let Err(missing) = registry.find_data_source("test_other") else {
            panic!("found a data source that was never registered");
        };
        assert!(
            missing.0[0]
                .detail
                .contains("no data source named \"test_other\"")
        );
        assert!(registry.find_resource("test_constant").is_err());

        assert_eq!(
            registry.call_function("echo", &[Value::string("x")]),
            Ok(Value::string("x"))
        );
        let error = registry.call_function("nope", &[]).unwrap_err();
        assert!(error.text.contains("no function named \"nope\""));
    }
}
