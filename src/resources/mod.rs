//! Resources, one per file (or folder, once it grew).

pub mod aws_connector;
pub mod aws_external_id;
