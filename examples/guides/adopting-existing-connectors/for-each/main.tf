# Manage existing connectors, keyed by their import ID: one import block with for_each and
# one resource with the same for_each, over the connectors pinned in adopted.auto.tfvars.json
# (written by inventory/; review changes to it like code). Terraform 1.7 or later.
#
# Safe to re-run: an import of a connector already in the state does nothing, a rename in
# the Qualys UI shows as a change of `name` back to the pinned name, and a connector leaves
# only when you remove its entry (then its resource is destroyed: add a `removed` block to
# stop managing it without deleting it).

terraform {
  required_version = ">= 1.7" # import blocks with for_each
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {
  # platform, username and password from QUALYS_PLATFORM, QUALYS_USERNAME, QUALYS_PASSWORD
}

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

import {
  for_each = var.adopted
  to       = qualys_aws_connector.adopted[each.key]
  id       = each.key
}

resource "qualys_aws_connector" "adopted" {
  for_each = var.adopted
  # The API that made the connector, from its import ID: the one that can change it.
  api               = split(":", each.key)[0]
  name              = each.value.name
  description       = each.value.description
  arn               = each.value.arn
  external_id       = each.value.external_id
  polling_frequency = each.value.polling_frequency
  disabled          = each.value.disabled

  # Partition and region scoping, as pinned (null where the API has none).
  is_gov_cloud        = each.value.is_gov_cloud
  is_china_region     = each.value.is_china_region
  is_portal_connector = each.value.is_portal_connector
  all_regions         = each.value.all_regions
  cspm_regions        = each.value.cspm_regions
  inventory_regions   = each.value.inventory_regions
  remediation_enabled = each.value.remediation_enabled
}
