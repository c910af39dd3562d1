//! terraform-provider-qualys: a Terraform provider for Qualys AWS connectors.
//!
//! - `plugin`: the Terraform plugin protocol (handshake, TLS, gRPC, value codecs, schemas).
//! - `provider`: the provider's configuration and dispatch.
//! - `resources`: `qualys_aws_connector`.
//! - `data_sources`: `qualys_aws_regions`.
//! - `qualys`: the Qualys API client (QPS v3 JSON, QPS v2 XML, CloudView v1).
//! - `regions`: the supported-region table shared by validation and the data source.
//! - `external_id`: Qualys's external-ID format and the platforms' PODs.
//! - `functions`: the provider-defined functions, one file each.
//!
//! The docs generator and the release packager are repository tooling, in `xtask/`.

pub mod configured;
pub mod data_sources;
pub mod external_id;
pub mod functions;
pub mod platforms;
pub mod plugin;
pub mod provider;
pub mod qualys;
pub mod regions;
pub mod resources;
pub mod settings;

/// The provider's version: what it reports and what a release of it is called.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
