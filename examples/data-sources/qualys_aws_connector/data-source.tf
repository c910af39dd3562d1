# One existing connector by name (add aws_account_id or api when several share the name) ...
data "qualys_aws_connector" "production" {
  name = "production"
}

# ... or by id, in any form terraform import takes.
data "qualys_aws_connector" "by_id" {
  id = data.qualys_aws_connector.production.import_id
}

output "production_role" {
  value = data.qualys_aws_connector.production.arn
}

output "production_state" {
  value = data.qualys_aws_connector.by_id.state
}
