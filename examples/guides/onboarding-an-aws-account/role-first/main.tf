variable "qualys_aws_account_id" {
  description = "The AWS account Qualys shows for your platform when you create an AWS connector in its UI."
  type        = string
}

variable "external_id" {
  description = "<Qualys POD>-<subscription ID>-<5 to 13 letters or digits>, e.g. USPOD01-4765-abc123def."
  type        = string
}

resource "aws_iam_role" "qualys" {
  name = "QualysConnector"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${var.qualys_aws_account_id}:root" }
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

  # Qualys may sync as soon as the connector exists: give it a role with its permissions.
  depends_on = [aws_iam_role_policy_attachment.security_audit]
}

output "trusts_the_right_account" {
  description = "false when Qualys reports another account than the role trusts: fix qualys_aws_account_id."
  value       = qualys_aws_connector.this.qualys_aws_account_id == var.qualys_aws_account_id
}
