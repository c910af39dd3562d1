//! Shared by the acceptance tests: the real Terraform CLI and a go-plugin client.

pub mod plugin_client;
pub mod terraform;
