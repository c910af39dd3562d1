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

# The external ID's POD and subscription ID come from the provider: set subscription_id (or
# QUALYS_SUBSCRIPTION_ID), and pod (or QUALYS_POD) unless your platform's POD is public.
resource "qualys_aws_external_id" "this" {}

# Both halves of the role, from one data source: what to trust, what to allow.
data "qualys_aws_iam_policy" "this" {
  partition   = "global"
  external_id = qualys_aws_external_id.this.result
}

resource "qualys_aws_connector" "this" {
  name        = "production"
  api         = "cloudview"
  arn         = local.role_arn # the role aws.tf creates
  external_id = qualys_aws_external_id.this.result
}

output "connector" {
  value = {
    id              = qualys_aws_connector.this.id
    external_id     = qualys_aws_connector.this.external_id
    trust_principal = qualys_aws_connector.this.trust_principal
  }
}
