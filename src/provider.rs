//! The `qualys` provider: configures the Qualys client from its settings and routes each of
//! Terraform's calls, by type name, through one registry of the types it serves.

use crate::configured::Configured;
use crate::data_sources::{
    aws_base_account, aws_connector as connector_data, aws_connectors, aws_iam_policy, aws_regions,
};
use crate::functions::{
    external_id, import_id, is_valid_external_id, parse_external_id, parse_import_id,
};
use crate::plugin::api::{
    self, ApplyRequest, ApplyResponse, DataSourceResponse, ImportResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Schemas,
};
use crate::plugin::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::plugin::registry::Registry;
use crate::plugin::value::Value;
use crate::resources::{aws_connector, aws_external_id};
use crate::settings;

/// The address examples, docs and tests use.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/qualys-tf/qualys";

/// Every resource, data source and function the provider serves: one line each.
pub fn registry() -> Registry<Configured> {
    Registry::default()
        .resource(aws_connector::AwsConnector::default())
        .resource(aws_external_id::AwsExternalId)
        .data_source(aws_regions::AwsRegions)
        .data_source(connector_data::AwsConnector)
        .data_source(aws_connectors::AwsConnectors)
        .data_source(aws_base_account::AwsBaseAccount)
        .data_source(aws_iam_policy::AwsIamPolicy)
        .function(external_id::ExternalIdFunction)
        .function(import_id::ImportIdFunction)
        .function(is_valid_external_id::IsValidExternalIdFunction)
        .function(parse_external_id::ParseExternalIdFunction)
        .function(parse_import_id::ParseImportIdFunction)
}

/// The provider process's state: its registry and what configure made of the settings.
pub struct QualysProvider {
    registry: Registry<Configured>,
    schemas: Schemas,
    configured: Configured,
    env: fn(&str) -> Option<String>,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Default for QualysProvider {
    fn default() -> Self {
        QualysProvider::new()
    }
}

impl QualysProvider {
    pub fn new() -> QualysProvider {
        let registry = registry();
        QualysProvider {
            schemas: registry.schemas(settings::schema()),
            registry,
            configured: Configured::default(),
            env: process_env,
        }
    }
}

impl api::Provider for QualysProvider {
    fn schemas(&self) -> &Schemas {
        &self.schemas
    }

    fn call_function(&self, name: &str, arguments: &[Value]) -> Result<Value, api::FunctionError> {
        self.registry.call_function(name, arguments)
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        settings::validate(config, self.env)
    }

    async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        if let Some(unknown) = settings::unknown(config) {
            // Known only at apply: a plan that needs no API call goes ahead; one that does
            // says which setting and why when it needs it.
            self.configured.defer(unknown);
            return Diagnostics::default();
        }
        let settings = match settings::resolve(config, self.env) {
            Ok(settings) => settings,
            Err(diags) => return diags,
        };
        if let Err(e) = self.configured.configure(&settings) {
            return Diagnostic::error("Invalid Qualys provider configuration", e.to_string())
                .into();
        }
        tracing::debug!(
            terraform_version,
            api_url = %settings.api_url,
            cloudview_url = %settings.cloudview_url,
            "provider configured"
        );
        if !settings.insecure_skip_verify {
            return Diagnostics::default();
        }
        Diagnostic::warning(
            "TLS certificate verification is off",
            format!(
                "insecure_skip_verify = true: the provider accepts any certificate from {} and \
                 {}, so anyone on the network path can read your Qualys credentials. Use it \
                 only against a test endpoint with a self-signed certificate.",
                settings.api_url, settings.cloudview_url
            ),
        )
        .at(AttrPath::attr("insecure_skip_verify"))
        .into()
    }

    fn stop(&self) {
        self.configured.stop();
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.registry.find_resource(type_name) {
            Ok(resource) => resource.validate(config),
            Err(diagnostics) => diagnostics,
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.registry.find_data_source(type_name) {
            Ok(data_source) => data_source.validate(config),
            Err(diagnostics) => diagnostics,
        }
    }

    async fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        state: Value,
    ) -> (Value, Diagnostics) {
        match self.registry.find_resource(type_name) {
            Ok(resource) => resource.upgrade(&self.configured, version, state).await,
            Err(diagnostics) => (state, diagnostics),
        }
    }

    async fn read_resource(&self, type_name: &str, request: ReadRequest) -> ReadResponse {
        match self.registry.find_resource(type_name) {
            Ok(resource) => resource.read(&self.configured, request).await,
            Err(diagnostics) => ReadResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn plan_resource_change(&self, type_name: &str, request: PlanRequest) -> PlanResponse {
        match self.registry.find_resource(type_name) {
            Ok(resource) => resource.plan(&self.configured, request).await,
            Err(diagnostics) => PlanResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn apply_resource_change(&self, type_name: &str, request: ApplyRequest) -> ApplyResponse {
        match self.registry.find_resource(type_name) {
            Ok(resource) => resource.apply(&self.configured, request).await,
            Err(diagnostics) => ApplyResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn import_resource_state(&self, type_name: &str, id: &str) -> ImportResponse {
        match self.registry.find_resource(type_name) {
            Ok(resource) => resource.import(&self.configured, id).await,
            Err(diagnostics) => ImportResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn read_data_source(&self, type_name: &str, config: Value) -> DataSourceResponse {
        let result = match self.registry.find_data_source(type_name) {
            Ok(data_source) => data_source.read(&self.configured, config).await,
            Err(diagnostics) => Err(diagnostics),
        };
        match result {
            Ok(state) => DataSourceResponse {
                state,
                diagnostics: Diagnostics::default(),
            },
            Err(diagnostics) => DataSourceResponse {
                state: Value::Null,
                diagnostics,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::tests::{config, no_env};

    #[test]
    fn skipping_tls_verification_warns_at_configure() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let provider = QualysProvider {
            env: no_env,
            ..QualysProvider::new()
        };
        let c = |insecure: bool| {
            config(&[
                ("api_url", Value::string("https://127.0.0.1:1")),
                ("username", Value::string("u")),
                ("password", Value::string("p")),
                ("insecure_skip_verify", Value::Bool(insecure)),
            ])
        };
        let diags = runtime.block_on(api::Provider::configure(&provider, &c(true), "1.11.4"));
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        assert_eq!(diags.0[0].severity, crate::plugin::diag::Severity::Warning);
        assert_eq!(
            diags.0[0].path.as_ref().map(ToString::to_string).as_deref(),
            Some("insecure_skip_verify")
        );
        let diags = runtime.block_on(api::Provider::configure(&provider, &c(false), "1.11.4"));
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn every_function_is_callable_by_its_name_and_documented() {
        let provider = QualysProvider::new();
        let functions = &api::Provider::schemas(&provider).functions;
        assert_eq!(functions.len(), 5);
        for (name, function) in functions {
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
            if let Err(e) = api::Provider::call_function(&provider, name, &arguments) {
                assert!(!e.text.contains("no function"), "{name}: {e:?}");
            }
        }
        assert!(api::Provider::call_function(&provider, "nope", &[]).is_err());
    }

    #[test]
    fn every_registered_type_has_its_schema_under_its_name() {
        let provider = QualysProvider::new();
        let schemas = api::Provider::schemas(&provider);
        assert_eq!(
            schemas.resources.keys().collect::<Vec<_>>(),
            ["qualys_aws_connector", "qualys_aws_external_id"]
        );
        assert_eq!(
            schemas.data_sources.keys().collect::<Vec<_>>(),
            [
                "qualys_aws_base_account",
                "qualys_aws_connector",
                "qualys_aws_connectors",
                "qualys_aws_iam_policy",
                "qualys_aws_regions"
            ]
        );
        let diags = api::Provider::validate_resource_config(&provider, "qualys_nope", &Value::Null);
        assert!(
            diags.0[0]
                .detail
                .contains("no resource named \"qualys_nope\"")
        );
    }
}
