# A module-under-test for `terraform test` (Terraform 1.6 or later), run against qualys-sim by
# tests/acceptance/connector_lifecycle.rs: the provider reads QUALYS_API_URL, QUALYS_USERNAME and
# QUALYS_PASSWORD from the environment.

terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {}

variable "name" {
  type = string
}

variable "description" {
  type    = string
  default = ""
}

resource "qualys_aws_connector" "this" {
  name              = var.name
  description       = var.description
  arn               = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id       = "tftest-7f3a9c"
  all_regions       = false
  cspm_regions      = ["us-east-1", "eu-west-1"]
  inventory_regions = ["us-east-1"]
  polling_frequency = { hours = 6 }
}

output "connector_id" {
  value = qualys_aws_connector.this.id
}
