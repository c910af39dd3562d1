terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
    qualys = {
      source = "qualys-tf/qualys"
    }
  }
}

variable "connector_apps" {
  description = "The Qualys apps the connector feeds: AI, CI, CSA."
  type        = set(string)
  default     = ["AI", "CI", "CSA"]
}

# The external ID's POD and subscription ID come from the provider: set subscription_id (or
# QUALYS_SUBSCRIPTION_ID), and pod (or QUALYS_POD) unless your platform's POD is public.
resource "qualys_aws_external_id" "this" {}

# What the role may do. Its arguments are known at plan, so Terraform reads it then and the
# AWS half can count and for_each on it: no external_id here, it is known only after apply.
data "qualys_aws_iam_policy" "permissions" {
  partition      = "global"
  connector_apps = var.connector_apps
}

# Whom the role trusts: Qualys's account, on the condition of the generated external ID.
data "qualys_aws_iam_policy" "trust" {
  partition   = "global"
  external_id = qualys_aws_external_id.this.result
}

resource "qualys_aws_connector" "this" {
  name           = "production"
  arn            = local.role_arn # the role aws.tf creates
  external_id    = qualys_aws_external_id.this.result
  connector_apps = var.connector_apps
}

output "connector" {
  value = {
    id              = qualys_aws_connector.this.id
    external_id     = qualys_aws_connector.this.external_id
    trust_principal = qualys_aws_connector.this.trust_principal
  }
}
