# A QPS connector by its number, managed through QPS v3 ...
terraform import qualys_aws_connector.production 2000001
# ... or through QPS v2 with the prefix v2: (v3: is the default).
terraform import qualys_aws_connector.govcloud v2:2000003
# A CloudView connector by its UUID (cloudview:<uuid> works too).
terraform import qualys_aws_connector.staging 8889b18b-6f92-43d3-8afd-6d9d144177e8
