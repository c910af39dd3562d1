# The AWS half: three attributes of qualys_aws_iam_policy and nothing copied by hand.
resource "aws_iam_role" "qualys" {
  name               = "QualysConnector"
  assume_role_policy = data.qualys_aws_iam_policy.trust.trust_policy
}

# Null when connector_apps need nothing beyond SecurityAudit (["CI"]): then no inline policy.
resource "aws_iam_role_policy" "qualys_reads" {
  count  = data.qualys_aws_iam_policy.permissions.permissions_policy == null ? 0 : 1
  name   = "QualysReads"
  role   = aws_iam_role.qualys.id
  policy = data.qualys_aws_iam_policy.permissions.permissions_policy
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each   = toset(data.qualys_aws_iam_policy.permissions.managed_policy_arns)
  role       = aws_iam_role.qualys.name
  policy_arn = each.value
}

locals {
  role_arn = aws_iam_role.qualys.arn
}
