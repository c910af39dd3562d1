# Adopt every existing connector whose name starts with "prod-": one import block with for_each
# over the qualys_aws_connectors data source, and one resource with the same for_each.
# Terraform 1.7 or later (import blocks with for_each).

data "qualys_aws_connectors" "adopt" {
  name_regex = "^prod-"
}

locals {
  adopted = { for c in data.qualys_aws_connectors.adopt.connectors : c.name => c }
}

import {
  for_each = local.adopted
  to       = qualys_aws_connector.adopted[each.key]
  id       = each.value.import_id
}

resource "qualys_aws_connector" "adopted" {
  for_each          = local.adopted
  api               = each.value.api
  name              = each.value.name
  description       = each.value.description
  arn               = each.value.arn
  external_id       = each.value.external_id
  polling_frequency = each.value.polling_frequency
  disabled          = each.value.disabled

  # Partition and region scoping, as Qualys reports them (null where the api has none).
  is_gov_cloud        = each.value.is_gov_cloud
  is_china_region     = each.value.is_china_region
  is_portal_connector = each.value.is_portal_connector
  all_regions         = each.value.all_regions
  cspm_regions        = each.value.cspm_regions
  inventory_regions   = each.value.inventory_regions
  remediation_enabled = each.value.remediation_enabled
}
