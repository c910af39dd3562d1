//! tfplugin6's `Provider` service: decodes each request against the schemas, calls the typed
//! `api::Provider` and encodes its answer. RPCs we do not override answer `Unimplemented`,
//! which Terraform accepts for everything added after protocol 6.0.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::api::{self, ApplyRequest, PlanRequest, ReadRequest};
use super::codec;
use super::convert::{
    decode, decode_config, diagnostics_to_proto, encode, function_error_to_proto,
    functions_to_proto, path_to_proto, schema_to_proto,
};
use super::diag::{Diagnostic, Diagnostics};
use super::proto::tfplugin6 as pb;
use super::schema::Schema;
use super::value::{Type, Value};

/// Serves a provider's RPCs.
pub struct ProviderService<P> {
    provider: Arc<P>,
}

impl<P: api::Provider> ProviderService<P> {
    pub fn new(provider: Arc<P>) -> Self {
        ProviderService { provider }
    }

    fn resource_schema(&self, type_name: &str) -> Result<&Schema, Diagnostics> {
        find_schema(&self.provider.schemas().resources, "resource", type_name)
    }

    fn resource_type(&self, type_name: &str) -> Result<Type, Diagnostics> {
        self.resource_schema(type_name)
            .map(|s| s.block.value_type())
    }

    fn data_source_schema(&self, type_name: &str) -> Result<&Schema, Diagnostics> {
        find_schema(
            &self.provider.schemas().data_sources,
            "data source",
            type_name,
        )
    }

    fn data_source_type(&self, type_name: &str) -> Result<Type, Diagnostics> {
        self.data_source_schema(type_name)
            .map(|s| s.block.value_type())
    }
}

fn find_schema<'a>(
    schemas: &'a std::collections::BTreeMap<String, Schema>,
    kind: &str,
    type_name: &str,
) -> Result<&'a Schema, Diagnostics> {
    schemas.get(type_name).ok_or_else(|| {
        Diagnostic::error(
            format!("Unsupported {kind} type"),
            format!("This provider has no {kind} named {type_name:?}."),
        )
        .into()
    })
}

/// Decodes the arguments against the parameters, calls the function, encodes its result.
fn call<P: api::Provider>(
    provider: &P,
    name: &str,
    function: &api::FunctionSignature,
    arguments: Vec<pb::DynamicValue>,
) -> Result<pb::DynamicValue, api::FunctionError> {
    if arguments.len() != function.parameters.len() {
        return Err(api::FunctionError {
            text: format!(
                "{name} takes {} arguments; Terraform sent {}.",
                function.parameters.len(),
                arguments.len()
            ),
            argument: None,
        });
    }
    let mut values = Vec::with_capacity(arguments.len());
    for (position, (dv, parameter)) in arguments.into_iter().zip(&function.parameters).enumerate() {
        let at = i64::try_from(position).unwrap_or(i64::MAX);
        let value = decode(Some(dv), &parameter.ty, "function argument").map_err(|d| {
            api::FunctionError::at(
                at,
                d.0.into_iter()
                    .map(|d| d.detail)
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })?;
        values.push(value);
    }
    let result = provider.call_function(name, &values)?;
    let mut diags = Diagnostics::default();
    encode(&result, &function.returns, &mut diags).ok_or_else(|| api::FunctionError {
        text: diags
            .0
            .into_iter()
            .map(|d| d.detail)
            .collect::<Vec<_>>()
            .join(" "),
        argument: None,
    })
}

/// `get_provider_schema_optional`: every RPC decodes against the schemas the provider holds
/// from the start, so Terraform may skip `GetProviderSchema` in a process (it then uses the
/// schema it cached from another one). `plan_destroy`: Terraform 1.3+ sends destroys through
/// `PlanResourceChange` with a null proposed state, which providers answer with a null plan.
fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

// ---------------------------------------------------------------------------------------------
// tfplugin6.Provider
// ---------------------------------------------------------------------------------------------

#[tonic::async_trait]
impl<P: api::Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let schemas = self.provider.schemas();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: schemas
                .resources
                .keys()
                .map(|n| pb::get_metadata::ResourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            data_sources: schemas
                .data_sources
                .keys()
                .map(|n| pb::get_metadata::DataSourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            functions: schemas
                .functions
                .keys()
                .map(|n| pb::get_metadata::FunctionMetadata { name: n.clone() })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let schemas = self.provider.schemas();
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&schemas.provider)),
            resource_schemas: schemas
                .resources
                .iter()
                .map(|(n, s)| (n.clone(), schema_to_proto(s)))
                .collect(),
            data_source_schemas: schemas
                .data_sources
                .iter()
                .map(|(n, s)| (n.clone(), schema_to_proto(s)))
                .collect(),
            server_capabilities: Some(capabilities()),
            // Terraform before 1.8 does not know this field and skips it.
            functions: functions_to_proto(&schemas.functions),
            ..Default::default()
        }))
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response {
            functions: functions_to_proto(&self.provider.schemas().functions),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let request = request.into_inner();
        let answer = match self.provider.schemas().functions.get(&request.name) {
            None => Err(api::FunctionError {
                text: format!("This provider has no function named {:?}.", request.name),
                argument: None,
            }),
            Some(function) => call(&*self.provider, &request.name, function, request.arguments),
        };
        Ok(Response::new(match answer {
            Ok(result) => pb::call_function::Response {
                result: Some(result),
                error: None,
            },
            Err(e) => pb::call_function::Response {
                result: None,
                error: Some(function_error_to_proto(e)),
            },
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let block = &self.provider.schemas().provider.block;
        let diags =
            match decode_config(request.into_inner().config, block, "provider configuration") {
                Ok((config, mut diags)) => {
                    diags.extend(self.provider.validate_provider_config(&config));
                    diags
                }
                Err(d) => d,
            };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        let ty = self.provider.schemas().provider.block.value_type();
        let diags = match decode(request.config, &ty, "provider configuration") {
            Ok(config) => {
                self.provider
                    .configure(&config, &request.terraform_version)
                    .await
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(diags),
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        self.provider.stop();
        Ok(Response::new(pb::stop_provider::Response::default()))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        let diags = match self
            .resource_schema(&request.type_name)
            .and_then(|s| decode_config(request.config, &s.block, "resource configuration"))
        {
            Ok((config, mut diags)) => {
                diags.extend(
                    self.provider
                        .validate_resource_config(&request.type_name, &config),
                );
                diags
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics_to_proto(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        let diags = match self
            .data_source_schema(&request.type_name)
            .and_then(|s| decode_config(request.config, &s.block, "data source configuration"))
        {
            Ok((config, mut diags)) => {
                diags.extend(
                    self.provider
                        .validate_data_source_config(&request.type_name, &config),
                );
                diags
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics_to_proto(diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let mut upgraded_state = None;
        match self.resource_type(&request.type_name) {
            Ok(ty) => {
                let raw = request.raw_state.unwrap_or_default();
                let stored = if raw.json.is_empty() {
                    Ok(Value::Null)
                } else {
                    codec::from_state_json(&raw.json, &ty).map_err(|e| {
                        Diagnostics::from(Diagnostic::error(
                            "Unreadable stored state",
                            format!("The state stored for this resource could not be read: {e}."),
                        ))
                    })
                };
                match stored {
                    Ok(stored) => {
                        let (state, d) = self
                            .provider
                            .upgrade_resource_state(&request.type_name, request.version, stored)
                            .await;
                        diags.extend(d);
                        upgraded_state = encode(&state, &ty, &mut diags);
                    }
                    Err(d) => diags.extend(d),
                }
            }
            Err(d) => diags.extend(d),
        }
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(diags),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        let prepared = self.resource_type(&request.type_name).and_then(|ty| {
            let state = decode(request.current_state, &ty, "resource state")?;
            Ok((ty, state))
        });
        let (ty, current_state) = match prepared {
            Ok(p) => p,
            Err(d) => {
                return Ok(Response::new(pb::read_resource::Response {
                    diagnostics: diagnostics_to_proto(d),
                    ..Default::default()
                }));
            }
        };
        let read = self
            .provider
            .read_resource(
                &request.type_name,
                ReadRequest {
                    current_state,
                    private: request.private,
                },
            )
            .await;
        let mut diags = read.diagnostics;
        let new_state = encode(&read.new_state, &ty, &mut diags);
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            private: read.private,
            diagnostics: diagnostics_to_proto(diags),
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        let prepared = self.resource_type(&request.type_name).and_then(|ty| {
            let req = PlanRequest {
                prior_state: decode(request.prior_state, &ty, "prior state")?,
                proposed_new_state: decode(request.proposed_new_state, &ty, "proposed state")?,
                config: decode(request.config, &ty, "resource configuration")?,
                prior_private: request.prior_private,
            };
            Ok((ty, req))
        });
        let (ty, req) = match prepared {
            Ok(p) => p,
            Err(d) => {
                return Ok(Response::new(pb::plan_resource_change::Response {
                    diagnostics: diagnostics_to_proto(d),
                    ..Default::default()
                }));
            }
        };
        tracing::debug!(
            type_name = %request.type_name,
            destroy = req.proposed_new_state.is_null(),
            "planning a resource change"
        );
        let plan = self
            .provider
            .plan_resource_change(&request.type_name, req)
            .await;
        let mut diags = plan.diagnostics;
        let planned_state = encode(&plan.planned_state, &ty, &mut diags);
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: plan
                .requires_replace
                .into_iter()
                .map(path_to_proto)
                .collect(),
            planned_private: plan.planned_private,
            diagnostics: diagnostics_to_proto(diags),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        let prepared = self.resource_type(&request.type_name).and_then(|ty| {
            let req = ApplyRequest {
                prior_state: decode(request.prior_state, &ty, "prior state")?,
                planned_state: decode(request.planned_state, &ty, "planned state")?,
                config: decode(request.config, &ty, "resource configuration")?,
                planned_private: request.planned_private,
            };
            Ok((ty, req))
        });
        let (ty, req) = match prepared {
            Ok(p) => p,
            Err(d) => {
                return Ok(Response::new(pb::apply_resource_change::Response {
                    diagnostics: diagnostics_to_proto(d),
                    ..Default::default()
                }));
            }
        };
        let applied = self
            .provider
            .apply_resource_change(&request.type_name, req)
            .await;
        let mut diags = applied.diagnostics;
        let new_state = encode(&applied.new_state, &ty, &mut diags);
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private: applied.private,
            diagnostics: diagnostics_to_proto(diags),
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        let ty = match self.resource_type(&request.type_name) {
            Ok(ty) => ty,
            Err(d) => {
                return Ok(Response::new(pb::import_resource_state::Response {
                    diagnostics: diagnostics_to_proto(d),
                    ..Default::default()
                }));
            }
        };
        let imported = self
            .provider
            .import_resource_state(&request.type_name, &request.id)
            .await;
        let mut diags = imported.diagnostics;
        let imported_resources = imported
            .imported
            .into_iter()
            .map(|r| pb::import_resource_state::ImportedResource {
                state: encode(&r.state, &ty, &mut diags),
                type_name: r.type_name,
                private: r.private,
                ..Default::default()
            })
            .collect();
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics_to_proto(diags),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        let prepared = self.data_source_type(&request.type_name).and_then(|ty| {
            let config = decode(request.config, &ty, "data source configuration")?;
            Ok((ty, config))
        });
        let (ty, config) = match prepared {
            Ok(p) => p,
            Err(d) => {
                return Ok(Response::new(pb::read_data_source::Response {
                    diagnostics: diagnostics_to_proto(d),
                    ..Default::default()
                }));
            }
        };
        let read = self
            .provider
            .read_data_source(&request.type_name, config)
            .await;
        let mut diags = read.diagnostics;
        let state = encode(&read.state, &ty, &mut diags);
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diagnostics_to_proto(diags),
            ..Default::default()
        }))
    }
}
