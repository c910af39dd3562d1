//! What a provider implements, in typed values: the plugin layer decodes Terraform's requests
//! into these, calls the provider and encodes the answers. Nothing here is a protobuf type.

use std::collections::BTreeMap;
use std::future::Future;

use super::diag::{AttrPath, Diagnostics};
use super::schema::Schema;
use super::value::{Type, Value};

/// Every schema the provider serves.
#[derive(Debug, Clone)]
pub struct Schemas {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
    /// Provider-defined functions (Terraform 1.8+), by name without the provider prefix.
    pub functions: BTreeMap<String, FunctionSignature>,
}

/// A provider-defined function's signature and documentation. Arguments are never unknown when
/// it is called (Terraform answers unknown without calling), and null only where the parameter
/// has `allow_null` (elsewhere Terraform rejects a null itself).
#[derive(Debug, Clone)]
pub struct FunctionSignature {
    pub summary: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    pub returns: Type,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    pub description: String,
    /// Terraform passes a null argument on to the function instead of rejecting it.
    pub allow_null: bool,
}

/// Why a function call failed; `argument` is the 0-based position of the argument at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<i64>,
}

impl FunctionError {
    pub fn at(argument: i64, text: impl Into<String>) -> FunctionError {
        FunctionError {
            text: text.into(),
            argument: Some(argument),
        }
    }
}

pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
}

#[derive(Default)]
pub struct ReadResponse {
    /// `Value::Null` when the remote object is gone.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct PlanRequest {
    pub prior_state: Value,
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Default)]
pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<AttrPath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest {
    pub prior_state: Value,
    /// `Value::Null` for a destroy.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Default)]
pub struct ApplyResponse {
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ImportedResource {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
}

#[derive(Default)]
pub struct ImportResponse {
    pub imported: Vec<ImportedResource>,
    pub diagnostics: Diagnostics,
}

#[derive(Default)]
pub struct DataSourceResponse {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

/// A Terraform provider. `type_name` is always one the schemas name: the plugin layer answers
/// unknown names itself.
pub trait Provider: Send + Sync + 'static {
    fn schemas(&self) -> &Schemas;

    fn validate_provider_config(&self, config: &Value) -> Diagnostics;

    fn configure(
        &self,
        config: &Value,
        terraform_version: &str,
    ) -> impl Future<Output = Diagnostics> + Send;

    /// Terraform asks the provider to end its work in progress (`StopProvider`).
    fn stop(&self);

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    /// `state` is the stored state of schema `version`, read against the current schema
    /// (attributes it no longer has dropped, new ones null).
    fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        state: Value,
    ) -> impl Future<Output = (Value, Diagnostics)> + Send;

    fn read_resource(
        &self,
        type_name: &str,
        request: ReadRequest,
    ) -> impl Future<Output = ReadResponse> + Send;

    fn plan_resource_change(
        &self,
        type_name: &str,
        request: PlanRequest,
    ) -> impl Future<Output = PlanResponse> + Send;

    fn apply_resource_change(
        &self,
        type_name: &str,
        request: ApplyRequest,
    ) -> impl Future<Output = ApplyResponse> + Send;

    fn import_resource_state(
        &self,
        type_name: &str,
        id: &str,
    ) -> impl Future<Output = ImportResponse> + Send;

    fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
    ) -> impl Future<Output = DataSourceResponse> + Send;

    /// Calls function `name` (one the schemas name) with arguments of its parameters' types.
    /// Pure: no configuration, network, time or randomness.
    fn call_function(&self, name: &str, arguments: &[Value]) -> Result<Value, FunctionError>;
}
