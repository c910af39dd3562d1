# Terraform 1.5 or later: adopt existing connectors with import blocks, then plan and apply
# (add -generate-config-out=generated.tf to the plan to have Terraform write their resources).
terraform {
  required_version = ">= 1.5" # import blocks
}

import {
  to = qualys_aws_connector.production
  id = "2000001"
}

# v2: manages the connector through QPS v2 (v3: is the default).
import {
  to = qualys_aws_connector.govcloud
  id = "v2:2000003"
}

# A CloudView connector by its UUID (cloudview:<uuid> works too).
import {
  to = qualys_aws_connector.staging
  id = "8889b18b-6f92-43d3-8afd-6d9d144177e8"
}
