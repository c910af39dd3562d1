//! Constants and configurations several acceptance test modules share: the usual role ARNs and
//! external IDs, one connector per API, connectors made outside Terraform, the regions config.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::sim::SimFixture;
use crate::support::terraform::Workdir;

pub const ARN: &str = "arn:aws:iam::123456789012:role/QualysConnector";
pub const GOV_ARN: &str = "arn:aws-us-gov:iam::123456789012:role/QualysConnector";
pub const CHINA_ARN: &str = "arn:aws-cn:iam::123456789012:role/QualysConnector";
pub const CV_EXTERNAL_ID: &str = "USPOD01-4765-abc123def";
pub const QPS_EXTERNAL_ID: &str = "pod-test-env";

/// An external ID each API accepts for a connector on `api`.
pub fn external_id(api: &str) -> &'static str {
    if api == "cloudview" {
        CV_EXTERNAL_ID
    } else {
        QPS_EXTERNAL_ID
    }
}

/// One connector `c` on `api`, with region scoping on the QPS APIs.
pub fn lifecycle_connector(api: &str, description: &str, gov: bool) -> String {
    let (arn, regions) = if gov {
        (GOV_ARN, r#"["us-gov-east-1", "us-gov-west-1"]"#)
    } else {
        (ARN, r#"["af-south-1", "us-east-1"]"#)
    };
    let scoping = if api == "cloudview" {
        String::new()
    } else {
        format!(
            "  all_regions = false\n  cspm_regions = {regions}\n  inventory_regions = [{}]\n",
            regions
                .trim_matches(['[', ']'])
                .split(", ")
                .next()
                .unwrap_or_default()
        )
    };
    format!(
        r#"
resource "qualys_aws_connector" "c" {{
  api               = "{api}"
  name              = "lifecycle-{api}"
  description       = "{description}"
  arn               = "{arn}"
  external_id       = "{ext}"
  is_gov_cloud      = {gov}
  polling_frequency = {{ hours = 2, minutes = 30 }}
{scoping}}}
"#,
        ext = external_id(api)
    )
}

/// The simulator's record of the only connector there is.
pub fn only_connector(sim: &SimFixture) -> Value {
    let all = sim.connectors();
    assert_eq!(
        all.len(),
        1,
        "exactly one connector in the simulator: {all:#?}"
    );
    all.into_iter().next().unwrap_or_default()
}

/// The simulator's record of the connector named `name`.
pub fn record_named(sim: &SimFixture, name: &str) -> serde_json::Value {
    sim.connectors()
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no connector {name}"))
}

/// A role ARN in AWS account `account`.
pub fn arn(account: u64) -> String {
    format!("arn:aws:iam::{account:012}:role/Qualys")
}

/// `count` connectors per API family made outside Terraform: `adopt-qps-NNN` through QPS v3 and
/// `adopt-cv-NNN` through CloudView, each in an AWS account of its own. Returns name -> the
/// import ID the data sources should report.
pub fn made_outside(sim: &SimFixture, count: u64) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    for i in 0..count {
        let name = format!("adopt-qps-{i:03}");
        let id = sim.create_out_of_band("v3", &name, &arn(300000000000 + i), "adopt-external");
        ids.insert(name, format!("v3:{id}"));
        let name = format!("adopt-cv-{i:03}");
        let id = sim.create_out_of_band("cloudview", &name, &arn(400000000000 + i), CV_EXTERNAL_ID);
        ids.insert(name, format!("cloudview:{id}"));
    }
    ids
}

/// A connector whose numbers (polling, regions) must round-trip through the state unchanged.
pub const ROUND_TRIP_CONNECTOR: &str = r#"
resource "qualys_aws_connector" "c" {
  name              = "wire"
  arn               = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id       = "wire-7f3c9a21e4"
  all_regions       = false
  cspm_regions      = ["us-east-1"]
  polling_frequency = { hours = 2, minutes = 30 }
}

output "id" { value = qualys_aws_connector.c.id }
"#;

/// [`ROUND_TRIP_CONNECTOR`] against `sim`, run by the Terraform at `binary`.
pub fn round_trip_workdir(sim: &SimFixture, binary: PathBuf) -> Workdir {
    Workdir::new(&(sim.provider_hcl("demo") + ROUND_TRIP_CONNECTOR)).terraform(binary)
}

/// The regions data source in every form; it needs no API call.
pub const REGIONS_CONFIG: &str = r#"
terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {
  # No API call is made for regions; the URL only has to be valid.
  api_url  = "http://127.0.0.1:9"
  username = "demo"
  password = "demo"
}

data "qualys_aws_regions" "all" {}
data "qualys_aws_regions" "global" { region_type = "global" }
data "qualys_aws_regions" "china" { region_type = "china" }
data "qualys_aws_regions" "gov" { region_type = "gov" }

output "all" { value = data.qualys_aws_regions.all.codes }
output "global" { value = data.qualys_aws_regions.global.codes }
output "china" { value = data.qualys_aws_regions.china.codes }
output "gov" { value = data.qualys_aws_regions.gov.codes }
output "gov_regions" { value = data.qualys_aws_regions.gov.regions }
output "cape_town" {
  value = [for r in data.qualys_aws_regions.all.regions : r if r.code == "af-south-1"][0]
}
"#;
