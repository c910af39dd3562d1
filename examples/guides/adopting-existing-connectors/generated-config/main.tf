# Step 1 of adopting with generated configuration: render one import block per existing
# connector whose name starts with "prod-" (Terraform cannot generate configuration for an
# import block with for_each, so the data source writes the blocks out one by one). Each
# block's address is the connector's import ID made an identifier (qualys_aws_connector.v3_2000006),
# which a rename in the Qualys UI does not change.

terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {}

data "qualys_aws_connectors" "adopt" {
  name_regex = "^prod-"
}

output "import_blocks" {
  value = data.qualys_aws_connectors.adopt.import_blocks
}
