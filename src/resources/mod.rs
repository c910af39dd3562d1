//! Resources, one per file, and the validators they share.

pub mod aws_connector;
pub mod aws_external_id;
pub mod validators;
