# Terraform 1.8 or later.
terraform {
  required_version = ">= 1.8" # provider functions
}

import {
  to = qualys_aws_connector.production
  id = provider::qualys::import_id("v3", "2000001") # "v3:2000001"
}
