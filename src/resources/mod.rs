//! Resources, one per file, and the validators they share.

pub mod aws_connector;
pub mod validators;
