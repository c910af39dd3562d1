//! terraform-provider-qualys: a Terraform provider for Qualys AWS connectors.
//!
//! - `plugin`: the Terraform plugin protocol (handshake, TLS, gRPC, value codecs, schemas).
//! - `provider`: the provider's configuration and dispatch.
//! - `connector`: a Qualys AWS connector in Terraform's terms (model, `Api`, import IDs,
//!   validators, expand and flatten, supported regions), what resources, data sources and
//!   functions stand on.
//! - `resources`: `qualys_aws_connector`, `qualys_aws_external_id`.
//! - `data_sources`: the connector, connectors, regions, base-account and IAM-policy reads.
//! - `qualys`: the Qualys API client (QPS v3 JSON, QPS v2 XML, CloudView v1).
//! - `external_id`: Qualys's external-ID format and the platforms' PODs.
//! - `functions`: the provider-defined functions, one file each.
//!
//! The docs generator and the release packager are repository tooling, in `xtask/`.

pub mod configured;
pub mod connector;
pub mod data_sources;
pub mod external_id;
pub mod functions;
pub mod platforms;
pub mod plugin;
pub mod provider;
pub mod qualys;
pub mod resources;
pub mod settings;

/// The provider's version: what it reports and what a release of it is called.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
