# The Qualys account a GovCloud role must trust, and the trust policy that says so.
data "qualys_aws_base_account" "gov" {
  partition = "gov"
}

output "gov_trust_policy" {
  value = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = data.qualys_aws_base_account.gov.trust_principal }
      Condition = { StringEquals = { "sts:ExternalId" = "USPOD01-4765-abc123def" } }
    }]
  })
}
