terraform {
  required_providers {
    qualys = {
      source = "qualys-tf/qualys"
    }
  }
}

# Credentials and the platform come from the environment, so the configuration holds no
# secrets:
#   export QUALYS_USERNAME=... QUALYS_PASSWORD=... QUALYS_PLATFORM=US2
provider "qualys" {
  max_concurrency = 2
  max_retries     = 5
  request_timeout = "60s"
}
