# Step 1 of adopting with generated configuration: render one import block per existing
# connector whose name starts with "prod-" (Terraform cannot generate configuration for an
# import block with for_each, so the data source writes the blocks out one by one).

data "qualys_aws_connectors" "adopt" {
  name_regex = "^prod-"
}

output "import_blocks" {
  value = data.qualys_aws_connectors.adopt.import_blocks
}
