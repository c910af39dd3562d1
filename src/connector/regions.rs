//! The AWS regions Qualys supports for connectors, per partition: the table of seed 004
//! ("Supported Regions for AV and CSPM Connectors", OCR typos corrected). The
//! `qualys_aws_regions` data source publishes it and `qualys_aws_connector` validates against it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Partition {
    Global,
    China,
    Gov,
}

impl Partition {
    pub const ALL: [Partition; 3] = [Partition::Global, Partition::China, Partition::Gov];

    /// The name users write (`region_type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Global => "global",
            Partition::China => "china",
            Partition::Gov => "gov",
        }
    }

    pub fn parse(s: &str) -> Option<Partition> {
        Partition::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The ARN partition of IAM roles in this partition.
    pub fn arn_partition(self) -> &'static str {
        match self {
            Partition::Global => "aws",
            Partition::China => "aws-cn",
            Partition::Gov => "aws-us-gov",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub code: &'static str,
    pub name: &'static str,
    pub partition: Partition,
}

const fn region(code: &'static str, name: &'static str, partition: Partition) -> Region {
    Region {
        code,
        name,
        partition,
    }
}

/// In the seed's order.
pub const REGIONS: &[Region] = &[
    region("af-south-1", "Africa (Cape Town)", Partition::Global),
    region("eu-south-1", "Europe (Milan)", Partition::Global),
    region("eu-west-3", "EU (Paris)", Partition::Global),
    region(
        "ap-northeast-3",
        "Asia Pacific (Osaka-Local)",
        Partition::Global,
    ),
    region("ap-east-1", "Asia Pacific (Hong Kong)", Partition::Global),
    region("eu-north-1", "EU (Stockholm)", Partition::Global),
    region("ap-southeast-2", "Asia Pacific (Sydney)", Partition::Global),
    region("us-east-1", "US East (N. Virginia)", Partition::Global),
    region("us-west-2", "US West (Oregon)", Partition::Global),
    region(
        "us-west-1",
        "US West (Northern California)",
        Partition::Global,
    ),
    region("eu-west-1", "EU (Ireland)", Partition::Global),
    region(
        "ap-southeast-1",
        "Asia Pacific (Singapore)",
        Partition::Global,
    ),
    region("ap-northeast-1", "Asia Pacific (Tokyo)", Partition::Global),
    region("sa-east-1", "South America (Sao Paulo)", Partition::Global),
    region("eu-central-1", "EU (Frankfurt)", Partition::Global),
    region("us-east-2", "US East (Ohio)", Partition::Global),
    region("ap-south-1", "Asia Pacific (Mumbai)", Partition::Global),
    region("ap-northeast-2", "Asia Pacific (Seoul)", Partition::Global),
    region("eu-west-2", "EU (London)", Partition::Global),
    region("ca-central-1", "Canada (Central)", Partition::Global),
    region("me-south-1", "Middle East (Bahrain)", Partition::Global),
    region(
        "ap-southeast-3",
        "Asia Pacific (Jakarta)",
        Partition::Global,
    ),
    region("cn-north-1", "AWS China (Beijing)", Partition::China),
    region("cn-northwest-1", "AWS China (Ningxia)", Partition::China),
    region("us-gov-west-1", "AWS GovCloud (US-West)", Partition::Gov),
    region("us-gov-east-1", "AWS GovCloud (US-East)", Partition::Gov),
];

/// Regions of one partition (or all), sorted by code.
pub fn regions(partition: Option<Partition>) -> Vec<Region> {
    let mut out: Vec<Region> = REGIONS
        .iter()
        .filter(|r| partition.is_none_or(|p| r.partition == p))
        .copied()
        .collect();
    out.sort_by_key(|r| r.code);
    out
}

pub fn find(code: &str) -> Option<Region> {
    REGIONS.iter().find(|r| r.code == code).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_seed_counts() {
        assert_eq!(regions(Some(Partition::Global)).len(), 22);
        assert_eq!(regions(Some(Partition::China)).len(), 2);
        assert_eq!(regions(Some(Partition::Gov)).len(), 2);
        assert_eq!(regions(None).len(), 26);
    }

    #[test]
    fn codes_are_unique_and_sorted() {
        let codes: Vec<&str> = regions(None).iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn ocr_typo_is_corrected() {
        assert!(find("us-west-1").is_some());
        assert!(find("us-west-1u").is_none());
        assert_eq!(find("us-gov-east-1").unwrap().partition, Partition::Gov);
    }
}
