# `terraform test`: create a connector, check what Qualys reports, change it in place.

variables {
  name = "tftest-connector"
}

run "creates_a_scoped_connector" {
  command = apply

  assert {
    condition     = qualys_aws_connector.this.aws_account_id == "123456789012"
    error_message = "aws_account_id must be the role's account"
  }

  assert {
    condition     = qualys_aws_connector.this.polling_frequency.hours == 6 && qualys_aws_connector.this.polling_frequency.minutes == 0
    error_message = "polling_frequency = { hours = 6 } must read back as 6 hours 0 minutes"
  }

  assert {
    condition     = length(qualys_aws_connector.this.cspm_regions) == 2
    error_message = "both CSPM regions must be kept"
  }

  assert {
    condition     = can(tonumber(output.connector_id))
    error_message = "a v3 connector's id is a number"
  }
}

run "updates_in_place" {
  command = apply

  variables {
    description = "changed by terraform test"
  }

  assert {
    condition     = qualys_aws_connector.this.description == "changed by terraform test"
    error_message = "the description must change in place"
  }

  assert {
    condition     = output.connector_id == run.creates_a_scoped_connector.connector_id
    error_message = "an in-place update must keep the connector"
  }
}
