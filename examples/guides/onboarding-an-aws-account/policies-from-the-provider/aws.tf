# The AWS half: three attributes of qualys_aws_iam_policy and nothing copied by hand.
resource "aws_iam_role" "qualys" {
  name               = "QualysConnector"
  assume_role_policy = data.qualys_aws_iam_policy.this.trust_policy
}

resource "aws_iam_role_policy" "qualys_reads" {
  name   = "QualysReads"
  role   = aws_iam_role.qualys.id
  policy = data.qualys_aws_iam_policy.this.permissions_policy
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each   = toset(data.qualys_aws_iam_policy.this.managed_policy_arns)
  role       = aws_iam_role.qualys.name
  policy_arn = each.value
}

locals {
  role_arn = aws_iam_role.qualys.arn
}
