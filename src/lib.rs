//! terraform-provider-qualys: a Terraform provider for Qualys AWS connectors.
//!
//! - `plugin`: the Terraform plugin protocol (handshake, TLS, gRPC, value codecs, schemas).
//! - `provider`: the provider's configuration and dispatch.
//! - `resources`: `qualys_aws_connector`.
//! - `data_sources`: `qualys_aws_regions`.
//! - `qualys`: the Qualys API client (QPS v3 JSON, QPS v2 XML, CloudView v1).
//! - `docs`: the registry docs under `docs/`, generated from the schemas and `examples/`.
//! - `regions`: the supported-region table shared by validation and the data source.
//! - `release`: the registry's release artifacts (zip, SHA256SUMS, manifest).

pub mod data_sources;
pub mod docs;
pub mod plugin;
pub mod provider;
pub mod qualys;
pub mod regions;
pub mod release;
pub mod resources;
