//! terraform-provider-qualys: a Terraform provider for Qualys AWS connectors. Each module
//! uses only those listed below it, never one above:
//!
//! - `provider`: configures the client and routes Terraform's calls through one registry.
//! - `resources`, `data_sources`, `functions`: one module per type, each in the registry.
//! - `configured`: what configure hands those types (the client, or why there is none).
//! - `connector`: a Qualys AWS connector in Terraform's terms (model, `Api`, import IDs,
//!   validators, expand and flatten, supported regions), what every type above stands on.
//! - `qualys`: the Qualys API client (QPS v3 JSON, QPS v2 XML, CloudView v1).
//! - `settings`, `platforms`: provider settings (arguments, environment, defaults, URL rules)
//!   and the table of Qualys platforms.
//! - `external_id`: Qualys's external-ID format.
//! - `plugin`: the Terraform plugin protocol (handshake, TLS, gRPC, value codecs, schemas,
//!   diagnostics) and the traits a type implements.
//!
//! The docs generator, release packager and benchmarks are repository tooling, in `xtask/`.

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
