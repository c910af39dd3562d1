# Terraform 1.8 or later.
terraform {
  required_version = ">= 1.8" # provider functions
}

output "subscription_id" {
  # "4765"; an ID in another format is an error that names the part that is wrong.
  value = provider::qualys::parse_external_id("USPOD01-4765-9011278609223").subscription_id
}
