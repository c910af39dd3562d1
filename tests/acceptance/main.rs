//! Acceptance tests: the provider binary driven by the real Terraform CLI (and, for the
//! protocol's corners, by a go-plugin client of our own), against qualys-sim on 127.0.0.1.
//! One module per behaviour.

mod api_budget;
mod api_moves;
mod connector_lifecycle;
mod data_sources;
mod examples;
mod failure_paths;
mod functions;
mod import_and_adoption;
mod onboarding;
mod plan_checks;
mod protocol;
mod provider_settings;
mod refresh_and_drift;
mod release;
mod support;
mod sync;
