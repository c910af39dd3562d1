# Renders adopted.auto.tfvars.json: the existing connectors whose name starts with "prod-",
# keyed by import ID, with what Qualys reports. Entries already in the file are kept as they
# are (your pinned values win over a rename in the Qualys UI), and a connector already pinned
# under another import ID (same name and role) is not added twice. Reads only; creates nothing.
#
#   terraform -chdir=inventory apply
#   terraform -chdir=inventory output -raw tfvars > adopted.auto.tfvars.json

terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {}

variable "pinned_file" {
  description = "The variables file the managing configuration reads, as pinned so far."
  type        = string
  default     = "../adopted.auto.tfvars.json"
}

data "qualys_aws_connectors" "adopt" {
  name_regex = "^prod-"
}

locals {
  pinned       = jsondecode(fileexists(var.pinned_file) ? file(var.pinned_file) : "{\"adopted\": {}}").adopted
  pinned_roles = toset([for c in values(local.pinned) : "${c.name} ${c.arn}"])
  found = {
    for c in data.qualys_aws_connectors.adopt.connectors : c.import_id => {
      name                = c.name
      description         = c.description
      arn                 = c.arn
      external_id         = c.external_id
      polling_frequency   = c.polling_frequency
      disabled            = c.disabled
      is_gov_cloud        = c.is_gov_cloud
      is_china_region     = c.is_china_region
      is_portal_connector = c.is_portal_connector
      all_regions         = c.all_regions
      cspm_regions        = c.cspm_regions
      inventory_regions   = c.inventory_regions
      remediation_enabled = c.remediation_enabled
    } if !contains(local.pinned_roles, "${c.name} ${c.arn}")
  }
}

output "tfvars" {
  value = jsonencode({ adopted = merge(local.found, local.pinned) })
}
