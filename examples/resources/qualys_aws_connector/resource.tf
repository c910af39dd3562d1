# Connector QPS v3 (the default API), scanning two regions only.
resource "qualys_aws_connector" "production" {
  name        = "production"
  description = "Production AWS account"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = "prod-7f3c9a21e4"

  all_regions       = false
  cspm_regions      = ["eu-west-1", "us-east-1"]
  inventory_regions = ["us-east-1"]

  polling_frequency = { hours = 6, minutes = 0 }
}

# CloudView v1: the external ID is <Qualys POD>-<subscription ID>-<5 to 13 letters or digits>.
resource "qualys_aws_connector" "staging" {
  api         = "cloudview"
  name        = "staging"
  arn         = "arn:aws:iam::210987654321:role/QualysCloudView"
  external_id = "USPOD01-4765-abc123def"
}

# AWS GovCloud (US), managed through QPS v2.
resource "qualys_aws_connector" "govcloud" {
  api          = "v2"
  name         = "govcloud"
  arn          = "arn:aws-us-gov:iam::345678901234:role/QualysConnector"
  external_id  = "gov-5d2e8b47c1"
  is_gov_cloud = true

  all_regions  = false
  cspm_regions = ["us-gov-west-1"]
}
