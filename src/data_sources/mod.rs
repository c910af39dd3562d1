//! Data sources, one per file.

pub mod aws_regions;
