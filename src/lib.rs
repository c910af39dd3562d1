//! terraform-provider-qualys: a Terraform provider for Qualys AWS connectors.

pub mod qualys;
