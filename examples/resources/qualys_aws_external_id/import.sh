# An external ID already in a role's trust policy, kept from now on.
terraform import qualys_aws_external_id.production USPOD01-4765-9011278609223
