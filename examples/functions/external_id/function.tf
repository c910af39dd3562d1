# Terraform 1.8 or later.
terraform {
  required_version = ">= 1.8" # provider functions
}

resource "random_string" "external_id" {
  length  = 13
  special = false
}

locals {
  # "USPOD01-4765-<13 random letters and digits>" (US1's POD is USPOD01).
  external_id = provider::qualys::external_id("US1", "4765", random_string.external_id.result)
}
