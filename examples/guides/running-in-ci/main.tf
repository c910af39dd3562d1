# Provider settings for a pipeline: credentials and platform from the environment
# (QUALYS_USERNAME, QUALYS_PASSWORD, QUALYS_PLATFORM), Qualys's default limits, and operations
# bounded well within the job's own time limit.

terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {
  max_concurrency = 2     # Qualys's default concurrency limit per user
  max_retries     = 5     # throttled calls wait as Qualys asks, then retry
  request_timeout = "60s" # one API call
}

resource "qualys_aws_connector" "prod" {
  name          = "prod"
  arn           = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id   = "USPOD01-4765-prod7f3a"
  wait_for_sync = true # fail the job when Qualys cannot assume the role

  timeouts = {
    create = "10m"
    update = "10m"
    delete = "10m"
  }
}
