# Terraform 1.8 or later.
terraform {
  required_version = ">= 1.8" # provider functions
}

output "connector_api" {
  # { api = "cloudview", id = "8889b18b-6f92-43d3-8afd-6d9d144177e8" }
  value = provider::qualys::parse_import_id("8889b18b-6f92-43d3-8afd-6d9d144177e8")
}
