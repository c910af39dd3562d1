# Quickstart: the supported regions, and one AWS connector on each Qualys API. See README.md.

terraform {
  required_version = ">= 1.0"
  required_providers {
    qualys = {
      source = "qualys-tf/qualys"
    }
  }
}

# Credentials and endpoints come from the environment: QUALYS_USERNAME, QUALYS_PASSWORD, and
# QUALYS_PLATFORM (or QUALYS_API_URL for qualys-sim or a private cloud platform).
provider "qualys" {}

variable "aws_account_id" {
  description = "The AWS account to onboard (12 digits)."
  type        = string
  default     = "123456789012"
}

variable "cloudview_external_id" {
  description = "External ID of the CloudView connector: <Qualys POD>-<subscription ID>-<5 to 13 letters or digits>."
  type        = string
  default     = "USPOD01-4765-abc123def"
}

# Every commercial AWS region Qualys supports, for region scoping.
data "qualys_aws_regions" "global" {
  region_type = "global"
}

locals {
  us_regions = [for code in data.qualys_aws_regions.global.codes : code if substr(code, 0, 3) == "us-"]
}

# Connector QPS v3 (JSON), limited to the US regions.
resource "qualys_aws_connector" "v3" {
  name        = "quickstart-v3"
  description = "QPS v3, US regions only"
  arn         = "arn:aws:iam::${var.aws_account_id}:role/QualysConnectorV3"
  external_id = "USPOD01-4765-qsv3f8a2c"

  all_regions       = false
  cspm_regions      = local.us_regions
  inventory_regions = ["us-east-1"]
}

# Connector QPS v2 (XML), every region, synced every two hours.
resource "qualys_aws_connector" "v2" {
  api         = "v2"
  name        = "quickstart-v2"
  description = "QPS v2, all regions"
  arn         = "arn:aws:iam::${var.aws_account_id}:role/QualysConnectorV2"
  external_id = "USPOD01-4765-qsv29d41e7"

  polling_frequency = { hours = 2, minutes = 0 }
}

# CloudView v1, shown beside the Connector API to compare: it is for connectors CloudView made
# and for AWS China; start new connectors on v3.
resource "qualys_aws_connector" "cloudview" {
  api         = "cloudview"
  name        = "quickstart-cloudview"
  description = "CloudView"
  arn         = "arn:aws:iam::${var.aws_account_id}:role/QualysCloudView"
  external_id = var.cloudview_external_id
}

output "supported_region_count" {
  value = length(data.qualys_aws_regions.global.codes)
}

output "connectors" {
  description = "Each connector's ID, state and the Qualys AWS account its IAM role must trust."
  value = {
    for key, c in {
      v3        = qualys_aws_connector.v3
      v2        = qualys_aws_connector.v2
      cloudview = qualys_aws_connector.cloudview
      } : key => {
      id                    = c.id
      api                   = c.api
      state                 = c.state
      qualys_aws_account_id = c.qualys_aws_account_id
      cspm_regions          = c.cspm_regions
    }
  }
}
