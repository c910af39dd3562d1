//! Shared by the acceptance tests: the real Terraform CLI, qualys-sim, and a go-plugin client.

pub mod fixtures;
pub mod gateway;
pub mod plugin_client;
pub mod sim;
pub mod terraform;
