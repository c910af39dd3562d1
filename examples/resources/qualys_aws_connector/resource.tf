# Connector QPS v3 (the default API), scanning two regions only.
resource "qualys_aws_connector" "production" {
  name        = "production"
  description = "Production AWS account"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = "USPOD01-4765-prod7f3c9a21"

  all_regions       = false
  cspm_regions      = ["eu-west-1", "us-east-1"]
  inventory_regions = ["us-east-1"]

  polling_frequency = { hours = 6, minutes = 0 }
}

# CloudView v1, for a connector CloudView made that Qualys has not merged into the Connector app
# yet (new connectors belong on v3). CloudView requires the external ID format Qualys uses
# everywhere: <Qualys POD>-<subscription ID>-<5 to 13 letters or digits>.
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
  external_id  = "USPOD01-4765-gov5d2e8b47"
  is_gov_cloud = true

  all_regions  = false
  cspm_regions = ["us-gov-west-1"]
}
