//! terraform-provider-qualys: a Terraform provider for Qualys AWS connectors.
//!
//! - `plugin`: the Terraform plugin protocol (handshake, TLS, gRPC, value codecs, schemas).
//! - `provider`: the provider's configuration and dispatch.
//! - `data_sources`: `qualys_aws_regions`.
//! - `regions`: the supported-region table shared by validation and the data source.
//! - `qualys`: the Qualys API client (QPS v3/v2, CloudView v1) under the resources.

pub mod data_sources;
pub mod plugin;
pub mod provider;
pub mod qualys;
pub mod regions;
