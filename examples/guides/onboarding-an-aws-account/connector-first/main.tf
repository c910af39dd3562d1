terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
    qualys = {
      source = "qualys-tf/qualys"
    }
    random = {
      source = "hashicorp/random"
    }
  }
}

variable "qualys_pod" {
  description = "Your Qualys platform identifier, e.g. USPOD01 (https://www.qualys.com/platform-identification/)."
  type        = string
}

variable "qualys_subscription_id" {
  description = "Your Qualys subscription ID (digits)."
  type        = string
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The customer's part of the external ID: 13 random letters and digits.
resource "random_string" "external_id" {
  length  = 13
  special = false
}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  role_name   = "QualysConnector"
  external_id = "${var.qualys_pod}-${var.qualys_subscription_id}-${random_string.external_id.result}"
}

resource "qualys_aws_connector" "this" {
  name = "aws-${local.account_id}"
  # Built from names rather than taken from aws_iam_role.qualys.arn: the role needs this
  # connector's qualys_aws_account_id, so the connector is created first.
  arn          = "arn:${local.partition}:iam::${local.account_id}:role/${local.role_name}"
  external_id  = local.external_id
  is_gov_cloud = local.partition == "aws-us-gov"
}

resource "aws_iam_role" "qualys" {
  name = local.role_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:${local.partition}:iam::${qualys_aws_connector.this.qualys_aws_account_id}:root" }
      Condition = { StringEquals = { "sts:ExternalId" = local.external_id } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "security_audit" {
  role       = aws_iam_role.qualys.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/SecurityAudit"
}

output "connector" {
  value = {
    id                    = qualys_aws_connector.this.id
    state                 = qualys_aws_connector.this.state
    role_arn              = aws_iam_role.qualys.arn
    qualys_aws_account_id = qualys_aws_connector.this.qualys_aws_account_id
  }
}
