# The commercial AWS regions Qualys supports.
data "qualys_aws_regions" "global" {
  region_type = "global"
}

# Scan the European regions only, whichever Qualys supports.
resource "qualys_aws_connector" "europe" {
  name        = "europe"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = "USPOD01-4765-europe3b9f1c"

  all_regions  = false
  cspm_regions = [for code in data.qualys_aws_regions.global.codes : code if substr(code, 0, 3) == "eu-"]
}

output "region_names" {
  value = { for r in data.qualys_aws_regions.global.regions : r.code => r.name }
}
