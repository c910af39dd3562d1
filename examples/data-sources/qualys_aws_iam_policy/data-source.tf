# The role's policies for a GovCloud connector that feeds every Qualys app.
data "qualys_aws_iam_policy" "gov" {
  partition   = "gov"
  external_id = "USPOD01-4765-abc123def"
}

output "gov_trust_policy" {
  value = data.qualys_aws_iam_policy.gov.trust_policy
}

output "gov_permissions_policy" {
  value = data.qualys_aws_iam_policy.gov.permissions_policy
}

output "gov_managed_policy_arns" {
  value = data.qualys_aws_iam_policy.gov.managed_policy_arns
}
