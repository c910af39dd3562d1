//! Data sources, one per file.

pub mod aws_connector;
pub mod aws_connectors;
mod connector_listing;
pub mod aws_regions;
