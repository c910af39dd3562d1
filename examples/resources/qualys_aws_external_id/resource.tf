# Needs the provider's subscription_id and a POD (its pod, or a platform whose POD is public):
#   provider "qualys" {
#     platform        = "US1" # POD USPOD01
#     subscription_id = "4765"
#   }
resource "qualys_aws_external_id" "production" {
  # Change a keeper to rotate the ID; the role and the connector follow in the same apply.
  keepers = {
    rotation = "2026-12"
  }
}

resource "qualys_aws_connector" "production" {
  name        = "production"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = qualys_aws_external_id.production.result
}

output "external_id" {
  value = qualys_aws_external_id.production.result
}
