# Terraform 1.8 or later: the provider's rule in the configuration's own validation, which
# `terraform test` can check with expect_failures.
terraform {
  required_version = ">= 1.8" # provider functions
}

variable "external_id" {
  type = string

  validation {
    condition     = provider::qualys::is_valid_external_id(var.external_id)
    error_message = "The external ID must be <Qualys POD>-<subscription ID>-<5 to 13 letters or digits>, e.g. USPOD01-4765-9011278609223."
  }
}
