# Every GovCloud connector whose name starts with "prod-".
data "qualys_aws_connectors" "gov" {
  name_regex   = "^prod-"
  is_gov_cloud = true
}

output "gov_connectors" {
  value = { for c in data.qualys_aws_connectors.gov.connectors : c.name => c.import_id }
}
