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

variable "external_id" {
  description = "<Qualys POD>-<subscription ID>-<5 to 13 letters or digits>, e.g. USPOD01-4765-abc123def."
  type        = string
}

# The Qualys AWS account to trust, as the Qualys API reports it for this partition ("gov" for
# GovCloud roles, "china" for AWS China): nothing copied from the Qualys UI.
data "qualys_aws_base_account" "this" {
  partition = "global"
}

resource "aws_iam_role" "qualys" {
  name = "QualysConnector"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = data.qualys_aws_base_account.this.trust_principal }
      Condition = { StringEquals = { "sts:ExternalId" = var.external_id } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "security_audit" {
  role       = aws_iam_role.qualys.name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}

resource "qualys_aws_connector" "this" {
  name        = "production"
  arn         = aws_iam_role.qualys.arn
  external_id = var.external_id

  # Fail the apply if Qualys cannot assume the role, with Qualys's own errors.
  wait_for_sync = true

  # Qualys syncs as soon as the connector exists: give it a role with its permissions.
  depends_on = [aws_iam_role_policy_attachment.security_audit]
}
