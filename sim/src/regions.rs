//! AWS partitions and the region codes Qualys supports in each for CSPM and asset inventory
//! (seed 004's table, OCR typos corrected).

use serde::{Deserialize, Serialize};

/// The AWS partition a connector's role lives in; it decides which region codes are valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Partition {
    #[serde(rename = "aws")]
    Global,
    #[serde(rename = "aws-us-gov")]
    GovCloud,
    #[serde(rename = "aws-cn")]
    China,
}

const GLOBAL: &[&str] = &[
    "af-south-1",
    "eu-south-1",
    "eu-west-3",
    "ap-northeast-3",
    "ap-east-1",
    "eu-north-1",
    "ap-southeast-2",
    "us-east-1",
    "us-west-2",
    "us-west-1",
    "eu-west-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
    "eu-central-1",
    "us-east-2",
    "ap-south-1",
    "ap-northeast-2",
    "eu-west-2",
    "ca-central-1",
    "me-south-1",
    "ap-southeast-3",
];
const CHINA: &[&str] = &["cn-north-1", "cn-northwest-1"];
const GOV_CLOUD: &[&str] = &["us-gov-west-1", "us-gov-east-1"];

impl Partition {
    /// The partition named in an ARN (`aws`, `aws-us-gov`, `aws-cn`).
    pub fn from_arn(name: &str) -> Option<Partition> {
        match name {
            "aws" => Some(Partition::Global),
            "aws-us-gov" => Some(Partition::GovCloud),
            "aws-cn" => Some(Partition::China),
            _ => None,
        }
    }

    /// The ARN spelling of the partition.
    pub fn arn_name(self) -> &'static str {
        match self {
            Partition::Global => "aws",
            Partition::GovCloud => "aws-us-gov",
            Partition::China => "aws-cn",
        }
    }

    /// Whether Qualys supports region `code` for connectors of this partition.
    pub fn supports(self, code: &str) -> bool {
        self.regions().contains(&code)
    }

    /// The supported region codes of the partition.
    pub fn regions(self) -> &'static [&'static str] {
        match self {
            Partition::Global => GLOBAL,
            Partition::GovCloud => GOV_CLOUD,
            Partition::China => CHINA,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_has_its_own_regions() {
        assert!(Partition::Global.supports("us-west-1"));
        assert!(Partition::Global.supports("ap-southeast-3"));
        assert!(!Partition::Global.supports("cn-north-1"));
        assert!(!Partition::Global.supports("us-gov-west-1"));
        assert!(Partition::China.supports("cn-northwest-1"));
        assert!(!Partition::China.supports("us-east-1"));
        assert!(Partition::GovCloud.supports("us-gov-east-1"));
        assert!(!Partition::GovCloud.supports("us-east-1"));
        assert!(!Partition::Global.supports("us-west-1u"));
    }

    #[test]
    fn arn_names_round_trip() {
        for p in [Partition::Global, Partition::GovCloud, Partition::China] {
            assert_eq!(Partition::from_arn(p.arn_name()), Some(p));
        }
        assert_eq!(Partition::from_arn("aws-iso"), None);
    }
}
