//! Data sources, one per file.

pub mod aws_base_account;
pub mod aws_connector;
pub mod aws_connectors;
pub mod aws_iam_policy;
pub mod aws_regions;
mod connector_listing;
