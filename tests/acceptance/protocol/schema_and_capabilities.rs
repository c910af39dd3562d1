//! What a newer Terraform reads: metadata and capabilities, a cached schema
//! (`get_provider_schema_optional`), and processes that never see `GetProviderSchema`.

use tfqualys::plugin::codec;
use tfqualys::plugin::proto::tfplugin6 as pb;
use tfqualys::plugin::value::{Type, Value};
use tfqualys::provider::QualysProvider;

use crate::support::fixtures::round_trip_workdir;
use crate::support::plugin_client::Plugin;
use crate::support::sim::SimFixture;
use crate::support::terraform::{provider_binary, terraform_latest};

/// Terraform 1.6+ caches the schema of a provider that declares `get_provider_schema_optional`
/// and then starts provider processes without asking them for it.
#[test]
fn terraform_1_15_skips_get_provider_schema_in_later_processes() {
    let sim = SimFixture::start();
    let wd = round_trip_workdir(&sim, terraform_latest());
    let apply = wd.apply();
    let starts = apply.log.matches("plugin started").count();
    let schema_calls = apply
        .log
        .matches("GRPCProvider.v6: GetProviderSchema")
        .count();
    assert!(
        starts >= 2,
        "apply starts several provider processes: {starts}"
    );
    assert!(
        schema_calls < starts,
        "{schema_calls} GetProviderSchema calls for {starts} provider processes"
    );
    assert_eq!(sim.connectors().len(), 1, "the apply created the connector");
}

fn names(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v
}

#[tokio::test]
async fn get_metadata_names_everything_with_the_capabilities() {
    let plugin = Plugin::start(&provider_binary(), true);
    let mut client = pb::provider_client::ProviderClient::new(plugin.channel().await);
    let meta = client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("GetMetadata")
        .into_inner();
    assert!(meta.diagnostics.is_empty(), "{:?}", meta.diagnostics);
    let schemas = QualysProvider::new();
    let schemas = tfqualys::plugin::api::Provider::schemas(&schemas);
    assert_eq!(
        names(meta.resources.into_iter().map(|r| r.type_name)),
        names(schemas.resources.keys().cloned())
    );
    assert!(names(schemas.resources.keys().cloned()).contains(&"qualys_aws_connector".into()));
    assert_eq!(
        names(meta.data_sources.into_iter().map(|d| d.type_name)),
        names(schemas.data_sources.keys().cloned())
    );
    let caps = meta.server_capabilities.expect("server capabilities");
    assert!(caps.plan_destroy);
    assert!(caps.get_provider_schema_optional);

    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert_eq!(schema.server_capabilities, Some(caps));
}

fn dv(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: codec::to_msgpack(value, ty).expect("encoding a test value"),
        json: Vec::new(),
    })
}

/// With `get_provider_schema_optional`, Terraform may start a process and call anything
/// without `GetProviderSchema` first: a whole create, read, destroy-plan and delete here.
#[test]
fn every_rpc_works_in_a_process_that_never_saw_the_schema() {
    let sim = SimFixture::start();
    // The simulator fixture blocks on its own runtime, so the RPCs run on this one, call by call.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the gRPC client");
    let provider = QualysProvider::new();
    let schemas = tfqualys::plugin::api::Provider::schemas(&provider);
    let provider_ty = schemas.provider.block.value_type();
    let ty = schemas.resources["qualys_aws_connector"].block.value_type();
    let regions_ty = schemas.data_sources["qualys_aws_regions"]
        .block
        .value_type();
    let Type::Object(attrs) = &ty else {
        panic!("a resource type is an object")
    };
    let mut config = Value::Object(attrs.keys().map(|k| (k.clone(), Value::Null)).collect());
    config.set("name", Value::string("no-schema"));
    config.set(
        "arn",
        Value::string("arn:aws:iam::123456789012:role/QualysConnector"),
    );
    config.set("external_id", Value::string("noschema-7f3c9a21e4"));

    let plugin = Plugin::start(&provider_binary(), true);
    let mut client = pb::provider_client::ProviderClient::new(rt.block_on(plugin.channel()));
    let mut provider_config = Value::Object(match &provider_ty {
        Type::Object(a) => a.keys().map(|k| (k.clone(), Value::Null)).collect(),
        _ => panic!("the provider type is an object"),
    });
    provider_config.set("api_url", Value::string(sim.url.clone()));
    provider_config.set("username", Value::string("demo"));
    provider_config.set("password", Value::string("demo"));
    let validated = rt
        .block_on(
            client.validate_provider_config(pb::validate_provider_config::Request {
                config: dv(&provider_config, &provider_ty),
            }),
        )
        .expect("ValidateProviderConfig")
        .into_inner();
    assert!(
        validated.diagnostics.is_empty(),
        "{:?}",
        validated.diagnostics
    );
    let configured = rt
        .block_on(client.configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dv(&provider_config, &provider_ty),
            ..Default::default()
        }))
        .expect("ConfigureProvider")
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );
    let validated = rt
        .block_on(
            client.validate_resource_config(pb::validate_resource_config::Request {
                type_name: "qualys_aws_connector".into(),
                config: dv(&config, &ty),
                ..Default::default()
            }),
        )
        .expect("ValidateResourceConfig")
        .into_inner();
    assert!(
        validated.diagnostics.is_empty(),
        "{:?}",
        validated.diagnostics
    );

    let planned = rt
        .block_on(
            client.plan_resource_change(pb::plan_resource_change::Request {
                type_name: "qualys_aws_connector".into(),
                prior_state: dv(&Value::Null, &ty),
                proposed_new_state: dv(&config, &ty),
                config: dv(&config, &ty),
                ..Default::default()
            }),
        )
        .expect("PlanResourceChange")
        .into_inner();
    assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
    let applied = rt
        .block_on(
            client.apply_resource_change(pb::apply_resource_change::Request {
                type_name: "qualys_aws_connector".into(),
                prior_state: dv(&Value::Null, &ty),
                planned_state: planned.planned_state,
                config: dv(&config, &ty),
                planned_private: planned.planned_private,
                ..Default::default()
            }),
        )
        .expect("ApplyResourceChange")
        .into_inner();
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    assert_eq!(sim.connectors().len(), 1);
    let state = applied.new_state.expect("a new state");

    let read = rt
        .block_on(client.read_resource(pb::read_resource::Request {
            type_name: "qualys_aws_connector".into(),
            current_state: Some(state.clone()),
            private: applied.private.clone(),
            ..Default::default()
        }))
        .expect("ReadResource")
        .into_inner();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let read_state = codec::from_msgpack(&read.new_state.expect("read state").msgpack, &ty)
        .expect("decoding the read state");
    assert_eq!(read_state.get("name"), &Value::string("no-schema"));

    // The destroy plan Terraform 1.3+ asks for under `plan_destroy`: null in, null out.
    let destroy_plan = rt
        .block_on(
            client.plan_resource_change(pb::plan_resource_change::Request {
                type_name: "qualys_aws_connector".into(),
                prior_state: Some(state.clone()),
                proposed_new_state: dv(&Value::Null, &ty),
                config: dv(&Value::Null, &ty),
                prior_private: applied.private.clone(),
                ..Default::default()
            }),
        )
        .expect("PlanResourceChange for a destroy")
        .into_inner();
    assert!(
        destroy_plan.diagnostics.is_empty(),
        "{:?}",
        destroy_plan.diagnostics
    );
    let planned_null = codec::from_msgpack(
        &destroy_plan.planned_state.expect("a planned state").msgpack,
        &ty,
    )
    .expect("decoding the destroy plan");
    assert!(
        planned_null.is_null(),
        "a destroy plans null: {planned_null:?}"
    );

    let deleted = rt
        .block_on(
            client.apply_resource_change(pb::apply_resource_change::Request {
                type_name: "qualys_aws_connector".into(),
                prior_state: Some(state),
                planned_state: dv(&Value::Null, &ty),
                config: dv(&Value::Null, &ty),
                planned_private: applied.private,
                ..Default::default()
            }),
        )
        .expect("ApplyResourceChange for a destroy")
        .into_inner();
    assert!(deleted.diagnostics.is_empty(), "{:?}", deleted.diagnostics);
    assert!(sim.connectors().is_empty());

    let mut regions_config = Value::Object(match &regions_ty {
        Type::Object(a) => a.keys().map(|k| (k.clone(), Value::Null)).collect(),
        _ => panic!("a data source type is an object"),
    });
    regions_config.set("region_type", Value::string("gov"));
    let regions = rt
        .block_on(client.read_data_source(pb::read_data_source::Request {
            type_name: "qualys_aws_regions".into(),
            config: dv(&regions_config, &regions_ty),
            ..Default::default()
        }))
        .expect("ReadDataSource")
        .into_inner();
    assert!(regions.diagnostics.is_empty(), "{:?}", regions.diagnostics);
}
