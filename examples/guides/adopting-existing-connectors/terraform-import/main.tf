# Terraform 1.0 to 1.6: the connectors pinned in adopted.auto.tfvars.json (written by
# ../for-each/inventory/), keyed by import ID, imported with `terraform import` (see the guide
# for the loop). The same resource as the for_each recipe, without the import block.

terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {}

variable "adopted" {
  description = "The connectors this configuration manages, by import ID (`v3:2000006`, `cloudview:<uuid>`)."
  type = map(object({
    name                = string
    description         = string
    arn                 = string
    external_id         = string
    polling_frequency   = object({ hours = number, minutes = number })
    disabled            = bool
    is_gov_cloud        = bool
    is_china_region     = bool
    is_portal_connector = bool
    all_regions         = bool
    cspm_regions        = set(string)
    inventory_regions   = set(string)
    remediation_enabled = bool
  }))
  default = {}
}

resource "qualys_aws_connector" "adopted" {
  for_each            = var.adopted
  api                 = split(":", each.key)[0]
  name                = each.value.name
  description         = each.value.description
  arn                 = each.value.arn
  external_id         = each.value.external_id
  polling_frequency   = each.value.polling_frequency
  disabled            = each.value.disabled
  is_gov_cloud        = each.value.is_gov_cloud
  is_china_region     = each.value.is_china_region
  is_portal_connector = each.value.is_portal_connector
  all_regions         = each.value.all_regions
  cspm_regions        = each.value.cspm_regions
  inventory_regions   = each.value.inventory_regions
  remediation_enabled = each.value.remediation_enabled
}
